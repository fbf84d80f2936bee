import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKubeConfig } from '../../../src/core/kubeconfig';
import { labOf } from '../../../src/cluster/lab';

const KUBECONFIG = (names: string[]) => ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: c', '  cluster: {server: "https://127.0.0.1:26443"}', 'users:', '- name: u', '  user: {token: t}', 'contexts:',
  ...names.flatMap((n) => [`- name: ${n}`, '  context: {cluster: c, user: u}']), ''].join('\n');

test('the lab is recognised by its two contexts and the lab.json beside the kubeconfig they come from', () => {
  const dir = mkdtempSync(join(tmpdir(), 'km-lab-'));
  try {
    const lab = join(dir, 'lab');
    const other = join(dir, 'other');
    mkdirSync(lab);
    mkdirSync(other);
    writeFileSync(join(lab, 'kubeconfig'), KUBECONFIG(['kubemark-lab-workers', 'kubemark-lab-masters']));
    writeFileSync(join(other, 'kubeconfig'), KUBECONFIG(['prod-workers', 'kubemark-lab-masters-copy']));
    writeFileSync(join(lab, 'lab.json'), JSON.stringify({ contexts: { workers: 'kubemark-lab-workers', masters: 'kubemark-lab-masters' } }));
    const { kubeConfig: kc } = loadKubeConfig({ kubeconfigEnv: `${join(lab, 'kubeconfig')}:${join(other, 'kubeconfig')}`, homeDir: dir });
    assert.deepEqual(labOf(kc, 'kubemark-lab-workers', 'kubemark-lab-masters'), { dir: lab, workers: 'kubemark-lab-workers', masters: 'kubemark-lab-masters' });
    assert.equal(labOf(kc, 'prod-workers', 'kubemark-lab-masters'), undefined, 'one context from elsewhere: not the lab');
    assert.equal(labOf(kc, 'kubemark-lab-masters', 'kubemark-lab-workers'), undefined, 'roles swapped: not as lab.json says');
    assert.equal(labOf(kc, 'kubemark-lab-workers', undefined), undefined);
    rmSync(join(lab, 'lab.json'));
    assert.equal(labOf(kc, 'kubemark-lab-workers', 'kubemark-lab-masters'), undefined, 'same names without lab.json: not the lab');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
