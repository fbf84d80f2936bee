// The dashboard webview: uPlot charts of the history the extension sends, kept in the webview
// state (setState) so hiding the view loses nothing. No inline scripts or styles (strict CSP):
// colours come from VS Code's theme variables, read at draw time and again on a theme change.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import '../dashboard.css';
import { DashboardViewState, FromWebview, SeriesTable, ToWebview, emptyViewState, latestValues, mergeSnapshot, rowsForRange } from '../../../src/core/dashboard/viewState';

interface VsCodeApi {
  postMessage(m: FromWebview): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
let state: DashboardViewState = restore();

function restore(): DashboardViewState {
  const s = vscode.getState() as DashboardViewState | undefined;
  return s && s.version === 1 ? s : emptyViewState();
}

type Unit = 'count' | 'perSecond' | 'seconds';
interface SeriesDef {
  column: string;
  label: string;
  color: string;
  dash?: number[];
}
interface ChartDef {
  id: string;
  title: string;
  unit: Unit;
  stacked?: boolean;
  series: SeriesDef[];
  /** Horizontal reference lines (SLOs). */
  lines?: { label: string; value: number; color: string }[];
  latency?: boolean;
}

const VERB_COLORS: Record<string, string> = { GET: 'blue', LIST: 'purple', POST: 'green', PUT: 'orange', PATCH: 'yellow', DELETE: 'red' };

function charts(s: DashboardViewState): ChartDef[] {
  return [
    {
      id: 'nodes',
      title: 'Hollow nodes by Ready condition',
      unit: 'count',
      stacked: true,
      series: [
        { column: 'nodes.ready', label: 'Ready', color: 'green' },
        { column: 'nodes.notReady', label: 'NotReady', color: 'red' },
        { column: 'nodes.unknown', label: 'Unknown', color: 'yellow' },
      ],
    },
    {
      id: 'registration',
      title: 'Registration rate (new Nodes a second)',
      unit: 'perSecond',
      series: [{ column: 'registration.perSecond', label: 'Nodes/s', color: 'blue' }],
    },
    {
      id: 'pods',
      title: 'Hollow-node pods by phase',
      unit: 'count',
      series: [
        { column: 'pods.running', label: 'Running', color: 'green' },
        { column: 'pods.pending', label: 'Pending', color: 'yellow' },
        { column: 'pods.failed', label: 'Failed', color: 'red' },
        { column: 'pods.succeeded', label: 'Succeeded', color: 'blue' },
        { column: 'pods.unknown', label: 'Unknown', color: 'purple' },
      ],
    },
    {
      id: 'slo',
      title: 'API latency p99 against the SLOs',
      unit: 'seconds',
      latency: true,
      series: [
        { column: 'latency.mutating.p99', label: 'Mutating', color: 'red' },
        { column: 'latency.readResource.p99', label: 'Read, one object', color: 'blue' },
        { column: 'latency.readNamespace.p99', label: 'Read, namespace', color: 'purple' },
        { column: 'latency.readCluster.p99', label: 'Read, cluster', color: 'orange' },
      ],
      lines: [
        { label: `SLO mutating / one object ${s.slo.mutating} s`, value: s.slo.mutating, color: 'red' },
        { label: `SLO namespace ${s.slo.readNamespace} s`, value: s.slo.readNamespace, color: 'purple' },
        { label: `SLO cluster ${s.slo.readCluster} s`, value: s.slo.readCluster, color: 'orange' },
      ],
    },
    {
      id: 'verbs',
      title: 'API latency by verb (p99 solid, p50 dashed)',
      unit: 'seconds',
      latency: true,
      series: Object.entries(VERB_COLORS).flatMap(([verb, color]) => [
        { column: `latency.${verb}.p99`, label: `${verb} p99`, color },
        { column: `latency.${verb}.p50`, label: `${verb} p50`, color, dash: [4, 4] },
      ]),
    },
  ];
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}
const FALLBACK: Record<string, string> = { green: '#388a34', red: '#e51400', yellow: '#bf8803', blue: '#1a85ff', orange: '#d18616', purple: '#652d90' };
const color = (name: string) => cssVar(`--vscode-charts-${name}`, FALLBACK[name] ?? '#888');

function fmt(unit: Unit, v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (unit === 'seconds') return v < 1 ? `${Math.round(v * 1000)} ms` : Number.isInteger(v) ? `${v} s` : `${v.toFixed(2)} s`;
  if (unit === 'perSecond') return `${v.toFixed(1)}/s`;
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

interface Chart {
  def: ChartDef;
  plot: uPlot;
  box: HTMLElement;
  raw: (number | null)[][];
  cursor: number;
}
let built: Chart[] = [];
const panels = document.getElementById('panels') as HTMLElement;
const statusEl = document.getElementById('status') as HTMLElement;
const rangeEl = document.getElementById('range') as HTMLSelectElement;
const titleEl = document.getElementById('title') as HTMLElement;

function columnData(rows: SeriesTable, column: string): (number | null)[] {
  const i = state.columns.indexOf(column);
  return i === -1 ? rows.times.map(() => null) : (rows.values[i] ?? []);
}

function dataFor(def: ChartDef, rows: SeriesTable): { data: uPlot.AlignedData; raw: (number | null)[][] } {
  const xs = rows.times.map((t) => t / 1000);
  const raw = def.series.map((s) => columnData(rows, s.column));
  let ys = raw;
  if (def.stacked) {
    // Cumulative from the first series up; drawn last-to-first so each fill covers the one below.
    const acc = xs.map(() => 0);
    ys = raw.map((col) => col.map((v, i) => (acc[i] = (acc[i] as number) + (v ?? 0))));
    ys = [...ys].reverse();
  }
  const lines = (def.lines ?? []).map((l) => xs.map(() => l.value));
  return { data: [xs, ...ys, ...lines] as uPlot.AlignedData, raw };
}

function build(): void {
  for (const c of built) c.plot.destroy();
  built = [];
  panels.textContent = '';
  const rows = rowsForRange(state, state.rangeSeconds);
  const fg = cssVar('--vscode-foreground', '#ccc');
  const grid = cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.25)');
  for (const def of charts(state)) {
    const section = document.createElement('section');
    section.className = 'panel';
    const h = document.createElement('h2');
    h.textContent = def.title;
    section.append(h);
    panels.append(section);
    if (def.latency && state.metrics.state !== 'ok') {
      const p = document.createElement('p');
      p.className = `notice ${state.metrics.state}`;
      p.textContent = latencyNotice();
      section.append(p);
      continue;
    }
    const box = document.createElement('div');
    box.className = 'chart';
    box.tabIndex = 0;
    box.setAttribute('role', 'img');
    section.append(box);
    const { data, raw } = dataFor(def, rows);
    const ordered = def.stacked ? [...def.series].reverse() : def.series;
    const series: uPlot.Series[] = [
      {},
      ...ordered.map((s) => {
        const rawIdx = def.series.indexOf(s);
        return {
          label: s.label,
          stroke: color(s.color),
          width: 1.5,
          ...(s.dash ? { dash: s.dash } : {}),
          ...(def.stacked ? { fill: `${color(s.color)}99` } : {}),
          spanGaps: def.unit === 'seconds',
          value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) => fmt(def.unit, idx === null ? null : raw[rawIdx]?.[idx]),
        } as uPlot.Series;
      }),
      ...(def.lines ?? []).map((l) => ({ label: l.label, stroke: color(l.color), dash: [2, 6], width: 1, points: { show: false } }) as uPlot.Series),
    ];
    const opts: uPlot.Options = {
      width: Math.max(300, box.clientWidth || section.clientWidth || 600),
      height: 200,
      series,
      scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), Math.max(max, 1)] } },
      axes: [
        { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
        { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, values: (_u, vals) => vals.map((v) => fmt(def.unit, v)), size: 60 },
      ],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
    const plot = new uPlot(opts, data, box);
    const chart: Chart = { def, plot, box, raw, cursor: -1 };
    built.push(chart);
    box.addEventListener('keydown', (e) => onChartKey(chart, e));
    describe(chart, rows);
  }
  heartbeatPanel();
  rolloutPanel();
}

