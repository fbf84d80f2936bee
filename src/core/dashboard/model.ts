// The scale-test dashboard's data: what the informers already hold (node conditions, pod
// phases, desired replicas), Lease renew times (a number per node, no Lease objects), and the
// masters apiserver's request latency from /metrics. Sampled at most once a second into two
// ring-buffer tiers, so memory is bounded whatever the session length:
//   fine:   1 row a second, 3,600 rows (the last hour)
//   coarse: 1 row a minute, 1,440 rows (the last day)
// (28 columns + time) × (3,600 + 1,440) rows × 8 bytes ≈ 1.2 MB, plus 1 Map entry per Lease.
import { RingTable } from './ring';
import { LatencyHistograms, LatencySummary, SLO_SECONDS, latencyHistograms, summarizeLatency } from './prometheus';

export const LATENCY_VERBS = ['GET', 'LIST', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Column names, in order (CSV header, webview series). */
export const COLUMNS = [
  'nodes.ready', 'nodes.notReady', 'nodes.unknown',
  'pods.pending', 'pods.running', 'pods.succeeded', 'pods.failed', 'pods.unknown',
  'registration.perSecond',
  'heartbeat.p50Seconds', 'heartbeat.maxSeconds', 'heartbeat.stale',
  ...LATENCY_VERBS.flatMap((v) => [`latency.${v}.p50`, `latency.${v}.p99`]),
  'latency.mutating.p99', 'latency.readResource.p99', 'latency.readNamespace.p99', 'latency.readCluster.p99',
] as const;
export type Column = (typeof COLUMNS)[number];
const COL = new Map<string, number>(COLUMNS.map((c, i) => [c, i]));

/** How a coarse (1-minute) row is made from the fine rows of that minute. */
function coarseMode(c: string): 'last' | 'mean' | 'max' {
  if (c === 'registration.perSecond') return 'mean';
  if (c.startsWith('latency.') || c === 'heartbeat.maxSeconds') return 'max';
  return 'last';
}

/** Upper bounds (seconds) of the heartbeat-age histogram; the last bucket is open. */
export const HEARTBEAT_BUCKETS = [5, 10, 20, 40, 60, 120, 300, Infinity] as const;

export interface DashboardInput {
  /** Hollow Nodes in masters by Ready condition. */
  nodes: { ready: number; notReady: number; unknown: number };
  /** Hollow-node pods in workers by phase. */
  pods: { pending: number; running: number; succeeded: number; failed: number; unknown: number };
  /** Sum of the hollow-node StatefulSets' spec.replicas: a change starts a rollout timing. */
  desiredReplicas?: number;
  /** Node additions seen so far (monotonic, from the node informer's add events); else the node total is used. */
  nodeAdds?: number;
}

export type MetricsState =
  | { state: 'pending' }
  | { state: 'ok'; at: number }
  | { state: 'no-permission'; at: number; message: string }
  | { state: 'unavailable'; at: number; message: string };

export interface RolloutTiming {
  /** When the deploy/scale started (ms). */
  startedAt: number;
  /** Ready nodes at the start and the target. */
  from: number;
  target: number;
  /** Milliseconds from the start to 50 / 90 / 100 % of the added nodes Ready (undefined until reached). */
  t50?: number;
  t90?: number;
  t100?: number;
}

export interface DashboardSnapshot {
  version: 1;
  columns: readonly string[];
  /** Rows newer than the `sinceSeq` asked for (all kept rows for 0). */
  fine: { seq: number; times: number[]; values: number[][] };
  /** The whole coarse tier (small). */
  coarse: { seq: number; times: number[]; values: number[][] };
  heartbeat: { bounds: number[]; counts: number[]; leases: number; at: number };
  rollout?: RolloutTiming;
  metrics: MetricsState;
  slo: typeof SLO_SECONDS;
  bounds: { fineRows: number; coarseRows: number; fineStepMs: number; coarseStepMs: number };
}

export interface DashboardModelOptions {
  fineRows?: number;
  coarseRows?: number;
  coarseStepMs?: number;
  minIntervalMs?: number;
  /** A Lease older than this is stale (default 40 s, the kubelet's lease duration). */
  staleAfterSeconds?: number;
}

export class DashboardModel {
  readonly fine: RingTable;
  readonly coarse: RingTable;
  private readonly minInterval: number;
  private readonly coarseStep: number;
  private readonly staleAfter: number;
  /** Lease name → renew time (ms). */
  private readonly renew = new Map<string, number>();
  private readonly row = new Float64Array(COLUMNS.length);
  private readonly minute = COLUMNS.map(() => ({ sum: 0, n: 0, max: -Infinity, last: NaN }));
  private minuteStart: number | undefined;
  private lastSampleAt = -Infinity;
  private lastAdds: { at: number; value: number } | undefined;
  private latencyBefore: LatencyHistograms | undefined;
  private latency: LatencySummary | undefined;
  private metricsState: MetricsState = { state: 'pending' };
  private rolloutTiming: RolloutTiming | undefined;
  private lastDesired: number | undefined;
  private heartbeatCounts: number[] = HEARTBEAT_BUCKETS.map(() => 0);
  private heartbeatAt = 0;
  private ages = new Float64Array(0);

  constructor(o: DashboardModelOptions = {}) {
    this.fine = new RingTable(COLUMNS, o.fineRows ?? 3600);
    this.coarse = new RingTable(COLUMNS, o.coarseRows ?? 1440);
    this.minInterval = o.minIntervalMs ?? 1000;
    this.coarseStep = o.coarseStepMs ?? 60_000;
    this.staleAfter = o.staleAfterSeconds ?? 40;
  }

  /** A Lease was added or renewed (from the Lease watch: keep the time, drop the object). */
  observeLease(name: string, renewTimeMs: number | undefined): void {
    if (renewTimeMs === undefined || !Number.isFinite(renewTimeMs)) this.renew.delete(name);
    else this.renew.set(name, renewTimeMs);
  }

  forgetLease(name: string): void {
    this.renew.delete(name);
  }

  /**
   * A change of the Lease store (`kube-node-lease/<name>` keys, renew times in ms): a relist
   * replaces every Lease (those gone since are forgotten), an update or a delete touches one.
   * One key form for all three, so a renewal after a relist updates the Lease, not a second entry.
   */
  applyLeaseChange(c: { type: 'reset' } | { type: 'upsert'; key: string; value: number } | { type: 'delete'; key: string } | { type: 'state' }, items: ReadonlyMap<string, number>): void {
    if (c.type === 'reset') {
      this.renew.clear();
      for (const [key, t] of items) this.observeLease(key, t || undefined);
    } else if (c.type === 'upsert') this.observeLease(c.key, c.value || undefined);
    else if (c.type === 'delete') this.forgetLease(c.key);
  }

  get leaseCount(): number {
    return this.renew.size;
  }

  /** A scrape of the masters apiserver's /metrics text. */
  observeMetrics(text: string, now: number): void {
    const h = latencyHistograms(text);
    this.latency = summarizeLatency(h, this.latencyBefore);
    this.latencyBefore = h;
    this.metricsState = { state: 'ok', at: now };
  }

  /** /metrics could not be read: 403 → 'no-permission', anything else → 'unavailable'. */
  metricsFailed(status: number | undefined, message: string, now: number): void {
    this.metricsState = status === 403 || status === 401 ? { state: 'no-permission', at: now, message } : { state: 'unavailable', at: now, message };
    this.latency = undefined;
  }

  /** Starts timing a deploy or scale explicitly (the model also notices desiredReplicas changes). */
  startRollout(target: number, readyNow: number, now: number): void {
    this.rolloutTiming = { startedAt: now, from: Math.min(readyNow, target), target };
  }

  /**
   * Takes one sample. Returns false (and records nothing) when the last one is less than a
   * second old, so callers may call it on every informer event.
   */
  sample(input: DashboardInput, now: number): boolean {
    if (now - this.lastSampleAt < this.minInterval) return false;
    this.lastSampleAt = now;
    const r = this.row;
    r.fill(NaN);
    const set = (c: Column, v: number) => (r[COL.get(c) as number] = v);
    set('nodes.ready', input.nodes.ready);
    set('nodes.notReady', input.nodes.notReady);
    set('nodes.unknown', input.nodes.unknown);
    set('pods.pending', input.pods.pending);
    set('pods.running', input.pods.running);
    set('pods.succeeded', input.pods.succeeded);
    set('pods.failed', input.pods.failed);
    set('pods.unknown', input.pods.unknown);

    const adds = input.nodeAdds ?? input.nodes.ready + input.nodes.notReady + input.nodes.unknown;
    if (this.lastAdds && now > this.lastAdds.at) set('registration.perSecond', Math.max(0, adds - this.lastAdds.value) / ((now - this.lastAdds.at) / 1000));
    else set('registration.perSecond', 0);
    this.lastAdds = { at: now, value: adds };

    this.sampleHeartbeats(now);
    set('heartbeat.p50Seconds', this.ageQuantile(0.5));
    set('heartbeat.maxSeconds', this.ageQuantile(1));
    set('heartbeat.stale', this.staleCount);

    if (this.latency) {
      for (const v of LATENCY_VERBS) {
        const s = this.latency.byVerb[v];
        set(`latency.${v}.p50` as Column, s ? s.p50 : NaN);
        set(`latency.${v}.p99` as Column, s ? s.p99 : NaN);
      }
      set('latency.mutating.p99', this.latency.byGroup.mutating.p99);
      set('latency.readResource.p99', this.latency.byGroup.readResource.p99);
      set('latency.readNamespace.p99', this.latency.byGroup.readNamespace.p99);
      set('latency.readCluster.p99', this.latency.byGroup.readCluster.p99);
      // One scrape gives one point: the next rows stay empty until the next scrape.
      this.latency = undefined;
    }

    this.trackRollout(input, now);
    this.fine.push(now, r);
    this.accumulateMinute(now);
    return true;
  }

  private staleCount = 0;

  private sampleHeartbeats(now: number): void {
    const n = this.renew.size;
    if (this.ages.length < n) this.ages = new Float64Array(Math.max(n, this.ages.length * 2, 64));
    const counts = HEARTBEAT_BUCKETS.map(() => 0);
    let i = 0;
    let stale = 0;
    for (const t of this.renew.values()) {
      const age = Math.max(0, (now - t) / 1000);
      this.ages[i++] = age;
      if (age > this.staleAfter) stale++;
      let b = 0;
      while (age >= (HEARTBEAT_BUCKETS[b] as number)) b++;
      counts[b] = (counts[b] as number) + 1;
    }
    this.ages.subarray(0, n).sort();
    this.heartbeatCounts = counts;
    this.heartbeatAt = now;
    this.staleCount = stale;
  }

  private ageQuantile(q: number): number {
    const n = this.renew.size;
    if (n === 0) return NaN;
    return this.ages[Math.min(n - 1, Math.floor(q * (n - 1)))] as number;
  }

  private trackRollout(input: DashboardInput, now: number): void {
    const desired = input.desiredReplicas;
    const ready = input.nodes.ready;
    if (desired !== undefined && this.lastDesired !== undefined && desired > this.lastDesired) this.startRollout(desired, ready, now);
    if (desired !== undefined) this.lastDesired = desired;
    const ro = this.rolloutTiming;
    if (!ro || ro.t100 !== undefined) return;
    const span = ro.target - ro.from;
    const done = span <= 0 ? 1 : (ready - ro.from) / span;
    const elapsed = now - ro.startedAt;
    if (ro.t50 === undefined && done >= 0.5) ro.t50 = elapsed;
    if (ro.t90 === undefined && done >= 0.9) ro.t90 = elapsed;
    if (ro.t100 === undefined && done >= 1) ro.t100 = elapsed;
  }

  private accumulateMinute(now: number): void {
    const bucket = Math.floor(now / this.coarseStep) * this.coarseStep;
    if (this.minuteStart !== undefined && bucket !== this.minuteStart) this.flushMinute();
    this.minuteStart = bucket;
    const r = this.row;
    for (let c = 0; c < COLUMNS.length; c++) {
      const v = r[c] as number;
      if (Number.isNaN(v)) continue;
      const m = this.minute[c] as { sum: number; n: number; max: number; last: number };
      m.sum += v;
      m.n++;
      if (v > m.max) m.max = v;
      m.last = v;
    }
  }

  private flushMinute(): void {
    if (this.minuteStart === undefined) return;
    const out = new Float64Array(COLUMNS.length);
    COLUMNS.forEach((c, i) => {
      const m = this.minute[i] as { sum: number; n: number; max: number; last: number };
      const mode = coarseMode(c);
      out[i] = m.n === 0 ? NaN : mode === 'mean' ? m.sum / m.n : mode === 'max' ? m.max : m.last;
      m.sum = 0;
      m.n = 0;
      m.max = -Infinity;
      m.last = NaN;
    });
    this.coarse.push(this.minuteStart, out);
  }

  get rollout(): RolloutTiming | undefined {
    return this.rolloutTiming ? { ...this.rolloutTiming } : undefined;
  }

  get metrics(): MetricsState {
    return this.metricsState;
  }

  /** Bytes held by the ring buffers and the Lease map (estimate: ~80 bytes a Map entry). */
  get retainedBytes(): number {
    return this.fine.bytes + this.coarse.bytes + this.ages.byteLength + this.renew.size * 80;
  }

  /** What the webview needs: rows newer than `sinceSeq` of the fine tier, the whole coarse tier. */
  snapshot(sinceSeq = 0): DashboardSnapshot {
    return {
      version: 1,
      columns: COLUMNS,
      fine: this.fine.rowsSince(sinceSeq),
      coarse: this.coarse.rowsSince(0),
      heartbeat: { bounds: HEARTBEAT_BUCKETS.map((b) => (b === Infinity ? -1 : b)), counts: [...this.heartbeatCounts], leases: this.renew.size, at: this.heartbeatAt },
      ...(this.rolloutTiming ? { rollout: { ...this.rolloutTiming } } : {}),
      metrics: this.metricsState,
      slo: SLO_SECONDS,
      bounds: { fineRows: this.fine.capacity, coarseRows: this.coarse.capacity, fineStepMs: this.minInterval, coarseStepMs: this.coarseStep },
    };
  }
}

/** Every series as CSV: `time` (ISO) then one column each; empty cells for missing values. */
export function toCsv(table: { columns: readonly string[]; times: number[]; values: number[][] }): string {
  const lines = [['time', ...table.columns].join(',')];
  for (let i = 0; i < table.times.length; i++) {
    const cells = [new Date(table.times[i] as number).toISOString()];
    for (const col of table.values) {
      const v = col[i];
      cells.push(v === undefined || v === null || Number.isNaN(v) ? '' : String(+v.toFixed(6)));
    }
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}
