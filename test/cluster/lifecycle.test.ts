// Against the local lab (real kube-apiservers, real kubemark hollow nodes):
// scaffold → deploy 5 → 5 Ready → logs → stop one → NotReady → delete NotReady → scale to 2 → tear down.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { exportStandaloneKubeconfig } from '../../src/core/kubeconfig';
import { withDefaults } from '../../src/core/manifest';
import { KubemarkError } from '../../src/core/errors';
import { deploy, deleteNotReadyNodes, scaffold, scale, stopHollowNode, teardown } from '../../src/cluster/services';
import { ClusterSession } from '../../src/cluster/session';
import { MastersState, WorkersState } from '../../src/cluster/state';
import { WorkerTailSession } from '../../src/cluster/tailWorker';
import { MASTERS, WORKERS, sessions, waitFor, describeWithLab } from './lab';

const NS = 'kubemark-ci';
const NAME = 'ci-hollow';
const nodeNames = (n: number) => Array.from({ length: n }, (_, i) => `${NAME}-${i}`);

describeWithLab('hollow-node lifecycle against the lab', () => {
  const { kc, workers, masters } = sessions();
  let image = '';
  let mastersKubeconfig = '';
  const workersState = new WorkersState(workers, NS);
  const mastersState = new MastersState(masters);

  before(async () => {
    const v = await masters.version();
    image = `registry.k8s.io/kubemark:${v.gitVersion}`;
    const exported = exportStandaloneKubeconfig(kc, MASTERS);
    mastersKubeconfig = exported.yaml;
    // The lab's masters server is on 127.0.0.1: the export says so.
    assert.ok(exported.warnings.some((w) => /127\.0\.0\.1|loopback|localhost/i.test(w.message)), JSON.stringify(exported.warnings));
    await Promise.all([workersState.start(), mastersState.start()]);
  });

  after(async () => {
    workersState.dispose();
    mastersState.dispose();
    // Leave nothing behind even when a step failed.
    await teardown(workers, masters, { namespace: NS, name: NAME, deleteNodes: true }, () => undefined).catch(() => undefined);
  });

  test('scaffold is idempotent and creates namespace, node-configmap and the kubeconfig Secret', async () => {
    const first = await scaffold(workers, { namespace: NS, contentType: 'application/vnd.kubernetes.protobuf', mastersKubeconfig });
    const again = await scaffold(workers, { namespace: NS, contentType: 'application/vnd.kubernetes.protobuf', mastersKubeconfig });
    assert.deepEqual(first, [`Namespace ${NS}`, `ConfigMap ${NS}/node-configmap`, `Secret ${NS}/kubeconfig`]);
    assert.deepEqual(again, [`Namespace ${NS} (exists, left as it is)`, ...first.slice(1)]);
    const secret = await workers.core.readNamespacedSecret({ namespace: NS, name: 'kubeconfig' });
    assert.deepEqual(Object.keys(secret.data ?? {}).sort(), ['kubelet.kubeconfig', 'kubeproxy.kubeconfig']);
    // The watch-based state sees them too, as slim records with keys and no values.
    await waitFor('the secret in the workers state', () => workersState.secrets.items.get(`${NS}/kubeconfig`));
    assert.deepEqual(workersState.secrets.items.get(`${NS}/kubeconfig`), { name: 'kubeconfig', keys: ['kubelet.kubeconfig', 'kubeproxy.kubeconfig'], managedByUs: true });
  });

  test('deploy 5: preflight, apply, then 5 Ready fake nodes with the labels and extended resources asked for', async () => {
    const progress: string[] = [];
    const warnings: string[] = [];
    const result = await deploy(
      workers,
      masters,
      {
        options: withDefaults({ image, replicas: 5, namespace: NS, name: NAME, mastersKubeconfig, nodeLabels: { 'kubemark.test/pool': 'ci' }, extendedResources: { 'nvidia.com/gpu': '8' } }),
        timeoutMs: 240_000,
        confirmWarnings: async (ws) => {
          warnings.push(...ws.map((w) => w.message));
          return true;
        },
      },
      (m) => progress.push(m),
    );
    assert.equal(result.ready, 5);
    assert.ok(result.applied.includes(`StatefulSet ${NS}/${NAME}`));
    assert.ok(progress.includes('5/5 fake nodes Ready'), progress.join(' | '));
    assert.ok(result.preflight.some((c) => c.id === 'permissions' && c.level === 'ok'));
    assert.ok(result.preflight.some((c) => c.id === 'image-version' && c.level === 'ok'));
    assert.ok(warnings.some((w) => /loopback/.test(w)));
    const node = await masters.core.readNode({ name: `${NAME}-0` });
    assert.equal(node.metadata?.labels?.['kubemark.test/pool'], 'ci');
    assert.equal(String(node.status?.capacity?.['nvidia.com/gpu']), '8');
    await waitFor('5 Ready nodes in the masters state', () => nodeNames(5).every((n) => mastersState.nodes.items.get(n)?.condition === 'Ready'));
    await waitFor('5 running pods in the workers state', () => workersState.pods.items.size === 5 && [...workersState.pods.items.values()].every((p) => p.phase === 'Running'));
    const sts = workersState.statefulSets.items.get(`${NS}/${NAME}`);
    assert.equal(sts?.desired, 5);
  });

  test('logs come back through the workers apiserver: real kubemark lines, noise counted', async () => {
    const shown: string[] = [];
    const pods = { get: (ns: string, pod: string) => workersState.pods.items.get(`${ns}/${pod}`), onChange: (l: () => void) => workersState.pods.onChange(l) };
    const tail = new WorkerTailSession(
      workers,
      [{ namespace: NS, pod: `${NAME}-0`, container: 'hollow-kubelet' }, { namespace: NS, pod: `${NAME}-0`, container: 'hollow-proxy' }],
      { append: (t) => shown.push(...t.split('\n')) },
      pods,
      { tailLines: 5000, flushMs: 50, maxLinesPerSecond: 100_000 },
    ).start();
    try {
      await waitFor('kubemark lines and suppressed noise from both streams', () => shown.some((l) => /Version:|hollow/i.test(l)) && tail.summary().suppressed > 0 && tail.openStreams() === 2, 120_000);
      assert.equal(tail.openStreams(), 2, 'one stream per container');
    } finally {
      tail.stop();
    }
    await tail.done;
    assert.equal(tail.openStreams(), 0);
    const s = tail.summary();
    assert.ok(s.linesSeen > s.suppressed, 'some lines pass');
    assert.ok(s.byPattern.some((p) => p.kind === 'noise' && p.count > 0));
    assert.ok(shown.every((l) => !/KUBE-MARK-DROP|failed to get summary stats/.test(l)), 'noise is not shown');
    assert.equal(shown[shown.length - 1], '── stopped');
  });

  test('stopping the highest hollow node turns its fake node NotReady; Delete NotReady Nodes removes it', async () => {
    // The others stay Ready. On a starved machine a late heartbeat can turn one Unknown for a
    // moment (the lab's grace period is 20 s; Delete NotReady Nodes would then rightly take it
    // too), so they are waited for below; a kubelet saying NotReady is never tolerated.
    const others = new Set(nodeNames(4));
    const sawNotReady: string[] = [];
    const sub = mastersState.nodes.onChange(() => {
      for (const n of others) if (mastersState.nodes.items.get(n)?.condition === 'NotReady' && !sawNotReady.includes(n)) sawNotReady.push(n);
    });
    try {
      const r = await stopHollowNode(workers, NS, `${NAME}-4`);
      assert.equal(r.how, 'scaled-down');
      await waitFor(`${NAME}-4 NotReady`, () => ['NotReady', 'Unknown'].includes(mastersState.nodes.items.get(`${NAME}-4`)?.condition ?? ''), 180_000);
      await waitFor(`${NAME}-0..3 Ready`, () => nodeNames(4).every((n) => mastersState.nodes.items.get(n)?.condition === 'Ready'), 60_000);
    } finally {
      sub.dispose();
    }
    assert.deepEqual(sawNotReady, [], 'no other node was NotReady');
    const deleted = await deleteNotReadyNodes(masters, { namePrefix: `${NAME}-` }, () => undefined);
    assert.deepEqual(deleted, [`${NAME}-4`]);
    await waitFor(`${NAME}-4 gone from the masters state`, () => !mastersState.nodes.items.has(`${NAME}-4`));
  });

  test('scale to 2 removes the pods above', async () => {
    await scale(workers, NS, NAME, 2);
    await waitFor('2 pods', () => [...workersState.pods.items.keys()].sort().join() === `${NS}/${NAME}-0,${NS}/${NAME}-1`, 120_000);
    await waitFor('statefulset at 2', () => workersState.statefulSets.items.get(`${NS}/${NAME}`)?.desired === 2);
  });

  test('tear down leaves nothing of ours behind', async () => {
    const removed = await teardown(workers, masters, { namespace: NS, name: NAME, deleteNodes: true }, () => undefined);
    assert.ok(removed.includes(`StatefulSet ${NS}/${NAME}`), removed.join());
    assert.ok(removed.includes(`Namespace ${NS}`), removed.join());
    const nodes = (await masters.core.listNode({})).items.map((n) => n.metadata?.name ?? '');
    assert.deepEqual(nodes.filter((n) => n.startsWith(`${NAME}-`)), []);
    await waitFor('namespace gone', async () => (await workers.core.listNamespace({ fieldSelector: `metadata.name=${NS}` })).items.length === 0, 120_000);
    const roles = (await workers.objects.list('rbac.authorization.k8s.io/v1', 'ClusterRole')).items.map((r) => r.metadata?.name);
    assert.ok(!roles.includes(`kubemark-${NS}`));
  });
});