function latencyNotice(): string {
  const m = state.metrics;
  switch (m.state) {
    case 'no-permission':
      return `No permission to read /metrics of the masters apiserver (${m.message}). Ask for a ClusterRole with nonResourceURLs ["/metrics"] and verb get, then reopen the dashboard.`;
    case 'unavailable':
      return `The masters apiserver's /metrics could not be read: ${m.message}.`;
    default:
      return 'Waiting for the first read of the masters apiserver\'s /metrics…';
  }
}

/** A text alternative for screen readers: the latest value of each series. */
function describe(c: Chart, rows: SeriesTable): void {
  const last = rows.times.length - 1;
  const parts = c.def.series.map((s, i) => `${s.label} ${fmt(c.def.unit, last >= 0 ? c.raw[i]?.[last] : null)}`);
  c.box.setAttribute('aria-label', `${c.def.title}. Latest: ${parts.join(', ')}. Left and right arrows move through the samples.`);
}

/** Left/Right move the cursor sample by sample (Home/End to the ends); the legend shows the values. */
function onChartKey(c: Chart, e: KeyboardEvent): void {
  const n = c.plot.data[0].length;
  if (n === 0) return;
  let i = c.cursor < 0 ? n - 1 : c.cursor;
  if (e.key === 'ArrowLeft') i = Math.max(0, i - 1);
  else if (e.key === 'ArrowRight') i = Math.min(n - 1, i + 1);
  else if (e.key === 'Home') i = 0;
  else if (e.key === 'End') i = n - 1;
  else return;
  e.preventDefault();
  c.cursor = i;
  const x = c.plot.valToPos(c.plot.data[0][i] as number, 'x');
  c.plot.setCursor({ left: x, top: c.plot.bbox.height / devicePixelRatio / 2 });
  const when = new Date((c.plot.data[0][i] as number) * 1000).toLocaleTimeString();
  statusEl.textContent = `${c.def.title} at ${when}: ${c.def.series.map((s, k) => `${s.label} ${fmt(c.def.unit, c.raw[k]?.[i])}`).join(', ')}`;
}

