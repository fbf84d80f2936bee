// The load side of the code-server benchmark (bench/lab.ts, test/vscode/suite/bench-lab.test.ts).
// Runs as its own process, never inside the extension host that is measured; talks to the lab
// named by KUBEMARK_LAB_DIR. Prints one JSON object a line on stdout.
//
//   node out/bench/labDriver.js wave <changes>   turn every bench node Unknown at once: its Ready condition
//       patched to Unknown (reason NodeStatusUnknown, as the node lifecycle controller writes it), WAVE_WIDTH
//       requests at a time, as fast as the apiserver takes them (the controller itself, started after the
//       nodes were created, took minutes on this machine); while it runs, make <changes> changes, one every
//       CHANGE_MS, in turn: a node's Ready condition (False, with a fresh heartbeat), a pod's phase
//       (Failed), a new namespace with a hollow-node StatefulSet (0 replicas). Each change's `sent`
//       is when its API call returned; `seen` is when this process's own watch received it (the anchor).
//   node out/bench/labDriver.js logs <seconds> <linesPerSecond>   append klog lines (bench/genLogs.ts's
//       generator) in the CRI log format to the log file of each of the LOG_PODS pods, which KWOK
//       serves through the workers apiserver's pods/log, as the lab's pod runner does for kubemark.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateLog } from './genLogs';
import { expectStatus, kube, parallel } from './labKube';

export const ROOT = resolve(__dirname, '../..');
export const WORKERS = 'kubemark-lab-workers';
export const MASTERS = 'kubemark-lab-masters';
/** The pods whose logs are tailed (a label the extension's kubemark.hollowNodeSelector picks). */
export const LOG_NS = 'kubemark-bench-logs';
export const LOG_PODS = 50;
/** The pods whose phase the freshness changes flip. */
export const FRESH_NS = 'kubemark-bench-fresh';
export const FRESH_PODS = 12;
export const POD_LABEL = 'kubemark-bench-pod';
export const NS_PREFIX = 'bench-ns-';
const CHANGE_MS = 700;
const WAVE_WIDTH = 24;
const WAVE_TIMEOUT_MS = 240_000;

export const labDir = () => process.env.KUBEMARK_LAB_DIR ?? '';
// Under the lab's pods/ folder: the lab's admission policy lets KWOK serve log files from there only.
export const logFile = (pod: string) => join(labDir(), 'pods', 'bench-logs', `${pod}.log`);

/** The n-th change of a run: which object, what the tree shows once it arrived. */
export type ChangeKind = 'node' | 'pod' | 'namespace';
export function planned(i: number, nodes: number): { kind: ChangeKind; id: string } {
  const kind = (['node', 'pod', 'namespace'] as const)[i % 3]!;
  const j = Math.floor(i / 3);
  return { kind, id: kind === 'node' ? `hollow-node-${nodes - 1 - j}` : kind === 'pod' ? `fresh-${j}` : `${NS_PREFIX}${j}` };
}

export function lab(...args: string[]): number {
  const r = spawnSync('bash', [join(ROOT, 'lab/lab.sh'), ...args], { stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
  return r.status ?? 1;
}

const out = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

function pod(ns: string, name: string): unknown {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: ns, labels: { [POD_LABEL]: 'yes' } },
    // Not a kubemark container: the lab's pod runner leaves it alone (a NotRun event); KWOK runs it.
    spec: { containers: [{ name: 'log', image: 'registry.k8s.io/pause:3.10' }], terminationGracePeriodSeconds: 0 },
  };
}

/** Namespaces and pods the editor scenarios use, and a KWOK Logs object per log pod. Waits until all run. */
export async function setupPods(kubeconfig: string): Promise<void> {
  const w = await kube(kubeconfig, WORKERS);
  try {
    for (const ns of [LOG_NS, FRESH_NS]) {
      expectStatus(`create namespace ${ns}`, await w.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }), [201, 409]);
    }
    mkdirSync(join(labDir(), 'pods', 'bench-logs'), { recursive: true });
    const pods = [...Array.from({ length: LOG_PODS }, (_, i) => [LOG_NS, `log-${i}`] as const), ...Array.from({ length: FRESH_PODS }, (_, i) => [FRESH_NS, `fresh-${i}`] as const)];
    await parallel(pods, 8, async ([ns, name]) => {
      expectStatus(`create pod ${ns}/${name}`, await w.request('POST', `/api/v1/namespaces/${ns}/pods`, pod(ns, name)), [201, 409]);
      if (ns !== LOG_NS) return;
      closeSync(openSync(logFile(name), 'a'));
      const logs = { apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'Logs', metadata: { name, namespace: ns }, spec: { logs: [{ containers: ['log'], logsFile: logFile(name), follow: true }] } };
      expectStatus(`create Logs ${ns}/${name}`, await w.request('POST', `/apis/kwok.x-k8s.io/v1alpha1/namespaces/${ns}/logs`, logs), [201, 409]);
    });
    const deadline = Date.now() + 180_000;
    for (;;) {
      const r = await w.request<{ items: any[] }>('GET', `/api/v1/pods?labelSelector=${POD_LABEL}%3Dyes`);
      const running = r.body.items.filter((p) => p.status?.phase === 'Running' && p.status?.containerStatuses?.[0]?.state?.running).length;
      if (running >= pods.length) break;
      if (Date.now() > deadline) throw new Error(`only ${running} of ${pods.length} bench pods Running after 180 s (KWOK runs them: is it up? npm run lab:status)`);
      await new Promise((r2) => setTimeout(r2, 1000));
    }
    console.error(`bench:lab: ${pods.length} bench pods Running in ${LOG_NS} and ${FRESH_NS}`);
  } finally {
    w.close();
  }
}

