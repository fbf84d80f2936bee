// The one table every benchmark prints: each figure beside its anchor measured in the same run,
// with the time ratio (figure / anchor: below 1 is faster than the anchor) and the goal.
export interface Row {
  what: string;
  /** Milliseconds. */
  ms: number;
  anchor?: string;
  anchorMs?: number;
  goal?: string;
}

export function ratio(r: Row): number | undefined {
  return r.anchorMs !== undefined && r.anchorMs > 0 ? r.ms / r.anchorMs : undefined;
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2)) + ' ms';

export function formatTable(rows: Row[]): string {
  const cells = rows.map((r) => {
    const q = ratio(r);
    return [r.what, fmt(r.ms), (r.anchor ?? '—').replace(/\|/g, '\\|'), r.anchorMs !== undefined ? fmt(r.anchorMs) : '—', q !== undefined ? `${q.toFixed(2)}×` : '—', r.goal ?? ''];
  });
  const head = ['figure', 'time', 'anchor (same run)', 'anchor time', 'figure/anchor', 'goal'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) => '| ' + c.map((x, i) => x.padEnd(widths[i] as number)).join(' | ') + ' |';
  return [line(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...cells.map(line)].join('\n');
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}