let histogramEl: HTMLElement | undefined;
let histogramTitle: HTMLElement | undefined;
let rolloutEl: HTMLElement | undefined;

function heartbeatPanel(): void {
  const section = document.createElement('section');
  section.className = 'panel';
  histogramTitle = document.createElement('h2');
  section.append(histogramTitle);
  histogramEl = document.createElement('div');
  histogramEl.className = 'histogram';
  histogramEl.setAttribute('role', 'list');
  section.append(histogramEl);
  panels.insertBefore(section, panels.children[3] ?? null);
  updateHeartbeat();
}

function updateHeartbeat(): void {
  if (!histogramEl || !histogramTitle) return;
  histogramTitle.textContent = `Heartbeat ages (${state.heartbeat.leases} Leases)`;
  histogramEl.textContent = '';
  const max = Math.max(1, ...state.heartbeat.counts);
  const b = state.heartbeat.bounds;
  state.heartbeat.counts.forEach((count, i) => {
    const lo = i === 0 ? 0 : (b[i - 1] as number);
    const hi = b[i] as number;
    const label = hi < 0 ? `≥ ${lo} s` : `${lo}–${hi} s`;
    const item = document.createElement('div');
    item.className = `bar${hi < 0 || lo >= 40 ? ' stale' : ''}`;
    item.setAttribute('role', 'listitem');
    item.tabIndex = 0;
    item.setAttribute('aria-label', `${label}: ${count} nodes`);
    const fill = document.createElement('div');
    fill.className = 'fill';
    fill.style.height = `${(100 * count) / max}%`;
    const n = document.createElement('span');
    n.className = 'count';
    n.textContent = String(count);
    const l = document.createElement('span');
    l.className = 'label';
    l.textContent = label;
    item.append(n, fill, l);
    histogramEl?.append(item);
  });
}

function rolloutPanel(): void {
  const section = built.find((c) => c.def.id === 'registration')?.box.parentElement;
  if (!section) return;
  rolloutEl = document.createElement('p');
  rolloutEl.className = 'rollout';
  section.append(rolloutEl);
  updateRollout();
}

function updateRollout(): void {
  if (!rolloutEl) return;
  const r = state.rollout;
  const s = (ms: number | undefined) => (ms === undefined ? '…' : `${(ms / 1000).toFixed(1)} s`);
  rolloutEl.textContent = r ? `Last deploy/scale (${r.from} → ${r.target} Ready): 50 % in ${s(r.t50)}, 90 % in ${s(r.t90)}, 100 % in ${s(r.t100)}.` : 'Time to 50 / 90 / 100 % Ready appears with the next deploy or scale.';
}