const readyOf = (n: any): string | undefined => (n?.status?.conditions ?? []).find((c: any) => c.type === 'Ready')?.status;

async function wave(kubeconfig: string, changes: number, nodes: number): Promise<void> {
  const m = await kube(kubeconfig, MASTERS);
  const w = await kube(kubeconfig, WORKERS);
  const bench = new Set<string>();
  const unknown = new Set<string>();
  const changedNodes = new Set<string>();
  const list = await m.request<{ items: any[]; metadata: { resourceVersion: string } }>('GET', '/api/v1/nodes?labelSelector=kubemark-bench%3Dyes');
  for (const n of list.body.items) {
    bench.add(n.metadata.name);
    if (readyOf(n) === 'Unknown') unknown.add(n.metadata.name);
  }
  const sentAt = new Map<string, number>();
  const seen = new Set<string>();
  const see = (id: string) => {
    if (seen.has(id) || !sentAt.has(id)) return;
    seen.add(id);
    out({ type: 'seen', id, at: Date.now() });
  };
  let waveStart = 0;
  let waveEnd = 0;
  let transitions = 0;
  let resolveWave!: () => void;
  const waveDone = new Promise<void>((r) => (resolveWave = r));
  let resolveFirst!: () => void;
  const firstUnknown = new Promise<void>((r) => (resolveFirst = r));
  /** Bench nodes the wave turns Unknown that are Unknown now (a count, not a scan per event). */
  let unknownOfWave = 0;
  const checkEnd = () => {
    if (waveStart && !waveEnd && unknownOfWave >= bench.size - changedNodes.size) {
      waveEnd = Date.now();
      out({ type: 'wave-end', at: waveEnd, transitions });
      resolveWave();
    }
  };
  let events = 0;
  const progress = setInterval(() => out({ type: 'progress', at: Date.now(), events, unknown: unknown.size }), 5000);
  const watches = [
    m.watch(`/api/v1/nodes?resourceVersion=${list.body.metadata.resourceVersion}&allowWatchBookmarks=false`, (type, n) => {
      events++;
      const name = n?.metadata?.name;
      if (type === 'ERROR' || !bench.has(name)) return;
      const cond = (n.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
      if (cond?.reason === 'BenchFreshness' && cond.status === 'False') see(name);
      if (cond?.status === 'Unknown' && !unknown.has(name)) {
        unknown.add(name);
        if (!changedNodes.has(name)) unknownOfWave++;
        transitions++;
        checkEnd();
      } else if (cond?.status !== 'Unknown' && unknown.delete(name) && !changedNodes.has(name)) unknownOfWave--;
    }, (err) => out({ type: 'error', message: `the node watch ended: ${String(err)}` })),
    w.watch(`/api/v1/namespaces/${FRESH_NS}/pods`, (type, p) => {
      if (type !== 'ERROR' && p?.status?.phase === 'Failed') see(p.metadata.name);
    }),
    w.watch(`/apis/apps/v1/statefulsets?labelSelector=kubemark-bench-fresh%3Dyes`, (type, s) => {
      if (type === 'ADDED') see(s.metadata.namespace);
    }),
  ];
  out({ type: 'nodes', bench: bench.size, unknown: unknown.size });
  const timeout = setTimeout(() => {
    out({ type: 'error', message: `the wave did not end within ${WAVE_TIMEOUT_MS / 1000} s (${unknown.size} of ${bench.size} Unknown)` });
    process.exit(1);
  }, WAVE_TIMEOUT_MS);
  // The wave: every bench node's Ready condition set to Unknown, as the node lifecycle controller
  // writes it, as fast as the apiserver takes them (WAVE_WIDTH requests at once). The nodes the
  // freshness changes touch are left out.
  const touched = new Set(Array.from({ length: changes }, (_, i) => planned(i, nodes)).filter((c) => c.kind === 'node').map((c) => c.id));
  for (const id of touched) changedNodes.add(id);
  unknownOfWave = [...unknown].filter((n) => !changedNodes.has(n)).length;
  const targets = [...bench].filter((n) => !touched.has(n) && !unknown.has(n));
  waveStart = Date.now();
  out({ type: 'wave-start', at: waveStart, nodes: targets.length });
  resolveFirst();
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const unknownPatch = { status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now }] } };
  let patched = 0;
  const patching = parallel(targets, WAVE_WIDTH, async (name) => {
    expectStatus(`patch node ${name}`, await m.request('PATCH', `/api/v1/nodes/${name}/status`, unknownPatch, 'application/strategic-merge-patch+json'), [200]);
    patched++;
  }).then(() => out({ type: 'patched', at: Date.now(), patched }));
  await firstUnknown;
  for (let i = 0; i < changes; i++) {
    const { kind, id } = planned(i, nodes);
    const t0 = Date.now();
    if (kind === 'node') {
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const patch = { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'BenchFreshness', message: 'bench:lab freshness change', lastHeartbeatTime: now, lastTransitionTime: now }] } };
      sentAt.set(id, 0);
      expectStatus(`patch node ${id}`, await m.request('PATCH', `/api/v1/nodes/${id}/status`, patch, 'application/strategic-merge-patch+json'), [200]);
    } else if (kind === 'pod') {
      sentAt.set(id, 0);
      expectStatus(`patch pod ${id}`, await w.request('PATCH', `/api/v1/namespaces/${FRESH_NS}/pods/${id}/status`, { status: { phase: 'Failed' } }, 'application/merge-patch+json'), [200]);
    } else {
      expectStatus(`create namespace ${id}`, await w.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: id } }), [201]);
      sentAt.set(id, 0);
      const sts = {
        apiVersion: 'apps/v1', kind: 'StatefulSet',
        metadata: { name: 'hollow-node', namespace: id, labels: { 'kubemark-bench-fresh': 'yes' } },
        spec: {
          replicas: 0, serviceName: 'hollow-node', selector: { matchLabels: { app: 'hollow-node' } },
          template: { metadata: { labels: { app: 'hollow-node' } }, spec: { containers: [{ name: 'hollow-kubelet', image: 'registry.k8s.io/kubemark:v1.37.2', command: ['/kubemark', '--morph=kubelet', '--name=$(NODE_NAME)'] }] } },
        },
      };
      expectStatus(`create statefulset in ${id}`, await w.request('POST', `/apis/apps/v1/namespaces/${id}/statefulsets`, sts), [201]);
    }
    const sent = Date.now();
    sentAt.set(id, sent);
    out({ type: 'change', i, kind, id, sent, callMs: sent - t0, underChurn: !waveEnd });
    checkEnd();
    await new Promise((r) => setTimeout(r, Math.max(0, CHANGE_MS - (Date.now() - t0))));
  }
  await patching;
  await waveDone;
  clearTimeout(timeout);
  const deadline = Date.now() + 10_000;
  while (seen.size < sentAt.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  clearInterval(progress);
  out({ type: 'done', at: Date.now(), unknown: unknown.size, seen: seen.size });
  for (const x of watches) x.abort();
  m.close();
  w.close();
}

