// npm run test:lab — the local kubemark lab end to end.
// Brings the lab up through the same entry as `npm run lab:up` (lab/lab.sh) in a
// temporary KUBEMARK_LAB_DIR with shifted ports, applies the hollow-node manifest
// (3 replicas) to the workers cluster and checks, with kubectl (the lab's built-in one,
// an independent client) and with @kubernetes/client-node (the project's client), that real
// hollow nodes register in the masters cluster, that their logs come back
// through the workers apiserver, that deleting a pod turns its node NotReady and
// that lab:down leaves no process behind.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { hollowNodeManifest } from './manifest.mjs';
import { REPO, run, waitFor, processesOfLab, labStatus, kubectl as labKubectl } from './helpers.mjs';

// A fresh state dir inside the repo's git-ignored .kubemark-lab-test/ — never inside the
// default .kubemark-lab/ of a user's own lab — and not under /tmp: as root the pod runner
// gives each hollow container a private /tmp, which it can only do when the lab itself lives
// elsewhere; under /tmp it falls back to cleaning up after the containers.
const LAB_PARENT = path.join(REPO, '.kubemark-lab-test');
mkdirSync(LAB_PARENT, { recursive: true });
const LAB_DIR = process.env.KUBEMARK_LAB_TEST_DIR ?? mkdtempSync(path.join(LAB_PARENT, 'run-'));
const ENV = {
  KUBEMARK_LAB_DIR: LAB_DIR,
  // keep clear of a developer's own lab on the default ports
  KUBEMARK_LAB_PORT_OFFSET: process.env.KUBEMARK_LAB_TEST_PORT_OFFSET ?? '100',
};
const KUBECONFIG = path.join(LAB_DIR, 'kubeconfig');
const WORKERS = 'kubemark-lab-workers';
const MASTERS = 'kubemark-lab-masters';
const REPLICAS = 3;
const NODE_LABELS = { 'kubemark-lab/test': 'yes', 'topology.kubernetes.io/zone': 'lab-a' };
const NS = 'kubemark';

const kubectl = (ctx, args, opts = {}) => labKubectl(KUBECONFIG, ctx, args, opts);
const lab = (verb, ...args) => run('bash', [path.join(REPO, 'lab', 'lab.sh'), verb, ...args], { env: ENV, timeoutMs: 90 * 60_000, echo: true });

function kc(context) {
  const c = new k8s.KubeConfig();
  c.loadFromFile(KUBECONFIG);
  c.setCurrentContext(context);
  return c;
}