/** New data: update the charts in place (rebuild only when their set changed). */
function redraw(): void {
  const latencyShown = built.some((c) => c.def.latency);
  if (built.length === 0 || latencyShown !== (state.metrics.state === 'ok')) return build();
  const rows = rowsForRange(state, state.rangeSeconds);
  for (const c of built) {
    const { data, raw } = dataFor(c.def, rows);
    c.raw = raw;
    c.plot.setData(data);
    describe(c, rows);
  }
  updateHeartbeat();
  updateRollout();
}

/** Updates received since this page loaded, and when the first came (reported in each ack). */
let received = 0;
let firstReceivedAt = 0;

window.addEventListener('message', (e: MessageEvent<ToWebview>) => {
  const m = e.data;
  if (m?.type !== 'snapshot') return;
  const now = Date.now();
  if (received++ === 0) firstReceivedAt = now;
  state = mergeSnapshot(state, m.snapshot, m.reset);
  vscode.setState(state);
  titleEl.textContent = m.title;
  statusEl.textContent = '';
  redraw();
  vscode.postMessage({ type: 'ack', seq: state.seq, rows: state.fine.times.length, latest: latestValues(state), received, spanMs: now - firstReceivedAt });
});

rangeEl.value = String(state.rangeSeconds);
rangeEl.addEventListener('change', () => {
  state = { ...state, rangeSeconds: Number(rangeEl.value) };
  vscode.setState(state);
  build();
});
(document.getElementById('csv') as HTMLButtonElement).addEventListener('click', () => vscode.postMessage({ type: 'exportCsv' }));
(document.getElementById('png') as HTMLButtonElement).addEventListener('click', () => {
  vscode.postMessage({ type: 'savePng', dataUrl: composePng() });
  statusEl.textContent = 'Saving the image…';
});

/** One PNG of every chart and the histogram, on the editor background. */
function composePng(): string {
  const scale = devicePixelRatio || 1;
  const width = Math.max(...built.map((c) => c.plot.ctx.canvas.width), 600 * scale);
  const titleH = 24 * scale;
  const histH = 140 * scale;
  const height = built.reduce((h, c) => h + titleH + c.plot.ctx.canvas.height, 0) + titleH + histH;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.fillStyle = cssVar('--vscode-editor-background', '#1e1e1e');
  ctx.fillRect(0, 0, width, height);
  const fg = cssVar('--vscode-foreground', '#ccc');
  ctx.font = `${13 * scale}px sans-serif`;
  let y = 0;
  for (const c of built) {
    ctx.fillStyle = fg;
    ctx.fillText(`${c.def.title} — ${c.def.series.map((s, i) => `${s.label} ${fmt(c.def.unit, c.raw[i]?.[c.raw[i]!.length - 1])}`).join(', ')}`, 8 * scale, y + 16 * scale);
    y += titleH;
    ctx.drawImage(c.plot.ctx.canvas, 0, y);
    y += c.plot.ctx.canvas.height;
  }
  ctx.fillStyle = fg;
  ctx.fillText(`Heartbeat ages (${state.heartbeat.leases} Leases)`, 8 * scale, y + 16 * scale);
  y += titleH;
  const counts = state.heartbeat.counts;
  const max = Math.max(1, ...counts);
  const bw = (width - 16 * scale) / Math.max(1, counts.length);
  counts.forEach((n, i) => {
    const h = ((histH - 30 * scale) * n) / max;
    ctx.fillStyle = color(i >= 4 ? 'red' : 'green');
    ctx.fillRect(8 * scale + i * bw + 4 * scale, y + histH - 20 * scale - h, bw - 8 * scale, h);
    ctx.fillStyle = fg;
    const b = state.heartbeat.bounds;
    const lo = i === 0 ? 0 : b[i - 1];
    const hi = b[i] as number;
    ctx.fillText(`${hi < 0 ? `≥${lo}` : `${lo}–${hi}`} s: ${n}`, 8 * scale + i * bw + 4 * scale, y + histH - 4 * scale);
  });
  return canvas.toDataURL('image/png');
}

// Theme changes swap VS Code's body classes and variables: redraw with the new colours.
new MutationObserver(() => build()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
new ResizeObserver(() => {
  for (const c of built) c.plot.setSize({ width: Math.max(300, c.box.clientWidth), height: 200 });
}).observe(panels);

build();
vscode.postMessage({ type: 'ready', seq: state.seq });
