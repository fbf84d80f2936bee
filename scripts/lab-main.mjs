#!/usr/bin/env node
// `npm run lab`: the main job. Kubemark Workbench, packaged, in a real VS Code (code-server)
// on http://127.0.0.1:8765, pointed at the local lab (two clusters, real hollow nodes).
//
//   node scripts/lab-main.mjs [--skip-lab] [--keep-lab] [--rebuild] [--port N] [--smoke]
//
//   --skip-lab  do not start (or stop) the lab: only the code-server half. The settings
//               still point at the lab's kubeconfig, which may not exist yet.
//   --keep-lab  leave the lab running on exit (it is stopped only when this script started it)
//   --rebuild   run `npm run package` even when kubemark-workbench.vsix looks up to date
//   --port N    code-server's port (default $KUBEMARK_LAB_PORT, else 8765)
//   --smoke     check and exit: open the workbench in headless Chromium, wait for the
//               Kubemark view, save .tmp/lab-main/smoke.png, then clean up as on Ctrl-C
//
// Steps: build what is missing (`npm run build`, `npm run package` → kubemark-workbench.vsix),
// start the lab (`bash lab/lab.sh up`, unless it already runs), install the code-server
// dependencies (`bash scripts/vscode-deps.sh`), install the .vsix into
// .tmp/lab-main/extensions, write code-server's user settings (kubemark.kubeconfig = the lab's
// kubeconfig, kubemark.image = registry.k8s.io/kubemark, a clean window), prepare the
// workspace .tmp/lab-main/workspace (README.md with the next steps, two example manifests; the
// lab's contexts selected in .vscode/settings.json on first start only), start code-server on
// 127.0.0.1 in its own process group, behind a password made for this run (printed once,
// with the URL; scripts/lab-codeserver.mjs), and print the URL.
// Ctrl-C (SIGINT) or SIGTERM stops code-server (its whole process group) and then the lab,
// if this script started it (`bash lab/lab.sh down`). Whether the lab runs is decided by
// `kubemark-labctl status --json`'s exit code (0 running, 1 degraded, 3 stopped), the same
// rule as the Go side's.
//
// Everything code-server sees lives in .tmp/lab-main/ (HOME, XDG_*, TMPDIR, user data,
// extensions), so ~/.kube/config and $KUBECONFIG do not leak in: the contexts offered are
// the lab's. The user data is kept between runs, so the clusters selected once (the
// extension keeps them in its workspace state) are selected again next time.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { elapsed, repoRoot } from '../test/vscode/common.mjs';
import { DEFAULT_SETTINGS, loadDeps, loadPlaywright, tail } from '../test/vscode/session.mjs';
import { login, newPassword, spawnCodeServer, waitHealthy } from './lab-codeserver.mjs';
import { LAB_MASTERS_CONTEXT, LAB_WORKERS_CONTEXT, labWorkspaceSettings } from './lab-settings.mjs';

