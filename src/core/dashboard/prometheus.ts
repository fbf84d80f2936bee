// The apiserver's request latency from its Prometheus text (/metrics):
// apiserver_request_duration_seconds_bucket{verb,resource,scope,le,…} cumulative counters.
// Percentiles come from the buckets the way PromQL's histogram_quantile computes them (linear
// interpolation inside the bucket), over the increase between two scrapes.

export const DURATION_BUCKET = 'apiserver_request_duration_seconds_bucket';

/** Verbs left out of the latency SLOs (long-running requests). */
export const LONG_RUNNING_VERBS = new Set(['WATCH', 'WATCHLIST', 'CONNECT']);
export const MUTATING_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'DELETECOLLECTION', 'APPLY', 'CREATE', 'UPDATE']);

/** The API call latency SLOs of Kubernetes scalability (p99 over the window). */
export const SLO_SECONDS = { mutating: 1, readResource: 1, readNamespace: 5, readCluster: 30 } as const;

export type LatencyGroup = 'mutating' | 'readResource' | 'readNamespace' | 'readCluster';

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** Parses `{a="x",b="y\"z"}` (starting at the `{`); returns the labels and the index after `}`. */
export function parseLabels(line: string, at: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return { labels, end: i + 1 };
    const eq = line.indexOf('=', i);
    if (eq === -1 || line[eq + 1] !== '"') throw new Error(`bad label at ${i}: ${line.slice(0, 120)}`);
    const name = line.slice(i, eq).trim();
    let v = '';
    let j = eq + 2;
    for (; j < line.length; j++) {
      const ch = line[j];
      if (ch === '\\') {
        const n = line[++j];
        v += n === 'n' ? '\n' : (n as string);
      } else if (ch === '"') break;
      else v += ch;
    }
    labels[name] = v;
    i = j + 1;
  }
  throw new Error(`unterminated labels: ${line.slice(0, 120)}`);
}

/** Every sample of one metric name in a Prometheus text exposition (other lines are skipped cheaply). */
export function parseMetric(text: string, name: string): Sample[] {
  const out: Sample[] = [];
  const prefix = `${name}{`;
  let pos = 0;
  for (;;) {
    const at = text.indexOf(prefix, pos);
    if (at === -1) break;
    const eol = text.indexOf('\n', at);
    const line = text.slice(at, eol === -1 ? undefined : eol);
    pos = eol === -1 ? text.length : eol + 1;
    // Only at the start of a line (not inside a # HELP text).
    if (at > 0 && text[at - 1] !== '\n') continue;
    const { labels, end } = parseLabels(line, name.length);
    const rest = line.slice(end).trim().split(/\s+/);
    const value = parseValue(rest[0] ?? '');
    if (!Number.isNaN(value)) out.push({ labels, value });
  }
  return out;
}

