// Draws docs/images/benchmarks.png from the last `npm run bench` and `npm run bench:lab`
// results (out/bench/results.json, out/bench/lab-results.json): horizontal bars, each figure
// beside its anchors, as an SVG screenshotted by headless Chromium.
//   node out/bench/chart.js [chromium]      (default /usr/bin/chromium)
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import type { Row } from './table';

interface Bar {
  label: string;
  ms: number;
  ours: boolean;
}

interface Group {
  title: string;
  bars: Bar[];
}

const ROOT = resolve(__dirname, '../..');
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function groups(): Group[] {
  const out: Group[] = [];
  const labFile = join(__dirname, 'lab-results.json');
  if (existsSync(labFile)) {
    // An editor-only run (KUBEMARK_BENCH_PARTS=editor) has no list runs: those bars are left out.
    const lab = JSON.parse(readFileSync(labFile, 'utf8')) as { nodes: number; runs?: Record<string, number[]> };
    const m = (k: string) => {
      const s = [...(lab.runs?.[k] ?? [])].sort((a, b) => a - b);
      return s[Math.floor(s.length / 2)] ?? 0;
    };
    out.push({
      title: `Initial sync of ${lab.nodes.toLocaleString('en-US')} nodes (lab masters cluster)`,
      bars: [
        { label: 'typed list + slim, pages of 500 (before)', ms: m('typed'), ours: true },
        { label: 'listAllRaw + slim, pages of 500', ms: m('raw'), ours: true },
        { label: 'listAllRaw + slim, resourceVersion=0', ms: m('raw0'), ours: true },
        { label: 'raw GETs, pages of 500, bytes only', ms: m('bytes'), ours: false },
        { label: 'kubectl get --raw /api/v1/nodes', ms: m('kraw'), ours: false },
        { label: 'kubectl get nodes -o json', ms: m('kjson'), ours: false },
      ],
    });
  }
  const res = JSON.parse(readFileSync(join(__dirname, 'results.json'), 'utf8')) as { rows: Row[]; logs: { mib: number } };
  const rows = res.rows;
  const find = (what: RegExp, anchor: RegExp): Row => {
    const r = rows.find((x) => what.test(x.what) && anchor.test(x.anchor ?? ''));
    if (!r) throw new Error(`out/bench/results.json has no row ${what} against ${anchor}: run npm run bench again`);
    return r;
  };
  const fast = find(/MiB, CPU time/, /-F.*CPU/);
  out.push({
    title: `Log filter on a ${res.logs.mib.toFixed(0)} MiB hollow-node log, CPU time (count every pattern, flag errors)`,
    bars: [
      { label: 'LogFilter, line-by-line (before)', ms: find(/line-by-line.*CPU/, /-F.*CPU/).ms, ours: true },
      { label: 'LogFilter, literal prefilter', ms: fast.ms, ours: true },
      { label: 'LogFilter, 2 worker threads (both)', ms: find(/worker threads, CPU time/, /-F.*CPU/).ms, ours: true },
      { label: 'grep -v -F -f patterns | wc -l', ms: fast.anchorMs ?? 0, ours: false },
      { label: 'grep -v -E -f patterns | wc -l', ms: find(/MiB, CPU time/, /-E.*CPU/).anchorMs ?? 0, ours: false },
    ],
  });
  const wall = find(/MiB \(counts \+ errors\)/, /-F/);
  out.push({
    title: `Log filter on the same log, wall time`,
    bars: [
      { label: 'LogFilter, literal prefilter', ms: wall.ms, ours: true },
      { label: 'LogFilter, 2 worker threads', ms: find(/worker threads$/, /-F/).ms, ours: true },
      { label: 'grep -v -F -f patterns | wc -l', ms: wall.anchorMs ?? 0, ours: false },
    ],
  });
  return out;
}

function svg(gs: Group[]): { svg: string; width: number; height: number } {
  const width = 960;
  const labelW = 330;
  const barH = 26;
  const gap = 8;
  let y = 20;
  const parts: string[] = [];
  for (const g of gs) {
    const max = Math.max(...g.bars.map((b) => b.ms));
    parts.push(`<text x="20" y="${y + 16}" font-size="17" font-weight="600" fill="#1f2328">${esc(g.title)}</text>`);
    y += 32;
    for (const b of g.bars) {
      const w = Math.max(2, ((width - labelW - 140) * b.ms) / max);
      parts.push(`<text x="${labelW - 10}" y="${y + 18}" font-size="14" text-anchor="end" fill="#1f2328">${esc(b.label)}</text>`);
      parts.push(`<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" rx="3" fill="${b.ours ? '#2f81f7' : '#8c959f'}"/>`);
      const t = b.ms >= 1000 ? `${(b.ms / 1000).toFixed(2)} s` : `${b.ms.toFixed(0)} ms`;
      parts.push(`<text x="${labelW + w + 8}" y="${y + 18}" font-size="14" fill="#1f2328">${t}</text>`);
      y += barH + gap;
    }
    y += 22;
  }
  parts.push(`<rect x="20" y="${y}" width="14" height="14" fill="#2f81f7"/><text x="40" y="${y + 12}" font-size="13" fill="#1f2328">Kubemark Workbench</text>`);
  parts.push(`<rect x="200" y="${y}" width="14" height="14" fill="#8c959f"/><text x="220" y="${y + 12}" font-size="13" fill="#1f2328">anchor, measured in the same run (shorter is faster)</text>`);
  const height = y + 30;
  return {
    width,
    height,
    svg: `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="Helvetica, Arial, sans-serif"><rect width="100%" height="100%" fill="#ffffff"/>${parts.join('')}</svg>`,
  };
}

function main(): void {
  const chromium = process.argv[2] ?? '/usr/bin/chromium';
  const { svg: text, width, height } = svg(groups());
  const dir = mkdtempSync(join(tmpdir(), 'kubemark-chart-'));
  try {
    const html = join(dir, 'chart.html');
    writeFileSync(html, `<!doctype html><html><body style="margin:0">${text}</body></html>`);
    const png = join(ROOT, 'docs/images/benchmarks.png');
    const r = spawnSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--user-data-dir=${join(dir, 'profile')}`, `--window-size=${width},${height}`, `--screenshot=${png}`, `file://${html}`], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`chromium failed (${r.status}): ${r.stderr}`);
    writeFileSync(join(ROOT, 'docs/images/benchmarks.svg'), text);
    console.log(`wrote ${png}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
