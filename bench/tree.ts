// Benchmark: the masters tree at 5,000 fake nodes. Slimming realistic Node objects (what a
// relist does), the per-redraw work (counts, grouping, paging, labels) and the memory the
// slim records keep. Prints figures, asserts nothing.
import v8 from 'node:v8';
import vm from 'node:vm';
import { NodeRecord, countByCondition, slimNode } from '../src/cluster/records';
import { capacitySummary, nodeDescription, nodesWithCondition, paginate, statusText } from '../src/cluster/viewModel';

function gc(): void {
  try {
    v8.setFlagsFromString('--expose_gc');
    (vm.runInNewContext('gc') as () => void)();
  } catch {
    // figures without a forced collection are still printed
  }
}

/** A Node object as the apiserver returns it for a hollow node (about 4 KB of JSON). */
export function fakeNode(i: number): unknown {
  return {
    metadata: {
      name: `hollow-node-${i}`,
      uid: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
      resourceVersion: String(100000 + i),
      creationTimestamp: '2026-11-25T16:00:00Z',
      labels: { 'kubernetes.io/hostname': `hollow-node-${i}`, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': 'amd64', pool: 'kubemark' },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
      managedFields: Array.from({ length: 4 }, (_, k) => ({ manager: `m${k}`, operation: 'Update', fieldsV1: { 'f:status': { 'f:conditions': { x: 'y'.repeat(200) } } } })),
    },
    spec: { podCIDR: '10.0.0.0/24', taints: i % 100 === 0 ? [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] : [] },
    status: {
      capacity: { cpu: '1', memory: '3840Mi', pods: '110', 'nvidia.com/gpu': '8', 'ephemeral-storage': '0' },
      allocatable: { cpu: '1', memory: '3840Mi', pods: '110', 'nvidia.com/gpu': '8' },
      conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((type) => ({
        type, status: type === 'Ready' ? (i % 50 === 0 ? 'False' : 'True') : 'False', reason: `Kubelet${type}`, message: `kubelet says ${type}`,
        lastHeartbeatTime: '2026-11-25T16:05:00Z', lastTransitionTime: '2026-11-25T16:00:00Z',
      })),
      addresses: [{ type: 'InternalIP', address: '192.0.2.2' }, { type: 'Hostname', address: `hollow-node-${i}` }],
      nodeInfo: { kubeletVersion: 'v1.37.2', kubeProxyVersion: 'v1.37.2', osImage: 'fake', containerRuntimeVersion: 'fake://0.1.0', machineID: '', systemUUID: '', bootID: '', kernelVersion: '', operatingSystem: 'linux', architecture: 'amd64' },
      images: Array.from({ length: 3 }, (_, k) => ({ names: [`registry.k8s.io/pause:3.${k}`], sizeBytes: 1000 })),
    },
  };
}

function time<T>(f: () => T, runs = 5): { ms: number; result: T } {
  let best = Infinity;
  let result!: T;
  for (let r = 0; r < runs; r++) {
    const t = process.hrtime.bigint();
    result = f();
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { ms: best, result };
}

export function benchTree(n = 5000): void {
  const objects = Array.from({ length: n }, (_, i) => fakeNode(i));
  const objectBytes = JSON.stringify(objects).length;
  gc();
  const before = process.memoryUsage().heapUsed;
  const slim = time(() => new Map(objects.map((o) => { const r = slimNode(o); return [r.name, r] as [string, NodeRecord]; })));
  const records = slim.result;
  gc();
  const recordBytes = process.memoryUsage().heapUsed - before;
  const redraw = time(() => {
    const all = [...records.values()];
    const counts = countByCondition(all);
    const ready = nodesWithCondition(all, 'Ready');
    const pages = paginate(ready, (x) => x.name);
    // What the tree renders of one page: labels and descriptions.
    const rows = pages[0]!.items.map((x) => `${x.name} ${nodeDescription(x)} ${capacitySummary(x)}`);
    return { counts, pages: pages.length, rows: rows.length, status: statusText(all) };
  }, 20);
  console.log(`tree bench: ${n.toLocaleString('en-US')} fake nodes`);
  console.log(`  slim records from Node objects:   ${slim.ms.toFixed(1)} ms (${((n / slim.ms) * 1000).toFixed(0)} nodes/s)`);
  console.log(`  heap kept by the slim records:    ${(recordBytes / 2 ** 20).toFixed(1)} MiB (${(recordBytes / n).toFixed(0)} B/node; the objects' JSON is ${(objectBytes / n).toFixed(0)} B/node)`);
  console.log(`  one redraw (count, group, page):  ${redraw.ms.toFixed(1)} ms -> ${redraw.result.status}, ${redraw.result.pages} pages of Ready nodes`);
}
