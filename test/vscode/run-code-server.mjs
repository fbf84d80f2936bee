#!/usr/bin/env node
// Runs the mocha suite in test/vscode/suite inside a real VS Code: code-server (VS Code's
// server + web workbench, on Node 24) opened in headless Debian Chromium driven by
// playwright-core, with the smoke-test driver's payload loading this extension as the
// extension under development and the suite as its tests. See test/vscode/README.md.
//
//   node test/vscode/run-code-server.mjs      (npm run test:vscode builds first, then runs this)
//
// Ends with one line `N passed, N failed` and exits non-zero when a test failed, none ran,
// or the run timed out. Everything it starts is stopped at the end, pass or fail.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { format } from 'node:util';
import {
  compileSuite, depsCacheDir, elapsed, extensionDir, forwardedEnv, makeWorkspace, parseResultLine, repoRoot, suiteIndex,
} from './common.mjs';

const T0 = Date.now();
const TIMEOUT_MS = Number(process.env.KUBEMARK_VSCODE_TIMEOUT_MS) || 15 * 60_000;
const HEALTHZ_TIMEOUT_MS = 60_000;
const SCREENSHOT_DIR = process.env.KUBEMARK_SCREENSHOT_DIR || join(repoRoot, '.tmp/vscode-test/screenshots');
const KEEP_TMP = process.env.KUBEMARK_KEEP_TMP === '1';
const VERBOSE = process.env.KUBEMARK_VSCODE_VERBOSE === '1';

const LINE_PREFIX = 'KUBEMARK| ';
const log = (msg) => console.log(`[vscode-test ${elapsed(T0)}] ${msg}`);

const state = { server: undefined, context: undefined, scratch: undefined, serverLog: undefined };
let cleaning;

/** Stops Chromium and code-server's whole process group, removes the scratch folder. Idempotent. */
function cleanup() {
  cleaning ??= (async () => {
    if (state.context) {
      await Promise.race([state.context.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
      state.context = undefined;
    }
    if (state.server?.pid) await killGroup(state.server);
    state.server = undefined;
    if (state.scratch && !KEEP_TMP) rmSync(state.scratch, { recursive: true, force: true, maxRetries: 3 });
    else if (state.scratch) log(`kept scratch folder ${state.scratch}`);
  })();
  return cleaning;
}

async function killGroup(child) {
  const pgid = child.pid;
  const exited = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
  const signal = (sig) => { try { process.kill(-pgid, sig); } catch { /* group already gone */ } };
  signal('SIGTERM');
  const gone = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 5_000))]);
  // The group may still hold the extension host and other children after the leader exits.
  signal('SIGKILL');
  if (!gone) await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`${sig}: stopping code-server and Chromium`);
    cleanup().finally(() => { console.log('0 passed, 1 failed'); process.exit(130); });
  });
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

function tail(file, lines = 40) {
  try { return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n'); } catch { return '(no log)'; }
}

async function waitHealthy(url, child) {
  const deadline = Date.now() + HEALTHZ_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-server exited (${child.exitCode ?? child.signalCode}) before answering ${url}:\n${tail(state.serverLog)}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`code-server did not answer ${url} within ${HEALTHZ_TIMEOUT_MS / 1000}s:\n${tail(state.serverLog)}`);
}