function parseValue(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

/** Cumulative histogram: upper bounds ascending (last is +Inf) and counts ≤ each bound. */
export interface Histogram {
  bounds: number[];
  counts: number[];
}

/** The q-quantile (0..1) of a cumulative histogram, as histogram_quantile does. NaN when empty. */
export function quantile(q: number, h: Histogram): number {
  const n = h.bounds.length;
  if (n === 0) return NaN;
  const total = h.counts[n - 1] as number;
  if (!(total > 0)) return NaN;
  const rank = q * total;
  let i = 0;
  while (i < n && (h.counts[i] as number) < rank) i++;
  if (i >= n) i = n - 1;
  const upper = h.bounds[i] as number;
  if (upper === Infinity) return n >= 2 ? (h.bounds[n - 2] as number) : NaN;
  const lower = i === 0 ? 0 : (h.bounds[i - 1] as number);
  const below = i === 0 ? 0 : (h.counts[i - 1] as number);
  const inBucket = (h.counts[i] as number) - below;
  if (inBucket <= 0) return upper;
  return lower + (upper - lower) * ((rank - below) / inBucket);
}

/** Histograms keyed by `verb|scope` (dry-run and subresource summed in). */
export type LatencyHistograms = Map<string, Histogram>;

export function latencyHistograms(text: string): LatencyHistograms {
  const byKey = new Map<string, Map<number, number>>();
  for (const s of parseMetric(text, DURATION_BUCKET)) {
    const verb = (s.labels.verb ?? '').toUpperCase();
    if (!verb || LONG_RUNNING_VERBS.has(verb)) continue;
    const key = `${verb}|${s.labels.scope ?? ''}`;
    const le = parseValue(s.labels.le ?? '');
    if (Number.isNaN(le)) continue;
    let m = byKey.get(key);
    if (!m) byKey.set(key, (m = new Map()));
    m.set(le, (m.get(le) ?? 0) + s.value);
  }
  const out: LatencyHistograms = new Map();
  for (const [key, m] of byKey) {
    const bounds = [...m.keys()].sort((a, b) => a - b);
    out.set(key, { bounds, counts: bounds.map((b) => m.get(b) as number) });
  }
  return out;
}

/** now − before, bucket by bucket (a counter reset, i.e. a restarted apiserver, gives `now`). */
export function histogramDelta(now: Histogram, before: Histogram | undefined): Histogram {
  if (!before || before.bounds.length !== now.bounds.length) return now;
  const counts = now.counts.map((c, i) => c - (before.counts[i] as number));
  if (counts.some((c) => c < 0)) return now;
  return { bounds: now.bounds, counts };
}

function addInto(target: Map<number, number>, h: Histogram): void {
  h.bounds.forEach((b, i) => target.set(b, (target.get(b) ?? 0) + (h.counts[i] as number)));
}

function toHistogram(m: Map<number, number>): Histogram {
  const bounds = [...m.keys()].sort((a, b) => a - b);
  return { bounds, counts: bounds.map((b) => m.get(b) as number) };
}

export function groupOf(verb: string, scope: string): LatencyGroup | undefined {
  if (MUTATING_VERBS.has(verb)) return 'mutating';
  if (verb === 'GET' || verb === 'LIST') {
    if (scope === 'resource') return 'readResource';
    if (scope === 'namespace') return 'readNamespace';
    if (scope === 'cluster') return 'readCluster';
  }
  return undefined;
}

export interface LatencySummary {
  /** p50 / p99 in seconds per verb, NaN without requests in the window. */
  byVerb: Record<string, { p50: number; p99: number; count: number }>;
  byGroup: Record<LatencyGroup, { p99: number; count: number }>;
}

/** p50/p99 by verb and p99 by SLO group over the increase between two scrapes. */
export function summarizeLatency(now: LatencyHistograms, before?: LatencyHistograms): LatencySummary {
  const verbs = new Map<string, Map<number, number>>();
  const groups = new Map<LatencyGroup, Map<number, number>>();
  for (const [key, h] of now) {
    const d = histogramDelta(h, before?.get(key));
    const [verb, scope] = key.split('|') as [string, string];
    let v = verbs.get(verb);
    if (!v) verbs.set(verb, (v = new Map()));
    addInto(v, d);
    const g = groupOf(verb, scope);
    if (g) {
      let gm = groups.get(g);
      if (!gm) groups.set(g, (gm = new Map()));
      addInto(gm, d);
    }
  }
  const byVerb: LatencySummary['byVerb'] = {};
  for (const [verb, m] of verbs) {
    const h = toHistogram(m);
    byVerb[verb] = { p50: quantile(0.5, h), p99: quantile(0.99, h), count: h.counts[h.counts.length - 1] ?? 0 };
  }
  const byGroup = {} as LatencySummary['byGroup'];
  for (const g of ['mutating', 'readResource', 'readNamespace', 'readCluster'] as LatencyGroup[]) {
    const m = groups.get(g);
    const h = m ? toHistogram(m) : { bounds: [], counts: [] };
    byGroup[g] = { p99: quantile(0.99, h), count: h.counts[h.counts.length - 1] ?? 0 };
  }
  return { byVerb, byGroup };
}
