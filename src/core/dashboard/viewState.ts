// The webview's copy of the dashboard history (kept with setState so it survives the view
// being hidden), and how a snapshot from the extension merges into it. Pure, shared by the
// webview bundle and the tests. Messages between the two sides are typed here too.
import type { DashboardSnapshot, MetricsState, RolloutTiming } from './model';

export interface SeriesTable {
  times: number[];
  /** One array per column; null where the value is missing (JSON has no NaN). */
  values: (number | null)[][];
}

export interface DashboardViewState {
  version: 1;
  columns: string[];
  /** Sequence number of the newest fine row held. */
  seq: number;
  fine: SeriesTable;
  coarse: SeriesTable;
  heartbeat: DashboardSnapshot['heartbeat'];
  rollout?: RolloutTiming;
  metrics: MetricsState;
  slo: DashboardSnapshot['slo'];
  fineRows: number;
  coarseStepMs: number;
  /** The time range shown: seconds, or 0 for the whole session. */
  rangeSeconds: number;
}

/**
 * The webview's report of its own state, posted after each update it merged: the extension
 * (and the tests, through it) learn what the page holds, not what the model holds.
 */
export interface DashboardAck {
  type: 'ack';
  /** Sequence number of the newest fine row held. */
  seq: number;
  /** Length of each series held (the fine tier: every column has as many rows). */
  rows: number;
  /** The newest value of each column held, by column name (e.g. `nodes.ready`). */
  latest: Record<string, number | null>;
  /** Updates (snapshot messages) this page received since it loaded, this one included. */
  received: number;
  /** Milliseconds between the first and the last update this page received (its own clock). */
  spanMs: number;
}

/** extension → webview */
export type ToWebview = { type: 'snapshot'; snapshot: DashboardSnapshot; reset: boolean; title: string };
/** webview → extension */
export type FromWebview =
  | { type: 'ready'; seq: number }
  /** After each merge: what the webview now holds (the newest row by column); tests read the state through it. */
  | DashboardAck
  | { type: 'exportCsv' }
  | { type: 'savePng'; dataUrl: string };

/** The newest value of each column held (for the 'ack' message). */
export function latestValues(state: DashboardViewState): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  const last = state.fine.times.length - 1;
  state.columns.forEach((c, i) => (out[c] = last >= 0 ? (state.fine.values[i]?.[last] ?? null) : null));
  return out;
}

export function emptyViewState(): DashboardViewState {
  return {
    version: 1,
    columns: [],
    seq: 0,
    fine: { times: [], values: [] },
    coarse: { times: [], values: [] },
    heartbeat: { bounds: [], counts: [], leases: 0, at: 0 },
    metrics: { state: 'pending' },
    slo: { mutating: 1, readResource: 1, readNamespace: 5, readCluster: 30 },
    fineRows: 3600,
    coarseStepMs: 60_000,
    rangeSeconds: 900,
  };
}

const clean = (v: number | null | undefined): number | null => (v === null || v === undefined || Number.isNaN(v) ? null : v);

/**
 * Appends the snapshot's new fine rows (skipping any already held), keeps at most `fineRows`,
 * and takes the coarse tier and the current figures as they are. `reset` (a new model) drops
 * the history held. Returns a new state; the input is not changed.
 */
export function mergeSnapshot(state: DashboardViewState, snap: DashboardSnapshot, reset = false): DashboardViewState {
  const columns = [...snap.columns];
  const sameColumns = !reset && state.columns.length === columns.length && state.columns.every((c, i) => c === columns[i]);
  const base: SeriesTable = sameColumns ? state.fine : { times: [], values: columns.map(() => []) };
  const baseSeq = sameColumns ? state.seq : 0;
  const incoming = snap.fine.times.length;
  const firstSeq = snap.fine.seq - incoming + 1;
  const skip = Math.max(0, baseSeq - firstSeq + 1);
  const times = base.times.concat(snap.fine.times.slice(skip));
  const values = columns.map((_, c) => (base.values[c] ?? []).concat((snap.fine.values[c] ?? []).slice(skip).map(clean)));
  const keep = snap.bounds.fineRows;
  const cut = Math.max(0, times.length - keep);
  return {
    version: 1,
    columns,
    seq: Math.max(baseSeq, snap.fine.seq),
    fine: { times: times.slice(cut), values: values.map((v) => v.slice(cut)) },
    coarse: { times: [...snap.coarse.times], values: snap.coarse.values.map((v) => v.map(clean)) },
    heartbeat: snap.heartbeat,
    ...(snap.rollout ? { rollout: snap.rollout } : {}),
    metrics: snap.metrics,
    slo: snap.slo,
    fineRows: keep,
    coarseStepMs: snap.bounds.coarseStepMs,
    rangeSeconds: state.rangeSeconds,
  };
}

/**
 * The rows to plot for a range: the fine rows inside it, preceded (for ranges longer than the
 * fine tier, or 0 = session) by the coarse rows older than the first fine row.
 */
export function rowsForRange(state: DashboardViewState, rangeSeconds: number): SeriesTable {
  const fineFrom = state.fine.times[0] ?? Infinity;
  const newest = state.fine.times[state.fine.times.length - 1] ?? state.coarse.times[state.coarse.times.length - 1] ?? 0;
  const from = rangeSeconds > 0 ? newest - rangeSeconds * 1000 : -Infinity;
  const times: number[] = [];
  const values: (number | null)[][] = state.columns.map(() => []);
  const take = (t: SeriesTable, i: number) => {
    times.push(t.times[i] as number);
    state.columns.forEach((_, c) => (values[c] as (number | null)[]).push(t.values[c]?.[i] ?? null));
  };
  for (let i = 0; i < state.coarse.times.length; i++) {
    const t = state.coarse.times[i] as number;
    // A coarse row stands for [t, t + step): only minutes that end before the fine rows begin.
    if (t >= from && t + (state.coarseStepMs ?? 60_000) <= fineFrom) take(state.coarse, i);
  }
  for (let i = 0; i < state.fine.times.length; i++) if ((state.fine.times[i] as number) >= from) take(state.fine, i);
  return { times, values };
}