const T0 = Date.now();
const log = (msg) => console.log(`[lab ${elapsed(T0)}] ${msg}`);

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name, dflt) => { const i = argv.indexOf(name); return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt; };
const known = new Set(['--skip-lab', '--keep-lab', '--rebuild', '--port', '--smoke', '--help', '-h']);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--port') { i++; continue; }
  if (!known.has(argv[i])) { console.error(`lab-main: unknown argument ${argv[i]} (see the top of scripts/lab-main.mjs)`); process.exit(2); }
}
if (flag('--help') || flag('-h')) {
  const lines = readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(1);
  console.log(lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}

const SKIP_LAB = flag('--skip-lab');
const KEEP_LAB = flag('--keep-lab');
const SMOKE = flag('--smoke');
const PORT = Number(option('--port', process.env.KUBEMARK_LAB_PORT || '8765'));
if (!Number.isInteger(PORT) || PORT < 1 || PORT > 65535) { console.error(`lab-main: bad port ${option('--port', process.env.KUBEMARK_LAB_PORT)}`); process.exit(2); }

const LAB_DIR = resolve(process.env.KUBEMARK_LAB_DIR || join(repoRoot, '.kubemark-lab'));
const LAB_KUBECONFIG = join(LAB_DIR, 'kubeconfig');
const LAB_STATE = join(LAB_DIR, 'lab.json');
const VSIX = join(repoRoot, 'kubemark-workbench.vsix');
const ROOT = join(repoRoot, '.tmp/lab-main');
const DIRS = Object.fromEntries(['home', 'tmp', 'config', 'data', 'cache', 'state', 'runtime', 'user-data', 'extensions', 'workspace']
  .map((d) => [d, join(ROOT, d)]));
const SERVER_LOG = join(ROOT, 'code-server.log');
const URL_BASE = `http://127.0.0.1:${PORT}`;
const WORKERS_CONTEXT = LAB_WORKERS_CONTEXT;
const MASTERS_CONTEXT = LAB_MASTERS_CONTEXT;

// ---- what to stop, whatever happens ---------------------------------------------------
let server; // code-server's ChildProcess (leader of its own process group)
let labUp; // `bash lab/lab.sh up` while it runs
let startedLab = false;
let stopping;
const PASSWORD = newPassword(); // code-server's, for this run only; printed once

function run(cmd, args, what) {
  log(`${what}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal})`);
}

/** Runs a command asynchronously (so signals are handled meanwhile); resolves on exit 0. */
function runAsync(cmd, args, what) {
  log(`${what}: ${cmd} ${args.join(' ')}`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: 'inherit' });
    labUp = child;
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      labUp = undefined;
      if (code === 0) resolvePromise();
      else reject(new Error(`${what} failed (exit ${code ?? signal})`));
    });
  });
}

function killGroup(child, sig) {
  try { process.kill(-child.pid, sig); return true; } catch { return false; }
}

async function stopServer() {
  if (!server?.pid) return;
  const child = server;
  server = undefined;
  const exited = child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', r));
  log(`stopping code-server (process group ${child.pid})`);
  killGroup(child, 'SIGTERM');
  const gone = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 5_000))]);
  // The group may still hold the extension host (and a tail of kubectl-free log streams).
  killGroup(child, 'SIGKILL');
  if (!gone) await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
}

/** Stops code-server, then the lab if this script started it. Idempotent. */
function shutdown(reason) {
  stopping ??= (async () => {
    if (reason) log(reason);
    await stopServer();
    if (labUp) { // Ctrl-C while the lab was starting: it got the SIGINT too; wait for it to give up.
      await new Promise((r) => { labUp.once('exit', r); setTimeout(r, 30_000); });
    }
    if (startedLab && !KEEP_LAB) {
      log('stopping the lab: bash lab/lab.sh down');
      const r = spawnSync('bash', [join(repoRoot, 'lab/lab.sh'), 'down'], { cwd: repoRoot, stdio: 'inherit' });
      if (r.status !== 0) log(`lab down exited ${r.status ?? r.signal}; run npm run lab:down`);
    } else if (startedLab) {
      log('leaving the lab running (--keep-lab): npm run lab:down stops it');
    }
  })();
  return stopping;
}

let signals = 0;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    signals++;
    if (signals > 1) {
      log(`${sig} again: killing code-server now`);
      if (server?.pid) killGroup(server, 'SIGKILL');
      process.exit(130);
    }
    shutdown(`${sig}: shutting down`).finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  });
}

// ---- steps ---------------------------------------------------------------------------
function newestMtime(paths) {
  let newest = 0;
  const visit = (p) => {
    let st;
    try { st = statSync(p); } catch { return; }
    if (st.isDirectory()) { for (const n of readdirSync(p)) visit(join(p, n)); } else newest = Math.max(newest, st.mtimeMs);
  };
  paths.forEach((p) => visit(join(repoRoot, p)));
  return newest;
}

