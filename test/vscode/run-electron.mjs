#!/usr/bin/env node
// Runs the same mocha suite (test/vscode/suite) in desktop VS Code through
// @vscode/test-electron, for contributors whose machine can download VS Code (it cannot on
// the project's CI machines: use `npm run test:vscode`, the code-server runner, there).
//
//   npm run test:electron                      (= node test/vscode/run-electron.mjs [--no-build])
//   VSCODE_TEST_VERSION=1.100.0 npm run test:electron
//
// Same contract as the code-server runner: forwards KUBECONFIG, KUBEMARK_LAB_DIR,
// KUBEMARK_TEST_GREP and every other KUBEMARK_* variable to the extension host, opens a temp
// copy of test/fixtures/workspace, ends with `N passed, N failed`, exits non-zero on failure.
// Screenshots are not supported here (helpers.screenshot() returns undefined).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { compileSuite, elapsed, extensionDir, forwardedEnv, makeWorkspace, suiteIndex } from './common.mjs';

const T0 = Date.now();
const log = (msg) => console.log(`[vscode-test ${elapsed(T0)}] ${msg}`);

const scratch = mkdtempSync(join(tmpdir(), 'kubemark-vscode-electron-'));
const resultFile = join(scratch, 'result.json');
let error;
try {
  const extDir = extensionDir();
  const n = await compileSuite();
  log(`compiled ${n} suite file(s)`);
  const ws = makeWorkspace(scratch);
  await runTests({
    version: process.env.VSCODE_TEST_VERSION || 'stable',
    extensionDevelopmentPath: extDir,
    extensionTestsPath: suiteIndex,
    // User data and extensions live in .vscode-test/ (the default); no other extension runs.
    launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    extensionTestsEnv: {
      ...forwardedEnv(),
      KUBEMARK_RESULT_FILE: resultFile,
      KUBEMARK_TEST_WORKSPACE: ws,
      KUBEMARK_TEST_RUNNER: 'electron',
    },
  });
} catch (err) {
  error = err;
  log(`ERROR: ${err?.message ?? err}`);
}

let result = { passed: 0, failed: 0 };
try { result = JSON.parse(readFileSync(resultFile, 'utf8')); } catch { /* the suite never reported */ }
rmSync(scratch, { recursive: true, force: true });
let { passed = 0, failed = 0 } = result;
const ok = !error && failed === 0 && passed > 0;
if (!ok && failed === 0) failed = 1; // an error or a run with no result counts as one failure
if (result.failures?.length) log(`failed: ${result.failures.join(' | ')}`);
log(`done in ${elapsed(T0)}`);
console.log(`${passed} passed, ${failed} failed${result.pending ? `, ${result.pending} skipped` : ''}`);
process.exit(ok ? 0 : 1);
