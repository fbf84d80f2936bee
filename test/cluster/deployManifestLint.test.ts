// Deploy This Manifest lints as the Problems panel does: with the user's kubemark.lint.extraFlags
// (a fork's flag is not an error) and with the masters version (an image newer than the lab's
// masters is). The deploy is cancelled as soon as lint has passed, so nothing is applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LintFailedError, deployManifest } from '../../src/cluster/deployManifest';
import { CancelledError } from '../../src/core/errors';
import { exportStandaloneKubeconfig } from '../../src/core/kubeconfig';
import { REPO, describeWithLab, sessions } from './lab';

const NS = `km-lint-${Date.now() % 100000}`;
const RC = readFileSync(join(REPO, 'test/fixtures/manifests/hollow-node-rc.yaml'), 'utf8').replace(/namespace: kubemark-rc/g, `namespace: ${NS}`);

/** A cancel signal that fires once progress reaches `step`: what ran before it is what is tested. */
function cancelAt(step: RegExp) {
  const listeners: Array<() => void> = [];
  let cancelled = false;
  const steps: string[] = [];
  return {
    steps,
    token: {
      get isCancellationRequested() { return cancelled; },
      onCancellationRequested(f: () => void) { listeners.push(f); return { dispose: () => undefined }; },
    },
    progress: (m: string) => {
      steps.push(m);
      if (!cancelled && step.test(m)) { cancelled = true; listeners.forEach((f) => f()); }
    },
  };
}

describeWithLab('Deploy This Manifest lints with the extra flags and the masters version', () => {
  const { kc, workers, masters } = sessions();
  const base = { defaultNamespace: 'kubemark', timeoutMs: 1000, lab: true, allowWarnings: true, mastersKubeconfig: () => exportStandaloneKubeconfig(kc, masters.context) };

  test('a flag of a fork is an error without kubemark.lint.extraFlags, and passes lint with it', async () => {
    const forked = RC.replace('        - --morph=kubelet\n', '        - --morph=kubelet\n        - --fork-only-flag=3\n');
    assert.notEqual(forked, RC);
    await assert.rejects(deployManifest(workers, masters, { ...base, text: forked }, () => undefined),
      (e: unknown) => e instanceof LintFailedError && e.findings.some((f) => f.ruleId === 'unknown-flag' && /fork-only-flag/.test(f.message)));
    const c = cancelAt(/^Looking for the namespace/);
    await assert.rejects(deployManifest(workers, masters, { ...base, text: forked, lintOptions: { extraFlags: ['fork-only-flag:int'] } }, c.progress, c.token),
      (e: unknown) => e instanceof CancelledError && /before applying anything/.test(e.message));
    assert.ok(c.steps.some((s) => /^Looking for the namespace/.test(s)), `got past lint: ${JSON.stringify(c.steps)}`);
    await assert.rejects(workers.http.request('GET', `/api/v1/namespaces/${NS}`), (e: { statusCode?: number }) => e.statusCode === 404, 'nothing applied');
  });

  test('an image newer than the masters version is an error (the version read from masters), one within skew is not', async () => {
    const v = await masters.version();
    const minor = Number(/^v1\.(\d+)/.exec(v.gitVersion)?.[1]);
    assert.ok(minor > 0, `masters version ${v.gitVersion}`);
    const newer = RC.replace(/kubemark:v1\.37\.2/g, `kubemark:v1.${minor + 1}.0`);
    await assert.rejects(deployManifest(workers, masters, { ...base, text: newer }, () => undefined),
      (e: unknown) => e instanceof LintFailedError && e.findings.some((f) => f.ruleId === 'image-version-skew' && /newer than the masters cluster/.test(f.message)));
    // Given by the editor (the masters version it holds), the same.
    await assert.rejects(deployManifest(workers, masters, { ...base, text: newer, lintOptions: { mastersVersion: v.gitVersion } }, () => undefined),
      (e: unknown) => e instanceof LintFailedError && e.findings.some((f) => f.ruleId === 'image-version-skew'));
    const same = RC.replace(/kubemark:v1\.37\.2/g, `kubemark:v1.${minor}.0`);
    const c = cancelAt(/^Looking for the namespace/);
    await assert.rejects(deployManifest(workers, masters, { ...base, text: same }, c.progress, c.token), (e: unknown) => e instanceof CancelledError);
    assert.ok(c.steps.some((s) => /^Looking for the namespace/.test(s)), `got past lint: ${JSON.stringify(c.steps)}`);
  });
});