/** CRI log lines with distinct nanosecond timestamps (the tail follows by timestamp). */
function logs(seconds: number, rate: number): void {
  const pool: string[] = [];
  generateLog({ bytes: 4 << 20, panics: 2 }, (s) => {
    for (const l of s.split('\n')) if (l) pool.push(l);
  });
  const fds = Array.from({ length: LOG_PODS }, (_, i) => openSync(logFile(`log-${i}`), 'a'));
  const TICK = 100;
  const perTick = Math.round((rate * TICK) / 1000);
  const t0 = Date.now();
  let k = 0;
  let written = 0;
  let seq = 0;
  const tick = () => {
    const now = Date.now();
    const iso = new Date(now).toISOString().slice(0, 23); // ...T16:30:00.123
    for (const fd of fds) {
      const lines: string[] = [];
      for (let j = 0; j < perTick; j++) {
        lines.push(`${iso}${String(seq++ % 1_000_000).padStart(6, '0')}Z stderr F ${pool[k++ % pool.length]}`);
      }
      writeSync(fd, `${lines.join('\n')}\n`);
      written += perTick;
    }
    if (now - t0 >= seconds * 1000) {
      for (const fd of fds) closeSync(fd);
      out({ type: 'logs-done', lines: written, seconds: (Date.now() - t0) / 1000 });
      return;
    }
    // Catch up when a tick ran late, so the rate is kept on average.
    const next = t0 + Math.ceil((Date.now() - t0 + 1) / TICK) * TICK;
    setTimeout(tick, Math.max(0, next - Date.now()));
  };
  out({ type: 'logs-start', at: t0, pods: LOG_PODS, rate });
  tick();
}

if (/labDriver\.js$/.test(process.argv[1] ?? '')) {
  const [action, a, b] = process.argv.slice(2);
  const kubeconfig = join(labDir(), 'kubeconfig');
  const nodes = Number(process.env.KUBEMARK_BENCH_NODES ?? 5000);
  const run = async () => {
    if (!labDir()) throw new Error('KUBEMARK_LAB_DIR is not set: the driver only acts on the lab it is given');
    if (action === 'wave') await wave(kubeconfig, Number(a ?? 24), nodes);
    else if (action === 'logs') logs(Number(a ?? 30), Number(b ?? 1000));
    else if (action === 'setup') await setupPods(kubeconfig);
    else throw new Error(`usage: labDriver.js wave <changes> | logs <seconds> <lines/s> | setup (got ${action})`);
  };
  run().catch((err) => {
    out({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    process.exitCode = 1;
  });
}
