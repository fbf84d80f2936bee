// `npm run bench:lab` (run it under the heavy lock: flock /tmp/kubemark-heavy.lock npm run bench:lab)
// Initial sync of 5,000 nodes against its anchors, on a lab this script starts and stops itself:
// KUBEMARK_LAB_DIR is a new folder under /tmp and KUBEMARK_LAB_PORT_OFFSET is 600, so it never
// touches another lab. It creates 5,000 Node objects (with a kubelet-like status) in the masters
// cluster, then measures, interleaved, median of the runs:
//   - typed list: CoreV1Api.listNode in pages of 500 + slimNode (what the extension does today);
//   - raw list: listAllRaw (src/cluster/rawList.ts: KubeConfig auth, https, JSON.parse) + slimNode;
//   - raw bytes: the same paged GETs without parsing (the physical floor in Node);
//   - `kubectl get --raw /api/v1/nodes` and `kubectl get nodes -o json`.
// Then (KUBEMARK_BENCH_PARTS, default "editor,list"; "editor" runs first) the editor part: the real
// extension in code-server (test/vscode/run-code-server.mjs with test/vscode/suite/bench-lab.test.ts)
// against the same lab: event-loop delay during the initial sync, while all 5,000 nodes turn
// Unknown and while 50 pods are tailed at 1,000 lines/s; tree freshness under that churn.
// The load comes from bench/labDriver.ts (its own process). The masters controller-manager is
// stopped during the editor part, so that the bench's own status patches are the only churn (its
// node lifecycle controller would mark the heartbeat-less nodes Unknown over minutes, not at once).
// KUBEMARK_LAB_DIR / KUBEMARK_LAB_PORT_OFFSET choose the lab's folder (it must not hold a lab)
// and ports (default: a new folder under /tmp, +600).
// Writes out/bench/lab-results.json for docs/benchmarks.md.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { slimNode, NodeRecord } from '../src/cluster/records';
import { listAllRaw } from '../src/cluster/rawList';
import { fakeNode } from './tree';
import { setupPods } from './labDriver';
import { Row, formatTable, median } from './table';
import type { EventLoopDelay } from '../src/editor/eventLoop';

const ROOT = resolve(__dirname, '../..');
const N = Number(process.env.KUBEMARK_BENCH_NODES ?? 5000);
const RUNS = Number(process.env.KUBEMARK_BENCH_RUNS ?? 5);
const PAGE = 500;
const CONTEXT = 'kubemark-lab-masters';

