// Entry point of the suite that runs inside a real VS Code extension host.
// Both runners load it: test/vscode/run-code-server.mjs (code-server + Chromium, used by
// `npm run test:vscode` and CI) and test/vscode/run-electron.mjs (@vscode/test-electron,
// `npm run test:electron`, for machines that can download VS Code).
//
// Adding tests: drop a `test/vscode/suite/<topic>.test.ts` file using mocha's TDD interface
// (`suite`, `test`, `suiteSetup`, `setup`, ...). Every `*.test.js` compiled next to this
// file runs, in name order; nothing to register.
import * as fs from 'fs';
import * as path from 'path';
import * as util from 'util';
import Mocha from 'mocha';

/**
 * Under code-server everything the extension host prints reaches the runner mixed with the
 * workbench's own log, and VS Code locks `console` in the extension host so it cannot be
 * wrapped: mocha's reporter prints through this instead, each line prefixed so the runner
 * shows only those (plus the KUBEMARK-* marker lines, recognised anywhere).
 */
const LINE_PREFIX = 'KUBEMARK| ';
function prefixMochaOutput(): void {
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) =>
    console.log(util.format(...args).split('\n').map((l) => LINE_PREFIX + l).join('\n'));
}

interface Result {
  passed: number;
  failed: number;
  pending: number;
  failures: string[];
}

/** Printed as `KUBEMARK-RESULT {json}` and written to $KUBEMARK_RESULT_FILE: the runners count from it. */
function report(result: Result): void {
  console.log(`KUBEMARK-RESULT ${JSON.stringify(result)}`);
  const file = process.env.KUBEMARK_RESULT_FILE;
  if (file) fs.writeFileSync(file, JSON.stringify(result));
}

/**
 * Every notification text the extension shows, for the credential-hygiene test: the window's
 * show*Message functions are wrapped before any test runs (a test-side sink, nothing in the
 * extension keeps them).
 */
function recordNotifications(): void {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const vscode = require('vscode') as typeof import('vscode');
  const seen: string[] = [];
  (globalThis as { kubemarkNotifications?: string[] }).kubemarkNotifications = seen;
  const w = vscode.window as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const name of ['showInformationMessage', 'showWarningMessage', 'showErrorMessage']) {
    const original = w[name]!;
    try {
      Object.defineProperty(w, name, {
        configurable: true,
        writable: true,
        value: (...args: unknown[]) => {
          seen.push(args.filter((a) => typeof a === 'string' || (typeof a === 'object' && a !== null && 'detail' in a)).map((a) => (typeof a === 'string' ? a : String((a as { detail?: string }).detail ?? ''))).join('\n'));
          return original.apply(vscode.window, args);
        },
      });
    } catch {
      // A frozen API: the test says so and scans the log instead.
    }
  }
}

export function run(): Promise<void> {
  if (process.env.KUBEMARK_TEST_RUNNER === 'code-server') prefixMochaOutput();
  recordNotifications();
  const mocha = new Mocha({
    ui: 'tdd',
    reporter: 'spec',
    color: false,
    timeout: Number(process.env.KUBEMARK_TEST_TIMEOUT_MS) || 60_000,
  });
  const grep = process.env.KUBEMARK_TEST_GREP;
  if (grep) mocha.grep(grep);

  // The code-server benchmark (bench-lab.test.js) is not a test: only `npm run bench:lab` loads it.
  const bench = process.env.KUBEMARK_BENCH_LAB === '1';
  const files = fs.readdirSync(__dirname).filter((n) => n.endsWith('.test.js') && (n === 'bench-lab.test.js') === bench).sort();
  if (files.length === 0) {
    report({ passed: 0, failed: 1, pending: 0, failures: [`no *.test.js next to ${__filename}`] });
    return Promise.reject(new Error(`no *.test.js files next to ${__filename}: compile the suite first`));
  }
  for (const f of files) mocha.addFile(path.join(__dirname, f));

  return new Promise<void>((resolve, reject) => {
    const failures: string[] = [];
    let runner: Mocha.Runner;
    try {
      runner = mocha.run((failed) => {
        const stats = runner.stats;
        const result: Result = {
          passed: stats?.passes ?? 0,
          failed: stats?.failures ?? failed,
          pending: stats?.pending ?? 0,
          failures,
        };
        report(result);
        if (failed > 0) reject(new Error(`${failed} test(s) failed`));
        else if (result.passed === 0) reject(new Error(grep ? `no test matches KUBEMARK_TEST_GREP=${grep}` : 'no test ran'));
        else resolve();
      });
      runner.on('fail', (t: Mocha.Runnable) => failures.push(t.fullTitle()));
    } catch (err) {
      // A test file that throws while loading lands here.
      report({ passed: 0, failed: 1, pending: 0, failures: [`loading the suite: ${String(err)}`] });
      reject(err);
    }
  });
}
