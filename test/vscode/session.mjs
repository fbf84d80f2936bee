// A code-server + headless Chromium session on 127.0.0.1, in a scratch folder, that stops
// everything it started. Used by test/vscode/run-code-server.mjs and scripts/ui-screenshots.mjs.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { depsCacheDir, repoRoot } from './common.mjs';

const HEALTHZ_TIMEOUT_MS = 60_000;

/** Settings that keep the window clean and quiet on a closed network. */
export const DEFAULT_SETTINGS = {
  'chat.disableAIFeatures': true,
  'remote.autoForwardPorts': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
};

/** Runs scripts/vscode-deps.sh (idempotent, ~0.1 s warm) unless KUBEMARK_VSCODE_SKIP_DEPS=1; returns deps.json. */
export function loadDeps() {
  if (process.env.KUBEMARK_VSCODE_SKIP_DEPS !== '1') {
    const r = spawnSync('bash', [join(repoRoot, 'scripts/vscode-deps.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`scripts/vscode-deps.sh failed (exit ${r.status ?? r.signal})`);
  }
  const file = join(depsCacheDir(), 'deps.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: run bash scripts/vscode-deps.sh`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** playwright-core: the pinned devDependency when node_modules has it, else the deps cache's copy. */
export function loadPlaywright(deps) {
  try {
    return createRequire(join(repoRoot, 'package.json'))('playwright-core');
  } catch {
    return createRequire(join(deps.playwrightCore, 'package.json'))(deps.playwrightCore);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function tail(file, lines = 40) {
  try { return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n'); } catch { return '(no log)'; }
}

async function killGroup(child) {
  const exited = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
  const signal = (sig) => { try { process.kill(-child.pid, sig); } catch { /* group already gone */ } };
  signal('SIGTERM');
  const gone = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 5_000))]);
  // The group may still hold the extension host and other children after the leader exits.
  signal('SIGKILL');
  if (!gone) await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
}

export class Session {
  /** @param {{deps: object, log?: (msg: string) => void, keepTmp?: boolean, settings?: object}} opts */
  constructor({ deps, log = () => {}, keepTmp = process.env.KUBEMARK_KEEP_TMP === '1', settings = {} }) {
    this.deps = deps;
    this.log = log;
    this.keepTmp = keepTmp;
    this.root = mkdtempSync(join(tmpdir(), 'kubemark-vscode-'));
    this.dirs = {};
    for (const d of ['home', 'tmp', 'config', 'data', 'cache', 'state', 'runtime', 'user-data', 'extensions', 'chromium']) {
      this.dirs[d] = join(this.root, d);
      mkdirSync(this.dirs[d], { recursive: true, mode: 0o700 });
    }
    mkdirSync(join(this.dirs['user-data'], 'User'), { recursive: true });
    writeFileSync(join(this.dirs['user-data'], 'User/settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, ...settings }, null, 2));
    /** HOME, TMPDIR and XDG_* inside the scratch folder, so nothing leaks in or out. */
    this.env = {
      PATH: process.env.PATH,
      LANG: process.env.LANG || 'C.UTF-8',
      HOME: this.dirs.home,
      TMPDIR: this.dirs.tmp,
      XDG_CONFIG_HOME: this.dirs.config,
      XDG_DATA_HOME: this.dirs.data,
      XDG_CACHE_HOME: this.dirs.cache,
      XDG_STATE_HOME: this.dirs.state,
      XDG_RUNTIME_DIR: this.dirs.runtime,
      // No extension gallery: nothing to look up on a closed network (and no marketplace noise).
      EXTENSIONS_GALLERY: '{}',
    };
    this.serverLog = join(this.root, 'code-server.log');
    this.server = undefined;
    this.context = undefined;
  }

  /** code-server's own CLI, run to completion (e.g. --install-extension). */
  codeServerCli(args) {
    const r = spawnSync(this.deps.node, [this.deps.codeServerEntry, '--user-data-dir', this.dirs['user-data'],
      '--extensions-dir', this.dirs.extensions, ...args], { cwd: this.root, env: this.env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`code-server ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }

  /**
   * Starts code-server on 127.0.0.1:<free port> in its own session and process group
   * (detached = setsid), waits for /healthz. `env` is added to the server's environment,
   * which the extension host inherits.
   */
  async startCodeServer({ smokeTestDriver = false, env = {} } = {}) {
    const port = await freePort();
    this.port = port;
    this.origin = `http://127.0.0.1:${port}`;
    const configFile = join(this.root, 'code-server.yaml');
    writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
    const logFd = openSync(this.serverLog, 'a');
    const t0 = Date.now();
    this.server = spawn(this.deps.node, [
      this.deps.codeServerEntry,
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'none',
      '--config', configFile,
      '--user-data-dir', this.dirs['user-data'],
      '--extensions-dir', this.dirs.extensions,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      ...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    ], { cwd: this.root, env: { ...this.env, ...env }, detached: true, stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    const url = `${this.origin}/healthz`;
    const deadline = Date.now() + HEALTHZ_TIMEOUT_MS;
    for (;;) {
      if (this.server.exitCode !== null || this.server.signalCode !== null) {
        throw new Error(`code-server exited (${this.server.exitCode ?? this.server.signalCode}) before answering ${url}:\n${tail(this.serverLog)}`);
      }
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        if (res.ok) break;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error(`code-server did not answer ${url} within ${HEALTHZ_TIMEOUT_MS / 1000}s:\n${tail(this.serverLog)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    this.log(`code-server ${this.deps.codeServerVersion} (Node ${this.deps.nodeVersion}) answers on ${this.origin} after ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    return this.server;
  }

  /** `vscode-remote://` URI of a path on this machine, as the workbench sees it. */
  remote(path) {
    return `vscode-remote://127.0.0.1:${this.port}${path}`;
  }

  /** Headless Debian Chromium with a fresh profile in the scratch folder; returns its page. */
  async launchChromium({ width = 1440, height = 900 } = {}) {
    const { chromium } = loadPlaywright(this.deps);
    this.context = await chromium.launchPersistentContext(this.dirs.chromium, {
      executablePath: this.deps.chromium,
      headless: true,
      env: { ...this.env },
      viewport: { width, height },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    this.page = this.context.pages()[0] ?? await this.context.newPage();
    return this.page;
  }

  /** Closes Chromium, kills code-server's process group, removes the scratch folder. Idempotent. */
  stop() {
    this.stopping ??= (async () => {
      if (this.context) {
        await Promise.race([this.context.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
        this.context = undefined;
      }
      if (this.server?.pid) await killGroup(this.server);
      this.server = undefined;
      if (this.keepTmp) this.log(`kept scratch folder ${this.root}`);
      else rmSync(this.root, { recursive: true, force: true, maxRetries: 3 });
    })();
    return this.stopping;
  }
}