function buildWhatIsMissing() {
  if (!existsSync(join(repoRoot, 'dist/extension.js'))) run('npm', ['run', 'build'], 'build');
  const sourcesChanged = existsSync(VSIX) && newestMtime(['src', 'snippets', 'media', 'package.json', 'README.md', 'CHANGELOG.md']) > statSync(VSIX).mtimeMs;
  if (!existsSync(VSIX) || sourcesChanged || flag('--rebuild')) {
    run('npm', ['run', 'package'], existsSync(VSIX) ? 'package (sources changed since the .vsix)' : 'package');
  } else {
    log(`using ${VSIX} (up to date with src/, snippets/, package.json; --rebuild to force)`);
  }
  if (!existsSync(VSIX)) throw new Error(`${VSIX} is missing after npm run package`);
}

/**
 * The lab's state by the one rule (`kubemark-labctl status --json`): 'running' (exit 0),
 * 'degraded' (1: the supervisor runs, a component does not), 'stopped' (3), with lab.json.
 */
function labState() {
  const r = spawnSync('bash', [join(repoRoot, 'lab/lab.sh'), 'status', '--json'], { cwd: repoRoot, env: { ...process.env, KUBEMARK_LAB_DIR: LAB_DIR }, encoding: 'utf8' });
  const state = r.status === 0 ? 'running' : r.status === 1 ? 'degraded' : 'stopped';
  return { state, lab: readJson(LAB_STATE) };
}

async function startLab() {
  const { state, lab } = labState();
  if (state === 'running') {
    log(`the lab already runs in ${LAB_DIR} (Kubernetes ${lab?.kubernetesVersion}); using it, and leaving it running on exit`);
    return lab;
  }
  if (state === 'degraded') {
    // Someone else's lab, partly stopped: lab:up starts only what does not run; it is not ours to stop.
    log(`the lab in ${LAB_DIR} runs but is degraded: starting what does not run, and leaving it running on exit`);
    await runAsync('bash', [join(repoRoot, 'lab/lab.sh'), 'up'], 'starting the missing lab components');
    return readJson(LAB_STATE);
  }
  startedLab = true; // from here on, Ctrl-C stops it (lab.sh down is harmless on a half-started lab)
  await runAsync('bash', [join(repoRoot, 'lab/lab.sh'), 'up'], 'starting the lab');
  if (!existsSync(LAB_KUBECONFIG)) throw new Error(`the lab is up but ${LAB_KUBECONFIG} is missing`);
  try { return JSON.parse(readFileSync(LAB_STATE, 'utf8')); } catch { return undefined; }
}

function readJson(file) {
  try { return JSON.parse(readFileSync(file, 'utf8')); } catch { return undefined; }
}

function writeSettings() {
  const file = join(DIRS['user-data'], 'User/settings.json');
  mkdirSync(join(DIRS['user-data'], 'User'), { recursive: true });
  // Keep what the user changed in an earlier run (when it is plain JSON); ours win.
  const previous = readJson(file) ?? {};
  const settings = {
    ...DEFAULT_SETTINGS,
    ...previous,
    'chat.disableAIFeatures': true,
    'remote.autoForwardPorts': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.startupEditor': 'none',
    'kubemark.kubeconfig': LAB_KUBECONFIG,
    'kubemark.image': 'registry.k8s.io/kubemark',
  };
  writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
  log(`settings: ${file} (kubemark.kubeconfig = ${LAB_KUBECONFIG})`);
}

