import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COLUMNS,
  DashboardModel,
  DashboardInput,
  RingTable,
  latencyHistograms,
  parseMetric,
  quantile,
  summarizeLatency,
  toCsv,
} from '../../../src/core/dashboard';

const LE = ['0.005', '0.025', '0.05', '0.1', '0.2', '0.4', '0.6', '0.8', '1', '1.25', '1.5', '2', '3', '4', '5', '6', '8', '10', '15', '20', '30', '45', '60', '+Inf'];

/** A /metrics excerpt as a kube-apiserver writes it, with cumulative bucket counts. */
function metricsText(series: { verb: string; scope: string; resource: string; subresource?: string; counts: Record<string, number> }[]): string {
  const out = [
    '# HELP apiserver_request_duration_seconds [STABLE] Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
    '# TYPE apiserver_request_duration_seconds histogram',
  ];
  for (const s of series) {
    let acc = 0;
    for (const le of LE) {
      acc += s.counts[le] ?? 0;
      out.push(`apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="",resource="${s.resource}",scope="${s.scope}",subresource="${s.subresource ?? ''}",verb="${s.verb}",version="v1",le="${le}"} ${acc}`);
    }
    out.push(`apiserver_request_duration_seconds_sum{component="apiserver",dry_run="",group="",resource="${s.resource}",scope="${s.scope}",subresource="${s.subresource ?? ''}",verb="${s.verb}",version="v1"} 1.5`);
    out.push(`apiserver_request_duration_seconds_count{component="apiserver",dry_run="",group="",resource="${s.resource}",scope="${s.scope}",subresource="${s.subresource ?? ''}",verb="${s.verb}",version="v1"} ${acc}`);
  }
  out.push('apiserver_request_total{code="200",component="apiserver",verb="GET"} 5');
  return `${out.join('\n')}\n`;
}

const input = (ready: number, over: Partial<DashboardInput> = {}): DashboardInput => ({
  nodes: { ready, notReady: 0, unknown: 0 },
  pods: { pending: 0, running: ready, succeeded: 0, failed: 0, unknown: 0 },
  ...over,
});

describe('ring buffer', () => {
  test('keeps the last N rows in order and reports rows since a sequence number', () => {
    const r = new RingTable(['a', 'b'], 3);
    for (let i = 1; i <= 5; i++) r.push(i * 1000, [i, i * 10]);
    assert.equal(r.size, 3);
    assert.equal(r.lastSeq, 5);
    assert.deepEqual(r.rowsSince(0), { seq: 5, times: [3000, 4000, 5000], values: [[3, 4, 5], [30, 40, 50]] });
    assert.deepEqual(r.rowsSince(4).times, [5000]);
    assert.deepEqual(r.rowsSince(5).times, []);
    assert.equal(r.bytes, 3 * 3 * 8);
    r.push(6000, [6]);
    assert.ok(Number.isNaN(r.valueAt(1, 2)), 'a missing value is NaN');
    assert.throws(() => new RingTable(['a'], 0), /positive integer/);
  });
});

