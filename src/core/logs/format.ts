// Text for an output channel: passed lines as they are (with a [pod/container] prefix when
// several sources are followed), error lines marked, each error hint printed once per pattern,
// and a one-line summary of what was suppressed.
import type { ClassifiedLine, LogFilterSummary } from './classifier';

export const ERROR_MARK = '✖ ';
export const TRACE_MARK = '┆ ';
export const HINT_MARK = '    ↳ ';

export interface LogFormatterOptions {
  /** Prefix lines with `[source] ` (set when following several pods/containers). */
  showSource?: boolean;
  /** Marker for error lines (default `✖ `). */
  errorMark?: string;
  /** Print noise lines too, prefixed with `· ` (default false: they are suppressed). */
  showNoise?: boolean;
}

export class LogFormatter {
  private readonly hinted = new Set<string>();
  private readonly showSource: boolean;
  private readonly errorMark: string;
  private readonly showNoise: boolean;

  constructor(options: LogFormatterOptions = {}) {
    this.showSource = options.showSource ?? false;
    this.errorMark = options.errorMark ?? ERROR_MARK;
    this.showNoise = options.showNoise ?? false;
  }

  /**
   * Text for one classified line (may span two lines when a hint is added), or undefined when
   * the line is suppressed.
   */
  format(c: ClassifiedLine): string | undefined {
    const prefix = this.showSource && c.source ? `[${c.source}] ` : '';
    switch (c.kind) {
      case 'pass':
        return prefix + c.line;
      case 'noise':
        return this.showNoise ? `· ${prefix}${c.line}` : undefined;
      case 'error': {
        const text = (c.continuation ? TRACE_MARK : this.errorMark) + prefix + c.line;
        if (c.hint !== undefined && c.patternId !== undefined && !this.hinted.has(c.patternId)) {
          this.hinted.add(c.patternId);
          return `${text}\n${HINT_MARK}${c.patternId}: ${c.hint}`;
        }
        return text;
      }
    }
  }

  /** Forget which hints were shown (e.g. when the output channel is cleared). */
  resetHints(): void {
    this.hinted.clear();
  }
}

/** `1234567` → `1,234,567` (locale-independent). */
export function formatCount(n: number): string {
  return Math.trunc(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export interface SummaryTextOptions {
  /** At most this many noise patterns are listed (default 5). */
  maxPatterns?: number;
}

/**
 * `suppressed 1,234 lines: 800 × eviction-summary-stats, 400 × kube-mark-drop, 34 × no-volume-plugin;
 * 3 errors (2 × klog-error, 1 × panic); 120 lines shown`
 */
export function formatSummary(summary: LogFilterSummary, options: SummaryTextOptions = {}): string {
  const max = options.maxPatterns ?? 5;
  const noise = summary.byPattern.filter((p) => p.kind === 'noise');
  const errors = summary.byPattern.filter((p) => p.kind === 'error');
  const list = (items: typeof noise, limit: number) => {
    const shown = items.slice(0, limit).map((p) => `${formatCount(p.count)} × ${p.id}`);
    if (items.length > limit) shown.push(`${items.length - limit} more`);
    return shown.join(', ');
  };
  const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
  let text = `suppressed ${plural(summary.suppressed, 'line')}`;
  if (noise.length > 0) text += `: ${list(noise, max)}`;
  text += `; ${plural(summary.errors, 'error')}`;
  if (errors.length > 0) text += ` (${list(errors, max)})`;
  text += `; ${plural(summary.passed, 'line')} shown`;
  if (summary.notShown) text += ` (${formatCount(summary.notShown)} of the lines and errors only counted: bursts)`;
  if (summary.truncatedLines > 0) text += `; ${plural(summary.truncatedLines, 'line')} truncated`;
  return text;
}