function lab(env: NodeJS.ProcessEnv, ...args: string[]): Promise<number> {
  return new Promise((res, rej) => {
    const child = spawn('bash', [join(ROOT, 'lab/lab.sh'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', rej);
    child.on('close', (code) => res(code ?? 1));
  });
}

/** A Node object to create: bench/tree.ts's hollow node without server-set fields. */
function nodeToCreate(i: number): unknown {
  const n = fakeNode(i) as { metadata: Record<string, unknown> };
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, managedFields: _m, ...metadata } = n.metadata;
  return { apiVersion: 'v1', kind: 'Node', ...n, metadata: { ...metadata, labels: { ...(metadata.labels as object), 'kubemark-bench': 'yes' } } };
}

async function request(opts: https.RequestOptions, server: string, method: string, path: string, body?: unknown): Promise<number> {
  const url = new URL(server + path);
  return new Promise((res, rej) => {
    const req = https.request(url, { ...opts, method }, (r) => {
      r.resume();
      r.on('end', () => res(r.statusCode ?? 0));
    });
    req.on('error', rej);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function createNodes(kc: KubeConfig): Promise<void> {
  const t0 = performance.now();
  let next = 0;
  let failed = 0;
  const opts: https.RequestOptions = { headers: { 'Content-Type': 'application/json', Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  opts.agent = new https.Agent({ keepAlive: true, maxSockets: 24, ca: opts.ca, cert: opts.cert, key: opts.key });
  const server = kc.getCurrentCluster()?.server ?? '';
  const worker = async () => {
    while (next < N) {
      const i = next++;
      const code = await request(opts, server, 'POST', '/api/v1/nodes', nodeToCreate(i));
      if (code !== 201 && code !== 409) failed++;
    }
  };
  await Promise.all(Array.from({ length: 24 }, worker));
  (opts.agent as https.Agent).destroy();
  if (failed > 0) throw new Error(`${failed} of ${N} nodes could not be created`);
  console.error(`bench:lab: ${N} nodes created in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

async function typedList(kc: KubeConfig, fromCache = false): Promise<Map<string, NodeRecord>> {
  const core = kc.makeApiClient(CoreV1Api);
  const out = new Map<string, NodeRecord>();
  let cont: string | undefined;
  do {
    const page = await core.listNode({ limit: PAGE, ...(cont ? { _continue: cont } : {}), ...(fromCache ? { resourceVersion: '0' } : {}) });
    for (const o of page.items) {
      const r = slimNode(o);
      out.set(r.name, r);
    }
    cont = page.metadata?._continue || undefined;
  } while (cont);
  return out;
}

async function rawList(kc: KubeConfig, fromCache = false): Promise<Map<string, NodeRecord>> {
  const out = new Map<string, NodeRecord>();
  for await (const page of listAllRaw(kc, '/api/v1/nodes', { pageSize: PAGE, ...(fromCache ? { query: { resourceVersion: '0' } } : {}) })) {
    for (const o of page.items) {
      const r = slimNode(o);
      out.set(r.name, r);
    }
  }
  return out;
}

/** The same paged GETs, bytes only: no JSON.parse, no slimming. */
async function rawBytes(kc: KubeConfig): Promise<number> {
  const opts: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  const server = kc.getCurrentCluster()?.server ?? '';
  let cont: string | undefined;
  let bytes = 0;
  do {
    const url = new URL(`${server}/api/v1/nodes?limit=${PAGE}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
    const body = await new Promise<Buffer>((res, rej) => {
      const req = https.request(url, opts, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => res(Buffer.concat(chunks)));
        r.on('error', rej);
      });
      req.on('error', rej);
      req.end();
    });
    bytes += body.length;
    // Only the continue token, found without parsing the page.
    const tail = body.subarray(0, 400).toString('latin1');
    const m = /"continue":"([^"]*)"/.exec(tail);
    cont = m?.[1] || undefined;
  } while (cont);
  return bytes;
}

function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

function kubectl(kubeconfig: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync('kubectl', ['--kubeconfig', kubeconfig, '--context', CONTEXT, ...args], { encoding: 'buffer', maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return ms;
}

async function time<T>(f: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const t0 = performance.now();
  const result = await f();
  return { ms: performance.now() - t0, result };
}

function gc(): void {
  try {
    v8.setFlagsFromString('--expose_gc');
    (vm.runInNewContext('gc') as () => void)();
  } catch {
    // figures without a forced collection
  }
}

/** The editor part: the extension in code-server, measured by test/vscode/suite/bench-lab.test.ts. */
function runEditorBench(env: NodeJS.ProcessEnv, out: string): EditorResults {
  rmSync(out, { force: true });
  const r = spawnSync(process.execPath, [join(ROOT, 'test/vscode/run-code-server.mjs')], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env, ...env,
      KUBEMARK_BENCH_LAB: '1', KUBEMARK_TEST_GREP: 'Bench lab', KUBEMARK_BENCH_OUT: out, KUBEMARK_BENCH_NODES: String(N),
      KUBEMARK_BENCH_DRIVER: join(__dirname, 'labDriver.js'), KUBEMARK_TEST_TIMEOUT_MS: '300000',
      KUBEMARK_VSCODE_TIMEOUT_MS: String(20 * 60_000),
    },
  });
  if (!existsSync(out)) throw new Error(`the code-server bench wrote no results (exit ${r.status ?? r.signal}; see above)`);
  const res = JSON.parse(readFileSync(out, 'utf8')) as EditorResults;
  if (r.status !== 0) console.error(`bench:lab: the code-server bench failed (exit ${r.status ?? r.signal}); its partial results are printed`);
  return res;
}

/** What the extension API's eventLoop.read() returns (NaN figures arrive as null in JSON). */
type Delay = EventLoopDelay;
/** The bare Node probe's figures, with the whole machine's CPU over the same window (/proc/stat). */
type BareDelay = Delay & { machine?: { coresBusyMsPerSecond: number | null; stealMsPerSecond: number | null; cores: number } };
interface Stats { n: number; max: number; p95: number; p50: number }
interface EditorResults {
  loadBefore?: number[];
  loadAfter?: number[];
  idle?: Delay;
  idleBareNode?: BareDelay;
  initialSync?: Delay & { ms: number; hollow: number; bareNode?: BareDelay; listPages?: { offThread: number; inThread: number; workerStarts: number; workerFailures: number } };
  wave?: {
    loop?: Delay; bareNode?: BareDelay; ms: number; treeLagAtEndMs: number; freshness: Stats & { underChurn: number }; watchAnchor: Stats; treeReads: { n: number; maxMs: number };
    changes: Array<{ id: string; kind: string; treeMs: number; watchMs: number }>;
  };
  logs?: { loop: Delay; bareNode?: BareDelay; processCpuMsPerSecond?: number; seconds: number; linesPerSecond: number; target: number; openStreams: number };
}

function editorRows(e: EditorResults, krawMs: number | undefined): Row[] {
  const rows: Row[] = [];
  const idle = e.idle ? { anchor: 'idle extension host, p99 (same run)', anchorMs: e.idle.p99 } : {};
  // What the thread did, where the p99 says how it was spread (and moves with the machine's load
  // more): its CPU time (process.threadCpuUsage, Node 23.9+), and the event-loop utilization,
  // which also counts the time it waited for a core. Both in milliseconds per second of the window.
  // The machine's anchor: a bare Node process (no VS Code) measuring its own delay over the same
  // window: on a loaded machine, the wait for a core that any thread sees.
  // And the whole machine over the window: the cores' busy time, and the time the hypervisor ran
  // something else while this machine's vCPUs had work (steal), which stalls every thread alike.
  const machine = (bare: BareDelay | undefined): void => {
    const m = bare?.machine;
    const idleM = e.idleBareNode?.machine;
    if (typeof m?.coresBusyMsPerSecond === 'number') {
      rows.push({ what: `  … machine: cores busy, ms/s (of ${m.cores * 1000})`, ms: m.coresBusyMsPerSecond,
        ...(typeof idleM?.coresBusyMsPerSecond === 'number' && bare !== e.idleBareNode ? { anchor: 'idle window, same', anchorMs: idleM.coresBusyMsPerSecond } : {}) });
    }
    if (typeof m?.stealMsPerSecond === 'number') {
      rows.push({ what: '  … machine: stolen by the hypervisor, ms/s', ms: m.stealMsPerSecond,
        ...(typeof idleM?.stealMsPerSecond === 'number' && bare !== e.idleBareNode ? { anchor: 'idle window, same', anchorMs: idleM.stealMsPerSecond } : {}) });
    }
  };
  const beside = (d: Delay, bare: BareDelay | undefined): void => {
    if (bare) rows.push({ what: '  … p99 beside a bare Node process, same window', ms: d.p99, anchor: 'bare Node process, same window, p99', anchorMs: bare.p99 });
    machine(bare);
  };
  if (e.idle && e.idleBareNode) {
    rows.push({ what: 'idle extension host, p99', ms: e.idle.p99, anchor: 'bare Node process, same window, p99', anchorMs: e.idleBareNode.p99 });
    machine(e.idleBareNode);
  }
  const busy = (d: Delay | undefined): void => {
    const per = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
    const cpu = per(d?.cpuMsPerSecond);
    const idleCpu = per(e.idle?.cpuMsPerSecond);
    if (cpu !== undefined) rows.push({ what: '  … thread CPU, ms per second', ms: cpu, ...(idleCpu !== undefined ? { anchor: 'idle extension host, thread CPU ms/s', anchorMs: idleCpu } : {}) });
    const u = per(d?.utilization);
    const idleU = per(e.idle?.utilization);
    if (u !== undefined) rows.push({ what: '  … thread busy or waiting for a core, ms/s', ms: u * 1000, ...(idleU !== undefined ? { anchor: 'idle extension host, same', anchorMs: idleU * 1000 } : {}) });
  };
  if (e.initialSync) {
    const lp = e.initialSync.listPages;
    if (lp) console.log(`bench:lab: list pages read so far on the list worker thread: ${lp.offThread}, on the extension host's thread: ${lp.inThread} (worker starts ${lp.workerStarts}, deaths ${lp.workerFailures})`);
    rows.push({ what: `event-loop delay p99: initial sync of ${e.initialSync.hollow} nodes`, ms: e.initialSync.p99, ...idle, goal: '≤ 50 ms' });
    rows.push({ what: '  … max', ms: e.initialSync.max });
    beside(e.initialSync, e.initialSync.bareNode);
    busy(e.initialSync);
    rows.push({ what: `code-server: select masters → tree shows ${e.initialSync.hollow} nodes`, ms: e.initialSync.ms, ...(krawMs ? { anchor: 'kubectl get --raw /api/v1/nodes', anchorMs: krawMs } : {}) });
  }
  if (e.wave?.loop) {
    rows.push({ what: `event-loop delay p99: ${N} nodes turn Unknown (${(e.wave.ms / 1000).toFixed(1)} s)`, ms: e.wave.loop.p99, ...idle, goal: '≤ 50 ms' });
    rows.push({ what: '  … max', ms: e.wave.loop.max });
    beside(e.wave.loop, e.wave.bareNode);
    busy(e.wave.loop);
  }
  if (e.logs) {
    rows.push({ what: `event-loop delay p99: Tail Logs, 50 pods, ${Math.round(e.logs.linesPerSecond).toLocaleString('en-US')} lines/s`, ms: e.logs.loop.p99, ...idle, goal: '≤ 50 ms' });
    rows.push({ what: '  … max', ms: e.logs.loop.max });
    beside(e.logs.loop, e.logs.bareNode);
    busy(e.logs.loop);
    if (typeof e.logs.processCpuMsPerSecond === 'number') rows.push({ what: '  … extension host process, all threads: CPU ms/s', ms: e.logs.processCpuMsPerSecond });
  }
  if (e.wave) {
    const f = e.wave.freshness;
    const w = e.wave.watchAnchor;
    rows.push({ what: `tree freshness under churn, max of ${f.n} changes`, ms: f.max, anchor: 'a plain watch client, max', anchorMs: w.max, goal: '≤ 1000 ms' });
    rows.push({ what: 'tree freshness under churn, p95', ms: f.p95, anchor: 'a plain watch client, p95', anchorMs: w.p95, goal: '≤ 1000 ms' });
    rows.push({ what: 'tree freshness under churn, p50', ms: f.p50, anchor: 'a plain watch client, p50', anchorMs: w.p50 });
    // From when the apiserver sent it, as the plain watch client (another process) received it.
    const after = e.wave.changes.filter((c) => Number.isFinite(c.watchMs)).map((c) => c.treeMs - Math.max(0, c.watchMs)).sort((a, b) => a - b);
    if (after.length) {
      const q = (x: number) => after[Math.min(after.length - 1, Math.ceil(x * after.length) - 1)] as number;
      rows.push({ what: 'tree freshness after the watch client got it, max', ms: after[after.length - 1] as number, goal: '≤ 1000 ms' });
      rows.push({ what: 'tree freshness after the watch client got it, p95', ms: q(0.95), goal: '≤ 1000 ms' });
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const parts = new Set((process.env.KUBEMARK_BENCH_PARTS ?? 'editor,list').split(',').map((p) => p.trim()));
  const given = process.env.KUBEMARK_LAB_DIR;
  if (given && existsSync(join(given, 'lab.json'))) throw new Error(`${given} already holds a lab: give bench:lab a new folder (it removes its lab at the end)`);
  const dir = given ?? mkdtempSync('/tmp/kubemark-lab-perf-');
  const offset = process.env.KUBEMARK_LAB_PORT_OFFSET ?? '600';
  const env = { KUBEMARK_LAB_DIR: dir, KUBEMARK_LAB_PORT_OFFSET: offset };
  Object.assign(process.env, env);
  const kubeconfig = join(dir, 'kubeconfig');
  let editor: EditorResults | undefined;
  try {
    console.error(`bench:lab: starting a lab in ${dir} (ports +${offset})`);
    if ((await lab(env, 'up')) !== 0) throw new Error('lab up failed (see above)');
    // Its node lifecycle controller stays off during the editor part (see above).
    if (parts.has('editor') && (await lab(env, 'stop', 'masters-controller-manager')) !== 0) throw new Error('lab stop masters-controller-manager failed');
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    kc.setCurrentContext(CONTEXT);
    await createNodes(kc);
    const count = (await rawList(kc)).size;
    if (count < N) throw new Error(`expected at least ${N} nodes in masters, listed ${count}`);
    if (parts.has('editor')) {
      await setupPods(kubeconfig);
      const loadBefore = loadavg();
      console.error(`bench:lab: load average before the editor part: ${loadBefore.map((x) => x.toFixed(1)).join(' ')}`);
      editor = runEditorBench(env, join(__dirname, 'lab-editor-results.json'));
      editor.loadBefore = loadBefore;
      editor.loadAfter = loadavg();
      // For the list part, as before: its node lifecycle controller marks the nodes (again) Unknown.
      await lab(env, 'start', 'masters-controller-manager');
    }
    if (!parts.has('list')) {
      const rows = editorRows(editor ?? {}, undefined);
      console.log(formatTable(rows));
      writeFileSync(join(__dirname, 'lab-results.json'), JSON.stringify({ date: new Date().toISOString(), machine: machine(), nodes: count, editor, rows }, null, 1));
      return;
    }
    const t: Record<string, number[]> = { typed: [], raw: [], typed0: [], raw0: [], bytes: [], kraw: [], kjson: [] };
    let bytes = 0;
    await typedList(kc); // warm-up (JIT, TLS session)
    for (let i = 0; i < RUNS; i++) {
      t.typed!.push((await time(() => typedList(kc))).ms);
      t.raw!.push((await time(() => rawList(kc))).ms);
      t.typed0!.push((await time(() => typedList(kc, true))).ms);
      t.raw0!.push((await time(() => rawList(kc, true))).ms);
      const b = await time(() => rawBytes(kc));
      t.bytes!.push(b.ms);
      bytes = b.result;
      t.kraw!.push(kubectl(kubeconfig, ['get', '--raw', '/api/v1/nodes']));
      t.kjson!.push(kubectl(kubeconfig, ['get', 'nodes', '-o', 'json']));
    }
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept = await rawList(kc);
    gc();
    const perNode = (process.memoryUsage().heapUsed - before) / kept.size;
    const m = (k: string) => median(t[k] as number[]);
    const rows: Row[] = [
      ...(editor ? editorRows(editor, m('kraw')) : []),
      { what: `sync ${count} nodes: typed, pages of ${PAGE} (today)`, ms: m('typed'), anchor: 'kubectl get --raw /api/v1/nodes', anchorMs: m('kraw'), goal: '≤ 1.5×' },
      { what: `sync ${count} nodes: listAllRaw, pages of ${PAGE}`, ms: m('raw'), anchor: 'kubectl get --raw /api/v1/nodes', anchorMs: m('kraw'), goal: '≤ 1.5×' },
      { what: `sync ${count} nodes: typed, resourceVersion=0`, ms: m('typed0'), anchor: 'kubectl get --raw /api/v1/nodes', anchorMs: m('kraw'), goal: '≤ 1.5×' },
      { what: `sync ${count} nodes: listAllRaw, resourceVersion=0`, ms: m('raw0'), anchor: 'kubectl get --raw /api/v1/nodes', anchorMs: m('kraw'), goal: '≤ 1.5×' },
      { what: `sync ${count} nodes: listAllRaw, pages of ${PAGE}`, ms: m('raw'), anchor: `raw GETs, pages of ${PAGE}, bytes only`, anchorMs: m('bytes') },
      { what: `sync ${count} nodes: listAllRaw, resourceVersion=0`, ms: m('raw0'), anchor: 'kubectl get nodes -o json', anchorMs: m('kjson') },
      { what: `sync ${count} nodes: typed, pages of ${PAGE} (today)`, ms: m('typed'), anchor: 'kubectl get nodes -o json', anchorMs: m('kjson') },
    ];
    console.log(formatTable(rows));
    console.log(`\n${count} nodes, ${(bytes / 2 ** 20).toFixed(1)} MiB of JSON in pages of ${PAGE}; ${RUNS} runs each, medians; slim records keep ${perNode.toFixed(0)} B/node; machine: ${machine()}; load average now ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    writeFileSync(join(__dirname, 'lab-results.json'), JSON.stringify({ date: new Date().toISOString(), machine: machine(), nodes: count, bytes, perNodeBytes: perNode, runs: t, editor, rows }, null, 1));
  } finally {
    // Always: lab up may have started part of the lab before failing.
    console.error('bench:lab: stopping and removing its lab');
    await lab(env, 'down', '--purge');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench:lab failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