describe('Prometheus text and percentiles from buckets', () => {
  test('parses labels with escapes and skips other metrics and comments', () => {
    const text = 'x_bucket{a="q\\"uote",b="back\\\\slash",le="+Inf"} 3\n# x_bucket{a="no"} 9\nx_bucket_other{a="1"} 1\nx_bucket{a="2",le="0.5"} 1.5e1\n';
    const s = parseMetric(text, 'x_bucket');
    assert.deepEqual(s, [
      { labels: { a: 'q"uote', b: 'back\\slash', le: '+Inf' }, value: 3 },
      { labels: { a: '2', le: '0.5' }, value: 15 },
    ]);
  });

  test('quantile interpolates inside the bucket like histogram_quantile', () => {
    const h = { bounds: [0.1, 0.5, 1, Infinity], counts: [50, 90, 100, 100] };
    assert.equal(quantile(0.5, h), 0.1);
    assert.ok(Math.abs(quantile(0.7, h) - 0.3) < 1e-12); // rank 70: 20 of 40 into (0.1, 0.5]
    assert.ok(Math.abs(quantile(0.99, h) - 0.95) < 1e-12); // rank 99: 9 of 10 into (0.5, 1]
    assert.equal(quantile(0.99, { bounds: [1, Infinity], counts: [0, 10] }), 1, 'in +Inf: the last finite bound');
    assert.ok(Number.isNaN(quantile(0.5, { bounds: [1, Infinity], counts: [0, 0] })));
  });

  test('p50/p99 by verb and SLO group over the increase between two scrapes; WATCH is left out', () => {
    const first = metricsText([
      { verb: 'PATCH', scope: 'resource', resource: 'nodes', subresource: 'status', counts: { '0.025': 100 } },
      { verb: 'LIST', scope: 'cluster', resource: 'pods', counts: { '0.1': 10 } },
      { verb: 'WATCH', scope: 'cluster', resource: 'pods', counts: { '60': 5 } },
    ]);
    const second = metricsText([
      // 100 more PATCHes: 98 fast, 2 between 1 and 1.25 s.
      { verb: 'PATCH', scope: 'resource', resource: 'nodes', subresource: 'status', counts: { '0.025': 198, '1.25': 2 } },
      { verb: 'LIST', scope: 'cluster', resource: 'pods', counts: { '0.1': 10, '8': 10 } },
      { verb: 'WATCH', scope: 'cluster', resource: 'pods', counts: { '60': 9 } },
    ]);
    const h1 = latencyHistograms(first);
    const h2 = latencyHistograms(second);
    assert.deepEqual([...h2.keys()].sort(), ['LIST|cluster', 'PATCH|resource']);
    const s = summarizeLatency(h2, h1);
    assert.equal(s.byVerb.PATCH?.count, 100);
    assert.ok(Math.abs((s.byVerb.PATCH?.p50 ?? 0) - (0.005 + 0.02 * 50 / 98)) < 1e-12, String(s.byVerb.PATCH?.p50)); // rank 50: 50 of 98 into (0.005, 0.025]
    assert.ok(Math.abs((s.byVerb.PATCH?.p99 ?? 0) - 1.125) < 1e-9, String(s.byVerb.PATCH?.p99)); // rank 99: 1 of 2 into (1, 1.25]
    assert.ok((s.byGroup.mutating.p99 as number) > 1, 'above the 1 s SLO');
    assert.equal(s.byGroup.readCluster.count, 10);
    assert.ok((s.byGroup.readCluster.p99 as number) > 6 && (s.byGroup.readCluster.p99 as number) <= 8);
    assert.ok(Number.isNaN(s.byGroup.readResource.p99));
    // A restarted apiserver (counters went down) counts from zero again.
    const reset = summarizeLatency(h1, h2);
    assert.equal(reset.byVerb.PATCH?.count, 100);
  });
});

