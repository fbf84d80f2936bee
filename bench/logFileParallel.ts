// The log filter on the same file split across worker threads (one per core), against the same
// grep anchor. Each worker filters a contiguous part with its own LogFilter (bench/filterWorker.ts);
// parts start at a line with a klog header, where the classifier's state (a panic trace being
// followed) is reset whatever came before, so the merged counts are exactly the single-threaded
// ones (checked below). The workers are started before timing, as a long-lived pool would be.
// Kept lines are counted in the workers, as the single-threaded figure counts them; a product
// pool would also post them back to the caller.
import { Worker } from 'node:worker_threads';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LogFilterSummary, contentOffset, klogSeverity } from '../src/core/logs';
import type { FilterJob } from './filterWorker';

export interface ParallelRun {
  ms: number;
  /** CPU time of the whole process (every thread) during the run. */
  cpuMs: number;
  kept: number;
  summary: LogFilterSummary;
}

/** Offsets that cut the file into `n` parts, each starting at a klog header line. */
export function splitPoints(file: string, n: number): number[] {
  const size = statSync(file).size;
  const fd = openSync(file, 'r');
  const points = [0];
  const buf = Buffer.allocUnsafe(1 << 20);
  try {
    for (let i = 1; i < n; i++) {
      const at = Math.floor((size * i) / n);
      const len = readSync(fd, buf, 0, buf.length, at);
      let p = buf.indexOf(10) + 1;
      let found = -1;
      while (p > 0 && p < len) {
        const nl = buf.indexOf(10, p);
        if (nl < 0) break;
        const line = buf.toString('latin1', p, Math.min(nl, p + 200));
        if (klogSeverity(line, contentOffset(line)) !== 0) {
          found = at + p;
          break;
        }
        p = nl + 1;
      }
      if (found < 0) throw new Error(`no klog header line within 1 MiB of offset ${at} in ${file}`);
      points.push(found);
    }
  } finally {
    closeSync(fd);
  }
  points.push(size);
  return points;
}

export class FilterPool {
  private readonly workers: Worker[];

  constructor(readonly size: number) {
    this.workers = Array.from({ length: size }, () => new Worker(join(__dirname, 'filterWorker.js')));
  }

  private job(w: Worker, job: FilterJob): Promise<{ kept: number; summary: LogFilterSummary }> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      w.once('error', onError);
      w.once('message', (m: { kept: number; summary: LogFilterSummary }) => {
        w.off('error', onError);
        resolve(m);
      });
      w.postMessage(job);
    });
  }

  async run(file: string, points: number[], chunk = 64 * 1024): Promise<ParallelRun> {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const parts = await Promise.all(this.workers.map((w, i) => this.job(w, { file, start: points[i] as number, end: points[i + 1] as number, chunk })));
    const cpu = process.cpuUsage(c0);
    return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, kept: parts.reduce((a, p) => a + p.kept, 0), summary: merge(parts.map((p) => p.summary)) };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Sums the parts' summaries (one source each). byPattern is keyed by id: compare it as a map. */
export function merge(parts: LogFilterSummary[]): LogFilterSummary {
  const first = parts[0] as LogFilterSummary;
  const byId = new Map<string, LogFilterSummary['byPattern'][number]>();
  const total = { linesSeen: 0, suppressed: 0, errors: 0, passed: 0, traceLines: 0, truncatedLines: 0 };
  for (const p of parts) {
    for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += p[k];
    for (const c of p.byPattern) {
      const m = byId.get(c.id);
      if (m) m.count += c.count;
      else byId.set(c.id, { ...c });
    }
  }
  return { ...first, ...total, byPattern: [...byId.values()], bySource: [] };
}

/** The same totals and per-pattern counts. */
export function sameCounts(a: LogFilterSummary, b: LogFilterSummary): boolean {
  const counts = (s: LogFilterSummary) => JSON.stringify(s.byPattern.map((p) => [p.id, p.count]).sort());
  return a.linesSeen === b.linesSeen && a.suppressed === b.suppressed && a.errors === b.errors && a.passed === b.passed && a.traceLines === b.traceLines && a.truncatedLines === b.truncatedLines && counts(a) === counts(b);
}
