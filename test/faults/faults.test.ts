// The fault suite: the extension's live states (the same WorkersState, MastersState and
// WorkerTailSession, Tail Logs on its worker thread, that the editor holds) against the lab
// while its parts are stopped, paused and killed.
// Each fault measures the time from the component being back to the state holding the truth,
// and the suite prints a table of them. Watches are counted by the states and by the masters
// apiserver itself (apiserver_longrunning_requests).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { MastersState, WorkersState } from '../../src/cluster/state';
import { WorkerTailSession } from '../../src/cluster/tailWorker';
import { deploy, scaffold, teardown } from '../../src/cluster/services';
import { ClusterSession } from '../../src/cluster/session';
import { HttpError } from '../../src/cluster/http';
import { exportStandaloneKubeconfig } from '../../src/core/kubeconfig';
import { withDefaults } from '../../src/core/manifest';
import { LAB_DIR, MASTERS, WORKERS, describeWithLab, labKubeConfig, waitFor } from '../cluster/lab';
import { labComponent, labVerb, masterNodeWatches } from './labControl';
import { SecretScanner, labSecrets } from '../common/secretScan';

const NS = 'kubemark-faults';
const NAME = 'fault-node';
const REPLICAS = 3;
const RECOVERY_MS = 5_000;
/** How long the apiserver's count of node watches must hold after a restart (see apiserverCountsOneWatchOfOurs). */
const WATCH_COUNT_HOLD_MS = 5_000;

interface Row { fault: string; run: number; recoveryMs: number; detail: string }
const table: Row[] = [];
/** Everything the states and sessions wrote or said during the faults, for the hygiene check. */
const written: string[] = [];

function printTable(): void {
  const lines = ['', 'Recovery times (from the component being back to the state holding the truth):', '  fault                                   run   recovery   detail'];
  for (const r of table) lines.push(`  ${r.fault.padEnd(40)}${String(r.run).padStart(3)}   ${`${(r.recoveryMs / 1000).toFixed(2)} s`.padStart(8)}   ${r.detail}`);
  console.log(lines.join('\n'));
}

