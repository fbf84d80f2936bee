// Benchmark: the dashboard's data model at 5,000 hollow nodes with 500 Lease updates a second
// (each kubelet renews every 10 s), one sample a second, and a /metrics scrape every 10 s of a
// realistically large apiserver exposition. Runs one simulated hour (the fine tier full) on a
// simulated clock; reports CPU per simulated second and the memory the model retains.
import v8 from 'node:v8';
import vm from 'node:vm';
import { COLUMNS, DashboardModel } from '../src/core/dashboard';

function gc(): void {
  try {
    v8.setFlagsFromString('--expose_gc');
    (vm.runInNewContext('gc') as () => void)();
  } catch {
    // figures without a forced collection are still printed
  }
}

const LE = ['0.005', '0.025', '0.05', '0.1', '0.2', '0.4', '0.6', '0.8', '1', '1.25', '1.5', '2', '3', '4', '5', '6', '8', '10', '15', '20', '30', '45', '60', '+Inf'];

/** ~3 MB of /metrics: 60 latency series × 24 buckets among ~25,000 other lines. */
export function fakeMetrics(scrape: number): string {
  const out: string[] = [];
  for (let i = 0; i < 25_000; i++) out.push(`apiserver_watch_cache_events_received_total{resource="r${i}",group="g"} ${i * scrape}`);
  const resources = ['nodes', 'pods', 'leases', 'events', 'configmaps', 'secrets', 'services', 'endpoints', 'namespaces', 'statefulsets'];
  const kinds: [string, string][] = [['GET', 'resource'], ['LIST', 'namespace'], ['LIST', 'cluster'], ['PATCH', 'resource'], ['PUT', 'resource'], ['POST', 'resource']];
  for (const r of resources) {
    for (const [verb, scope] of kinds) {
      let acc = 0;
      for (const [i, le] of LE.entries()) {
        acc += Math.max(0, 100 - i * 8) * scrape;
        out.push(`apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="",resource="${r}",scope="${scope}",subresource="",verb="${verb}",version="v1",le="${le}"} ${acc}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}

export interface DashboardBench {
  nodes: number;
  leaseUpdatesPerSecond: number;
  simulatedSeconds: number;
  cpuMsPerSecond: number;
  cpuMsPerSecondWithoutScrape: number;
  scrapeParseMs: number;
  metricsBytes: number;
  retainedBytes: number;
  modelEstimateBytes: number;
}

export function benchDashboard(nodes = 5000, leaseUpdatesPerSecond = 500, simulatedSeconds = 3600): DashboardBench {
  const names = Array.from({ length: nodes }, (_, i) => `hollow-node-${i}`);
  const scrapes = [fakeMetrics(1), fakeMetrics(2)];
  gc();
  const mem = () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
  const heapBefore = mem();
  const model = new DashboardModel();
  const t0 = Date.parse('2026-12-01T10:00:00Z');
  for (let i = 0; i < nodes; i++) model.observeLease(names[i] as string, t0 - (i % 10) * 1000);

  let next = 0;
  let scrapeCpu = 0;
  const cpu0 = process.cpuUsage();
  for (let s = 0; s < simulatedSeconds; s++) {
    const now = t0 + s * 1000;
    for (let k = 0; k < leaseUpdatesPerSecond; k++) {
      model.observeLease(names[next] as string, now - 3);
      next = (next + 1) % nodes;
    }
    if (s % 10 === 0) {
      const c = process.cpuUsage();
      model.observeMetrics(scrapes[(s / 10) % 2] as string, now);
      const d = process.cpuUsage(c);
      scrapeCpu += (d.user + d.system) / 1000;
    }
    model.sample({ nodes: { ready: nodes - 3, notReady: 2, unknown: 1 }, pods: { pending: 0, running: nodes, succeeded: 0, failed: 0, unknown: 0 }, desiredReplicas: nodes }, now);
  }
  const used = process.cpuUsage(cpu0);
  const cpuMs = (used.user + used.system) / 1000;
  gc();
  const retained = mem() - heapBefore;
  // Keep the model alive until after the measurement.
  const estimate = model.retainedBytes;
  return {
    nodes,
    leaseUpdatesPerSecond,
    simulatedSeconds,
    cpuMsPerSecond: cpuMs / simulatedSeconds,
    cpuMsPerSecondWithoutScrape: (cpuMs - scrapeCpu) / simulatedSeconds,
    scrapeParseMs: scrapeCpu / Math.ceil(simulatedSeconds / 10),
    metricsBytes: (scrapes[0] as string).length,
    retainedBytes: retained,
    modelEstimateBytes: estimate,
  };
}

export function printDashboardBench(b: DashboardBench): void {
  console.log(`dashboard model: ${b.nodes} nodes, ${b.leaseUpdatesPerSecond} Lease updates/s, 1 sample/s, /metrics (${(b.metricsBytes / 1e6).toFixed(1)} MB) every 10 s, ${b.simulatedSeconds} simulated s`);
  console.log(`  CPU per second: ${b.cpuMsPerSecond.toFixed(2)} ms (${(b.cpuMsPerSecond / 10).toFixed(2)} % of a core); without scrapes ${b.cpuMsPerSecondWithoutScrape.toFixed(2)} ms; one /metrics parse ${b.scrapeParseMs.toFixed(1)} ms`);
  console.log(`  retained (heap + array buffers) after one hour: ${(b.retainedBytes / 2 ** 20).toFixed(2)} MiB (model's own estimate ${(b.modelEstimateBytes / 2 ** 20).toFixed(2)} MiB; bound: ${COLUMNS.length + 1} arrays × (3,600 + 1,440) rows × 8 B + 1 Map entry per Lease)`);
}

if (require.main === module) printDashboardBench(benchDashboard());
