// Log filter against grep on the same 200 MiB file (bench/genLogs.ts), as issue 11 asks:
// LogFilter reads the file in 64 KiB chunks (what a log stream delivers), counts every pattern
// and flags errors; the anchors are `grep -v -F -f patterns | wc -l` and the same with -E,
// patterns being the literal of each noise catalogue entry. Wall times, median of the runs,
// interleaved so that load on the machine hits all of them alike.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LogFilter, LogFilterSummary, NOISE_CATALOGUE } from '../src/core/logs';
import { writeLogFile } from './genLogs';
import { Row, median } from './table';
import { FilterPool, ParallelRun, sameCounts, splitPoints } from './logFileParallel';
import { cpus } from 'node:os';

export const LOG_MIB = Number(process.env.KUBEMARK_BENCH_LOG_MIB ?? 200);
const DIR = process.env.KUBEMARK_BENCH_DIR ?? '/tmp/kubemark-bench';

export interface LogFile {
  file: string;
  patterns: string;
  bytes: number;
}

/** The generated log (made once, kept in KUBEMARK_BENCH_DIR) and the grep pattern file. */
export function ensureLogFile(mib = LOG_MIB): LogFile {
  mkdirSync(DIR, { recursive: true });
  const file = join(DIR, `hollow-node-${mib}MiB-v1.log`);
  const bytes = mib * 1024 * 1024;
  if (!existsSync(file) || statSync(file).size < bytes) {
    console.error(`bench: generating ${file} (${mib} MiB) ...`);
    writeLogFile(file, { bytes });
  }
  const patterns = join(DIR, 'noise-literals.txt');
  writeFileSync(patterns, NOISE_CATALOGUE.map((e) => e.literal).join('\n') + '\n');
  return { file, patterns, bytes: statSync(file).size };
}

export interface FilterRun {
  ms: number;
  cpuMs: number;
  /** Lines not suppressed (what grep -v counts). */
  kept: number;
  summary: LogFilterSummary;
}

export function filterFile(file: string, fast: boolean, chunkSize = 64 * 1024): FilterRun {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const filter = new LogFilter({ emitNoise: false, fast });
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(chunkSize);
  let kept = 0;
  const onLine = () => {
    kept++;
  };
  try {
    let n: number;
    while ((n = readSync(fd, buf, 0, chunkSize, null)) > 0) filter.write(buf.subarray(0, n), undefined, onLine);
  } finally {
    closeSync(fd);
  }
  kept += filter.flush().length;
  const summary = filter.summary();
  const cpu = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, kept, summary };
}

/** Wall and CPU time (user + system of grep and wc, from /usr/bin/time) of the anchor. */
export function grepCount(mode: '-F' | '-E', f: LogFile): { ms: number; cpuMs: number; count: number } {
  const timeFile = join(DIR, 'grep.time');
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, 'sh', '-c', `grep -v ${mode} -f "$1" "$2" | wc -l`, 'sh', f.patterns, f.file], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`grep failed: ${r.stderr}`);
  const [user, sys] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).map(Number);
  return { ms, cpuMs: ((user ?? NaN) + (sys ?? NaN)) * 1000, count: Number(r.stdout.trim()) };
}

export interface LogFileBench {
  rows: Row[];
  mib: number;
  lines: number;
  kept: number;
  grepKept: number;
  fastCpuMs: number;
  workers: number;
  summaryText: string;
  byPattern: { id: string; count: number }[];
}

export async function benchLogFile(runs = 5): Promise<LogFileBench> {
  const f = ensureLogFile();
  filterFile(f.file, true, 64 * 1024); // warm-up: JIT and page cache
  const pool = new FilterPool(Math.min(4, Math.max(2, cpus().length)));
  const points = splitPoints(f.file, pool.size);
  await pool.run(f.file, points); // warm-up of the workers
  const par: ParallelRun[] = [];
  const fast: FilterRun[] = [];
  const gF: number[] = [];
  const gE: number[] = [];
  const gFcpu: number[] = [];
  const gEcpu: number[] = [];
  let grepKept = 0;
  for (let i = 0; i < runs; i++) {
    const g = grepCount('-F', f);
    gF.push(g.ms);
    gFcpu.push(g.cpuMs);
    grepKept = g.count;
    fast.push(filterFile(f.file, true));
    const e = grepCount('-E', f);
    gE.push(e.ms);
    gEcpu.push(e.cpuMs);
    par.push(await pool.run(f.file, points));
  }
  await pool.close();
  const slow = filterFile(f.file, false);
  const last = fast[fast.length - 1] as FilterRun;
  if (slow.kept !== last.kept || JSON.stringify(slow.summary) !== JSON.stringify(last.summary)) {
    throw new Error('the fast and the line-by-line log filter disagree on the benchmark file: a bug in src/core/logs/fastFilter.ts');
  }
  const lastPar = par[par.length - 1] as ParallelRun;
  if (lastPar.kept !== last.kept || !sameCounts(lastPar.summary, last.summary)) {
    throw new Error('the log filter in worker threads and the single-threaded one disagree on the benchmark file: a bug in bench/logFileParallel.ts');
  }
  const mib = f.bytes / 2 ** 20;
  const fastMs = median(fast.map((r) => r.ms));
  const fastCpu = median(fast.map((r) => r.cpuMs));
  return {
    mib,
    lines: last.summary.linesSeen,
    kept: last.kept,
    grepKept,
    fastCpuMs: fastCpu,
    workers: pool.size,
    summaryText: `${last.summary.suppressed} suppressed, ${last.summary.errors} errors, ${last.summary.traceLines} trace lines, ${last.summary.passed} passed`,
    byPattern: last.summary.byPattern.map((p) => ({ id: p.id, count: p.count })),
    rows: [
      { what: `log filter, ${mib.toFixed(0)} MiB (counts + errors)`, ms: fastMs, anchor: 'grep -v -F -f | wc -l', anchorMs: median(gF), goal: '≤ 1.00×' },
      { what: `log filter, ${mib.toFixed(0)} MiB, CPU time`, ms: fastCpu, anchor: 'grep -v -F -f | wc -l, CPU time', anchorMs: median(gFcpu), goal: '≤ 1.00×' },
      { what: `log filter, ${mib.toFixed(0)} MiB, ${pool.size} worker threads`, ms: median(par.map((r) => r.ms)), anchor: 'grep -v -F -f | wc -l', anchorMs: median(gF), goal: '≤ 1.00×' },
      { what: `log filter, ${mib.toFixed(0)} MiB, ${pool.size} worker threads, CPU time`, ms: median(par.map((r) => r.cpuMs)), anchor: 'grep -v -F -f | wc -l, CPU time', anchorMs: median(gFcpu) },
      { what: `log filter, ${mib.toFixed(0)} MiB (counts + errors)`, ms: fastMs, anchor: 'grep -v -E -f | wc -l', anchorMs: median(gE) },
      { what: `log filter, ${mib.toFixed(0)} MiB, CPU time`, ms: fastCpu, anchor: 'grep -v -E -f | wc -l, CPU time', anchorMs: median(gEcpu) },
      { what: 'log filter, line-by-line path (before)', ms: slow.ms, anchor: 'grep -v -F -f | wc -l', anchorMs: median(gF) },
      { what: 'log filter, line-by-line path (before), CPU time', ms: slow.cpuMs, anchor: 'grep -v -F -f | wc -l, CPU time', anchorMs: median(gFcpu) },
    ],
  };
}