describeWithLab('failures say what to do next', () => {
  const { kc, workers } = sessions();

  /** A session on a lab cluster (its CA) with another server address or another user. */
  function sessionWith(server: string, user: { name: string; token?: string }, ofContext = MASTERS): ClusterSession {
    const cluster = kc.getCluster(kc.getContextObject(ofContext)!.cluster)!;
    const k = new KubeConfig();
    k.loadFromOptions({
      clusters: [{ ...cluster, name: 'c', server }],
      users: [{ name: user.name, ...(user.token ? { token: user.token } : {}) }],
      contexts: [{ name: 'ctx', cluster: 'c', user: user.name }],
      currentContext: 'ctx',
    });
    return new ClusterSession(k, 'ctx');
  }

  test('an unreachable server', async () => {
    const s = sessionWith('https://127.0.0.1:1', { name: 'u', token: 'x' });
    await assert.rejects(s.version(), (e: unknown) => e instanceof KubemarkError && /Cannot reach ctx \(https:\/\/127\.0\.0\.1:1\): connection refused\. Check that the cluster is running/.test(e.message));
  });

  test('a bad token', async () => {
    const masters = kc.getCluster(kc.getContextObject(MASTERS)!.cluster)!;
    const s = sessionWith(masters.server, { name: 'u', token: 'not-a-valid-token-1234567890' });
    const err = await s.core.listNode({}).then(() => undefined, (e: unknown) => s.explain(e, 'list nodes'));
    assert.ok(err, 'listing nodes with a bad token must fail');
    assert.match(err.message, /credentials of context ctx .* were rejected \(401 Unauthorized\)/);
    assert.doesNotMatch(err.message + (err.detail ?? ''), /not-a-valid-token/);
  });

  test('missing RBAC: preflight names the permissions, the watch names what it could not list', async () => {
    await workers.core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'ci-nobody' } } }).catch(() => undefined);
    const tr = await workers.core.createNamespacedServiceAccountToken({ namespace: 'default', name: 'ci-nobody', body: { spec: { audiences: [], expirationSeconds: 600 } } });
    const cluster = kc.getCluster(kc.getContextObject(WORKERS)!.cluster)!;
    const s = sessionWith(cluster.server, { name: 'nobody', token: tr.status!.token }, WORKERS);
    const { checkPermissions } = await import('../../src/cluster/preflight');
    const checks = await checkPermissions(s, 'kubemark');
    assert.ok(checks.some((c) => c.level === 'error' && /may not create statefulsets\.apps in namespace kubemark/.test(c.message)), JSON.stringify(checks));
    const state = new WorkersState(s, 'kubemark');
    await state.start();
    try {
      await waitFor('a 403 on the pod watch', () => state.pods.state === 'error');
      assert.match(state.pods.error!.message, /lacks the permission to list pods in namespace kubemark \(403 Forbidden\)/);
    } finally {
      state.dispose();
      await workers.core.deleteNamespacedServiceAccount({ namespace: 'default', name: 'ci-nobody' }).catch(() => undefined);
    }
  });
});
