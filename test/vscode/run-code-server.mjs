#!/usr/bin/env node
// Runs the mocha suite in test/vscode/suite inside a real VS Code: code-server (VS Code's
// server + web workbench, on Node 24) opened in headless Debian Chromium driven by
// playwright-core, with the smoke-test driver's payload loading this extension as the
// extension under development and the suite as its tests. See test/vscode/README.md.
//
//   npm run test:vscode                      (= node test/vscode/run-code-server.mjs)
//   node test/vscode/run-code-server.mjs --no-build   (skip `npm run build`)
//
// Ends with one line `N passed, N failed` and exits non-zero when a test failed, none ran,
// or the run timed out. Everything it starts is stopped at the end, pass or fail.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { format } from 'node:util';
import {
  compileSuite, elapsed, extensionDir, forwardedEnv, makeWorkspace, parseResultLine, repoRoot, suiteIndex,
} from './common.mjs';
import { loadDeps, Session, tail } from './session.mjs';

const T0 = Date.now();
const TIMEOUT_MS = Number(process.env.KUBEMARK_VSCODE_TIMEOUT_MS) || 15 * 60_000;
const SCREENSHOT_DIR = process.env.KUBEMARK_SCREENSHOT_DIR || join(repoRoot, '.tmp/vscode-test/screenshots');
const VERBOSE = process.env.KUBEMARK_VSCODE_VERBOSE === '1';
const LINE_PREFIX = 'KUBEMARK| ';
const log = (msg) => console.log(`[vscode-test ${elapsed(T0)}] ${msg}`);

let session;

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`${sig}: stopping code-server and Chromium`);
    Promise.resolve(session?.stop()).finally(() => { console.log('0 passed, 1 failed'); process.exit(130); });
  });
}

async function main() {
  const deps = loadDeps();
  const extDir = extensionDir();
  const n = await compileSuite();
  log(`compiled ${n} suite file(s) into ${dirname(suiteIndex)}`);

  session = new Session({ deps, log });
  const ws = makeWorkspace(session.root);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const server = await session.startCodeServer({ smokeTestDriver: true });
  const page = await session.launchChromium();

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
        // Written whole, then renamed: the test polls for this file and must never read it
        // created but still empty (it did once, and took the empty status for a failure).
        writeFileSync(`${file}.done.tmp`, status);
        renameSync(`${file}.done.tmp`, `${file}.done`);
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
  const remote = (p) => session.remote(p);
  const payload = [
    ['extensionDevelopmentPath', remote(extDir)],
    ['extensionTestsPath', remote(suiteIndex)],
    ['extensionEnvironment', JSON.stringify(extEnv)],
  ];
  const url = `${session.origin}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
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
    new Promise((r) => server.once('exit', () => { serverDied = true; r(); })),
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
      log(`code-server exited (${server.exitCode ?? server.signalCode}) during the run:\n${tail(session.serverLog)}`);
    }
  } else {
    log(`extension host exited with code ${exitCode} after ${elapsed(tPage)}`);
    if (exitCode !== 0) {
      const shot = join(SCREENSHOT_DIR, 'failure.png');
      await page.screenshot({ path: shot }).then(() => log(`screenshot of the workbench after the failed run: ${shot}`), () => {});
    }
  }
  if (!result && exitCode !== undefined && exitCode !== 0) {
    log(`no KUBEMARK-RESULT line: the suite failed to start. Workbench log tail:\n${workbenchLog.slice(-15).join('\n')}`);
    log(`code-server log tail:\n${tail(session.serverLog, 20)}`);
  }
  return { result, exitCode, timedOut };
}

let outcome;
try {
  outcome = await main();
} catch (err) {
  log(`ERROR: ${(VERBOSE ? err?.stack : err?.message) ?? err}`);
  outcome = { error: err };
} finally {
  await session?.stop();
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
