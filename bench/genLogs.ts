// Generator of a realistic hollow-node log for the log-filter benchmark: klog headers with
// advancing timestamps, ~80 % noise lines from the catalogue in src/core/logs/noise.ts (every
// entry, with the variants real hollow kubelets print), ~20 % info/warning lines, a few real
// errors (catalogue errors and plain klog E lines) and a panic with its goroutine trace.
// Deterministic (seeded), so every run and every machine gets the same bytes.
//   node out/bench/genLogs.js <file> [megabytes]     (default 200 MB)
import { closeSync, openSync, writeSync } from 'node:fs';

/** Seeded linear congruential generator in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

type Msg = (r: () => number) => string;
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const pod = (r: () => number) => `${pick(r, ['default', 'kube-system', 'load'])}/${pick(r, ['web', 'api', 'worker', 'cache'])}-${Math.floor(r() * 500)}`;
const vol = (r: () => number) => `kube-api-access-${Math.floor(r() * 36 ** 5).toString(36).padStart(5, 'x')}`;

/** [caller, severity, message] of each noise entry, several variants each. */
const NOISE: [string, string, Msg][] = [
  ['kubelet_network_linux.go:83', 'E', () => '"Failed to ensure that nat chain KUBE-MARK-DROP exists" err="error creating chain \\"KUBE-MARK-DROP\\": exit status 3: iptables v1.8.9 (legacy): can\'t initialize iptables table `nat\': Table does not exist (do you need to insmod?)\\nPerhaps iptables or your kernel needs to be upgraded.\\n"'],
  ['kubelet_network_linux.go:83', 'E', () => 'Failed to ensure that filter chain KUBE-MARK-DROP exists: error creating chain "KUBE-MARK-DROP": executable file not found in $PATH'],
  ['eviction_manager.go:282', 'E', () => '"Eviction manager: failed to get summary stats" err="failed to get root cgroup stats: failed to get cgroup stats for \\"/\\": unexpected number of containers: 0"'],
  ['eviction_manager.go:256', 'E', () => 'eviction manager: failed to get summary stats: failed to get root cgroup stats: failed to get cgroup stats for "/": unexpected number of containers: 0'],
  ['eviction_manager.go:292', 'I', () => '"Eviction manager: synchronize housekeeping"'],
  ['image_gc_manager.go:319', 'E', () => '"ImageFS stats" err="invalid capacity 0 on image filesystem"'],
  ['kubelet.go:1548', 'E', () => '"Image garbage collection failed once. Stats initialization may not have completed yet" err="invalid capacity 0 on image filesystem"'],
  ['kubelet.go:1567', 'E', () => '"Image garbage collection failed multiple times in a row" err="imageFs information is unavailable"'],
  ['eviction_manager.go:240', 'E', () => '"Eviction manager: failed to get HasDedicatedImageFs" err="imagefs device is not found"'],
  ['eviction_manager.go:369', 'E', () => '"Eviction manager: failed to synchronize" err="eviction manager: failed to get HasDedicatedImageFs: imagefs device is not found"'],
  ['desired_state_of_world_populator.go:312', 'E', (r) => `"Error processing volume" err="failed to get Plugin from volumeSpec for volume \\"${vol(r)}\\" err=no volume plugin matched" pod="${pod(r)}" volumeName="${vol(r)}"`],
  ['reconciler_common.go:158', 'E', (r) => `"operationExecutor.MountVolume failed (controllerAttachDetachEnabled true) for volume \\"config\\"" err="no volume plugin matched" pod="${pod(r)}"`],
  ['summary_sys_containers.go:83', 'E', () => '"Failed to get system container stats" err="failed to get cgroup stats for \\"/kubelet\\": failed to get container info for \\"/kubelet\\": unknown container \\"/kubelet\\"" containerName="/kubelet"'],
  ['container_manager_linux.go:852', 'W', () => 'Failed to get system container stats for "/system.slice/containerd.service": failed to get cgroup stats for "/system.slice/containerd.service": unknown container "/system.slice/containerd.service"'],
];

const INFO: [string, string, Msg][] = [
  ['kubelet_node_status.go:76', 'I', (r) => `"Attempting to register node" node="hollow-node-${Math.floor(r() * 5000)}"`],
  ['kubelet_node_status.go:79', 'I', (r) => `"Successfully registered node" node="hollow-node-${Math.floor(r() * 5000)}"`],
  ['kubelet.go:2434', 'I', (r) => `"SyncLoop ADD" source="api" pods=["${pod(r)}"]`],
  ['kubelet.go:2441', 'I', (r) => `"SyncLoop UPDATE" source="api" pods=["${pod(r)}"]`],
  ['fake_runtime.go:118', 'I', (r) => `"Fake runtime: pod started" pod="${pod(r)}" duration="${(r() * 40).toFixed(3)}ms"`],
  ['kubelet_pods.go:1790', 'I', (r) => `"Pod status is inconsistent with cached status for pod, a reconciliation should be triggered" pod="${pod(r)}" reason="status update"`],
  ['reflector.go:561', 'W', () => 'pkg/kubelet/config/apiserver.go:66: watch of *v1.Pod ended with: an error on the server ("unable to decode an event from the watch stream: http2: client connection lost") has prevented the request from succeeding'],
  ['status_manager.go:877', 'I', (r) => `"Status for pod updated successfully" pod="${pod(r)}" statusVersion=${Math.floor(r() * 9)} status={"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}`],
  
];

