// npm run test:lab — the lab's control plane on a real lab (no hollow nodes): the state
// folder's lock, the supervisor, the fault verbs (stop, start, pause, resume), lab:up on a
// running lab, etcd's client certificates, private state files, the built-in kubectl, and
// the isolation of `npm test`'s own lab from a lab in another folder.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync, statSync, existsSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { REPO, LABCTL, run, waitFor, processesOfLab, kubectl, labStatus, components } from './helpers.mjs';
import { startTestLab, stopTestLab, testLabEnv } from '../../scripts/test-lab.mjs';

const LAB_PARENT = path.join(REPO, '.kubemark-lab-test');
mkdirSync(LAB_PARENT, { recursive: true });
const LAB_DIR = mkdtempSync(path.join(LAB_PARENT, 'ctl-'));
const ENV = { KUBEMARK_LAB_DIR: LAB_DIR, KUBEMARK_LAB_PORT_OFFSET: process.env.KUBEMARK_LAB_CTL_TEST_PORT_OFFSET ?? '300' };
// the offset of the `npm test` lab this suite starts beside its own
const SHARED_OFFSET = process.env.KUBEMARK_LAB_CTL_TEST_SHARED_PORT_OFFSET ?? '500';
const KUBECONFIG = path.join(LAB_DIR, 'kubeconfig');
const labctl = (...args) => run(LABCTL, args, { env: ENV, timeoutMs: 10 * 60_000 });
const labSh = (...args) => run('bash', [path.join(REPO, 'lab', 'lab.sh'), ...args], { env: ENV, timeoutMs: 10 * 60_000 });
const lab = () => JSON.parse(readFileSync(path.join(LAB_DIR, 'lab.json'), 'utf8'));

/** status --json of the test lab; asserts it parsed. */
async function status() {
  const s = await labStatus(ENV);
  assert.ok(s.status, `status --json printed no JSON (exit ${s.code}): ${s.stderr}`);
  return s;
}

function pids(st) {
  return Object.fromEntries(st.components.map((c) => [c.name, c.pid]));
}

/** The pid of every component but `except` is the same in both. */
function assertUntouched(before, after, except = []) {
  for (const [name, pid] of Object.entries(before)) {
    if (except.includes(name)) continue;
    assert.equal(after[name], pid, `${name} was not touched (pid ${pid} before, ${after[name]} after)`);
  }
}

/** GET url with the given TLS options; resolves {status, body} or {error}. */
function get(url, opts = {}) {
  return new Promise((resolve) => {
    const req = https.get(url, { timeout: 3000, ...opts }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve({ error }));
  });
}

function portRefuses(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => { s.destroy(); resolve(false); });
    s.on('error', () => resolve(true));
  });
}

let baseline; // pids after up