function ready(node) {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

let labUp = false;

describe('kubemark lab', { timeout: 100 * 60_000 }, () => {
  before(async () => {
    // Build first (cold: minutes; warm: seconds), so that `up` itself is timed on its own.
    const b = await run('bash', [path.join(REPO, 'lab', 'build.sh')], { timeoutMs: 90 * 60_000, echo: true });
    assert.equal(b.code, 0, `lab build failed:\n${b.stderr.slice(-3000)}`);
    if (process.env.KUBEMARK_LAB_TEST_DIR) {
      // the test purges its lab when done: it runs only its own, never one already running there
      const st = await labStatus(ENV);
      assert.equal(st.code, 3, `a lab runs in ${LAB_DIR} (status --json exit ${st.code}, not 3): the test runs only its own lab; unset KUBEMARK_LAB_TEST_DIR (a fresh folder) or stop that lab first`);
    }
  });

  after(async () => {
    if (labUp) await lab('down', '--purge');
    if (!process.env.KUBEMARK_LAB_TEST_DIR) rmSync(LAB_DIR, { recursive: true, force: true });
    try { rmdirSync(LAB_PARENT); } catch { /* not empty: another test lab */ }
  });

  it('comes up with `lab:up` and writes kubeconfig and lab.json', async () => {
    const t0 = Date.now();
    const r = await lab('up');
    // a given folder held no running lab (before): a failed up's leftovers are the test's own too,
    // but only a fresh folder is purged after a failed up
    labUp = r.code === 0 || !process.env.KUBEMARK_LAB_TEST_DIR;
    assert.equal(r.code, 0, `lab up failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    console.log(`lab up took ${((Date.now() - t0) / 1000).toFixed(1)} s (including a no-op build)`);
    const state = JSON.parse(readFileSync(path.join(LAB_DIR, 'lab.json'), 'utf8'));
    assert.equal(state.kubeconfig, KUBECONFIG);
    assert.deepEqual(state.contexts, { workers: WORKERS, masters: MASTERS });
    assert.ok(state.readyAt, 'lab.json has readyAt');
    const names = state.components.map((c) => c.name).sort();
    assert.deepEqual(names, ['etcd', 'kwok', 'masters-apiserver', 'masters-controller-manager', 'masters-scheduler', 'podrunner',
      'workers-apiserver', 'workers-controller-manager', 'workers-scheduler']);
    const st = await lab('status');
    assert.equal(st.code, 0, `lab status reports a problem:\n${st.stdout}`);
  });

  it('serves both clusters (kubectl and client-node)', async () => {
    for (const ctx of [WORKERS, MASTERS]) {
      const v = await kubectl(ctx, ['version', '-o', 'json']);
      assert.equal(v.code, 0, v.stderr);
      assert.match(JSON.parse(v.stdout).serverVersion.gitVersion, /^v1\.\d+\.\d+$/);
      const nodes = await kc(ctx).makeApiClient(k8s.CoreV1Api).listNode();
      if (ctx === WORKERS) {
        assert.ok(nodes.items.length >= 1 && nodes.items.every(ready), 'KWOK nodes are Ready in the workers cluster');
      }
    }
    const users = readFileSync(KUBECONFIG, 'utf8');
    assert.match(users, /client-certificate-data/, 'masters context authenticates with a client certificate');
    assert.match(users, /token:/, 'workers context authenticates with a token');
  });

  it(`runs the generated manifest: ${REPLICAS} Ready fake nodes with the asked labels and resources`, async () => {
    const exported = await kubectl(MASTERS, ['config', 'view', '--minify', '--flatten']);
    assert.equal(exported.code, 0, exported.stderr);
    const manifest = hollowNodeManifest({ replicas: REPLICAS, mastersKubeconfig: exported.stdout, nodeLabels: NODE_LABELS });
    const t0 = Date.now();
    const applied = await kubectl(WORKERS, ['apply', '-f', '-'], { input: manifest });
    assert.equal(applied.code, 0, applied.stderr);

    const masters = kc(MASTERS).makeApiClient(k8s.CoreV1Api);
    const nodes = await waitFor(`${REPLICAS} Ready hollow nodes in the masters cluster`, async () => {
      const list = await masters.listNode();
      const hollow = list.items.filter((n) => n.metadata.name.startsWith('hollow-node-') && ready(n));
      return hollow.length === REPLICAS ? hollow : false;
    }, { timeoutMs: 180_000, intervalMs: 1000 });
    console.log(`apply -> ${REPLICAS} Ready fake nodes: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (const n of nodes) {
      for (const [k, v] of Object.entries(NODE_LABELS)) assert.equal(n.metadata.labels[k], v, `label ${k} on ${n.metadata.name}`);
      assert.equal(n.status.capacity['nvidia.com/gpu'], '8', `extended resource on ${n.metadata.name}`);
      assert.equal(n.status.allocatable['nvidia.com/gpu'], '8');
    }
    // the same through kubectl
    const k = await kubectl(MASTERS, ['get', 'nodes', '-l', 'kubemark-lab/test=yes', '-o', 'json']);
    assert.equal(k.code, 0, k.stderr);
    const knodes = JSON.parse(k.stdout).items;
    assert.deepEqual(knodes.map((n) => n.metadata.name).sort(), ['hollow-node-0', 'hollow-node-1', 'hollow-node-2']);
    assert.ok(knodes.every(ready));
    // pods are Running on KWOK nodes of the workers cluster
    const pods = JSON.parse((await kubectl(WORKERS, ['-n', NS, 'get', 'pods', '-o', 'json'])).stdout).items;
    assert.equal(pods.length, REPLICAS);
    for (const p of pods) {
      assert.equal(p.status.phase, 'Running');
      assert.match(p.spec.nodeName, /^kwok-worker-/);
    }
  });

  it('returns the real kubemark logs through the workers apiserver (kubectl, client-node, follow)', async () => {
    const kl = await waitFor('hollow-kubelet log lines', async () => {
      const r = await kubectl(WORKERS, ['-n', NS, 'logs', 'hollow-node-0', '-c', 'hollow-kubelet']);
      return r.code === 0 && /hollow-kubelet/.test(r.stdout) ? r.stdout : false;
    }, { timeoutMs: 30_000 });
    assert.match(kl, /Using .* as root dir for hollow-kubelet/);
    const proxyLog = await kubectl(WORKERS, ['-n', NS, 'logs', 'hollow-node-0', '-c', 'hollow-proxy']);
    assert.equal(proxyLog.code, 0, proxyLog.stderr);
    assert.ok(proxyLog.stdout.split('\n').length > 3, 'hollow-proxy wrote log lines');
    assert.doesNotMatch(proxyLog.stdout, /panic:/);

    const workers = kc(WORKERS);
    const text = await workers.makeApiClient(k8s.CoreV1Api).readNamespacedPodLog({ name: 'hollow-node-1', namespace: NS, container: 'hollow-kubelet', tailLines: 50 });
    assert.ok(text.trim().split('\n').length > 1, 'client-node reads the log');
    assert.match(text, /^[IWE]\d{4} /m, 'klog lines');

    // follow: new lines arrive while the hollow kubelet runs
    const lines = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(...chunk.toString().split('\n').filter(Boolean)); cb(); } });
    const ctl = await new k8s.Log(workers).log(NS, 'hollow-node-1', 'hollow-kubelet', sink, { follow: true, tailLines: 1 });
    try {
      await waitFor('followed log lines', () => lines.length >= 2, { timeoutMs: 45_000 });
    } finally {
      ctl.abort();
    }
  });

  it('fails a bad flag exactly as a real cluster would (shell-form command)', async () => {
    const pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'bad-flag', namespace: NS },
      spec: {
        containers: [{
          name: 'hollow-kubelet', image: 'registry.k8s.io/kubemark:v1.37.2',
          command: ['/bin/sh', '-c', '/kubemark --morph=kubelet --name=$(NODE_NAME) --kubeconfig=/kubeconfig/kubelet.kubeconfig $(CONTENT_TYPE)'],
          env: [
            { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'CONTENT_TYPE', valueFrom: { configMapKeyRef: { name: 'node-configmap', key: 'content.type' } } },
          ],
          volumeMounts: [{ name: 'kubeconfig-volume', mountPath: '/kubeconfig' }],
        }],
        volumes: [{ name: 'kubeconfig-volume', secret: { secretName: 'kubeconfig' } }],
      },
    };
    const r = await kubectl(WORKERS, ['apply', '-f', '-'], { input: JSON.stringify(pod) });
    assert.equal(r.code, 0, r.stderr);
    // the seed's bare $(CONTENT_TYPE) positional argument is rejected by kubemark itself
    await waitFor('the kubemark error in the pod log', async () => {
      const l = await kubectl(WORKERS, ['-n', NS, 'logs', 'bad-flag', '-c', 'hollow-kubelet']);
      return /does not take any arguments/.test(l.stdout + l.stderr);
    }, { timeoutMs: 60_000 });
    const del = await kubectl(WORKERS, ['-n', NS, 'delete', 'pod', 'bad-flag', '--wait=false']);
    assert.equal(del.code, 0, del.stderr);
  });

  it('reads the kubeconfig from the real Secret (a wrong one fails as it would for a user)', async () => {
    const wrong = [
      'apiVersion: v1', 'kind: Config', 'current-context: c',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]',
      'contexts: [{name: c, context: {cluster: c, user: u}}]', 'users: [{name: u, user: {token: nope}}]', '',
    ].join('\n');
    const objs = {
      apiVersion: 'v1', kind: 'List', items: [
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'wrong-kubeconfig', namespace: NS }, stringData: { 'kubelet.kubeconfig': wrong } },
        {
          apiVersion: 'v1', kind: 'Pod', metadata: { name: 'wrong-kubeconfig', namespace: NS },
          spec: {
            containers: [{
              name: 'hollow-kubelet', image: 'registry.k8s.io/kubemark:v1.37.2', command: ['/kubemark'],
              args: ['--morph=kubelet', '--name=wrong-kubeconfig', '--kubeconfig=/etc/kc/kubelet.kubeconfig', '--use-host-image-service=false'],
              volumeMounts: [{ name: 'kc', mountPath: '/etc/kc', readOnly: true }],
            }],
            volumes: [{ name: 'kc', secret: { secretName: 'wrong-kubeconfig' } }],
          },
        },
      ],
    };
    const r = await kubectl(WORKERS, ['apply', '-f', '-'], { input: JSON.stringify(objs) });
    assert.equal(r.code, 0, r.stderr);
    await waitFor('the connection error in the pod log', async () => {
      const l = await kubectl(WORKERS, ['-n', NS, 'logs', 'wrong-kubeconfig']);
      return /127\.0\.0\.1:1\b.*connection refused/.test(l.stdout);
    }, { timeoutMs: 60_000 });
    const del = await kubectl(WORKERS, ['-n', NS, 'delete', 'pod/wrong-kubeconfig', 'secret/wrong-kubeconfig', '--wait=false']);
    assert.equal(del.code, 0, del.stderr);
  });

  const eventsOf = async (ns, pod) => {
    const r = await kubectl(WORKERS, ['-n', ns, 'get', 'events', '--field-selector', `involvedObject.name=${pod}`, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).items;
  };
  const processesOfPod = (pod) => {
    const state = JSON.parse(readFileSync(path.join(LAB_DIR, 'podrunner', 'state.json'), 'utf8'));
    return [...state.containers.filter((c) => c.pod === pod && c.pid > 0).map((c) => c.pid),
      ...processesOfLab(LAB_DIR).filter((p) => p.cmdline.includes(`--name=${pod} `) || p.cmdline.endsWith(`--name=${pod}`)).map((p) => p.pid)];
  };
  const hollowPod = (name, namespace, args) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace },
    spec: { containers: [{ name: 'hollow-kubelet', image: 'registry.k8s.io/kubemark:v1.37.2', command: ['/kubemark'], args: ['--morph=kubelet', `--name=${name}`, ...args] }] },
  });

  it('runs nothing of a hollow-node pod in a namespace neither the extension nor the lab set up, until it is labelled', async () => {
    const ns = 'made-by-hand';
    let r = await kubectl(WORKERS, ['create', 'namespace', ns]);
    assert.equal(r.code, 0, r.stderr);
    try {
      r = await kubectl(WORKERS, ['apply', '-f', '-'], { input: JSON.stringify(hollowPod('elsewhere', ns, ['--use-host-image-service=false'])) });
      assert.equal(r.code, 0, r.stderr);
      const ev = await waitFor('a NotRun event on the pod', async () => (await eventsOf(ns, 'elsewhere')).find((e) => e.reason === 'NotRun'), { timeoutMs: 60_000 });
      assert.equal(ev.type, 'Warning');
      assert.match(ev.message, /kubectl label namespace made-by-hand kubemark-lab\/hollow-nodes=run/);
      assert.match(ev.message, /KUBEMARK_LAB_HOLLOW_NAMESPACES=kubemark,made-by-hand/);
      assert.deepEqual(processesOfPod('elsewhere'), [], 'no kubemark process runs for it');
      assert.equal((await eventsOf(ns, 'elsewhere')).filter((e) => e.reason === 'Started').length, 0, 'no container was started');
      // the user labels their namespace for the lab (no ownership claimed): the pod runner starts it
      r = await kubectl(WORKERS, ['label', 'namespace', ns, 'kubemark-lab/hollow-nodes=run']);
      assert.equal(r.code, 0, r.stderr);
      await waitFor('the pod to start once its namespace is labelled', async () => (await eventsOf(ns, 'elsewhere')).some((e) => e.reason === 'Started'), { timeoutMs: 60_000 });
    } finally {
      await kubectl(WORKERS, ['delete', 'namespace', ns, '--wait=false']);
    }
  });

  it('refuses a kubemark argument naming a file outside the pod\'s volumes (the lab\'s own kubeconfig)', async () => {
    const kubeconfig = path.join(LAB_DIR, 'kubeconfig');
    const r = await kubectl(WORKERS, ['apply', '-f', '-'], { input: JSON.stringify(hollowPod('escape', NS, [`--kubeconfig=${kubeconfig}`, '--use-host-image-service=false'])) });
    assert.equal(r.code, 0, r.stderr);
    try {
      const ev = await waitFor('a NotRun event on the container', async () => (await eventsOf(NS, 'escape')).find((e) => e.reason === 'NotRun'), { timeoutMs: 60_000 });
      assert.equal(ev.type, 'Warning');
      assert.equal(ev.involvedObject.fieldPath, 'spec.containers{hollow-kubelet}');
      assert.ok(ev.message.includes(`names ${kubeconfig}, outside what the pod mounts`), ev.message);
      assert.deepEqual(processesOfPod('escape'), [], 'no kubemark process runs for it');
      assert.equal((await eventsOf(NS, 'escape')).filter((e) => ['Started', 'BackOff'].includes(e.reason)).length, 0, 'not started, not restarted');
    } finally {
      await kubectl(WORKERS, ['-n', NS, 'delete', 'pod', 'escape', '--wait=false']);
    }
  });

  it('KWOK serves only log files under the lab\'s pods folder: a Logs object naming any other file is refused at admission', async () => {
    const logs = (name, file) => JSON.stringify({ apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'Logs', metadata: { name, namespace: NS }, spec: { logs: [{ containers: ['c'], logsFile: file, follow: true }] } });
    for (const file of ['/etc/shadow', path.join(LAB_DIR, 'kubeconfig'), path.join(LAB_DIR, 'pods', '..', 'kubeconfig')]) {
      const r = await kubectl(WORKERS, ['apply', '-f', '-'], { input: logs('steal', file) });
      assert.notEqual(r.code, 0, `a Logs object naming ${file} was admitted`);
      assert.match(r.stderr, /kubemark-lab: KWOK serves only log files under the lab's pods folder/);
    }
    // The previous-log field too.
    const prev = JSON.parse(logs('steal', path.join(LAB_DIR, 'pods', 'x', 'logs', 'c.log')));
    prev.spec.logs[0].previousLogsFile = '/etc/shadow';
    let r = await kubectl(WORKERS, ['apply', '-f', '-'], { input: JSON.stringify(prev) });
    assert.notEqual(r.code, 0, 'a previousLogsFile outside pods/ was admitted');
    // What the pod runner writes is admitted.
    r = await kubectl(WORKERS, ['apply', '-f', '-'], { input: logs('fine', path.join(LAB_DIR, 'pods', 'x', 'logs', 'c.log')) });
    assert.equal(r.code, 0, r.stderr);
    await kubectl(WORKERS, ['-n', NS, 'delete', 'logs.kwok.x-k8s.io', 'fine', '--wait=false']);
  });

  it('turns the fake node NotReady in the masters cluster when its pod is deleted', async () => {
    // orphan the pods so that the StatefulSet does not bring hollow-node-2 back
    let r = await kubectl(WORKERS, ['-n', NS, 'delete', 'statefulset', 'hollow-node', '--cascade=orphan']);
    assert.equal(r.code, 0, r.stderr);
    const before = JSON.parse(readFileSync(path.join(LAB_DIR, 'podrunner', 'state.json'), 'utf8'));
    const pids = before.containers.filter((c) => c.pod === 'hollow-node-2').map((c) => c.pid);
    assert.equal(pids.length, 2, 'two kubemark processes ran for hollow-node-2');
    r = await kubectl(WORKERS, ['-n', NS, 'delete', 'pod', 'hollow-node-2', '--wait=false']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor('the hollow-node-2 processes to stop', () => pids.every((pid) => {
      try { process.kill(pid, 0); } catch { return true; }
      try { return readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z'); } catch { return true; }
    }), { timeoutMs: 30_000 });
    const t0 = Date.now();
    await waitFor('node hollow-node-2 NotReady', async () => {
      const k = await kubectl(MASTERS, ['get', 'node', 'hollow-node-2', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
      return k.code === 0 && k.stdout.trim() !== 'True';
    }, { timeoutMs: 90_000, intervalMs: 1000 });
    console.log(`pod deleted -> node NotReady: ${((Date.now() - t0) / 1000).toFixed(1)} s after its processes stopped`);
    const n = await kc(MASTERS).makeApiClient(k8s.CoreV1Api).readNode({ name: 'hollow-node-2' });
    assert.notEqual(n.status.conditions.find((c) => c.type === 'Ready').status, 'True');
    // the other nodes stay Ready (waited for: on a starved machine one late heartbeat can turn a
    // node Unknown for a moment, the grace period being 20 s; a kubelet saying NotReady fails)
    const notReady = [];
    await waitFor('hollow-node-0 and hollow-node-1 Ready', async () => {
      const core = kc(MASTERS).makeApiClient(k8s.CoreV1Api);
      for (const name of ['hollow-node-0', 'hollow-node-1']) {
        const node = await core.readNode({ name });
        if (node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'False') notReady.push(`${name}: ${JSON.stringify(node.status.conditions)}`);
        if (!ready(node)) return false;
      }
      return true;
    }, { timeoutMs: 60_000, intervalMs: 1000 });
    assert.deepEqual(notReady, [], 'no other node was NotReady');
  });

  it('stops everything with `lab:down` and leaves no process behind', async () => {
    assert.ok(processesOfLab(LAB_DIR).length > 5, 'lab processes are visible before down');
    const r = await lab('down', '--purge');
    assert.equal(r.code, 0, `lab down failed:\n${r.stdout}\n${r.stderr}`);
    labUp = false;
    await waitFor('no lab process left', () => processesOfLab(LAB_DIR).length === 0, { timeoutMs: 15_000 });
    const k = await run(path.join(REPO, 'lab', 'bin', 'kubemark-lab'), ['kubectl', '--kubeconfig', '/dev/null', '--server', `https://127.0.0.1:${26443 + Number(ENV.KUBEMARK_LAB_PORT_OFFSET)}`, '--insecure-skip-tls-verify', 'get', 'ns'], { timeoutMs: 20_000 });
    assert.notEqual(k.code, 0, 'the workers apiserver no longer answers');
  });
});
