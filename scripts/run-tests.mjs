#!/usr/bin/env node
// `npm test`: every suite the project has, in order, then one line totalling them:
// "N passed, N failed". Suites that need clusters share one lab in its own folder and on its
// own ports (scripts/test-lab.mjs: never the default .kubemark-lab/ a user's lab may run in),
// started here and stopped at the end, pass or fail, if this run started it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { startTestLab, stopTestLab } from './test-lab.mjs';

const only = process.env.KUBEMARK_TEST_SUITES ? new Set(process.env.KUBEMARK_TEST_SUITES.split(',')) : undefined;
const results = [];

function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      out += d.toString();
      if (out.length > 4_000_000) out = out.slice(-1_000_000);
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
  });
}

/** Counts from Node's test runner (TAP) or a plain "N passed, N failed[, N skipped]" line, whichever is last. */
function counts(out) {
  let passed;
  let failed;
  let skipped = 0;
  for (const line of out.split('\n')) {
    let m = /^# pass (\d+)/.exec(line);
    if (m) passed = Number(m[1]);
    m = /^# fail (\d+)/.exec(line);
    if (m) failed = Number(m[1]);
    m = /^# (?:skipped|todo) (\d+)/.exec(line);
    if (m) skipped += Number(m[1]);
    m = /^(?:\w+: )?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?/.exec(line.trim());
    if (m) [passed, failed, skipped] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  }
  return { passed, failed, skipped };
}

async function suite(name, cmd, args, env) {
  if (only && !only.has(name)) return;
  const started = Date.now();
  console.log(`\n=== suite ${name}: ${cmd} ${args.join(' ')}`);
  const { code, out } = await run(cmd, args, env);
  let { passed, failed, skipped } = counts(out);
  if (passed === undefined) passed = 0;
  // A suite that crashed before reporting counts as one failure.
  if (failed === undefined) failed = code === 0 ? 0 : 1;
  if (code !== 0 && failed === 0) failed = 1;
  // Under CI nothing may skip: a skipped test is a test that did not run.
  if (process.env.CI && skipped > 0) {
    console.log(`=== suite ${name}: ${skipped} skipped under CI, counted as failed`);
    failed += skipped;
  }
  results.push({ name, passed, failed, skipped, seconds: (Date.now() - started) / 1000 });
  console.log(`=== suite ${name}: ${passed} passed, ${failed} failed, ${skipped} skipped in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let lab;
try {
  await suite('unit', npm, ['run', '--silent', 'test:unit']);
  const needLab = !only || only.has('cluster') || only.has('vscode') || only.has('faults');
  if (existsSync('lab/build.sh') && (needLab || only.has('lab'))) {
    // Build the lab once for every suite below (each `lab:up` and each lab test's before()
    // would run go's 2-3 s no-op check again): lab/build.sh skips when KUBEMARK_LAB_BUILT
    // names this lab/bin. A failed build is left to the suites' own builds to report.
    console.log('\n=== building the lab for the suites below (lab/build.sh)');
    const b = await run('bash', ['lab/build.sh', 'all']);
    if (b.code === 0) process.env.KUBEMARK_LAB_BUILT = resolve('lab', 'bin');
  }
  if (existsSync('test/lab')) await suite('lab', npm, ['run', '--silent', 'test:lab']);
  if (needLab && (existsSync('test/cluster') || existsSync('test/vscode'))) {
    console.log('\n=== starting the shared lab for the cluster and VS Code suites');
    // Both suites find the lab through KUBEMARK_LAB_DIR; the VS Code suite's lab tests run only when it is set.
    lab = await startTestLab();
    const labEnv = lab.env;
    if (!lab.ok) {
      results.push({ name: 'lab:up', passed: 0, failed: 1, seconds: 0 });
    } else {
      if (existsSync('test/cluster')) await suite('cluster', npm, ['run', '--silent', 'test:cluster'], labEnv);
      if (existsSync('test/vscode')) await suite('vscode', npm, ['run', '--silent', 'test:vscode'], labEnv);
      // Last: it stops, pauses and restarts parts of the lab.
      if (existsSync('test/faults')) await suite('faults', npm, ['run', '--silent', 'test:faults'], labEnv);
    }
  }
} finally {
  if (lab?.started) console.log('\n=== stopping the shared lab');
  await stopTestLab(lab);
}

console.log('\nSuites:');
for (const r of results) console.log(`  ${r.name.padEnd(8)} ${String(r.passed).padStart(4)} passed, ${r.failed} failed, ${r.skipped ?? 0} skipped  (${r.seconds.toFixed(1)} s)`);
const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
const skipped = results.reduce((a, r) => a + (r.skipped ?? 0), 0);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 || results.length === 0 ? 1 : 0;
