// "Why Not Ready?" against the lab: each verdict the lab can produce is caused for real (real
// scheduler, real kubemark processes run by the lab's pod runner, real masters apiserver) and
// the collector + engine must name it. Image pulls do not happen in the lab (unit-tested).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { exportStandaloneKubeconfig } from '../../src/core/kubeconfig';
import { KubeObject, generateObjects, toYaml, withDefaults, HollowNodeOptions } from '../../src/core/manifest';
import { applyAll } from '../../src/cluster/apply';
import { scale, teardown } from '../../src/cluster/services';
import { DiagnosisTarget, whyNotReady } from '../../src/cluster/diagnosis';
import { checkWorkersMasters } from '../../src/cluster/sameCluster';
import { readApiserverMetrics } from '../../src/cluster/metrics';
import { COLUMNS, DashboardModel } from '../../src/core/dashboard';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterSession } from '../../src/cluster/session';
import { Diagnosis, EvidenceBundle, VerdictCode, renderDiagnosisMarkdown } from '../../src/core/diagnosis';
import { MASTERS, WORKERS, sessions, waitFor } from './lab';

const NS = 'diag-ci';
const NS_KEY = 'diag-ci-key';
const NS_SERVER = 'diag-ci-server';
const NS_PLAIN = 'diag-ci-plain';

