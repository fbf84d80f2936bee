// Tail Logs' reading cost, without the lab: 50 log streams at 1,000 lines/s each (CRI-style lines
// with nanosecond timestamps, from the same generator as the 200 MiB log), served over plain HTTP
// (or HTTPS with KUBEMARK_BENCH_TLS=1, a self-signed certificate) by a child process, and
// followed by WorkerTailSession (its worker thread reads, de-duplicates, filters and formats;
// this thread only takes the batches). The figure is this process's CPU
// time per second of streams (both threads); the anchor is a plain Node http client reading the
// same 50 streams and counting their lines, in the same process, right after.
//   [KUBEMARK_BENCH_TLS=1] [KUBEMARK_BENCH_LINE_WRITES=1 | KUBEMARK_BENCH_TRICKLE=1] node out/bench/tailWorker.js [seconds]
import * as http from 'node:http';
import * as https from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { genCert } from '../test/unit/selfSignedCert';
import { AddressInfo } from 'node:net';
import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateLog } from './genLogs';
import type { PortableRequest } from '../src/cluster/httpStream';
import type { PodRecord } from '../src/cluster/records';

const PODS = 50;
const RATE = 1000;
const TICK_MS = 100;

/**
 * The server: each stream gets RATE lines a second, every 100 ms, in one write of RATE / 10 lines
 * or (KUBEMARK_BENCH_LINE_WRITES=1) one write a line, an HTTP chunk each, as an apiserver may
 * pass them on.
 */
function serve(): void {
  const pool: string[] = [];
  generateLog({ bytes: 4 << 20, panics: 2 }, (s) => {
    for (const l of s.split('\n')) if (l) pool.push(l);
  });
  // Each stream's own sequence makes its timestamps strictly increasing within a millisecond.
  const streams = new Map<http.ServerResponse, { seq: number }>();
  let k = 0;
  const tls = process.env.KUBEMARK_BENCH_TLS_DIR;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.flushHeaders();
    streams.set(res, { seq: 0 });
    req.on('close', () => streams.delete(res));
  };
  // With KUBEMARK_BENCH_TLS_DIR, HTTPS with the certificate there (as an apiserver serves).
  const srv = tls ? https.createServer({ cert: readFileSync(join(tls, 'server.crt')), key: readFileSync(join(tls, 'server.key')) }, handler) : http.createServer(handler);
  srv.listen(0, '127.0.0.1', () => process.send?.({ port: (srv.address() as AddressInfo).port }));
  if (process.env.KUBEMARK_BENCH_TRICKLE === '1') {
    // As the lab's apiserver passes a followed log on: a line at a time, spread over the second
    // (every 2 ms, RATE / 500 lines a stream, a write and an HTTP chunk each; a loaded machine
    // reaches less than RATE: the rows print the rate read).
    setInterval(() => {
      const iso = new Date().toISOString().slice(0, 23);
      for (const [res, st] of streams) {
        for (let j = 0; j < (RATE * 2) / 1000; j++) res.write(`${iso}${String(st.seq++ % 1_000_000).padStart(6, '0')}Z ${pool[k++ % pool.length]}\n`);
      }
    }, 2);
    process.on('disconnect', () => process.exit(0));
    return;
  }
  setInterval(() => {
    const iso = new Date().toISOString().slice(0, 23);
    for (const [res, st] of streams) {
      const lines: string[] = [];
      st.seq = 0; // a new millisecond (ticks are 100 ms apart)
      for (let j = 0; j < (RATE * TICK_MS) / 1000; j++) lines.push(`${iso}${String(st.seq++).padStart(6, '0')}Z ${pool[k++ % pool.length]}`);
      if (process.env.KUBEMARK_BENCH_LINE_WRITES === '1') for (const l of lines) res.write(`${l}\n`);
      else res.write(`${lines.join('\n')}\n`);
    }
  }, TICK_MS);
  process.on('disconnect', () => process.exit(0));
}