function prepareWorkspace(version, contexts) {
  const ws = DIRS.workspace;
  mkdirSync(join(ws, 'examples'), { recursive: true });
  const image = `registry.k8s.io/kubemark:${version ?? '<masters version>'}`;
  const selection = contexts.workers === WORKERS_CONTEXT && contexts.masters === MASTERS_CONTEXT
    ? `The lab's clusters are selected: workers \`${WORKERS_CONTEXT}\`, masters \`${MASTERS_CONTEXT}\`
   (set on first start in \`.vscode/settings.json\`; select others with **Kubemark: Select
   Workers Cluster** / **Select Masters Cluster**, or in that file: later runs keep your choice).`
    : `This workspace names workers \`${contexts.workers || '(none)'}\` and masters \`${contexts.masters || '(none)'}\`
   in \`.vscode/settings.json\` (kept from an earlier choice). For the lab, select \`${WORKERS_CONTEXT}\` and
   \`${MASTERS_CONTEXT}\` with **Kubemark: Select Workers Cluster** / **Select Masters Cluster**.`;
  writeFileSync(join(ws, 'README.md'), `# Kubemark Workbench on the local lab

This VS Code (code-server) runs the packaged extension, pointed at the lab's kubeconfig
(\`kubemark.kubeconfig\` = \`${LAB_KUBECONFIG}\`). Two clusters are in it: the **workers**
cluster runs the hollow-node pods, the **masters** cluster is the control plane under test
where the fake nodes register.

## Next steps

1. Open the **Kubemark** view (activity bar, the Kubemark icon).
2. ${selection}
3. Deploy a file as it is: open \`examples/hollow-node-rc.yaml\` (a ReplicationController in the
   form of kubernetes' hollow-node template, in namespace \`kubemark-rc\`) and click
   **Deploy to ${WORKERS_CONTEXT}** above its workload (or the rocket button in the editor title,
   or **Kubemark: Deploy This Manifest** on the file in the explorer; both show on kubemark
   manifests only). It is linted first, as in the Problems panel; the namespace,
   \`node-configmap\` and the \`kubeconfig\` Secret it refers to are created; one question at
   most (its one lint warning): the lab's loopback masters server is expected here and only
   noted in the *Kubemark* output, since the lab's hollow nodes are processes on this machine.
   The tree shows its pods under **Workers → kubemark-rc → hollow-rc**.
4. Or generate one: **Kubemark: Deploy Hollow Nodes** asks the image (\`${image}\`, the masters
   cluster's version; any image name works in the lab, nothing pulls it) and the number of
   replicas (3), then asks once to confirm (**Deploy**, or **Review Manifest…**). Its
   StatefulSet \`hollow-node\` goes under **Workers → kubemark**.
5. Watch the pods reach \`3/3 ready\` and the fake nodes turn Ready under **Masters → Hollow
   nodes** (nodes that no hollow kubelet registered are listed apart, under **Other nodes**); the
   status bar counts hollow nodes only, e.g. \`Kubemark: 3/3 Ready\`.
6. **Kubemark: Tail Logs** (or the icon on the workload's row) follows the hollow nodes' logs
   in the *Kubemark Logs* output, with the known noise suppressed and counted.
7. **Kubemark: Tear Down** (on a namespace or workload row) removes what the extension applied
   and created, found by its label; objects of yours that existed before are left (choose
   *Tear Down and Delete Fake Nodes* to remove the fake nodes too).

\`examples/seed-indented.yaml\` is the hollow-node manifest the project started from: open it
to see the diagnostics and quick fixes (Ctrl+.).

Stop everything with Ctrl-C in the terminal that runs \`npm run lab\`.
`);
  const examples = [['seed-indented.yaml', 'test/fixtures/manifests/seed-indented.yaml'], ['hollow-node-rc.yaml', 'test/fixtures/manifests/hollow-node-rc.yaml']];
  for (const [name, from] of examples) {
    const to = join(ws, 'examples', name);
    if (!existsSync(to)) cpSync(join(repoRoot, from), to);
  }
  return ws;
}

/**
 * The lab's contexts are selected on first start only (when the workspace names none); a
 * context the user set since is kept. Returns the contexts the workspace names now.
 */
