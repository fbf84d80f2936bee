// npm run test:lab — the pod runner against a real lab: an upstream-style manifest runs
// unmodified (the node's /run/containerd served by a fake CRI, --use-host-image-service at
// its default), each pod's network namespace has a default route and its Node's InternalIP
// is the pod's IP, init containers are run and reported, and a pod runner killed with
// SIGKILL leaves no kubemark process behind and picks its pods up again when restarted.
// Its own lab: a temporary KUBEMARK_LAB_DIR under /tmp, ports +700.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPO, run, waitFor, processesOfLab, kubectl as labKubectl } from './helpers.mjs';

const LAB_DIR = mkdtempSync('/tmp/labpods-test-');
const ENV = { KUBEMARK_LAB_DIR: LAB_DIR, KUBEMARK_LAB_PORT_OFFSET: process.env.KUBEMARK_LAB_PODS_TEST_PORT_OFFSET ?? '700' };
const KUBECONFIG = path.join(LAB_DIR, 'kubeconfig');
const WORKERS = 'kubemark-lab-workers';
const MASTERS = 'kubemark-lab-masters';
const NS = 'kubemark';
const FIXTURE = path.join(REPO, 'test', 'lab', 'fixtures', 'upstream-hollow-node.yaml');

const kubectl = (ctx, args, opts = {}) => labKubectl(KUBECONFIG, ctx, args, opts); // the lab's built-in kubectl
const lab = (verb, ...args) => run('bash', [path.join(REPO, 'lab', 'lab.sh'), verb, ...args], { env: ENV, timeoutMs: 90 * 60_000, echo: true });
const json = async (ctx, args) => {
  const r = await kubectl(ctx, [...args, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};
const ready = (n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
const alive = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch { return false; }
};
const podRunnerState = () => JSON.parse(readFileSync(path.join(LAB_DIR, 'podrunner', 'state.json'), 'utf8'));
const kubemarkPids = () => processesOfLab(LAB_DIR).filter((p) => / kubemark --morph=/.test(p.cmdline)).map((p) => p.pid);

async function upstreamNodes() {
  const list = await json(MASTERS, ['get', 'nodes', '-l', 'kubemark-lab/upstream=yes']);
  return list.items;
}

let labUp = false;

describe('pod runner', { timeout: 60 * 60_000 }, () => {
  before(async () => {
    const b = await run('bash', [path.join(REPO, 'lab', 'build.sh')], { timeoutMs: 90 * 60_000, echo: true });
    assert.equal(b.code, 0, `lab build failed:\n${b.stderr.slice(-3000)}`);
    const r = await lab('up');
    labUp = r.code === 0;
    assert.equal(r.code, 0, `lab up failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  });

  after(async () => {
    if (labUp) await lab('down', '--purge');
    assert.deepEqual(processesOfLab(LAB_DIR), [], 'no lab process left');
    rmSync(LAB_DIR, { recursive: true, force: true });
  });

  it('runs an upstream-style manifest unmodified: containerd hostPath, default --use-host-image-service', async () => {
    const masters = await kubectl(MASTERS, ['config', 'view', '--minify', '--flatten']);
    assert.equal(masters.code, 0, masters.stderr);
    let r = await kubectl(WORKERS, ['create', 'namespace', NS]);
    assert.equal(r.code, 0, r.stderr);
    const secret = {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'kubeconfig', namespace: NS },
      stringData: { 'kubelet.kubeconfig': masters.stdout, 'kubeproxy.kubeconfig': masters.stdout },
    };
    r = await kubectl(WORKERS, ['apply', '-f', '-'], { input: JSON.stringify(secret) });
    assert.equal(r.code, 0, r.stderr);
    const t0 = Date.now();
    r = await kubectl(WORKERS, ['apply', '-f', FIXTURE]);
    assert.equal(r.code, 0, r.stderr);
    await waitFor('2 Ready upstream-style hollow nodes', async () => (await upstreamNodes()).filter(ready).length === 2,
      { timeoutMs: 180_000, intervalMs: 1000 });
    console.log(`apply -> 2 Ready upstream-style nodes: ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // The pod runner writes the pods' statuses to workers on its own, apart from the kubelets
    // registering with masters: waited for, not read once.
    let pods = [];
    await waitFor('both pods to report their init container ended and two containers', async () => {
      pods = (await json(WORKERS, ['-n', NS, 'get', 'pods', '-l', 'name=hollow-node'])).items;
      return pods.length === 2 && pods.every((p) => p.status.initContainerStatuses?.[0]?.state?.terminated && p.status.containerStatuses?.length === 2);
    }, { timeoutMs: 60_000, intervalMs: 1000 });
    assert.equal(pods.length, 2);
    for (const p of pods) {
      const node = p.spec.nodeName;
      // the node's containerd socket, served by the fake CRI
      assert.ok(existsSync(path.join(LAB_DIR, 'nodes', node, 'run', 'containerd', 'containerd.sock')), `fake containerd.sock of ${node}`);
      // go-runner -log-file=/var/log/kubelet-$(NODE_NAME).log: the node's /var/log folder
      const logFile = path.join(LAB_DIR, 'nodes', node, 'var', 'log', `kubelet-${p.metadata.name}.log`);
      const log = readFileSync(logFile, 'utf8');
      assert.match(log, /as root dir for hollow-kubelet/);
      assert.doesNotMatch(log, /Failed to init image service/);
      assert.ok(existsSync(path.join(LAB_DIR, 'nodes', node, 'var', 'log', `kubeproxy-${p.metadata.name}.log`)));
      // the init container ran, and the pod status says so
      const init = p.status.initContainerStatuses?.[0];
      assert.equal(init?.name, 'init-inotify-limit');
      assert.equal(init.state.terminated?.exitCode, 0, JSON.stringify(init));
      assert.equal(init.state.terminated.reason, 'Completed');
      const il = await kubectl(WORKERS, ['-n', NS, 'logs', p.metadata.name, '-c', 'init-inotify-limit']);
      assert.equal(il.code, 0, il.stderr);
      assert.match(il.stdout, /^fs\.inotify\.max_user_instances = 1000/m);
      // no container was restarted on the way (a Pdeathsig tied to an ended thread killed some)
      assert.equal(p.status.containerStatuses?.length, 2, 'hollow-kubelet and hollow-proxy statuses');
      for (const c of p.status.containerStatuses) {
        assert.equal(c.restartCount, 0, `${p.metadata.name}/${c.name} restarted: ${JSON.stringify(c.lastState)}`);
      }
    }
    // Events are posted again when the apiserver does not take them (1, 2, 4 s later).
    await waitFor('a Completed event for the init container', async () => {
      const ev = await json(WORKERS, ['-n', NS, 'get', 'events', '--field-selector', `involvedObject.name=${pods[0].metadata.name}`]);
      return ev.items.some((e) => e.reason === 'Completed' && e.involvedObject.fieldPath === 'spec.initContainers{init-inotify-limit}');
    }, { timeoutMs: 60_000, intervalMs: 1000 });
  });

  it('gives each pod a pinned network namespace with a default route: InternalIP is the pod IP, no "no default routes"', async () => {
    const pods = (await json(WORKERS, ['-n', NS, 'get', 'pods', '-l', 'name=hollow-node'])).items;
    const nodes = await upstreamNodes();
    for (const p of pods) {
      const n = nodes.find((x) => x.metadata.name === p.metadata.name);
      const ip = n.status.addresses.find((a) => a.type === 'InternalIP')?.address;
      assert.equal(ip, p.status.podIP, `InternalIP of ${n.metadata.name}`);
      const pin = path.join(LAB_DIR, 'netns', p.metadata.uid);
      const inNetns = (...args) => spawnSync('nsenter', [`--net=${pin}`, ...args], { encoding: 'utf8', timeout: 10_000 });
      const routes = inNetns('ip', 'route');
      assert.equal(routes.status, 0, routes.stderr);
      assert.match(routes.stdout, /^default dev eth0/m);
      const addrs = inNetns('ip', '-4', 'addr', 'show', 'eth0');
      assert.match(addrs.stdout, new RegExp(`inet ${p.status.podIP.replaceAll('.', '\\.')}/32`));
      const log = readFileSync(path.join(LAB_DIR, 'nodes', p.spec.nodeName, 'var', 'log', `kubelet-${p.metadata.name}.log`), 'utf8');
      assert.match(log, /Successfully registered node|Node became not ready|NodeReady/, 'the kubelet registered and set its status');
      assert.doesNotMatch(log, /no default routes/);
      assert.doesNotMatch(log, /can't get ip address of node/);
    }
  });

  it('pod runner killed with SIGKILL: no orphaned kubemark process; the supervisor restarts it and it resumes the pods', async () => {
    const status = async () => JSON.parse((await run(path.join(REPO, 'lab', 'bin', 'kubemark-labctl'), ['status', '--json'], { env: ENV })).stdout);
    const runner = async () => (await status()).components.find((c) => c.name === 'podrunner');
    const comp = await runner();
    assert.equal(comp.state, 'running');
    const before = kubemarkPids();
    assert.equal(before.length, 4, `4 kubemark processes (2 pods x kubelet, proxy): ${JSON.stringify(processesOfLab(LAB_DIR))}`);
    // A stray process carrying the pod runner's marker, as a runner killed before Pdeathsig took effect could leave.
    const stray = spawn('sleep', ['600'], {
      detached: true, stdio: 'ignore',
      env: { PATH: process.env.PATH, KUBEMARK_LAB_ID: LAB_DIR, KUBEMARK_LAB_POD: `${NS}/stray/0/c` },
    });
    stray.unref();
    const restartedAt = new Date();
    process.kill(comp.pid, 'SIGKILL');
    // no orphan: every kubemark process of the killed runner dies with it (Pdeathsig)
    await waitFor('every kubemark process to die with the pod runner', () => before.every((pid) => !alive(pid)), { timeoutMs: 10_000, intervalMs: 100 });
    // the lab's supervisor restarts the pod runner (as it restarts any crashed component)
    await waitFor('the supervisor to restart the pod runner', async () => {
      const c = await runner();
      return c.state === 'running' && c.restarts === comp.restarts + 1 && c.pid !== comp.pid;
    }, { timeoutMs: 30_000 });
    await waitFor('the restarted pod runner to kill the stray process', () => !alive(stray.pid), { timeoutMs: 30_000 });
    await waitFor('4 kubemark processes again', () => {
      const st = podRunnerState();
      return st.containers.filter((c) => c.running).length === 4 && kubemarkPids().length === 4;
    }, { timeoutMs: 60_000 });
    assert.ok(kubemarkPids().every((pid) => !before.includes(pid)), 'new processes');
    // the hollow kubelets heartbeat again: their Leases are renewed after the restart
    await waitFor('node leases renewed after the restart', async () => {
      const leases = (await json(MASTERS, ['-n', 'kube-node-lease', 'get', 'leases'])).items;
      const nodes = (await upstreamNodes()).map((n) => n.metadata.name);
      return nodes.length === 2 && nodes.every((n) => {
        const l = leases.find((x) => x.metadata.name === n);
        return l && new Date(l.spec.renewTime) > restartedAt;
      });
    }, { timeoutMs: 60_000, intervalMs: 1000 });
    // A renewed Lease comes before the kubelet posts Ready again.
    await waitFor('both nodes Ready again', async () => {
      const nodes = await upstreamNodes();
      return nodes.length === 2 && nodes.every(ready);
    }, { timeoutMs: 60_000, intervalMs: 1000 });
  });
});
