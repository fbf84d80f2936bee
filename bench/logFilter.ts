// Benchmark: ~200k realistic hollow-node log lines (mostly noise) through LineSplitter +
// LogClassifier (LogFilter) in 16 KiB Buffer chunks, interleaving 8 sources. Prints figures,
// asserts nothing.
import v8 from 'node:v8';
import vm from 'node:vm';
import { ERROR_CATALOGUE, LogFilter, NOISE_CATALOGUE, formatSummary } from '../src/core/logs';

/** A gc() function even without --expose-gc (flag set at run time), or undefined. */
function getGc(): (() => void) | undefined {
  if (typeof global.gc === 'function') return global.gc as () => void;
  try {
    v8.setFlagsFromString('--expose_gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

export interface LogFilterBenchResult {
  lines: number;
  megabytes: number;
  runs: number;
  /** Median of the runs. */
  ms: number;
  bestMs: number;
  linesPerSecond: number;
  bestLinesPerSecond: number;
  /** Same data through String.split + every catalogue regex per line, for comparison. */
  naiveLinesPerSecond: number;
  megabytesPerSecond: number;
  heapGrowthMB: number;
  /** False when no gc() was available, so heap growth includes garbage. */
  heapSettled: boolean;
  summary: string;
}

const NOISE = [
  'E1125 16:48:49.123456   12345 kubelet_network_linux.go:83] "Failed to ensure that nat chain KUBE-MARK-DROP exists" err="error creating chain \\"KUBE-MARK-DROP\\": exit status 3: iptables v1.8.9 (legacy): can\'t initialize iptables table `nat\': Table does not exist"',
  'E1125 16:48:49.223456   12345 eviction_manager.go:282] "Eviction manager: failed to get summary stats" err="failed to get root cgroup stats: failed to get cgroup stats for \\"/\\": unexpected number of containers: 0"',
  'I1125 16:48:49.323456   12345 eviction_manager.go:292] "Eviction manager: synchronize housekeeping"',
  'E1125 16:48:49.423456   12345 kubelet.go:1548] "Image garbage collection failed once. Stats initialization may not have completed yet" err="invalid capacity 0 on image filesystem"',
  'E1125 16:48:49.523456   12345 desired_state_of_world_populator.go:312] "Error processing volume" err="failed to get Plugin from volumeSpec for volume \\"kube-api-access-x2x9z\\" err=no volume plugin matched" pod="default/web-0"',
  'E1125 16:48:49.623456   12345 summary_sys_containers.go:83] "Failed to get system container stats" err="failed to get cgroup stats for \\"/kubelet\\": failed to get container info for \\"/kubelet\\": unknown container \\"/kubelet\\"" containerName="/kubelet"',
  'W1125 16:48:49.723456   12345 container_manager_linux.go:852] "Failed to get system container stats for \\"/system.slice/containerd.service\\""',
];
const INFO = [
  'I1125 16:48:50.123456   12345 kubelet_node_status.go:76] "Attempting to register node" node="hollow-node-17"',
  'I1125 16:48:50.223456   12345 kubelet.go:2434] "SyncLoop ADD" source="api" pods=["default/web-12"]',
  'I1125 16:48:50.323456   12345 fake_runtime.go:118] "Fake runtime: pod started" pod="default/web-12"',
  'W1125 16:48:50.423456   12345 reflector.go:561] pkg/kubelet/config/apiserver.go:66: watch of *v1.Pod ended with: an error on the server ("unable to decode an event from the watch stream") has prevented the request from succeeding',
];
const ERRORS = [
  'E1125 16:48:51.123456   12345 kuberuntime_image.go:55] "Failed to list images" err="rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing: dial unix /run/containerd/containerd.sock: connect: no such file or directory\\""',
  'E1125 16:48:51.223456   12345 kubelet_node_status.go:95] "Unable to register node with API server" err="Post \\"https://10.0.0.1:6443/api/v1/nodes\\": context deadline exceeded" node="hollow-node-17"',
];

function generate(lines: number): Buffer {
  const parts: string[] = [];
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < lines; i++) {
    const r = rnd();
    const pool = r < 0.9 ? NOISE : r < 0.999 ? INFO : ERRORS;
    parts.push(pool[Math.floor(rnd() * pool.length)] as string);
  }
  return Buffer.from(parts.join('\n') + '\n', 'utf8');
}

export function benchLogFilter(lineCount = 200_000, chunkSize = 16 * 1024, sources = 8, runs = 5): LogFilterBenchResult {
  const data = generate(lineCount);
  // Warm-up run (JIT), on a fresh filter.
  runOnce(data.subarray(0, Math.min(data.length, 2 * 1024 * 1024)), chunkSize, sources);
  const gc = getGc();
  const times: number[] = [];
  let filter: LogFilter | undefined;
  let heapGrowth = 0;
  for (let r = 0; r < runs; r++) {
    filter = undefined;
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = process.hrtime.bigint();
    filter = runOnce(data, chunkSize, sources);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    gc?.();
    heapGrowth = Math.max(heapGrowth, process.memoryUsage().heapUsed - heapBefore);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)] as number;
  const best = times[0] as number;
  const summary = (filter as LogFilter).summary();
  const megabytes = data.length / (1024 * 1024);
  return {
    lines: summary.linesSeen,
    megabytes,
    runs,
    ms,
    bestMs: best,
    linesPerSecond: summary.linesSeen / (ms / 1000),
    megabytesPerSecond: megabytes / (ms / 1000),
    bestLinesPerSecond: summary.linesSeen / (best / 1000),
    heapGrowthMB: heapGrowth / (1024 * 1024),
    heapSettled: gc !== undefined,
    naiveLinesPerSecond: naiveBaseline(data),
    summary: formatSummary(summary),
  };
}

/** Baseline for comparison: split with String.split, then test every catalogue regex in turn. */
function naiveBaseline(data: Buffer): number {
  const res = [...ERROR_CATALOGUE, ...NOISE_CATALOGUE].map((e) => (typeof e.pattern === 'string' ? new RegExp(e.pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : e.pattern));
  const t0 = process.hrtime.bigint();
  const lines = data.toString('utf8').split('\n');
  let hits = 0;
  for (const line of lines) {
    for (const re of res) {
      if (re.test(line)) {
        hits++;
        break;
      }
    }
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return hits >= 0 ? lines.length / (ms / 1000) : 0;
}

function runOnce(data: Buffer, chunkSize: number, sources: number): LogFilter {
  // emitNoise false: the hot path of an output channel that only shows errors and passed lines.
  const filter = new LogFilter({ emitNoise: false });
  let kept = 0;
  const names = Array.from({ length: sources }, (_, i) => `hollow-node-${i}/hollow-kubelet`);
  // Each source gets its own slice of the data so its chunks stay contiguous.
  const per = Math.ceil(data.length / sources);
  const offsets = names.map((_, i) => i * per);
  let active = true;
  while (active) {
    active = false;
    for (let s = 0; s < sources; s++) {
      const start = offsets[s] as number;
      const end = Math.min((s + 1) * per, data.length, start + chunkSize);
      if (start >= end) continue;
      active = true;
      filter.write(data.subarray(start, end), names[s], () => { kept++; });
      offsets[s] = end;
    }
  }
  for (const c of filter.flush()) if (c) kept++;
  return filter;
}

export function printLogFilterBench(r: LogFilterBenchResult): void {
  const f = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d });
  console.log('logFilter: LineSplitter + LogClassifier, 16 KiB Buffer chunks, 8 interleaved sources, emitNoise=false');
  console.log(`  ${f(r.lines, 0)} lines, ${f(r.megabytes)} MB; median of ${r.runs} runs ${f(r.ms)} ms (best ${f(r.bestMs)} ms)`);
  console.log(`  ${f(r.linesPerSecond, 0)} lines/s, ${f(r.megabytesPerSecond)} MB/s (best ${f(r.bestLinesPerSecond, 0)} lines/s)`);
  console.log(`  naive baseline (split + one regex per catalogue entry): ${f(r.naiveLinesPerSecond, 0)} lines/s`);
  console.log(`  heap growth ${f(r.heapGrowthMB, 2)} MB${r.heapSettled ? ' (after gc, filter still alive)' : ' (no gc available: includes garbage)'}`);
  console.log(`  ${r.summary}`);
}