describe('dashboard model', () => {
  test('samples at most once a second', () => {
    const m = new DashboardModel();
    assert.equal(m.sample(input(1), 10_000), true);
    assert.equal(m.sample(input(2), 10_500), false);
    assert.equal(m.sample(input(3), 11_000), true);
    assert.deepEqual(m.snapshot().fine.values[COLUMNS.indexOf('nodes.ready')], [1, 3]);
  });

  test('registration rate from node additions', () => {
    const m = new DashboardModel();
    m.sample(input(0, { nodeAdds: 0 }), 0);
    m.sample(input(0, { nodeAdds: 10 }), 2000);
    m.sample(input(0, { nodeAdds: 10 }), 3000);
    assert.deepEqual(m.snapshot().fine.values[COLUMNS.indexOf('registration.perSecond')], [0, 5, 0]);
  });

  test('time to 50/90/100 % Ready of the last scale', () => {
    const m = new DashboardModel();
    m.sample(input(10, { desiredReplicas: 10 }), 0);
    m.sample(input(10, { desiredReplicas: 20 }), 1000); // scale 10 → 20 starts here
    m.sample(input(14, { desiredReplicas: 20 }), 3000);
    m.sample(input(15, { desiredReplicas: 20 }), 4000);
    m.sample(input(19, { desiredReplicas: 20 }), 7000);
    assert.deepEqual(m.rollout, { startedAt: 1000, from: 10, target: 20, t50: 3000, t90: 6000 });
    m.sample(input(20, { desiredReplicas: 20 }), 9000);
    assert.equal((m.rollout as { t100?: number }).t100, 8000);
  });

  test('Lease store changes: renewals after a relist update the listed Leases (no second entry); a relist forgets Leases gone since', () => {
    const m = new DashboardModel();
    const items = new Map([['kube-node-lease/a', 1_000], ['kube-node-lease/b', 2_000], ['kube-node-lease/c', 3_000]]);
    m.applyLeaseChange({ type: 'reset' }, items);
    assert.equal(m.leaseCount, 3);
    for (const [key] of items) m.applyLeaseChange({ type: 'upsert', key, value: 9_000 }, items);
    assert.equal(m.leaseCount, 3, 'the renewals updated the three Leases');
    m.applyLeaseChange({ type: 'delete', key: 'kube-node-lease/a' }, items);
    assert.equal(m.leaseCount, 2);
    m.applyLeaseChange({ type: 'upsert', key: 'kube-node-lease/d', value: 0 }, items);
    assert.equal(m.leaseCount, 2, 'a Lease without a renew time is not counted');
    m.applyLeaseChange({ type: 'state' }, items);
    m.applyLeaseChange({ type: 'reset' }, new Map([['kube-node-lease/b', 10_000]]));
    assert.equal(m.leaseCount, 1, 'the relist forgot c');
    m.sample(input(0), 12_000);
    assert.deepEqual(m.snapshot().heartbeat.counts, [1, 0, 0, 0, 0, 0, 0, 0], 'b, renewed 2 s before');
  });

  test('heartbeat histogram from Lease renew times: counts, stale, p50', () => {
    const m = new DashboardModel();
    const now = 100_000;
    m.observeLease('a', now - 2_000);
    m.observeLease('b', now - 7_000);
    m.observeLease('c', now - 45_000);
    m.observeLease('d', now - 400_000);
    m.observeLease('e', undefined); // no renew time: not counted
    m.observeLease('d', now - 1_000); // renewed
    m.forgetLease('c');
    m.sample(input(0), now);
    const s = m.snapshot();
    assert.equal(s.heartbeat.leases, 3);
    assert.deepEqual(s.heartbeat.bounds, [5, 10, 20, 40, 60, 120, 300, -1]);
    assert.deepEqual(s.heartbeat.counts, [2, 1, 0, 0, 0, 0, 0, 0]);
    assert.equal(s.fine.values[COLUMNS.indexOf('heartbeat.p50Seconds')]?.[0], 2);
    assert.equal(s.fine.values[COLUMNS.indexOf('heartbeat.stale')]?.[0], 0);
    m.sample(input(0), now + 50_000);
    assert.equal(m.snapshot().fine.values[COLUMNS.indexOf('heartbeat.stale')]?.[1], 3);
  });

  test('bounded memory: the fine tier keeps the last hour, the coarse tier one row a minute', () => {
    const m = new DashboardModel({ fineRows: 60, coarseRows: 5 });
    const bytes = m.retainedBytes;
    for (let s = 0; s < 600; s++) m.sample(input(s), s * 1000);
    const snap = m.snapshot();
    assert.equal(snap.fine.times.length, 60);
    assert.equal(snap.fine.times[0], 540_000);
    assert.equal(snap.coarse.times.length, 5, 'only the last 5 minutes at 1 row a minute');
    assert.deepEqual(snap.coarse.times, [240_000, 300_000, 360_000, 420_000, 480_000]);
    assert.equal(snap.coarse.values[COLUMNS.indexOf('nodes.ready')]?.[4], 539, 'a gauge keeps the minute\'s last value');
    assert.equal(m.retainedBytes, bytes, 'no growth: the ring buffers were allocated up front');
    assert.equal(m.snapshot(snap.fine.seq).fine.times.length, 0, 'nothing new since the last snapshot');
  });

  test('latency: ok after a scrape, a single point per scrape, no-permission on 403', () => {
    const m = new DashboardModel();
    assert.equal(m.metrics.state, 'pending');
    m.observeMetrics(metricsText([{ verb: 'GET', scope: 'resource', resource: 'nodes', counts: { '0.005': 10 } }]), 0);
    m.sample(input(0), 0);
    m.sample(input(0), 1000);
    const col = m.snapshot().fine.values[COLUMNS.indexOf('latency.GET.p99')] as number[];
    assert.ok(col[0]! > 0 && col[0]! <= 0.005);
    assert.ok(Number.isNaN(col[1]!));
    m.metricsFailed(403, 'forbidden: User "alice" cannot get path "/metrics"', 2000);
    assert.equal(m.metrics.state, 'no-permission');
    m.metricsFailed(undefined, 'ECONNREFUSED', 3000);
    assert.equal((m.metrics as { state: string }).state, 'unavailable');
  });

  test('CSV of every series', () => {
    const m = new DashboardModel();
    m.sample(input(3), Date.parse('2026-12-01T10:00:00Z'));
    const csv = toCsv({ columns: COLUMNS, ...m.snapshot().fine });
    const [head, row] = csv.trim().split('\n');
    assert.equal(head, ['time', ...COLUMNS].join(','));
    assert.ok(row?.startsWith('2026-12-01T10:00:00.000Z,3,0,0,0,3,0,0,0,0,'), row);
    assert.equal(row?.split(',').length, COLUMNS.length + 1);
  });
});
