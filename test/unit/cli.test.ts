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
