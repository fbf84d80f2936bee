import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSameCluster } from '../../../src/core/diagnosis';
import { normalizeServer } from '../../../src/core/diagnosis/sameCluster';

describe('workers = masters', () => {
  test('the same server, written differently, is the same cluster', () => {
    assert.equal(normalizeServer('https://API.example.com/'), 'https://api.example.com:443');
    assert.equal(normalizeServer('https://127.0.0.1:6443'), normalizeServer('https://localhost:6443'));
    const r = checkSameCluster({ server: 'https://api.example.com:443/' }, { server: 'https://api.example.com' });
    assert.equal(r.same, true);
    assert.equal(r.by, 'server');
    assert.match(r.message, /same server \(https:\/\/api\.example\.com\)/);
    assert.ok(r.remedy.some((l) => /--register-with-taints=/.test(l)));
    assert.ok(r.remedy.some((l) => /DaemonSets/.test(l) && /nodeSelector|affinity/.test(l)));
  });

  test('different servers or ports are different clusters', () => {
    assert.equal(checkSameCluster({ server: 'https://127.0.0.1:26443' }, { server: 'https://127.0.0.1:36443' }).same, false);
    assert.deepEqual(checkSameCluster({ server: 'https://a:6443' }, { server: 'https://b:6443' }).remedy, []);
  });

  test('the kube-system UID decides when both are known: two names for one cluster', () => {
    const r = checkSameCluster({ server: 'https://lb.example:6443', kubeSystemUid: 'u-1' }, { server: 'https://10.0.0.1:6443', kubeSystemUid: 'u-1' });
    assert.equal(r.same, true);
    assert.equal(r.by, 'kube-system-uid');
    assert.match(r.message, /kube-system namespace UID u-1/);
    const d = checkSameCluster({ server: 'https://x:6443', kubeSystemUid: 'u-1' }, { server: 'https://x:6443', kubeSystemUid: 'u-2' });
    assert.equal(d.same, false);
    assert.equal(d.by, 'kube-system-uid');
  });

  test('nothing to compare', () => {
    assert.equal(checkSameCluster({ server: '' }, { server: 'https://x' }).by, 'none');
  });
});

import { argsWithFakeImageService } from '../../../src/core/diagnosis';

describe('the --use-host-image-service=false action', () => {
  test('adds the flag after --morph, or replaces an existing one', () => {
    assert.deepEqual(argsWithFakeImageService(['--morph=kubelet', '--v=2']), ['--morph=kubelet', '--use-host-image-service=false', '--v=2']);
    assert.deepEqual(argsWithFakeImageService(['--v=2', '--use-host-image-service=true']), ['--v=2', '--use-host-image-service=false']);
    assert.deepEqual(argsWithFakeImageService(['--use-host-image-service', 'true', '--v=2']), ['--use-host-image-service=false', '--v=2']);
    assert.deepEqual(argsWithFakeImageService(['--name=x']), ['--name=x', '--use-host-image-service=false']);
  });
});