function selectLabContexts() {
  const file = join(DIRS.workspace, '.vscode/settings.json');
  mkdirSync(join(DIRS.workspace, '.vscode'), { recursive: true });
  const previous = existsSync(file) ? readJson(file) : undefined;
  if (existsSync(file) && previous === undefined) {
    log(`workspace settings ${file} are not plain JSON (comments?): left as they are; select the lab's contexts in the Kubemark view`);
    return { workers: undefined, masters: undefined };
  }
  const { settings, selected } = labWorkspaceSettings(previous);
  if (selected.length) {
    writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
    log(`first start: selected the lab's contexts (${selected.join(', ')}) in ${file}`);
  } else {
    log(`workspace contexts kept from an earlier run or your choice: workers ${settings['kubemark.workersContext'] || '(none)'}, masters ${settings['kubemark.mastersContext'] || '(none)'}`);
  }
  return { workers: settings['kubemark.workersContext'], masters: settings['kubemark.mastersContext'] };
}

function portFree(port) {
  return new Promise((r) => {
    const srv = createServer();
    srv.once('error', () => r(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => r(true)));
  });
}

async function startCodeServer(deps, ws) {
  if (!(await portFree(PORT))) throw new Error(`port ${PORT} on 127.0.0.1 is in use: set KUBEMARK_LAB_PORT (or --port) to another one`);
  const env = {
    PATH: process.env.PATH,
    LANG: process.env.LANG || 'C.UTF-8',
    HOME: DIRS.home,
    TMPDIR: DIRS.tmp,
    XDG_CONFIG_HOME: DIRS.config,
    XDG_DATA_HOME: DIRS.data,
    XDG_CACHE_HOME: DIRS.cache,
    XDG_STATE_HOME: DIRS.state,
    XDG_RUNTIME_DIR: DIRS.runtime,
    EXTENSIONS_GALLERY: '{}', // no marketplace on a closed network
    KUBEMARK_LAB_DIR: LAB_DIR,
  };
  server = spawnCodeServer({
    deps, port: PORT, password: PASSWORD, configFile: join(ROOT, 'code-server.yaml'), logFile: SERVER_LOG, env, cwd: ROOT,
    args: [
      '--user-data-dir', DIRS['user-data'],
      '--extensions-dir', DIRS.extensions,
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      ws,
    ],
  });
  await waitHealthy(server, URL_BASE, { describeFailure: () => tail(SERVER_LOG) });
  // The workbench page itself, not only the health check: refused without the password, served with it.
  const anonymous = await fetch(`${URL_BASE}/?folder=${encodeURIComponent(ws)}`, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  if (anonymous.status === 200) throw new Error(`${URL_BASE} serves the workbench without the password`);
  const cookie = await login(URL_BASE, PASSWORD);
  if (!cookie) throw new Error(`${URL_BASE} refused the generated password:\n${tail(SERVER_LOG)}`);
  const page = await fetch(`${URL_BASE}/?folder=${encodeURIComponent(ws)}`, { headers: { cookie }, signal: AbortSignal.timeout(10_000) });
  const html = await page.text();
  if (!page.ok || !/workbench/i.test(html)) throw new Error(`${URL_BASE} answered ${page.status} without the workbench`);
  log(`code-server ${deps.codeServerVersion} answers on ${URL_BASE} (pid ${server.pid}, log ${SERVER_LOG}), password-protected`);
  return cookie;
}

/** --smoke: the workbench renders in headless Chromium and shows the Kubemark view. */
async function smoke(deps, url, cookie) {
  const { chromium } = loadPlaywright(deps);
  const profile = join(ROOT, 'chromium-smoke');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: deps.chromium,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  try {
    const [name, value] = [cookie.slice(0, cookie.indexOf('=')), cookie.slice(cookie.indexOf('=') + 1)];
    await context.addCookies([{ name, value, url: URL_BASE }]);
    const page = context.pages()[0] ?? await context.newPage();
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 60_000 });
    const icon = page.locator('.activitybar a[aria-label^="Kubemark"]').first();
    await icon.waitFor({ timeout: 60_000 });
    await icon.click();
    await page.locator('.part.sidebar .monaco-list-row', { hasText: /Workers/ }).first().waitFor({ timeout: 60_000 });
    await page.waitForTimeout(500); // let the layout settle: the picture is for people
    const file = join(ROOT, 'smoke.png');
    await page.screenshot({ path: file });
    log(`smoke: the workbench shows the Kubemark view: ${file}`);
  } finally {
    await context.close().catch(() => {});
  }
}

