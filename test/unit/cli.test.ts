import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/kubemarkLint';
import { generateHollowNodeManifest, withDefaults } from '../../src/core/manifest';

const root = join(__dirname, '..', '..', '..');
const seed = join(root, 'test', 'fixtures', 'manifests', 'seed-indented.yaml');

function run(args: string[]): { code: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(args, (s) => out.push(s), (s) => err.push(s));
  return { code, out, err };
}

test('one line per finding, FILE:LINE:COL: SEVERITY: MESSAGE [RULE-ID], exit 1 on errors', () => {
  const r = run([seed]);
  assert.equal(r.code, 1);
  assert.equal(r.out.length, 11);
  assert.equal(r.out[0], `${seed}:23:13: error: rbac.authorization.k8s.io/v1beta1 ClusterRole was removed in Kubernetes 1.22: current clusters reject it. Use rbac.authorization.k8s.io/v1. [removed-api-version]`);
  for (const line of r.out) assert.match(line, /^.+:\d+:\d+: (error|warning|info): .+ \[[a-z-]+\]$/);
});

test('exit 0 on a clean generated manifest, 0 with only warnings, 2 on unreadable input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubemark-lint-'));
  const clean = join(dir, 'clean.yaml');
  writeFileSync(clean, generateHollowNodeManifest(withDefaults({ image: 'r/kubemark:v1.37.2' })).yaml);
  assert.deepEqual(run([clean]), { code: 0, out: [], err: [] });
  const warn = join(dir, 'warn.yaml');
  writeFileSync(warn, generateHollowNodeManifest(withDefaults({ image: 'r/kubemark' })).yaml);
  const w = run([warn]);
  assert.equal(w.code, 0);
  assert.ok(w.out.length > 0 && w.out.every((l) => l.includes(': warning: ')));
  const missing = run([join(dir, 'nope.yaml'), clean]);
  assert.equal(missing.code, 2);
  assert.match(missing.err[0]!, /nope\.yaml: cannot read it \(ENOENT\)/);
  assert.equal(run([]).code, 2);
});

test('the bin entry runs the bundled CLI', () => {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'kubemark-lint.js'), seed], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 11);
});

test('--extra-flag, --masters-version and suppression comments reach the rules; bad options exit 2 with the usage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubemark-lint-'));
  const file = join(dir, 'fork.yaml');
  const base = generateHollowNodeManifest(withDefaults({ image: 'r/kubemark:v1.35.0' })).yaml;
  writeFileSync(file, base.replace('- "--v=2"', '- "--node-status-update-frequency=2s"\n            - "--v=2"'));
  const plain = run([file]);
  assert.equal(plain.code, 1);
  assert.ok(plain.out.some((l) => l.endsWith('[unknown-flag]')), plain.out.join('\n'));
  assert.deepEqual(run(['--extra-flag', 'node-status-update-frequency:duration', file]), { code: 0, out: [], err: [] });
  assert.deepEqual(run([`--extra-flag=node-status-update-frequency`, file]).code, 0);
  const skew = run(['--masters-version', 'v1.34.2', '--extra-flag', 'node-status-update-frequency', file]);
  assert.equal(skew.code, 1);
  assert.equal(skew.out.length, 2);
  assert.ok(skew.out.every((l) => l.includes(': error: ') && l.endsWith('[image-version-skew]')));
  const suppressed = join(dir, 'suppressed.yaml');
  writeFileSync(suppressed, `# kubemark-lint-disable image-version-skew\n${base.replace('- "--v=2"', '# kubemark-lint-disable-next-line unknown-flag\n            - "--node-status-update-frequency=2s"\n            - "--v=2"')}`);
  const r = spawnSync(process.execPath, [join(root, 'bin', 'kubemark-lint.js'), '--masters-version=v1.34.2', suppressed], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, '');
  for (const bad of [['--masters-version', 'latest', file], ['--extra-flag', 'x:colour', file], ['--frobnicate', file], ['--masters-version']]) {
    const b = run(bad);
    assert.equal(b.code, 2, bad.join(' '));
    assert.match(b.err.at(-1)!, /^usage: kubemark-lint/);
    assert.match(b.err[0]!, /^kubemark-lint: /);
  }
});