describeWithLab('faults: the live layer heals', () => {
  const kc = labKubeConfig();
  const workers = new ClusterSession(kc, WORKERS);
  const masters = new ClusterSession(kc, MASTERS);
  let w: WorkersState;
  let m: MastersState;
  let baseline = 0;

  /** The node names the masters apiserver has now (a fresh list), sorted. */
  const serverNodes = async () => {
    const list = await masters.http.request<{ items: Array<{ metadata: { name: string } }> }>('GET', '/api/v1/nodes', { timeoutMs: 10_000 });
    return list.items.map((i) => i.metadata.name).sort();
  };
  const stateNodes = () => [...m.nodes.items.keys()].sort();
  /**
   * Waits until the masters apiserver holds exactly the controllers' node watches plus ours.
   * Other clients (controller-manager, scheduler, garbage collector) reconnect on their own
   * back-off after an outage, so this may take a while; a leaked watch of ours never settles.
   * With holdMs the count must stay there that long (polled every 500 ms): while restarted
   * controllers' informers are still coming up, a late extra watch of ours could make the count
   * match for a moment.
   */
  const apiserverCountsOneWatchOfOurs = async (holdMs = 0) => {
    let seen = -1;
    let since = 0; // when the count was last seen to become baseline + 1
    try {
      await waitFor(`the apiserver to count baseline + 1 node watches${holdMs ? ` for ${holdMs} ms` : ''}`, async () => {
        try {
          seen = await masterNodeWatches(masters);
        } catch (e) {
          since = 0;
          throw e;
        }
        if (seen !== baseline + 1) {
          since = 0;
          return false;
        }
        since ||= Date.now();
        return Date.now() - since >= holdMs;
      }, 120_000, 500);
    } catch {
      assert.fail(`the masters apiserver holds ${seen} cluster-wide node watches${holdMs ? ` (or did not hold the count for ${holdMs} ms)` : ''}; expected the controllers' ${baseline} plus ours (1)`);
    }
  };
  /**
   * The apiserver's own etcd check fails: it has seen etcd go. /livez/etcd, or /readyz/etcd when
   * that answers 404 (the check may leave livez upstream); when both are 404, the check cannot
   * tell and a write that fails (5xx or no answer in 5 s) says it instead.
   */
  const etcdCheckPaths = new Map<ClusterSession, string | null>();
  const etcdCheckFails = async (s: ClusterSession, write: () => Promise<unknown>): Promise<boolean> => {
    const is404 = (e: unknown) => e instanceof HttpError && e.statusCode === 404;
    const failed = (e: unknown) => !(e instanceof HttpError) || e.statusCode >= 500;
    if (!etcdCheckPaths.has(s)) {
      for (const path of ['/livez/etcd', '/readyz/etcd']) {
        try {
          await s.http.request('GET', path, { timeoutMs: 10_000 });
          etcdCheckPaths.set(s, path);
          return false;
        } catch (e) {
          if (is404(e)) continue;
          etcdCheckPaths.set(s, path);
          return failed(e);
        }
      }
      etcdCheckPaths.set(s, null);
    }
    const path = etcdCheckPaths.get(s);
    if (path) return s.http.request('GET', path, { timeoutMs: 10_000 }).then(() => false, failed);
    return write().then(() => false, failed);
  };
  const createNode = (name: string, timeoutMs = 10_000) => masters.http.request('POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubemark-workbench/test': 'faults' } } }, timeoutMs });
  const patchConfigMap = (key: string, timeoutMs = 10_000) => workers.http.request('PATCH', `/api/v1/namespaces/${NS}/configmaps/node-configmap`, { body: { data: { [key]: 'x' } }, contentType: 'application/merge-patch+json', timeoutMs });

  before(async () => {
    const mastersKubeconfig = exportStandaloneKubeconfig(kc, MASTERS).yaml;
    await scaffold(workers, { namespace: NS, contentType: '', mastersKubeconfig });
    m = new MastersState(new ClusterSession(kc, MASTERS));
    w = new WorkersState(new ClusterSession(kc, WORKERS), NS);
    baseline = await masterNodeWatches(masters);
    await Promise.all([m.start(), w.start()]);
    await deploy(workers, masters, {
      options: withDefaults({ image: 'registry.k8s.io/kubemark:v1.37.2', replicas: REPLICAS, namespace: NS, name: NAME, mastersKubeconfig, imageService: 'fake' }),
      timeoutMs: 240_000, skipPreflight: true, nodes: m.nodes,
    }, () => undefined);
    await apiserverCountsOneWatchOfOurs();
  });

  after(async () => {
    printTable();
    w?.dispose();
    m?.dispose();
    await teardown(workers, masters, { namespace: NS, deleteNodes: true }, () => undefined).catch((e) => console.log(`teardown: ${e.message}`));
    for (const n of (await serverNodes().catch(() => [] as string[])).filter((x) => x.startsWith('fault-probe-'))) {
      await masters.http.request('DELETE', `/api/v1/nodes/${n}`).catch(() => undefined);
    }
  });

  // The log faults run first, on a lab nothing has broken yet: after the other faults a KWOK
  // worker node of the lab was seen without addresses, and the workers apiserver then answers
  // log requests with 500 "no preferred addresses found" (a lab issue, fixed in the lab's KWOK
  // node-initialize stage: see lab/README.md, "Building").
  test('(d) a hollow kubelet process killed: its log follow resumes with no duplicate line', async () => {
    const out: string[] = [];
    const pods = { get: (ns: string, pod: string) => w.pods.items.get(`${ns}/${pod}`), onChange: (l: () => void) => w.pods.onChange(l) };
    const tail = new WorkerTailSession(workers, [{ namespace: NS, pod: `${NAME}-0`, container: 'hollow-kubelet' }], { append: (t) => { written.push(t); out.push(...t.split('\n')); } }, pods, { flushMs: 50, tailLines: 1000, maxLinesPerSecond: 100_000 }).start();
    try {
      await waitFor('log lines', () => klogLines(out).length > 5, 60_000).catch((e) => {
        throw new Error(`${e.message}; streams open ${tail.openStreams()}, pod known ${w.pods.items.has(`${NS}/${NAME}-0`)}, seen ${tail.summary().linesSeen}, last written: ${out.slice(-6).join(' | ')}`);
      });
      const pid = kubeletPid(`${NAME}-0`);
      const before = klogLines(out).length;
      process.kill(pid, 'SIGKILL');
      const killed = Date.now();
      await waitFor('a new kubelet process', () => { try { return kubeletPid(`${NAME}-0`) !== pid; } catch { return false; } }, 60_000, 200);
      await waitFor('lines of the new process', () => klogLines(out).slice(before).some((l) => /Starting|Version|kubelet/i.test(l)), 90_000, 100);
      table.push({ fault: 'hollow kubelet killed (log follow)', run: 1, recoveryMs: Date.now() - killed, detail: `${klogLines(out).length} lines` });
      assertNoDuplicates(out);
    } finally {
      tail.stop();
      await tail.done;
    }
  });

  test('(e) a log stream cut by stopping the workers apiserver: Tail Logs continues after the restart', async () => {
    const out: string[] = [];
    const pods = { get: (ns: string, pod: string) => w.pods.items.get(`${ns}/${pod}`), onChange: (l: () => void) => w.pods.onChange(l) };
    const tail = new WorkerTailSession(workers, [{ namespace: NS, pod: `${NAME}-1`, container: 'hollow-kubelet' }], { append: (t) => { written.push(t); out.push(...t.split('\n')); } }, pods, { flushMs: 50, tailLines: 1000, maxLinesPerSecond: 100_000 }).start();
    try {
      // A hollow kubelet in steady state writes mostly known noise: lines seen (shown or counted) are what is followed.
      await waitFor('log lines', () => tail.summary().linesSeen > 0 && tail.openStreams() === 1, 60_000).catch((e) => {
        throw new Error(`${e.message}; streams open ${tail.openStreams()}, pod known ${w.pods.items.has(`${NS}/${NAME}-1`)}, seen ${tail.summary().linesSeen}, last written: ${out.slice(-6).join(' | ')}`);
      });
      await labVerb('stop', 'workers-apiserver');
      await waitFor('the stream to end', () => tail.openStreams() === 0, 30_000, 50);
      const before = tail.summary().linesSeen;
      await labVerb('start', 'workers-apiserver');
      const back = Date.now();
      await waitFor('the stream again', () => tail.openStreams() === 1, 30_000, 50);
      // The hollow kubelet logs every few seconds (node status, image GC): new lines come, none twice.
      await waitFor('new lines after the restart', () => tail.summary().linesSeen > before, 90_000, 100);
      table.push({ fault: 'log stream cut (workers apiserver restart)', run: 1, recoveryMs: Date.now() - back, detail: `${tail.summary().linesSeen - before} new lines` });
      assertNoDuplicates(out);
      assert.ok(out.some((l) => /fault-node-1\/hollow-kubelet: .*following again/.test(l)), 'the cut is said');
    } finally {
      tail.stop();
      await tail.done;
    }
  });

  test('(a) masters apiserver stopped and started 5 times: the exact node set within 5 s, one watch', async () => {
    // lab:stop (SIGTERM) lets the apiserver end its watches cleanly
    // (--shutdown-watch-termination-grace-period): one of the runs is a crash instead, SIGKILL
    // to its process group, so that watches cut with no clean end are exercised too.
    const KILLED_RUN = 3;
    let killedThen = '';
    for (let run = 1; run <= 5; run++) {
      if (run === KILLED_RUN) {
        const { pid } = await labComponent('masters-apiserver');
        assert.ok(pid > 0, 'the masters apiserver runs');
        process.kill(-pid, 'SIGKILL');
        // Until the supervisor has seen the exit, status says "stopped" (no such process) and a
        // lab:start would find it still running. Once it is "crashed", lab:start starts it now;
        // if the supervisor already restarted it (its 1 s back-off), lab:start waits for its health.
        const after = (await waitFor('the supervisor to see the kill', async () => {
          const c = await labComponent('masters-apiserver');
          return c.state === 'crashed' || (c.state === 'running' && c.pid !== pid) ? c : undefined;
        }, 30_000, 100))!;
        killedThen = after.state === 'crashed' ? ', crashed: started by lab:start' : ', restarted by the supervisor';
      } else {
        await labVerb('stop', 'masters-apiserver');
      }
      await waitFor('the masters state to notice', () => m.reach.state === 'error', 30_000, 100);
      written.push((m.reach as { error: Error }).error.message, m.nodes.error?.message ?? '');
      await labVerb('start', 'masters-apiserver');
      const back = Date.now();
      await createNode(`fault-probe-${run}`);
      const truth = await serverNodes();
      await waitFor(`the exact node set (${truth.length} nodes)`, () => JSON.stringify(stateNodes()) === JSON.stringify(truth), 30_000, 50);
      const recoveryMs = Date.now() - back;
      table.push({ fault: run === KILLED_RUN ? 'masters apiserver SIGKILL/start' : 'masters apiserver stop/start', run, recoveryMs, detail: `${truth.length} nodes, ${m.openWatches()} watch${run === KILLED_RUN ? killedThen : ''}` });
      assert.ok(recoveryMs <= RECOVERY_MS, `run ${run}: the node set took ${recoveryMs} ms after the apiserver was ready`);
      assert.equal(m.openWatches(), 1, 'one node watch, by the state');
      // The masters controller-manager and scheduler hold the other node watches of the
      // baseline. After each outage they re-watch on client-go's reflector back-off, which grows
      // with every outage and is reset only every 2 minutes (up to 60 s with jitter): waiting for
      // it took most of this test's time. Restarted now, after the state's recovery was measured,
      // they watch again at once; the count below still requires exactly their watches plus ours.
      await labVerb('stop', ['masters-controller-manager', 'masters-scheduler']);
      await labVerb('start', ['masters-controller-manager', 'masters-scheduler']);
      await apiserverCountsOneWatchOfOurs(WATCH_COUNT_HOLD_MS);
    }
  });

  test('(b) workers apiserver paused for 30 s: error rows, then recovery with no Refresh', async () => {
    await labVerb('pause', 'workers-apiserver');
    const paused = Date.now();
    try {
      // The state's probe runs every 10 s with a 5 s timeout; the pause lasts 30 s.
      await waitFor('the workers state to show the outage', () => w.reach.state === 'error', 28_000, 100);
      assert.match((w.reach as { error: Error }).error.message, /Cannot reach kubemark-lab-workers/);
      written.push((w.reach as { error: Error }).error.message);
      // The pause lasts 30 s in all: the length of the fault, not a synchronisation.
      await new Promise((r) => setTimeout(r, Math.max(0, paused + 30_000 - Date.now())));
    } finally {
      await labVerb('resume', 'workers-apiserver');
    }
    const back = Date.now();
    await waitFor('reachable again', () => w.reach.state === 'reachable', 30_000, 50);
    await patchConfigMap('after-pause');
    await waitFor('the quiet ConfigMap watch to show the change', () => w.configMaps.items.get(`${NS}/node-configmap`)?.keys.includes('after-pause'), 30_000, 50);
    const recoveryMs = Date.now() - back;
    for (const x of [w.pods, ...Object.values(w.owners), w.namespaces, w.configMaps, w.secrets]) assert.equal(x.state, 'ready');
    assert.equal(w.openWatches(), w.expectedWatches(), 'one watch per kind');
    assert.ok(w.expectedWatches() >= 9, `pods, 5 owner kinds, namespace, ConfigMap, Secret: ${w.expectedWatches()}`);
    table.push({ fault: 'workers apiserver paused 30 s', run: 1, recoveryMs, detail: `${w.openWatches()} watches` });
    assert.ok(recoveryMs <= RECOVERY_MS, `recovery took ${recoveryMs} ms`);
  });

  test('(c) etcd stopped and started: both clusters recover', async () => {
    // What the states went through from the stop until their recovery was measured, sampled on
    // each of their changes and every 100 ms (a closed watch is no change): an error, or a watch
    // that ended and was opened again. Without either, the apiservers served the states from
    // their caches all along and the row says so, instead of claiming a recovery.
    const seen = new Set<string>();
    const sample = () => {
      for (const [k, x] of Object.entries({ 'masters reach': m.reach, 'workers reach': w.reach, 'masters nodes': m.nodes, 'workers pods': w.pods, 'workers ConfigMaps': w.configMaps })) {
        if (x.state === 'error') seen.add(`${k} error`);
      }
      if (m.openWatches() < 1) seen.add('masters re-watch');
      if (w.openWatches() < w.expectedWatches()) seen.add('workers re-watch');
    };
    const subs = [m.onChange(sample), w.onChange(sample)];
    const timer = setInterval(sample, 100);
    let outageSeenBy = '';
    try {
      await labVerb('stop', 'etcd');
      // The outage is under way once either state shows an error or, as is usual (their probes
      // and watches are served without etcd, from the apiservers' caches), both apiservers fail
      // their own etcd check. Waiting on that event replaces a 60 s wait for a state error that
      // never came: etcd then stayed down for a minute, and the apiservers' etcd clients backed
      // off for 45 s more before accepting writes. What is measured below (the states, from the
      // apiservers accepting writes again) does not depend on how long etcd was down. etcd is
      // started again whatever happens here: the suite's other tests share the lab.
      try {
        await waitFor('the outage seen: an error in either state, or both apiservers failing their etcd check', async () =>
          w.reach.state === 'error' || m.reach.state === 'error' || m.nodes.state === 'error' || w.pods.state === 'error' ||
          ((await etcdCheckFails(masters, () => createNode('fault-probe-etcd-outage', 5_000))) && (await etcdCheckFails(workers, () => patchConfigMap('during-etcd-outage', 5_000)))), 60_000, 200);
        outageSeenBy = seen.size ? 'a state' : [masters, workers].map((x) => etcdCheckPaths.get(x) ?? 'a failed write').join(' and ');
      } finally {
        await labVerb('start', 'etcd');
      }
      const etcdBack = Date.now();
      // The apiservers reconnect to etcd on their own back-off; the states are measured from there.
      await waitFor('masters accepts writes', async () => { await createNode('fault-probe-etcd'); return true; }, 120_000, 200);
      await waitFor('workers accepts writes', async () => { await patchConfigMap('after-etcd'); return true; }, 120_000, 200);
      const back = Date.now();
      const truth = await serverNodes();
      await waitFor('masters node set', () => JSON.stringify(stateNodes()) === JSON.stringify(truth), 30_000, 50);
      await waitFor('workers ConfigMap change', () => w.configMaps.items.get(`${NS}/node-configmap`)?.keys.includes('after-etcd'), 30_000, 50);
      const recoveryMs = Date.now() - back;
      sample();
      const states = seen.size ? `the states saw: ${[...seen].join(', ')}` : 'the states saw no error and no re-watch (served from the apiservers\' caches)';
      table.push({ fault: 'etcd stop/start', run: 1, recoveryMs, detail: `both clusters; outage seen by ${outageSeenBy}; the apiservers took ${((back - etcdBack) / 1000).toFixed(1)} s to accept writes; ${states}` });
      assert.ok(recoveryMs <= RECOVERY_MS, `the states took ${recoveryMs} ms after the apiservers accepted writes`);
      assert.equal(m.openWatches(), 1);
      assert.equal(w.openWatches(), w.expectedWatches());
    } finally {
      clearInterval(timer);
      for (const x of subs) x.dispose();
    }
  });

  test('(f) Refresh pressed 20 times in a second: one watch per kind afterwards', async () => {
    const started = Date.now();
    const all: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      all.push(m.refresh(), w.refresh());
      await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.all(all);
    await waitFor('every informer ready', () => m.nodes.state === 'ready' && [w.pods, ...Object.values(w.owners), w.namespaces, w.configMaps, w.secrets].every((x) => x.state === 'ready'), 30_000, 50);
    // The last restart's lists may still run: wait for their watches, then require exactly one per kind.
    // Not met: throw what each informer is doing, so a timeout says which one and why.
    const report = () => {
      const rows = { nodes: m.nodes, pods: w.pods, ...w.owners, namespaces: w.namespaces, configMaps: w.configMaps, secrets: w.secrets } as Record<string, { state: string; error?: { message: string }; openWatches: number; size?: number }>;
      return Object.entries(rows).map(([k, x]) => `${k}: ${x.state}, ${x.openWatches}/${x.size ?? 1} open${x.error ? `, ${x.error.message}` : ''}`).join('; ');
    };
    await waitFor('the watches of the last Refresh', () => {
      if (m.openWatches() >= 1 && w.openWatches() >= w.expectedWatches()) return true;
      throw new Error(report());
    }, 30_000, 50);
    assert.equal(m.openWatches(), 1);
    assert.equal(w.openWatches(), w.expectedWatches());
    await apiserverCountsOneWatchOfOurs(WATCH_COUNT_HOLD_MS);
    table.push({ fault: '20 refreshes in 1 s', run: 1, recoveryMs: Date.now() - started, detail: `${m.openWatches()} + ${w.openWatches()} watches` });
    assert.deepEqual(stateNodes(), await serverNodes());
  });

  hygiene();
});