async function main() {
  for (const d of Object.values(DIRS)) mkdirSync(d, { recursive: true, mode: 0o700 });
  buildWhatIsMissing();
  let lab;
  if (SKIP_LAB) {
    log(`--skip-lab: not starting the lab; settings point at ${LAB_KUBECONFIG}${existsSync(LAB_KUBECONFIG) ? '' : ' (does not exist yet: npm run lab:up)'}`);
    lab = readJson(LAB_STATE);
  } else {
    lab = await startLab();
  }
  const deps = loadDeps(); // bash scripts/vscode-deps.sh, then its deps.json
  log(`installing ${VSIX} into ${DIRS.extensions}`);
  const r = spawnSync(deps.node, [deps.codeServerEntry, '--user-data-dir', DIRS['user-data'], '--extensions-dir', DIRS.extensions,
    '--install-extension', VSIX, '--force'], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: DIRS.home, XDG_CONFIG_HOME: DIRS.config, XDG_DATA_HOME: DIRS.data, TMPDIR: DIRS.tmp, EXTENSIONS_GALLERY: '{}' }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`code-server --install-extension failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  writeSettings();
  const version = lab?.kubernetesVersion ? (String(lab.kubernetesVersion).startsWith('v') ? lab.kubernetesVersion : `v${lab.kubernetesVersion}`) : undefined;
  const contexts = selectLabContexts();
  const ws = prepareWorkspace(version, contexts);
  const cookie = await startCodeServer(deps, ws);
  const url = `${URL_BASE}/?folder=${encodeURIComponent(ws)}`;

  console.log([
    '',
    `  Kubemark Workbench is ready: open ${url}`,
    `  Password (for this run only, shown once): ${PASSWORD}`,
    '',
    SKIP_LAB ? '  (--skip-lab: the lab was not started; npm run lab:up starts it)' : `  Lab: ${LAB_DIR} (Kubernetes ${version ?? '?'}), kubeconfig ${LAB_KUBECONFIG}`,
    contexts.workers === WORKERS_CONTEXT && contexts.masters === MASTERS_CONTEXT
      ? `  Selected: workers ${WORKERS_CONTEXT}, masters ${MASTERS_CONTEXT} (change them in the Kubemark view; later runs keep your choice)`
      : `  This workspace keeps your contexts (workers ${contexts.workers || '(none)'}, masters ${contexts.masters || '(none)'}); for the lab select ${WORKERS_CONTEXT} and ${MASTERS_CONTEXT} in the Kubemark view`,
    '  Next, in the Kubemark view (or F1):',
    '    Open examples/hollow-node-rc.yaml and click "Deploy to <workers>" above it (Deploy This Manifest)',
    `    or run Kubemark: Deploy Hollow Nodes → image registry.k8s.io/kubemark:${version ?? '<masters version>'}, 3 replicas`,
    `  (also in ${join(ws, 'README.md')})`,
    '',
    `  Ctrl-C stops code-server${SKIP_LAB ? '' : startedLab && !KEEP_LAB ? ' and the lab' : ' (the lab keeps running)'}.`,
    '',
  ].join('\n'));

  if (SMOKE) {
    await smoke(deps, url, cookie);
    await shutdown('--smoke: done, shutting down');
    return 0;
  }
  // Wait for Ctrl-C (handled above) or for code-server to exit by itself.
  const code = await new Promise((r) => server.once('exit', (c, s) => r(c ?? s)));
  if (!stopping) {
    log(`code-server exited by itself (${code}); last lines of ${SERVER_LOG}:\n${tail(SERVER_LOG, 20)}`);
    await shutdown();
    return 1;
  }
  return 0;
}

main().then(
  async (code) => { await stopping; process.exit(code); },
  async (err) => {
    log(`ERROR: ${err?.message ?? err}`);
    await shutdown();
    process.exit(1);
  },
);