describe('lab control plane', { timeout: 40 * 60_000 }, () => {
  before(async () => {
    const b = await run('bash', [path.join(REPO, 'lab', 'build.sh')], { timeoutMs: 90 * 60_000, echo: true });
    assert.equal(b.code, 0, `lab build failed:\n${b.stderr.slice(-3000)}`);
  });

  after(async () => {
    await labctl('down', '--purge');
    rmSync(LAB_DIR, { recursive: true, force: true });
    try { rmdirSync(LAB_PARENT); } catch { /* another test lab */ }
  });

  it('two `lab:up` at once: one wins, the other fails at the lock and kills nothing', async () => {
    const [a, b] = await Promise.all([labctl('up'), labctl('up')]);
    const [winner, loser] = a.code === 0 ? [a, b] : [b, a];
    assert.equal(winner.code, 0, `one up succeeds:\n${[a, b].map((x) => `exit ${x.code}:\n${x.stdout.slice(-2000)}\n${x.stderr.slice(-2000)}`).join('\n----\n')}`);
    assert.equal(loser.code, 4, `the other fails with exit 4 (busy):\n${loser.stdout}\n${loser.stderr}`);
    assert.match(loser.stderr, /busy: `kubemark-labctl up` \(pid \d+/);
    assert.match(loser.stderr, /nothing was changed/);
    const s = await status();
    assert.equal(s.code, 0, `status exit 0 (running): ${JSON.stringify(s.status.components.map((c) => [c.name, c.state, c.health, c.healthDetail]))}`);
    assert.equal(s.status.state, 'running');
    assert.equal(s.status.running, true);
    assert.equal(s.status.supervisor.running, true);
    for (const c of s.status.components) {
      assert.equal(c.state, 'running', `${c.name} running`);
      assert.equal(c.health, 'ok', `${c.name} healthy`);
      assert.equal(c.restarts, 0, `${c.name} never restarted: the loser killed nothing`);
      assert.ok(c.pid > 0);
    }
    assert.deepEqual(s.status.components.map((c) => c.name), ['etcd', 'workers-apiserver', 'masters-apiserver', 'workers-controller-manager',
      'workers-scheduler', 'masters-controller-manager', 'masters-scheduler', 'kwok', 'podrunner']);
    baseline = pids(s.status);
  });

  it('`lab:up` on a running lab starts nothing and restarts nothing', async () => {
    const r = await labSh('up');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /a lab runs in .*; starting only what does not run/);
    assert.doesNotMatch(r.stdout, /started /);
    assertUntouched(baseline, pids((await status()).status));
  });

  it('records its ports in lab.json, outside the ephemeral range', () => {
    const { ports } = lab();
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    const offset = Number(ENV.KUBEMARK_LAB_PORT_OFFSET);
    assert.equal(ports.mastersApiserver, 27443 + offset);
    for (const [k, v] of Object.entries(ports)) {
      if (k === 'hollowKubeletPortCount') continue;
      assert.ok(v < lo || v > hi, `${k} ${v} lies outside ${lo}-${hi}`);
    }
    assert.ok(ports.hollowKubeletPortBase + ports.hollowKubeletPortCount - 1 < lo);
  });

  it('`lab:up` refuses a port in the ephemeral range, saying which and what to change, and starts nothing', async () => {
    const dir = mkdtempSync(path.join(LAB_PARENT, 'ephemeral-'));
    try {
      const r = await run(LABCTL, ['up'], { env: { KUBEMARK_LAB_DIR: dir, KUBEMARK_LAB_PORT_OFFSET: '6000' }, timeoutMs: 60_000 });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr + r.stdout, /port 33443 \(masters apiserver, KUBEMARK_LAB_MASTERS_PORT\)/);
      assert.match(r.stderr + r.stdout, /ephemeral port range .*KUBEMARK_LAB_PORT_OFFSET/s);
      assert.equal(existsSync(path.join(dir, 'lab.json')), false, 'no lab.json');
      assert.deepEqual(processesOfLab(dir), [], 'nothing started');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists the namespaces whose hollow-node pods run without the extension\'s label (lab.json hollowNamespaces)', () => {
    assert.deepEqual(lab().hollowNamespaces, ['kubemark']);
    const podrunner = lab().components.find((c) => c.name === 'podrunner');
    assert.ok(podrunner.args.includes('--hollow-namespaces=kubemark'), podrunner.args.join(' '));
  });

  it('a KWOK node set Ready Unknown (as after a stopped apiserver or etcd) keeps its addresses when KWOK initialises it again', async () => {
    const get = async () => JSON.parse((await kubectl(KUBECONFIG, 'kubemark-lab-workers', ['get', 'node', 'kwok-worker-0', '-o', 'json'])).stdout);
    const readyOf = (n) => n.status.conditions.find((c) => c.type === 'Ready')?.status;
    const before = await get();
    assert.ok(before.status.addresses.some((a) => a.type === 'InternalIP'), JSON.stringify(before.status.addresses));
    // what the node lifecycle controller does to a node whose lease was not renewed
    const patch = { status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status (test)' }] } };
    const r = await kubectl(KUBECONFIG, 'kubemark-lab-workers', ['patch', 'node', 'kwok-worker-0', '--subresource=status', '--type=strategic', '-p', JSON.stringify(patch)]);
    assert.equal(r.code, 0, r.stderr);
    const after = await waitFor('KWOK to make the node Ready again', async () => { const n = await get(); return readyOf(n) === 'True' && n; }, { timeoutMs: 60_000 });
    const types = Object.fromEntries(after.status.addresses.map((a) => [a.type, a.address]));
    assert.equal(types.InternalIP, '127.0.0.1', JSON.stringify(after.status.addresses));
    assert.equal(types.Hostname, 'kwok-worker-0', JSON.stringify(after.status.addresses));
  });

  it('keeps its state private: folder 0700, state files, kubeconfig and keys 0600', () => {
    assert.equal(statSync(LAB_DIR).mode & 0o777, 0o700);
    for (const f of ['lab.json', 'supervisor.json', 'kubeconfig', 'lab.lock', 'pki/etcd/ca.key', 'pki/masters/admin.kubeconfig', 'pki/workers/tokens.csv', 'logs/etcd.log']) {
      assert.equal(statSync(path.join(LAB_DIR, f)).mode & 0o077, 0, `${f} is readable by its owner only`);
    }
  });

  it('etcd refuses a client without a certificate of its CA', async () => {
    const etcd = `https://127.0.0.1:${lab().ports.etcd}/health`;
    const pki = (f) => readFileSync(path.join(LAB_DIR, 'pki', 'etcd', f));
    const anonymous = await get(etcd, { ca: pki('ca.crt') });
    assert.ok(anonymous.error, `etcd answered a client without a certificate: ${anonymous.status} ${anonymous.body}`);
    assert.match(String(anonymous.error.code ?? anonymous.error.message), /CERT|certificate|ECONNRESET|hang up|alert/i);
    const plain = await new Promise((resolve) => {
      const s = net.connect(lab().ports.etcd, '127.0.0.1', () => s.end('GET /health HTTP/1.0\r\n\r\n'));
      let out = '';
      s.on('data', (d) => { out += d; });
      s.on('close', () => resolve(out));
      s.on('error', () => resolve(out));
    });
    assert.doesNotMatch(plain, /"health"/, 'no answer over plain HTTP');
    const withCert = await get(etcd, { ca: pki('ca.crt'), cert: pki('labctl-client.crt'), key: pki('labctl-client.key') });
    assert.equal(withCert.status, 200, `with the lab's client certificate etcd answers: ${withCert.error?.message}`);
    assert.match(withCert.body, /"health":"true"/);
  });

  it('the supervisor restarts a component killed with SIGKILL (restarts counted, health back)', async () => {
    const victim = 'masters-apiserver';
    const old = baseline[victim];
    assert.ok(processesOfLab(LAB_DIR).some((p) => p.pid === old), `pid ${old} carries the lab's marker`);
    process.kill(old, 'SIGKILL');
    const c = await waitFor(`${victim} restarted and healthy`, async () => {
      const comp = components((await status()).status)[victim];
      return comp.restarts === 1 && comp.state === 'running' && comp.health === 'ok' && comp.pid !== old ? comp : false;
    }, { timeoutMs: 120_000, intervalMs: 500 });
    assert.match(c.lastExit, /signal: killed/);
    const s = await status();
    assert.equal(s.code, 0);
    assertUntouched(baseline, pids(s.status), [victim]);
    baseline = pids(s.status);
  });

  it('`lab:stop` and `lab:start` of masters-apiserver touch nothing else; a stopped one stays stopped', async () => {
    const port = lab().ports.mastersApiserver;
    const stop = await labSh('stop', 'masters-apiserver');
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, /masters-apiserver stopped \(was pid \d+\)/);
    let s = await status();
    assert.equal(s.code, 1, 'status exit 1: degraded');
    assert.equal(s.status.state, 'degraded');
    let c = components(s.status)['masters-apiserver'];
    assert.deepEqual([c.state, c.pid, c.health, c.restarts], ['stopped', 0, 'unknown', 1]);
    assert.ok(await portRefuses(port), 'nothing listens on the masters port');
    // Not restarted by the supervisor: it stays stopped (checked for longer than its first back-off).
    const until = Date.now() + 4000;
    while (Date.now() < until) {
      assert.equal(components((await status()).status)['masters-apiserver'].state, 'stopped');
    }
    assertUntouched(baseline, pids(s.status), ['masters-apiserver']);
    // stop again: a no-op, exit 0
    const again = await labctl('stop', 'masters-apiserver');
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already stopped/);

    const start = await labSh('start', 'masters-apiserver');
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, /masters-apiserver healthy/);
    s = await status();
    assert.equal(s.code, 0);
    c = components(s.status)['masters-apiserver'];
    assert.equal(c.state, 'running');
    assert.equal(c.restarts, 1, 'a start by hand is no restart');
    assertUntouched(baseline, pids(s.status), ['masters-apiserver']);

    // `lab:up` on a half-stopped lab starts only what is missing.
    assert.equal((await labctl('stop', 'masters-apiserver', 'kwok')).code, 0);
    const up = await labSh('up');
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /started masters-apiserver/);
    assert.match(up.stdout, /started kwok/);
    s = await status();
    assert.equal(s.code, 0);
    assertUntouched(baseline, pids(s.status), ['masters-apiserver', 'kwok']);
    baseline = pids(s.status);
  });

  it('`lab:pause` freezes one component (SIGSTOP) and `lab:resume` thaws it', async () => {
    const { workersApiserver } = lab().ports;
    const pause = await labSh('pause', 'workers-apiserver');
    assert.equal(pause.code, 0, pause.stderr);
    let s = await status();
    let c = components(s.status)['workers-apiserver'];
    assert.equal(c.state, 'paused');
    assert.equal(s.code, 1);
    const stat = readFileSync(`/proc/${c.pid}/stat`, 'utf8');
    assert.equal(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3), 'T', 'the process is stopped');
    const frozen = await get(`https://127.0.0.1:${workersApiserver}/readyz`, { rejectUnauthorized: false, timeout: 1500 });
    assert.equal(frozen.error?.message, 'timeout', 'a paused apiserver accepts connections but never answers');
    const resume = await labSh('resume', 'workers-apiserver');
    assert.equal(resume.code, 0, resume.stderr);
    s = await waitFor('workers-apiserver healthy again', async () => { const x = await status(); return x.code === 0 ? x : false; }, { timeoutMs: 30_000 });
    c = components(s.status)['workers-apiserver'];
    assert.equal(c.state, 'running');
    assertUntouched(baseline, pids(s.status));
  });

  it('gives stable exit codes for bad requests', async () => {
    const unknown = await labctl('stop', 'no-such-thing');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown component "no-such-thing": use one of etcd, workers-apiserver/);
    assert.equal((await labctl('stop', 'kwok')).code, 0);
    const pauseStopped = await labctl('pause', 'kwok');
    assert.equal(pauseStopped.code, 5);
    assert.match(pauseStopped.stderr, /kwok is stopped, not running: start it first/);
    assert.equal((await labctl('start', 'kwok')).code, 0);
    const empty = mkdtempSync(path.join(LAB_PARENT, 'empty-'));
    const other = await run(LABCTL, ['stop', 'etcd'], { env: { KUBEMARK_LAB_DIR: empty } });
    rmSync(empty, { recursive: true, force: true });
    assert.equal(other.code, 3, 'no lab there');
    assert.match(other.stderr, /no lab runs in .*npm run lab:up/);
  });

  it('`lab:kubectl` is the lab\'s own kubectl, with the lab\'s kubeconfig', async () => {
    const nodes = await labSh('kubectl', '--context', 'kubemark-lab-masters', 'get', 'nodes');
    assert.equal(nodes.code, 0, nodes.stderr);
    const ns = await labSh('kubectl', '--context', 'kubemark-lab-workers', 'get', 'nodes', '-o', 'name');
    assert.equal(ns.code, 0, ns.stderr);
    assert.match(ns.stdout, /node\/kwok-worker-0/);
    const v = await kubectl(KUBECONFIG, 'kubemark-lab-masters', ['version', '-o', 'json']);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(JSON.parse(v.stdout).clientVersion.gitVersion, JSON.parse(v.stdout).serverVersion.gitVersion, 'kubectl of the same release');
  });

  it('`npm test`\'s lab leaves a lab in another folder untouched (same PIDs, same objects)', async () => {
    // By default the test lab is neither the default folder nor $KUBEMARK_LAB_DIR, on other ports.
    const dflt = testLabEnv({ KUBEMARK_LAB_DIR: LAB_DIR });
    assert.equal(dflt.KUBEMARK_LAB_DIR, path.join(REPO, '.kubemark-lab-test', 'shared'));
    assert.notEqual(dflt.KUBEMARK_LAB_PORT_OFFSET, '0');
    assert.equal(testLabEnv({}).KUBEMARK_LAB_DIR, dflt.KUBEMARK_LAB_DIR, 'with no variable set either: never the default .kubemark-lab/');
    // This test's lab plays the user's: KUBEMARK_LAB_DIR points at it, as in a user's shell.
    const cm = await kubectl(KUBECONFIG, 'kubemark-lab-workers', ['create', 'configmap', 'users-own', '--from-literal=k=v']);
    assert.equal(cm.code, 0, cm.stderr);
    const before = pids((await status()).status);
    const testDir = path.join(mkdtempSync(path.join(LAB_PARENT, 'npmtest-')), 'shared');
    const logs = [];
    const shared = await startTestLab({ log: (m) => logs.push(m), processEnv: { ...process.env, KUBEMARK_LAB_DIR: LAB_DIR, KUBEMARK_TEST_LAB_DIR: testDir, KUBEMARK_TEST_LAB_PORT_OFFSET: SHARED_OFFSET } });
    try {
      assert.ok(shared.ok, `the test lab came up: ${logs.join('\n')}`);
      assert.equal(shared.env.KUBEMARK_LAB_DIR, testDir);
      assert.equal(shared.started, true);
      const theirs = JSON.parse(readFileSync(path.join(testDir, 'lab.json'), 'utf8'));
      assert.notEqual(theirs.ports.workersApiserver, lab().ports.workersApiserver);
      assertUntouched(before, pids((await status()).status));
      // Degraded in its own folder (a component stopped): the next run takes it as its own,
      // brings it down and up again, and still leaves the other lab alone.
      const stop = await run(LABCTL, ['stop', 'masters-scheduler'], { env: shared.env, timeoutMs: 120_000 });
      assert.equal(stop.code, 0, stop.stderr);
      assert.equal((await labStatus(shared.env)).code, 1, 'the test lab is degraded');
      const again = await startTestLab({ log: (m) => logs.push(m), processEnv: { ...process.env, KUBEMARK_LAB_DIR: LAB_DIR, KUBEMARK_TEST_LAB_DIR: testDir, KUBEMARK_TEST_LAB_PORT_OFFSET: SHARED_OFFSET } });
      assert.ok(again.ok && again.started, `the degraded test lab was started again: ${logs.join('\n')}`);
      assert.match(logs.join('\n'), /degraded/);
      const after = await labStatus(shared.env);
      assert.equal(after.code, 0, 'the test lab runs, every component healthy');
      assert.notEqual(after.status.id, theirs.id, 'a fresh lab (new id)');
      assertUntouched(before, pids((await status()).status));
    } finally {
      await stopTestLab(shared, { log: (m) => logs.push(m) });
      const gone = !existsSync(testDir);
      rmSync(path.dirname(testDir), { recursive: true, force: true });
      assert.ok(gone, 'the test lab removed the folder it made');
    }
    const s = await status();
    assert.equal(s.code, 0, 'the user\'s lab still runs');
    assertUntouched(before, pids(s.status));
    const still = await kubectl(KUBECONFIG, 'kubemark-lab-workers', ['get', 'configmap', 'users-own', '-o', 'jsonpath={.data.k}']);
    assert.equal(still.stdout, 'v');
  });

  it('`lab:down` stops the supervisor and every component, and leaves no process', async () => {
    assert.ok(processesOfLab(LAB_DIR).length >= 10, 'supervisor and 9 components run');
    const r = await labSh('down');
    assert.equal(r.code, 0, r.stderr);
    await waitFor('no lab process left', () => processesOfLab(LAB_DIR).length === 0, { timeoutMs: 15_000 });
    const s = await status();
    assert.equal(s.code, 3);
    assert.equal(s.status.state, 'stopped');
    assert.equal(s.status.supervisor.running, false);
    assert.ok(s.status.components.every((c) => c.state === 'stopped' && c.pid === 0));
  });
});