function loadDeps() {
  if (process.env.KUBEMARK_VSCODE_SKIP_DEPS !== '1') {
    // Idempotent: ~0.1 s when everything is cached; installs what is missing otherwise.
    const r = spawnSync('bash', [join(repoRoot, 'scripts/vscode-deps.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`scripts/vscode-deps.sh failed (exit ${r.status ?? r.signal})`);
  }
  const file = join(depsCacheDir(), 'deps.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: run bash scripts/vscode-deps.sh`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

function loadPlaywright(deps) {
  // The pinned devDependency when node_modules has it, else the copy in the deps cache.
  const require = createRequire(join(repoRoot, 'package.json'));
  try { return require('playwright-core'); } catch { return createRequire(join(deps.playwrightCore, 'package.json'))(deps.playwrightCore); }
}

async function main() {
  const deps = loadDeps();
  const extDir = extensionDir();
  const n = await compileSuite();
  log(`compiled ${n} suite file(s) into ${dirname(suiteIndex)}`);

  const scratch = (state.scratch = mkdtempSync(join(tmpdir(), 'kubemark-vscode-')));
  const dirs = {};
  for (const d of ['home', 'tmp', 'config', 'data', 'cache', 'state', 'runtime', 'user-data', 'extensions', 'chromium']) {
    dirs[d] = join(scratch, d);
    mkdirSync(dirs[d], { recursive: true, mode: 0o700 });
  }
  const ws = makeWorkspace(scratch);
  mkdirSync(join(dirs['user-data'], 'User'), { recursive: true });
  writeFileSync(join(dirs['user-data'], 'User/settings.json'), JSON.stringify({
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'security.workspace.trust.enabled': false,
    'git.enabled': false,
  }, null, 2));
  mkdirSync(SCREENSHOT_DIR, { recursive: true });

  const scratchEnv = {
    PATH: process.env.PATH,
    LANG: process.env.LANG || 'C.UTF-8',
    HOME: dirs.home,
    TMPDIR: dirs.tmp,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cache,
    XDG_STATE_HOME: dirs.state,
    XDG_RUNTIME_DIR: dirs.runtime,
  };
  // No extension gallery: nothing to look up on a closed network (and no marketplace noise).
  const serverEnv = { ...scratchEnv, EXTENSIONS_GALLERY: '{}' };

  // ---- code-server ---------------------------------------------------------------------
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const configFile = join(scratch, 'code-server.yaml');
  writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  state.serverLog = join(scratch, 'code-server.log');
  const logFd = openSync(state.serverLog, 'a');
  const tServer = Date.now();
  // detached: the server leads its own session and process group (setsid), so the whole
  // group, extension host included, is stopped with one kill(-pgid).
  state.server = spawn(deps.node, [
    deps.codeServerEntry,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--config', configFile,
    '--user-data-dir', dirs['user-data'],
    '--extensions-dir', dirs.extensions,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--vscode-option', 'enable-smoke-test-driver',
  ], { cwd: scratch, env: serverEnv, detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  await waitHealthy(`${origin}/healthz`, state.server);
  log(`code-server ${deps.codeServerVersion} (Node ${deps.nodeVersion}) answers on ${origin} after ${elapsed(tServer)}`);

  // ---- Chromium ------------------------------------------------------------------------
  const { chromium } = loadPlaywright(deps);
  state.context = await chromium.launchPersistentContext(dirs.chromium, {
    executablePath: deps.chromium,
    headless: true,
    env: { ...scratchEnv },
    viewport: { width: 1440, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const page = state.context.pages()[0] ?? await state.context.newPage();

  let result;
  let exitCode;
  let resolveExit;
  const exited = new Promise((r) => { resolveExit = r; });
  let screenshots = Promise.resolve();
  const transcript = [];
  const workbenchLog = [];

  const onLine = (line) => {
    transcript.push(line);
    if (transcript.length > 400) transcript.shift();
    const r = parseResultLine(line);
    if (r) { result = r; return; }
    const shot = /KUBEMARK-SCREENSHOT (\/\S.*\.png)\s*$/.exec(line);
    if (shot) {
      const file = shot[1];
      screenshots = screenshots.then(async () => {
        let status = 'ok';
        try {
          mkdirSync(dirname(file), { recursive: true });
          await page.screenshot({ path: file });
          log(`screenshot ${file}`);
        } catch (e) {
          status = `error: ${e?.message ?? e}`;
          log(`screenshot ${file} failed: ${status}`);
        }
        writeFileSync(`${file}.done`, status);
      });
      return;
    }
    console.log(line);
  };

  // codeAutomationLog(level, args) receives the workbench's log, console arguments included,
  // which carries what the extension host prints. The suite prefixes its lines (and mocha's,
  // and the extension's) with `KUBEMARK| `; the rest is workbench noise, kept for errors.
  await page.exposeFunction('codeAutomationLog', (level, args) => {
    const text = Array.isArray(args) ? format(...args) : String(args);
    for (const l of text.split('\n')) {
      const ours = l.startsWith(LINE_PREFIX);
      if (ours || /KUBEMARK-(RESULT|SCREENSHOT) /.test(l)) onLine(ours ? l.slice(LINE_PREFIX.length) : l.slice(l.indexOf('KUBEMARK-')));
      else {
        workbenchLog.push(`[${level}] ${l}`);
        if (workbenchLog.length > 60) workbenchLog.shift();
        if (VERBOSE) console.log(`  (workbench ${level}) ${l}`);
      }
    }
  });
  await page.exposeFunction('codeAutomationExit', (code) => { exitCode = code; resolveExit(code); });
  page.on('pageerror', (e) => VERBOSE && log(`page error: ${e.message}`));

  const fwd = forwardedEnv();
  const extEnv = {
    ...fwd,
    KUBEMARK_SCREENSHOT_DIR: SCREENSHOT_DIR,
    KUBEMARK_TEST_WORKSPACE: ws,
    KUBEMARK_TEST_RUNNER: 'code-server',
  };
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(extDir)],
    ['extensionTestsPath', remote(suiteIndex)],
    ['extensionEnvironment', JSON.stringify(extEnv)],
  ];
  const url = `${origin}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  log(`opening the workbench in Chromium (extension ${extDir}; forwarding ${Object.keys(fwd).join(', ') || 'no variables'})`);
  const tPage = Date.now();
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  page.waitForSelector('.monaco-workbench', { timeout: 60_000 })
    .then(() => log(`workbench rendered after ${elapsed(tPage)}`))
    .catch(() => {});

  // ---- wait for the suite --------------------------------------------------------------
  const remaining = TIMEOUT_MS - (Date.now() - T0);
  let timedOut = false;
  let serverDied = false;
  await Promise.race([
    exited,
    new Promise((r) => setTimeout(() => { timedOut = true; r(); }, Math.max(remaining, 1_000))),
    new Promise((r) => state.server.once('exit', () => { serverDied = true; r(); })),
  ]);
  await screenshots;

  if (timedOut || serverDied) {
    const shot = join(SCREENSHOT_DIR, 'timeout.png');
    await page.screenshot({ path: shot }).then(() => log(`screenshot of the stuck workbench: ${shot}`), () => {});
    if (timedOut) {
      log(`TIMEOUT: the suite did not finish within ${TIMEOUT_MS / 1000}s (KUBEMARK_VSCODE_TIMEOUT_MS). Last extension-host lines:`);
      console.log(transcript.slice(-30).join('\n') || '(none)');
      log(`last workbench log lines:\n${workbenchLog.slice(-15).join('\n')}`);
    } else {
      log(`code-server exited (${state.server.exitCode ?? state.server.signalCode}) during the run:\n${tail(state.serverLog)}`);
    }
  } else {
    log(`extension host exited with code ${exitCode} after ${elapsed(tPage)}`);
  }
  if (!result && exitCode !== undefined && exitCode !== 0) {
    log(`no KUBEMARK-RESULT line: the suite failed to start. Workbench log tail:\n${workbenchLog.slice(-15).join('\n')}`);
    log(`code-server log tail:\n${tail(state.serverLog, 20)}`);
  }
  return { result, exitCode, timedOut };
}

let outcome;
try {
  outcome = await main();
} catch (err) {
  log(`ERROR: ${err?.stack ?? err}`);
  outcome = { error: err };
} finally {
  await cleanup();
}
const r = outcome.result ?? { passed: 0, failed: 0 };
let failed = r.failed ?? 0;
const passed = r.passed ?? 0;
const ok = !outcome.error && !outcome.timedOut && outcome.exitCode === 0 && failed === 0 && passed > 0;
if (!ok && failed === 0) failed = 1; // an error, timeout or a run with no result counts as one failure
if (r.failures?.length) log(`failed: ${r.failures.join(' | ')}`);
log(`done in ${elapsed(T0)}${outcome.timedOut ? ' (timed out)' : ''}`);
console.log(`${passed} passed, ${failed} failed${r.pending ? `, ${r.pending} skipped` : ''}`);
process.exit(ok ? 0 : 1);