const ERRORS: [string, string, Msg][] = [
  ['kuberuntime_image.go:55', 'E', () => '"Failed to list images" err="rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing: dial unix /run/containerd/containerd.sock: connect: no such file or directory\\""'],
  ['kuberuntime_image.go:55', 'E', (r) => `"Failed to pull image" err="rpc error: code = Unimplemented desc = unknown service: runtime.v1alpha2.ImageService" image="nginx:1.${Math.floor(r() * 28)}"`],
  ['kubelet_node_status.go:95', 'E', (r) => `"Unable to register node with API server" err="Post \\"https://10.0.0.1:6443/api/v1/nodes\\": context deadline exceeded" node="hollow-node-${Math.floor(r() * 5000)}"`],
  ['reflector.go:158', 'E', () => '"Unhandled Error" err="k8s.io/client-go/informers/factory.go:160: Failed to watch *v1.Node: Get \\"https://127.0.0.1:6443/api/v1/nodes?watch=true\\": dial tcp 127.0.0.1:6443: connect: connection refused"'],
];

const PANIC = [
  'panic: runtime error: invalid memory address or nil pointer dereference',
  '[signal SIGSEGV: segmentation violation code=0x1 addr=0x28 pc=0x1d0b5a2]',
  '',
  'goroutine 412 [running]:',
  'k8s.io/kubernetes/pkg/proxy/healthcheck.(*ProxierHealthServer).SyncNode(0x0, 0xc000a1e000)',
  '\tk8s.io/kubernetes/pkg/proxy/healthcheck/proxier_health.go:154 +0x22',
  'k8s.io/kubernetes/pkg/proxy.(*NodeEligibleHandler).OnNodeUpdate(0xc0004c8f00, 0xc000a1e000, 0xc000a1e300)',
  '\tk8s.io/kubernetes/pkg/proxy/node.go:62 +0x5b',
  'created by k8s.io/client-go/tools/cache.(*processorListener).run in goroutine 300',
  '\tk8s.io/client-go/tools/cache/shared_informer.go:966 +0x1c5',
];

export interface GenerateOptions {
  /** Approximate size in bytes (whole lines; the result is at least this long). */
  bytes: number;
  seed?: number;
  /** Share of noise lines (default 0.8). */
  noise?: number;
  /** Share of error lines (default 0.0005). */
  errors?: number;
  /** Panics (with a trace) in the whole file (default 3). */
  panics?: number;
}

/** Calls `out` with ~1 MiB strings of log text until `bytes` are produced. */
export function generateLog(opts: GenerateOptions, out: (text: string) => void): { lines: number; bytes: number } {
  const r = rng(opts.seed ?? 20261201);
  const noise = opts.noise ?? 0.8;
  const errors = opts.errors ?? 0.0005;
  const panicEvery = Math.max(1, Math.floor(opts.bytes / Math.max(1, opts.panics ?? 3)));
  let nextPanic = Math.floor(panicEvery / 2);
  let t = Date.UTC(2026, 10, 25, 16, 0, 0) * 1000; // microseconds
  let bytes = 0;
  let lines = 0;
  let buf: string[] = [];
  let bufLen = 0;
  const push = (line: string) => {
    buf.push(line);
    bufLen += line.length + 1;
    lines++;
    if (bufLen >= 1 << 20) {
      const s = buf.join('\n') + '\n';
      bytes += Buffer.byteLength(s);
      out(s);
      buf = [];
      bufLen = 0;
    }
  };
  const pid = 7;
  while (bytes + bufLen < opts.bytes) {
    t += Math.floor(r() * 2000);
    const d = new Date(Math.floor(t / 1000));
    const us = String(t % 1_000_000).padStart(6, '0');
    const mmdd = String(d.getUTCMonth() + 1).padStart(2, '0') + String(d.getUTCDate()).padStart(2, '0');
    const hms = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')}`;
    if (bytes + bufLen >= nextPanic) {
      nextPanic += panicEvery;
      for (const l of PANIC) push(l);
      continue;
    }
    const x = r();
    const [caller, sev, msg] = pick(r, x < noise ? NOISE : x < 1 - errors ? INFO : ERRORS);
    push(`${sev}${mmdd} ${hms}.${us}       ${pid} ${caller}] ${msg(r)}`);
  }
  if (buf.length > 0) {
    const s = buf.join('\n') + '\n';
    bytes += Buffer.byteLength(s);
    out(s);
  }
  return { lines, bytes };
}

/** The whole log as one Buffer. */
export function generateLogBuffer(opts: GenerateOptions): Buffer {
  const parts: Buffer[] = [];
  generateLog(opts, (s) => parts.push(Buffer.from(s, 'utf8')));
  return Buffer.concat(parts);
}

/** Writes the log to a file; returns its line and byte counts. */
export function writeLogFile(file: string, opts: GenerateOptions): { lines: number; bytes: number } {
  const fd = openSync(file, 'w');
  try {
    return generateLog(opts, (s) => writeSync(fd, s));
  } finally {
    closeSync(fd);
  }
}

if (/genLogs\.js$/.test(process.argv[1] ?? '')) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node out/bench/genLogs.js <file> [megabytes]');
    process.exit(2);
  }
  const mb = Number(process.argv[3] ?? 200);
  const r = writeLogFile(file, { bytes: mb * 1024 * 1024 });
  console.log(`${file}: ${r.lines} lines, ${(r.bytes / 2 ** 20).toFixed(1)} MiB`);
}