describe('Why Not Ready? against the lab', { concurrency: false }, () => {
  const { kc, workers, masters } = sessions();
  let image = '';
  let mastersKubeconfig = '';
  const deployed: { namespace: string; name: string }[] = [];

  function objects(o: Partial<HollowNodeOptions> & { name: string; namespace: string }, edit?: (kubelet: any, all: KubeObject[]) => void): KubeObject[] {
    const all = generateObjects(withDefaults({ image, replicas: 1, mastersKubeconfig, ...o }));
    const sts = all.find((x) => x.kind === 'StatefulSet') as any;
    edit?.(sts.spec.template.spec.containers.find((c: any) => c.name === 'hollow-kubelet'), all);
    return all;
  }

  async function apply(all: KubeObject[]): Promise<void> {
    await applyAll(workers, all);
    const sts = all.find((x) => x.kind === 'StatefulSet');
    if (sts) deployed.push({ namespace: sts.metadata.namespace as string, name: sts.metadata.name });
  }

  /** Polls the real collector + engine until the verdict has `code`; returns the last result. */
  async function verdict(
    target: DiagnosisTarget,
    namespace: string,
    code: VerdictCode,
    timeoutMs = 120_000,
    manifest?: { uri: string; text: string },
    also: (b: EvidenceBundle) => boolean = () => true,
  ): Promise<{ bundle: EvidenceBundle; diagnosis: Diagnosis }> {
    let last: { bundle: EvidenceBundle; diagnosis: Diagnosis } | undefined;
    try {
      await waitFor(`verdict ${code} for ${JSON.stringify(target)}`, async () => {
        last = await whyNotReady({ workers, masters }, target, { namespace, tailLines: 100, ...(manifest ? { manifest } : {}) });
        return last.diagnosis.code === code && also(last.bundle);
      }, timeoutMs, 1000);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nlast verdict: ${JSON.stringify(last?.diagnosis)}\nproblems: ${JSON.stringify(last?.bundle.problems)}`);
    }
    return last as { bundle: EvidenceBundle; diagnosis: Diagnosis };
  }

  before(async () => {
    const v = await masters.version();
    image = `registry.k8s.io/kubemark:${v.gitVersion}`;
    mastersKubeconfig = exportStandaloneKubeconfig(kc, MASTERS).yaml;
  });

  after(async () => {
    for (const d of deployed) await teardown(workers, masters, { namespace: d.namespace, name: d.name, deleteNodes: true, deleteNamespace: false }, () => undefined).catch(() => undefined);
    for (const ns of [NS, NS_KEY, NS_SERVER, NS_PLAIN]) await workers.core.deleteNamespace({ name: ns }).catch(() => undefined);
  });

  test('ready, then heartbeat-stale once the hollow node is scaled away', async () => {
    await apply(objects({ name: 'diag-ok', namespace: NS }));
    // The kubelet creates its Lease right after registering: wait for both.
    const ok = await verdict({ pod: `${NS}/diag-ok-0` }, NS, 'ready', 180_000, undefined, (b) => b.lease?.renewTime !== undefined);
    assert.match(ok.diagnosis.verdict, /Node diag-ok-0 is Ready/);
    assert.deepEqual(ok.bundle.problems, []);
    assert.ok(ok.bundle.logs.some((l) => l.container === 'hollow-kubelet' && l.lines.length > 0), 'the kubelet log was read');
    assert.equal(ok.bundle.secret?.server, masters.server, 'the server of the Secret is read, nothing else');
    assert.deepEqual(ok.bundle.secret?.keys, ['kubelet.kubeconfig', 'kubeproxy.kubeconfig']);
    const key = /client-key-data: (\S+)/.exec(mastersKubeconfig)?.[1];
    assert.ok(key, 'the lab masters kubeconfig has a client key');
    const json = JSON.stringify(ok);
    assert.ok(!json.includes(key) && !json.includes(key.slice(0, 40)) && !json.includes('BEGIN'), 'no credentials in the bundle or the verdict');

    await scale(workers, NS, 'diag-ok', 0);
    const stale = await verdict({ node: 'diag-ok-0' }, NS, 'heartbeat-stale', 180_000);
    assert.equal(stale.bundle.pod, undefined);
    assert.match(stale.diagnosis.verdict, /Node diag-ok-0 stopped heartbeating .* ago: its hollow-node pod diag-ci\/diag-ok-0 is gone/);
    assert.equal(stale.diagnosis.actions?.[0]?.id, 'deleteNode');
    const md = renderDiagnosisMarkdown(stale.bundle, stale.diagnosis);
    assert.match(md, /\*\*Verdict: `heartbeat-stale`\*\*/);
  });

  test('unschedulable-resources: requests larger than any workers node, with how much is missing', async () => {
    await apply(objects({ name: 'diag-big', namespace: NS, kubelet: { requests: { cpu: '100', memory: '100Mi' } } }));
    const r = await verdict({ pod: `${NS}/diag-big-0` }, NS, 'unschedulable-resources', 60_000);
    assert.match(r.diagnosis.evidence[0]!.text, /FailedScheduling.*0\/3 nodes are available: 3 Insufficient cpu/);
    // 3 KWOK nodes of 32 CPU; the pod asks 100 CPU + 20m (proxy).
    assert.match(r.diagnosis.verdict, /CPU of cpu missing \(the pod requests 100\.02 CPU; the roomiest of 3 workers nodes has 3\d(\.\d+)? CPU free\)/);
    assert.match(r.diagnosis.nextStep, /Lower the hollow-node containers' requests to cpu ≤ 3\d/);
  });

  test('bad-arguments: an unknown flag, linked to the manifest line', async () => {
    const all = objects({ name: 'diag-flag', namespace: NS }, (k) => k.args.push('--bogus-flag=1'));
    const text = toYaml(all);
    await apply(all);
    const r = await verdict({ pod: `${NS}/diag-flag-0` }, NS, 'bad-arguments', 90_000, { uri: 'untitled:diag-flag.yaml', text });
    assert.match(r.diagnosis.verdict, /kubemark does not know the flag --bogus-flag/);
    const loc = r.diagnosis.evidence.find((e) => e.source === 'manifest')?.location;
    assert.ok(loc, JSON.stringify(r.diagnosis.evidence));
    assert.match(text.split('\n')[loc.line] ?? '', /--bogus-flag=1/);
  });

  test('crash-loop: the container keeps exiting', async () => {
    // Exec form (the lab runs no shell scripts): kubemark prints its version and exits, again and again.
    await apply(
      objects({ name: 'diag-crash', namespace: NS }, (k) => {
        k.command = ['/kubemark', '--morph=kubelet', '--version'];
        k.args = [];
      }),
    );
    const r = await verdict({ pod: `${NS}/diag-crash-0` }, NS, 'crash-loop', 90_000);
    assert.match(r.diagnosis.verdict, /hollow-kubelet (restarted \d+ times \(last exit: Completed, exit code 0\)|keeps restarting \(back-off ×\d+, last exit code 0\))/);
  });

  test('not-run: a namespace nobody set up for hollow nodes (no managed-by label): the lab refuses the pod, the verdict says how to fix it', async () => {
    await apply(
      objects({ name: 'diag-plain', namespace: NS_PLAIN }, (_k, all) => {
        const ns = all.find((x) => x.kind === 'Namespace') as any;
        assert.ok(ns, 'the generated objects hold the namespace');
        ns.metadata.labels = {};
      }),
    );
    const r = await verdict({ pod: `${NS_PLAIN}/diag-plain-0` }, NS_PLAIN, 'not-run', 90_000);
    assert.match(r.diagnosis.nextStep, new RegExp(`label namespace ${NS_PLAIN}|${NS_PLAIN}.*managed-by`));
  });

  test('secret-key-missing: the Secret holds the kubeconfig under another key', async () => {
    const all = objects({ name: 'diag-key', namespace: NS_KEY }, (_k, objs) => {
      const s = objs.find((x) => x.kind === 'Secret') as any;
      s.data = { config: s.data['kubelet.kubeconfig'] };
    });
    await apply(all);
    const r = await verdict({ pod: `${NS_KEY}/diag-key-0` }, NS_KEY, 'secret-key-missing', 90_000);
    assert.match(r.diagnosis.verdict, /Secret diag-ci-key\/kubeconfig has no key kubelet\.kubeconfig, kubeproxy\.kubeconfig/);
    assert.deepEqual(r.bundle.secret?.keys, ['config']);
    assert.deepEqual(r.diagnosis.actions?.[0], { id: 'scaffold', title: 'Scaffold Config and Secret', args: { namespace: NS_KEY } });
  });

  test('image-service-unavailable: --use-host-image-service on, no containerd socket', { skip: existsSync('/run/containerd/containerd.sock') ? 'this machine has a containerd socket' : false }, async () => {
    // The image service on (containerd) but no /run/containerd mount: on a node with containerd the
    // lab serves a fake CRI at the mount, so the mount is what must be missing.
    await apply(objects({ name: 'diag-cri', namespace: NS, imageService: 'containerd' }, (_k, objs) => {
      for (const o of objs as any[]) {
        const spec = o.spec?.template?.spec;
        if (!spec) continue;
        const gone = new Set((spec.volumes ?? []).filter((v: any) => v.hostPath?.path?.startsWith('/run/containerd')).map((v: any) => v.name));
        spec.volumes = (spec.volumes ?? []).filter((v: any) => !gone.has(v.name));
        for (const c of spec.containers ?? []) c.volumeMounts = (c.volumeMounts ?? []).filter((m: any) => !gone.has(m.name));
      }
    }));
    const r = await verdict({ pod: `${NS}/diag-cri-0` }, NS, 'image-service-unavailable', 120_000);
    assert.ok(r.diagnosis.evidence.some((e) => e.source === 'log' && /Failed to init image service/.test(e.text)), JSON.stringify(r.diagnosis.evidence));
    assert.deepEqual(r.diagnosis.actions?.map((a) => a.id), ['setUseHostImageServiceFalse']);
  });

  test('masters-unreachable: the Secret points at a port where nothing listens', async () => {
    const wrong = mastersKubeconfig.replace(masters.server, 'https://127.0.0.1:1');
    assert.notEqual(wrong, mastersKubeconfig);
    await apply(objects({ name: 'diag-server', namespace: NS_SERVER, mastersKubeconfig: wrong }));
    const r = await verdict({ pod: `${NS_SERVER}/diag-server-0` }, NS_SERVER, 'masters-unreachable', 120_000);
    assert.match(r.diagnosis.verdict, /cannot reach the masters apiserver at https:\/\/127\.0\.0\.1:1: connection refused/);
    assert.match(r.diagnosis.nextStep, /loopback/);
    assert.equal(r.bundle.mastersNode?.exists, false);
  });
});

describe('workers = masters against the lab', () => {
  const { kc, workers, masters } = sessions();

  test('the lab\'s two clusters are different (different kube-system UIDs)', async () => {
    const r = await checkWorkersMasters(workers, masters);
    assert.equal(r.same, false);
    assert.equal(r.by, 'kube-system-uid');
  });

  test('two contexts on one cluster are the same, by kube-system UID', async () => {
    const r = await checkWorkersMasters(new ClusterSession(kc, WORKERS), workers);
    assert.equal(r.same, true);
    assert.equal(r.by, 'kube-system-uid');
    assert.ok(r.remedy.some((l) => l.includes('--register-with-taints')));
  });
});

describe('dashboard latency from the masters apiserver /metrics (lab)', () => {
  const { kc, masters } = sessions();
  const SA = 'diag-no-metrics';

  after(async () => {
    await masters.core.deleteNamespacedServiceAccount({ namespace: 'default', name: SA }).catch(() => undefined);
  });

  test('an admin reads /metrics: p50/p99 by verb and SLO group land in the model', async () => {
    const model = new DashboardModel();
    const first = await readApiserverMetrics(masters);
    assert.ok(first.ok, JSON.stringify(first).slice(0, 300));
    assert.match(first.text, /^apiserver_request_duration_seconds_bucket\{/m);
    model.observeMetrics(first.text, Date.now());
    // Some traffic between the two reads, so the increase has requests in it.
    for (let i = 0; i < 5; i++) await masters.core.listNode({});
    const second = await readApiserverMetrics(masters);
    assert.ok(second.ok);
    model.observeMetrics(second.text, Date.now());
    model.sample({ nodes: { ready: 0, notReady: 0, unknown: 0 }, pods: { pending: 0, running: 0, succeeded: 0, failed: 0, unknown: 0 } }, Date.now());
    const snap = model.snapshot();
    assert.equal(snap.metrics.state, 'ok');
    const list = snap.fine.values[COLUMNS.indexOf('latency.LIST.p99')]?.[0] as number;
    assert.ok(list > 0 && list < 60, `LIST p99 ${list} s`);
    const cluster = snap.fine.values[COLUMNS.indexOf('latency.readCluster.p99')]?.[0] as number;
    assert.ok(cluster > 0, `cluster-scope read p99 ${cluster} s`);
  });

  test('a user without the permission gets the no-permission state', async () => {
    await masters.core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: SA } } }).catch((e) => {
      if ((e as { code?: number }).code !== 409) throw e;
    });
    const tr = await masters.core.createNamespacedServiceAccountToken({ namespace: 'default', name: SA, body: { spec: { audiences: [], expirationSeconds: 600 } } });
    const cluster = kc.getCluster(kc.getContextObject(MASTERS)!.cluster)!;
    const limited = new KubeConfig();
    limited.loadFromOptions({
      clusters: [cluster],
      users: [{ name: SA, token: tr.status?.token as string }],
      contexts: [{ name: 'limited', cluster: cluster.name, user: SA }],
      currentContext: 'limited',
    });
    const r = await readApiserverMetrics(new ClusterSession(limited, 'limited'));
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.status === 403, JSON.stringify(r));
    assert.ok(!r.ok && !r.message.includes(tr.status?.token as string), 'the token is not in the message');
    const model = new DashboardModel();
    model.metricsFailed(r.ok ? undefined : r.status, r.ok ? '' : r.message, Date.now());
    assert.equal(model.metrics.state, 'no-permission');
    assert.match((model.metrics as { message: string }).message, /forbidden: .*metrics/);
  });
});