export interface TailWorkerBench {
  seconds: number;
  /** One HTTP chunk a line (else one a 100 lines). */
  lineChunks: boolean;
  /** HTTPS (a self-signed certificate, as the lab's apiservers), else plain HTTP. */
  tls: boolean;
  /** A line at a time, spread over each second (KUBEMARK_BENCH_TRICKLE), as the lab's apiserver passes them on. */
  trickle: boolean;
  /** This process's CPU (user + system, all threads), ms per second, following with WorkerTailSession. */
  workerCpuMsPerSecond: number;
  workerLinesPerSecond: number;
  /** Lines the run wrote to its sink a second (shown, after the filter and the cap on shown lines). */
  shownLinesPerSecond: number;
  /** The same for the plain http client that only reads and counts lines. */
  plainCpuMsPerSecond: number;
  plainLinesPerSecond: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU ms per second and lines per second of `lines()` over a window, after a warm-up. */
async function window(seconds: number, lines: () => number): Promise<{ cpu: number; lps: number }> {
  await sleep(2_000);
  const l0 = lines();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const c = process.cpuUsage(c0);
  const s = (performance.now() - t0) / 1000;
  return { cpu: (c.user + c.system) / 1000 / s, lps: (lines() - l0) / s };
}

export async function benchTailWorker(seconds = 10, lineChunks = false, tls = false, trickle = false): Promise<TailWorkerBench> {
  const { WorkerTailSession } = await import('../src/cluster/tailWorker');
  const tlsDir = tls ? mkdtempSync(join(tmpdir(), 'kubemark-bench-tls-')) : undefined;
  let child: ChildProcess | undefined;
  try {
    const ca = tlsDir ? genCert(tlsDir, 'server').cert : undefined;
    child = fork(join(__dirname, 'tailWorker.js'), ['serve'], { stdio: 'inherit', env: { ...process.env, KUBEMARK_BENCH_LINE_WRITES: lineChunks ? '1' : '0', KUBEMARK_BENCH_TRICKLE: trickle ? '1' : '0', KUBEMARK_BENCH_TLS_DIR: tlsDir ?? '' } });
    const server = child;
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the log server gave no port in 30 s')), 30_000);
      server.once('message', (m: { port: number }) => {
        clearTimeout(timer);
        resolve(m.port);
      });
      server.once('exit', (code) => reject(new Error(`the log server exited (${code})`)));
    });
    const targets = Array.from({ length: PODS }, (_, i) => ({ namespace: 'bench', pod: `hollow-node-${i}`, container: 'hollow-kubelet' }));
    const path = (t: (typeof targets)[number]) => `/api/v1/namespaces/${t.namespace}/pods/${t.pod}/log`;

    // Ours: the worker thread follows the streams (timestamps=true, as from an apiserver).
    const source = {
      context: 'bench',
      server: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
      http: {
        portable: async (method: string, p: string, query?: Record<string, string | number | boolean | undefined>): Promise<PortableRequest> => {
          const q = new URLSearchParams();
          for (const [key, v] of Object.entries(query ?? {})) if (v !== undefined) q.set(key, String(v));
          return { protocol: tls ? 'https:' : 'http:', hostname: '127.0.0.1', port, path: `${p}?${q}`, method, headers: {}, tls: ca ? { ca } : {} } as PortableRequest;
        },
      },
      explain: (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    };
    const pod = (namespace: string, name: string): PodRecord => ({
      name, uid: `uid-${name}`, namespace, phase: 'Running', status: 'Running', readyContainers: 1,
      containers: [{ name: 'hollow-kubelet', ready: true, restarts: 0, state: 'Running' }], restarts: 0, created: new Date().toISOString(), deleting: false,
    });
    const pods = { get: pod, onChange: () => ({ dispose: () => undefined }) };
    let shown = 0;
    // Log lines only: not the run's own notes ("… N lines not shown", "── summary").
    const countShown = (text: string) => {
      for (const l of text.split('\n')) if (!l.startsWith('… ') && !l.startsWith('── ')) shown++;
    };
    const run = new WorkerTailSession(source, targets, { append: countShown, replace: countShown }, pods, {}).start();
    let ours: { cpu: number; lps: number };
    let shownPerSecond = 0;
    try {
      const shown0 = shown;
      const t0 = performance.now();
      ours = await window(seconds, () => run.summary().linesSeen);
      shownPerSecond = ((shown - shown0) * 1000) / (performance.now() - t0);
      if (run.openStreams() !== PODS) throw new Error(`only ${run.openStreams()} of ${PODS} streams open`);
    } finally {
      run.stop();
      await run.done;
    }

    // The anchor: a plain http client reading the same streams and counting newlines.
    let lines = 0;
    const agent = tls ? new https.Agent({ keepAlive: true, maxSockets: PODS, ca }) : new http.Agent({ keepAlive: true, maxSockets: PODS });
    const requests = targets.map((t) => (tls ? https : http).get({ host: '127.0.0.1', port, path: `${path(t)}?follow=true&timestamps=true`, agent }, (res) => {
      res.on('data', (b: Buffer) => {
        for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) lines++;
      });
    }));
    let plain: { cpu: number; lps: number };
    try {
      plain = await window(seconds, () => lines);
    } finally {
      for (const r of requests) r.destroy();
      agent.destroy();
    }
    return { seconds, lineChunks, tls, trickle, workerCpuMsPerSecond: ours.cpu, workerLinesPerSecond: ours.lps, shownLinesPerSecond: shownPerSecond, plainCpuMsPerSecond: plain.cpu, plainLinesPerSecond: plain.lps };
  } finally {
    child?.kill();
    if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
  }
}

if (/tailWorker\.js$/.test(process.argv[1] ?? '')) {
  if (process.argv[2] === 'serve') serve();
  else {
    benchTailWorker(Number(process.argv[2] ?? 10), process.env.KUBEMARK_BENCH_LINE_WRITES === '1', process.env.KUBEMARK_BENCH_TLS === '1', process.env.KUBEMARK_BENCH_TRICKLE === '1').then((r) => console.log(JSON.stringify(r)), (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
  }
}