/** Runs after the faults (registered last in the suite). */
function hygiene(): void {
  test('(z) nothing the states and sessions wrote holds a piece of a lab credential', () => {
    const scanner = new SecretScanner(labSecrets(LAB_DIR));
    assert.ok(scanner.find(readFileSync(`${LAB_DIR}/kubeconfig`, 'utf8')), 'the scanner finds the credentials in the kubeconfig');
    const text = [...written, JSON.stringify(table)].join('\n');
    assert.ok(text.length > 1000, 'the faults wrote something to scan');
    assert.equal(scanner.find(text), undefined);
  });
}

/** klog lines (I1201 10:00:00.123456 …): each is unique by its microsecond timestamp and pid. */
function klogLines(out: string[]): string[] {
  return out.filter((l) => /^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d{6}/.test(l) || /^✖ [IWEF]\d{4} /.test(l));
}

function assertNoDuplicates(out: string[]): void {
  const lines = klogLines(out);
  const seen = new Set<string>();
  const dups = lines.filter((l) => (seen.has(l) ? true : (seen.add(l), false)));
  assert.deepEqual(dups, [], 'no line shown twice');
}

/** The hollow kubelet process of a pod (the lab runs each container as a process). */
function kubeletPid(pod: string): number {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const args = cmd.split('\0');
    if (args.includes('--morph=kubelet') && args.includes(`--name=${pod}`) && cmd.includes(LAB_DIR)) return Number(d);
  }
  throw new Error(`no kubelet process for ${pod}`);
}
