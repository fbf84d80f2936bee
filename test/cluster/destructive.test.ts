// Destructive commands touch only what Kubemark Workbench created, against the lab: objects a
// user made by hand with the same names stay; a real Node is never deleted as "NotReady"; a node
// that changed after it was listed stays; Scale leaves our field manager's name.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { deleteListedNodes, deleteNotReadyNodes, planTeardown, scale, teardown } from '../../src/cluster/services';
import { slimNode } from '../../src/cluster/records';
import { describeWithLab, sessions } from './lab';

const NS = `km-hand-made-${Date.now() % 100000}`;

describeWithLab('destructive commands touch only what we created', () => {
  const { workers, masters } = sessions();
  const post = (path: string, body: unknown) => workers.http.request('POST', path, { body, timeoutMs: 30_000 });

  before(async () => {
    // What a user made by hand with kubectl, with the names our Deploy uses.
    await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await post(`/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'node-configmap' }, data: { 'content.type': '' } });
    await post(`/api/v1/namespaces/${NS}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'kubeconfig' }, data: { 'kubelet.kubeconfig': Buffer.from('x').toString('base64') } });
    await post(`/api/v1/namespaces/${NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'kubemark' } });
    await post(`/apis/apps/v1/namespaces/${NS}/statefulsets`, {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'hollow-node' },
      spec: { replicas: 1, serviceName: 'hollow-node', selector: { matchLabels: { app: 'by-hand' } }, template: { metadata: { labels: { app: 'by-hand' } }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } } },
    });
    await workers.http.request('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', { body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `kubemark-${NS}` }, rules: [] } });
  });

  after(async () => {
    await workers.http.request('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterroles/kubemark-${NS}`).catch(() => undefined);
    await workers.http.request('DELETE', `/api/v1/namespaces/${NS}`).catch(() => undefined);
    await masters.http.request('DELETE', '/api/v1/nodes/km-real-node').catch(() => undefined);
  });

  test('Tear Down of a namespace holding look-alikes made by hand deletes nothing', async () => {
    const plan = await planTeardown(workers, { namespace: NS });
    assert.deepEqual(plan.workloads, []);
    assert.deepEqual(plan.namespaced, []);
    assert.deepEqual(plan.clusterScoped, []);
    assert.equal(plan.namespace, undefined);
    const removed = await teardown(workers, masters, { namespace: NS, deleteNodes: true }, () => undefined);
    assert.deepEqual(removed, []);
    for (const path of [`/api/v1/namespaces/${NS}/configmaps/node-configmap`, `/api/v1/namespaces/${NS}/secrets/kubeconfig`, `/api/v1/namespaces/${NS}/serviceaccounts/kubemark`, `/apis/apps/v1/namespaces/${NS}/statefulsets/hollow-node`, `/apis/rbac.authorization.k8s.io/v1/clusterroles/kubemark-${NS}`, `/api/v1/namespaces/${NS}`]) {
      await workers.http.request('GET', path); // throws if it was deleted
    }
  });

  test('Scale goes through the scale subresource and names our field manager', async () => {
    // (Scaling to 0 leaves no trace to check: a Scale with 0 replicas carries no field.)
    await scale(workers, NS, 'hollow-node', 2);
    const sts = await workers.http.request<any>('GET', `/apis/apps/v1/namespaces/${NS}/statefulsets/hollow-node`);
    assert.equal(sts.spec.replicas, 2);
    assert.ok(sts.metadata.managedFields.some((f: any) => f.manager === 'kubemark-workbench' && f.subresource === 'scale'), JSON.stringify(sts.metadata.managedFields.map((f: any) => [f.manager, f.subresource])));
  });

  test('Delete NotReady Nodes never deletes a real node, and keeps one that changed since it was listed', async () => {
    await masters.http.request('POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'km-real-node' } } });
    const deleted = await deleteNotReadyNodes(masters, {}, () => undefined);
    assert.ok(!deleted.includes('km-real-node'), 'a node without a hollow kubelet stays');
    await masters.http.request('GET', '/api/v1/nodes/km-real-node');
    // As listed, then changed (a heartbeat, a label): the guarded delete leaves it.
    const listed = slimNode(await masters.http.request('GET', '/api/v1/nodes/km-real-node'));
    await masters.http.request('PATCH', '/api/v1/nodes/km-real-node', { body: { metadata: { labels: { touched: 'yes' } } }, contentType: 'application/merge-patch+json' });
    const r = await deleteListedNodes(masters, [listed], () => undefined);
    assert.deepEqual(r, { deleted: [], kept: ['km-real-node'] });
    await masters.http.request('GET', '/api/v1/nodes/km-real-node');
  });
});
