// A failed apply says what was applied before it; applying again converges.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { generateObjects, withDefaults } from '../../src/core/manifest';
import { KubemarkError } from '../../src/core/errors';
import { applyAll } from '../../src/cluster/apply';
import { ClusterSession } from '../../src/cluster/session';
import { WORKERS, sessions, describeWithLab } from './lab';

const NS = 'kubemark-apply';
const SA = 'ci-namespaced-only';

describeWithLab('server-side apply', () => {
  const { kc, workers } = sessions();

  after(async () => {
    await workers.core.deleteNamespace({ name: NS }).catch(() => undefined);
    for (const name of [SA, `kubemark-${NS}`]) {
      await workers.objects.delete({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name } }).catch(() => undefined);
      await workers.objects.delete({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name } }).catch(() => undefined);
    }
    await workers.core.deleteNamespacedServiceAccount({ namespace: 'default', name: SA }).catch(() => undefined);
  });

  test('a user who may not create ClusterRoles: the error names the permission and what was applied; an admin re-run converges', async () => {
    // A user allowed everything Deploy applies except the cluster-wide RBAC objects.
    const rbac = 'rbac.authorization.k8s.io/v1';
    await workers.core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: SA } } });
    await workers.objects.create({
      apiVersion: rbac, kind: 'ClusterRole', metadata: { name: SA },
      rules: [{ apiGroups: ['', 'apps'], resources: ['namespaces', 'configmaps', 'secrets', 'serviceaccounts', 'services', 'statefulsets'], verbs: ['get', 'create', 'patch'] }],
    } as never);
    await workers.objects.create({
      apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: SA },
      subjects: [{ kind: 'ServiceAccount', name: SA, namespace: 'default' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: SA },
    } as never);
    const token = (await workers.core.createNamespacedServiceAccountToken({ namespace: 'default', name: SA, body: { spec: { audiences: [], expirationSeconds: 600 } } })).status!.token;
    const cluster = kc.getCluster(kc.getContextObject(WORKERS)!.cluster)!;
    const limited = new KubeConfig();
    limited.loadFromOptions({
      clusters: [cluster], users: [{ name: SA, token }],
      contexts: [{ name: 'limited', cluster: cluster.name, user: SA }], currentContext: 'limited',
    });
    const user = new ClusterSession(limited, 'limited');

    const objects = generateObjects(withDefaults({ image: 'registry.k8s.io/kubemark:v1.37.2', namespace: NS, replicas: 0, mastersKubeconfig: 'apiVersion: v1\nkind: Config\n' }));
    const err = await applyAll(user, objects).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof KubemarkError, String(err));
    assert.match(err.message, /lacks the permission to patch clusterroles\.rbac\.authorization\.k8s\.io at cluster scope \(403 Forbidden\)/);
    assert.match(err.message, new RegExp(`Applied before this: Namespace ${NS}, ConfigMap ${NS}/node-configmap, Secret ${NS}/kubeconfig, ServiceAccount ${NS}/kubemark\\. Running the command again converges\\.`));
    assert.doesNotMatch(err.message + (err.detail ?? ''), new RegExp(token.slice(0, 20)));

    // Everything again, by someone allowed: the objects applied before are taken as they are.
    const applied = await applyAll(workers, objects);
    assert.equal(applied.length, objects.length);
    const again = await applyAll(workers, objects);
    assert.deepEqual(again, applied);
    const sts = await workers.apps.readNamespacedStatefulSet({ namespace: NS, name: 'hollow-node' });
    assert.equal(sts.spec?.replicas, 0);
    const managers = (sts.metadata?.managedFields ?? []).map((m) => `${m.manager}/${m.operation}`);
    assert.ok(managers.includes('kubemark-workbench/Apply'), managers.join());
  });
});
