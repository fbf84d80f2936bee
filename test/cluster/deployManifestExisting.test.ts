// Deploy This Manifest on a file whose ConfigMap and Secret the user had created already: they
// are applied without our labels and field manager, so Tear Down plans and removes only what the
// deploy made (the RC, a ConfigMap of the file that did not exist, the fake nodes) and leaves the
// user's objects and namespace.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';
import { join } from 'node:path';
import { deployManifest } from '../../src/cluster/deployManifest';
import { planTeardown, teardown } from '../../src/cluster/services';
import { createdByUs } from '../../src/cluster/resources';
import { FIELD_MANAGER, MANAGED_BY_LABEL } from '../../src/core/manifest';
import { exportStandaloneKubeconfig } from '../../src/core/kubeconfig';
import { REPO, describeWithLab, sessions } from './lab';

const NS = `km-existing-${Date.now() % 100000}`;

describeWithLab('Deploy This Manifest leaves objects that existed before out of Tear Down', () => {
  const { kc, workers, masters } = sessions();
  const kubeconfig = Buffer.from(exportStandaloneKubeconfig(kc, masters.context).yaml, 'utf8').toString('base64');
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'node-configmap', namespace: NS, labels: { owner: 'user' } }, data: { 'content.type': '' } };
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'kubeconfig', namespace: NS, labels: { owner: 'user' } }, type: 'Opaque', data: { 'kubelet.kubeconfig': kubeconfig, 'kubeproxy.kubeconfig': kubeconfig } };
  const rc = readFileSync(join(REPO, 'test/fixtures/manifests/hollow-node-rc.yaml'), 'utf8').replace(/namespace: kubemark-rc/g, `namespace: ${NS}`).replace('replicas: 2', 'replicas: 1');
  // The file: the namespace, the user's two objects (as JSON documents), one ConfigMap that does not exist yet, the RC.
  const text = [
    `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n`,
    JSON.stringify(configMap), JSON.stringify(secret),
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra-settings\n  namespace: ${NS}\ndata:\n  a: b\n`,
    rc,
  ].join('\n---\n');
  let nodes: string[] = [];

  after(async () => {
    await workers.http.request('DELETE', `/api/v1/namespaces/${NS}`).catch(() => undefined);
    for (const n of nodes) await masters.http.request('DELETE', `/api/v1/nodes/${n}`).catch(() => undefined);
  });

  test('the user created the namespace, node-configmap and the kubeconfig Secret; the deploy applies the file', { timeout: 240_000 }, async () => {
    // The user's namespace, allowed for hollow pods by the lab's own label (not ours: no ownership).
    await workers.http.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'kubemark-lab/hollow-nodes': 'run' } } } });
    await workers.http.request('POST', `/api/v1/namespaces/${NS}/configmaps`, { body: configMap });
    await workers.http.request('POST', `/api/v1/namespaces/${NS}/secrets`, { body: secret });
    const logged: string[] = [];
    const r = await deployManifest(workers, masters, {
      text, defaultNamespace: 'kubemark', timeoutMs: 180_000, lab: true, allowWarnings: true,
      mastersKubeconfig: () => exportStandaloneKubeconfig(kc, masters.context), log: (m) => logged.push(m),
    }, () => undefined);
    nodes = r.nodes;
    assert.deepEqual(r.created, [], 'nothing was missing');
    assert.deepEqual(r.applied.sort(), [
      `ConfigMap ${NS}/extra-settings`,
      `ConfigMap ${NS}/node-configmap (existed: not ours, Tear Down leaves it)`,
      `Namespace ${NS} (exists, left as it is)`,
      `ReplicationController ${NS}/hollow-rc`,
      `Secret ${NS}/kubeconfig (existed: not ours, Tear Down leaves it)`,
    ]);
    assert.equal(r.ready, 1);
    assert.ok(logged.some((l) => /exist and are not ours/.test(l) && l.includes(`Secret ${NS}/kubeconfig`)), logged.join('\n'));
    for (const path of [`/api/v1/namespaces/${NS}/configmaps/node-configmap`, `/api/v1/namespaces/${NS}/secrets/kubeconfig`, `/api/v1/namespaces/${NS}`]) {
      const o = await workers.http.request<any>('GET', path);
      assert.equal(o.metadata.labels?.[MANAGED_BY_LABEL], undefined, `${path}: no managed-by label (${JSON.stringify(o.metadata.labels)})`);
      assert.ok(!(o.metadata.managedFields ?? []).some((f: any) => f.manager === FIELD_MANAGER), `${path}: not applied with our field manager`);
      assert.equal(createdByUs(o), false, path);
    }
    const extra = await workers.http.request<any>('GET', `/api/v1/namespaces/${NS}/configmaps/extra-settings`);
    assert.equal(createdByUs(extra), true, 'the ConfigMap the deploy created is ours');
  });

  test('a hollow-node workload of the file that exists and is not ours: a warning says Deploy takes it over, nothing is applied without a yes', { timeout: 120_000 }, async () => {
    // The fixture RC under another name, created by the user (no labels of ours), with no replicas.
    const usersText = rc.replace(/hollow-rc/g, 'users-rc');
    const rcObj = yaml.load(usersText) as any;
    rcObj.spec.replicas = 0;
    await workers.http.request('POST', `/api/v1/namespaces/${NS}/replicationcontrollers`, { body: rcObj });
    await assert.rejects(
      deployManifest(workers, masters, { text: usersText, defaultNamespace: 'kubemark', timeoutMs: 1000, lab: true, mastersKubeconfig: () => exportStandaloneKubeconfig(kc, masters.context) }, () => undefined),
      /Nothing was applied: .*ReplicationController .*users-rc already exists and was not deployed by Kubemark Workbench: deploying takes it over/,
    );
    const still = await workers.http.request<any>('GET', `/api/v1/namespaces/${NS}/replicationcontrollers/users-rc`);
    assert.equal(createdByUs(still), false, 'left as it was');
    await workers.http.request('DELETE', `/api/v1/namespaces/${NS}/replicationcontrollers/users-rc`);
  });

  test('Tear Down plans and removes what the deploy made, and leaves the user\'s objects and namespace', { timeout: 180_000 }, async () => {
    const plan = await planTeardown(workers, { namespace: NS });
    assert.deepEqual(plan.workloads.map((w) => `${w.kind} ${w.name}`), ['ReplicationController hollow-rc']);
    assert.deepEqual(plan.namespaced.map((w) => `${w.kind} ${w.name}`), ['ConfigMap extra-settings']);
    assert.equal(plan.namespace, undefined, 'the namespace is the user\'s');
    const removed = await teardown(workers, masters, { namespace: NS, deleteNodes: true }, () => undefined);
    assert.deepEqual(removed.filter((x) => !x.startsWith('Node ')).sort(), [`ConfigMap ${NS}/extra-settings`, `ReplicationController ${NS}/hollow-rc`]);
    for (const n of nodes) assert.ok(removed.includes(`Node ${n}`), `Node ${n} in ${JSON.stringify(removed)}`);
    for (const path of [`/api/v1/namespaces/${NS}/configmaps/node-configmap`, `/api/v1/namespaces/${NS}/secrets/kubeconfig`, `/api/v1/namespaces/${NS}`]) {
      const o = await workers.http.request<any>('GET', path);
      assert.equal(o.metadata.deletionTimestamp, undefined, `${path} is left`);
    }
  });
});
