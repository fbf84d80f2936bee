// Classifies hollow-node log lines as noise (suppressed and counted), error (surfaced with a
// hint) or pass, per source (pod/container). Hot path: per line, one combined-literal regex scan
// for the error catalogue and one for the noise catalogue (V8 compiles an alternation of
// literals to native code), a confirmation regex only when a literal is present, and a few
// charCode checks for the klog severity. The only per-line allocation is the result object.
import { DEFAULT_MAX_LINE_LENGTH, LineSplitter, LineSplitterOptions } from './lineSplitter';
import { FastLineClassifier } from './fastFilter';
import {
  ERROR_CATALOGUE,
  GO_FATAL_ID,
  KLOG_ENTRIES,
  KLOG_ERROR_ID,
  KLOG_FATAL_ID,
  NOISE_CATALOGUE,
  PANIC_ID,
  PatternEntry,
  PatternKind,
  PatternProblem,
  TRACE_CATALOGUE,
  parseExtraPatterns,
} from './noise';

export type LineKind = 'noise' | 'error' | 'pass';

export interface ClassifiedLine {
  kind: LineKind;
  line: string;
  /** Catalogue id for noise and error lines. */
  patternId: string | undefined;
  /** What to do, for error lines. */
  hint: string | undefined;
  /** pod/container (whatever the caller passed). */
  source: string | undefined;
  /** True for the lines of a panic / fatal-error trace that follow the head line. */
  continuation: boolean;
}

export interface PatternCount {
  id: string;
  kind: PatternKind;
  description: string;
  count: number;
}

export interface LineTotals {
  linesSeen: number;
  suppressed: number;
  /** Error head lines (continuation lines of a trace are counted in traceLines). */
  errors: number;
  passed: number;
  traceLines: number;
}

export interface SourceSummary extends LineTotals {
  source: string;
  /** Count per pattern id (only ids seen in this source). */
  byPattern: Record<string, number>;
}

export interface LogFilterSummary extends LineTotals {
  /** Lines cut by the splitter for being too long. */
  truncatedLines: number;
  /** Noise and error patterns with a count > 0, most frequent first (noise before errors). */
  byPattern: PatternCount[];
  bySource: SourceSummary[];
  /** Of the passed and error lines, those a reader did not show (a burst past its caps). */
  notShown?: number;
}

export interface LogClassifierOptions {
  /** User patterns: `/regex/flags` or plain substrings (setting kubemark.logs.extraNoisePatterns). */
  extraPatterns?: readonly unknown[];
  /** A trace longer than this many lines ends the trace mode (default 5000). */
  maxTraceLines?: number;
}

const NO_SOURCE = '';

/** @internal */
export interface SourceState extends LineTotals {
  readonly name: string;
  readonly counts: number[];
  /** Entry index of the panic / fatal error whose trace is being followed, or -1. */
  trace: number;
  traceCount: number;
}

/** @internal */
export interface FastEntry {
  readonly idx: number;
  readonly literal: string;
  readonly confirm: RegExp | string | undefined;
  /** The entry's `around` (an exact stand-in for `confirm` at an occurrence), if it has one. */
  readonly around: PatternEntry['around'];
}

/** First-match lookup over one catalogue (see the module comment). */
/** @internal */
export class CatalogueMatcher {
  /** Entries with a literal, in catalogue order (read by the fast path, fastFilter.ts). */
  readonly fast: FastEntry[] = [];
  readonly slow: { idx: number; re: RegExp }[] = [];
  private readonly combined: RegExp | undefined;

  constructor(entries: readonly { entry: PatternEntry; idx: number }[]) {
    for (const { entry, idx } of entries) {
      if (entry.literal !== undefined) {
        const p = entry.pattern;
        const confirm = typeof p === 'string' ? (p === entry.literal ? undefined : p) : p;
        this.fast.push({ idx, literal: entry.literal, confirm, around: confirm instanceof RegExp ? entry.around : undefined });
      } else if (entry.pattern instanceof RegExp) {
        this.slow.push({ idx, re: entry.pattern });
      } else {
        this.fast.push({ idx, literal: entry.pattern, confirm: undefined, around: undefined });
      }
    }
    if (this.fast.length > 0) {
      const alternatives = [...new Set(this.fast.map((f) => escapeRegExp(f.literal)))];
      this.combined = new RegExp(alternatives.join('|'));
    }
  }

  /** Entry index of the matching entry, or -1. The entry whose literal occurs leftmost wins. */
  match(line: string): number {
    if (this.combined !== undefined) {
      const at = line.search(this.combined);
      if (at >= 0) {
        const fast = this.fast;
        for (let i = 0; i < fast.length; i++) {
          const f = fast[i] as FastEntry;
          if (line.startsWith(f.literal, at) && confirmed(f, line)) return f.idx;
        }
        // The leftmost literal was not confirmed: scan the rest in catalogue order.
        for (let i = 0; i < fast.length; i++) {
          const f = fast[i] as FastEntry;
          if (line.indexOf(f.literal, at + 1) !== -1 && confirmed(f, line)) return f.idx;
        }
      }
    }
    const slow = this.slow;
    for (let i = 0; i < slow.length; i++) {
      const s = slow[i] as { idx: number; re: RegExp };
      if (s.re.test(line)) return s.idx;
    }
    return -1;
  }
}

/** @internal */
export function confirmed(f: FastEntry, line: string): boolean {
  const c = f.confirm;
  if (c === undefined) return true;
  return typeof c === 'string' ? line.includes(c) : c.test(line);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Offset of the log text after the optional prefixes of `kubectl logs --prefix`
 * (`[pod/name/container] `) and `--timestamps` (RFC 3339, `2026-11-25T16:48:49.123456789Z `).
 */
export function contentOffset(line: string): number {
  let at = 0;
  if (line.charCodeAt(0) === 91 /* [ */ && line.startsWith('[pod/')) {
    const end = line.indexOf('] ', 5);
    if (end !== -1) at = end + 2;
  }
  if (line.length > at + 20 && line.charCodeAt(at + 4) === 45 /* - */ && line.charCodeAt(at + 10) === 84 /* T */ && isDigit(line.charCodeAt(at))) {
    const sp = line.indexOf(' ', at + 19);
    if (sp !== -1 && sp < at + 40) at = sp + 1;
  }
  return at;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Severity letter of a klog header (`E1125 16:48:49.123456 ...`) at `at`, or 0. */
export function klogSeverity(line: string, at: number): number {
  const c = line.charCodeAt(at);
  if (c !== 73 /* I */ && c !== 87 /* W */ && c !== 69 /* E */ && c !== 70 /* F */) return 0;
  if (!isDigit(line.charCodeAt(at + 1)) || !isDigit(line.charCodeAt(at + 2)) || !isDigit(line.charCodeAt(at + 3)) || !isDigit(line.charCodeAt(at + 4))) return 0;
  if (line.charCodeAt(at + 5) !== 32 || !isDigit(line.charCodeAt(at + 6))) return 0;
  return c;
}

export class LogClassifier {
  /** Problems with the user's extra patterns (invalid regex, ...). */
  readonly problems: readonly PatternProblem[];
  /** Every entry, by index: errors, trace, klog, noise, extra. */
  readonly entries: readonly PatternEntry[];
  /** @internal */
  readonly errors: CatalogueMatcher;
  /** @internal */
  readonly noise: CatalogueMatcher;
  private readonly traceMatcher: CatalogueMatcher;
  private readonly panicIdx: number;
  private readonly goFatalIdx: number;
  /** @internal */
  readonly klogErrorIdx: number;
  /** @internal */
  readonly klogFatalIdx: number;
  private readonly maxTraceLines: number;
  private readonly sources = new Map<string, SourceState>();

  constructor(options: LogClassifierOptions = {}) {
    const extra = parseExtraPatterns(options.extraPatterns);
    this.problems = extra.problems;
    const all: PatternEntry[] = [];
    const add = (list: readonly PatternEntry[]) => list.map((entry) => ({ entry, idx: all.push(entry) - 1 }));
    this.errors = new CatalogueMatcher(add(ERROR_CATALOGUE));
    this.traceMatcher = new CatalogueMatcher(add(TRACE_CATALOGUE));
    add(KLOG_ENTRIES);
    this.noise = new CatalogueMatcher([...add(NOISE_CATALOGUE), ...add(extra.entries)]);
    this.entries = all;
    const idx = (id: string) => all.findIndex((e) => e.id === id);
    this.panicIdx = idx(PANIC_ID);
    this.goFatalIdx = idx(GO_FATAL_ID);
    this.klogErrorIdx = idx(KLOG_ERROR_ID);
    this.klogFatalIdx = idx(KLOG_FATAL_ID);
    this.maxTraceLines = options.maxTraceLines ?? 5000;
  }

  /** Classifies one complete line (without its newline) and counts it. */
  classify(line: string, source?: string): ClassifiedLine {
    return this.classifyIn(this.state(source), line, source);
  }

  /** @internal per-source state, looked up once per chunk by LogFilter. */
  state(source: string | undefined): SourceState {
    const key = source ?? NO_SOURCE;
    let s = this.sources.get(key);
    if (s === undefined) {
      s = { name: key, counts: new Array<number>(this.entries.length).fill(0), linesSeen: 0, suppressed: 0, errors: 0, passed: 0, traceLines: 0, trace: -1, traceCount: 0 };
      this.sources.set(key, s);
    }
    return s;
  }

  /** @internal With dropNoise, noise lines are counted and null is returned (no allocation). */
  classifyIn(s: SourceState, line: string, source: string | undefined): ClassifiedLine;
  classifyIn(s: SourceState, line: string, source: string | undefined, dropNoise: boolean): ClassifiedLine | null;
  classifyIn(s: SourceState, line: string, source: string | undefined, dropNoise = false): ClassifiedLine | null {
    s.linesSeen++;
    const at = contentOffset(line);
    const severity = klogSeverity(line, at);

    if (s.trace !== -1) {
      if (severity === 0 && s.traceCount < this.maxTraceLines) {
        s.traceCount++;
        s.traceLines++;
        const known = this.traceMatcher.match(line);
        if (known !== -1) {
          s.counts[known]++;
          const e = this.entries[known] as PatternEntry;
          return result('error', line, e.id, e.hint, source, true);
        }
        const head = this.entries[s.trace] as PatternEntry;
        return result('error', line, head.id, undefined, source, true);
      }
      s.trace = -1;
    }

    const err = this.errors.match(line);
    if (err !== -1) {
      s.counts[err]++;
      s.errors++;
      if (err === this.panicIdx || err === this.goFatalIdx) {
        s.trace = err;
        s.traceCount = 0;
      }
      const e = this.entries[err] as PatternEntry;
      return result('error', line, e.id, e.hint, source, false);
    }

    const noise = this.noise.match(line);
    if (noise !== -1) {
      s.counts[noise]++;
      s.suppressed++;
      if (dropNoise) return null;
      return result('noise', line, (this.entries[noise] as PatternEntry).id, undefined, source, false);
    }

    if (severity === 69 /* E */ || severity === 70 /* F */) {
      const idx = severity === 69 ? this.klogErrorIdx : this.klogFatalIdx;
      s.counts[idx]++;
      s.errors++;
      const e = this.entries[idx] as PatternEntry;
      return result('error', line, e.id, e.hint, source, false);
    }

    s.passed++;
    return result('pass', line, undefined, undefined, source, false);
  }

  /** Forgets the trace state of a source whose stream ended (counts are kept). */
  endSource(source?: string): void {
    const s = this.sources.get(source ?? NO_SOURCE);
    if (s) s.trace = -1;
  }

  /** Totals over every source, without the per-pattern breakdown (cheap: one pass over sources). */
  totals(): LineTotals {
    const t: LineTotals = { linesSeen: 0, suppressed: 0, errors: 0, passed: 0, traceLines: 0 };
    for (const s of this.sources.values()) {
      t.linesSeen += s.linesSeen;
      t.suppressed += s.suppressed;
      t.errors += s.errors;
      t.passed += s.passed;
      t.traceLines += s.traceLines;
    }
    return t;
  }

  summary(truncatedLines = 0): LogFilterSummary {
    const totals = this.totals();
    const perPattern = new Array<number>(this.entries.length).fill(0);
    const bySource: SourceSummary[] = [];
    for (const s of this.sources.values()) {
      const byPattern: Record<string, number> = {};
      s.counts.forEach((n, i) => {
        if (n > 0) {
          byPattern[(this.entries[i] as PatternEntry).id] = n;
          perPattern[i] = (perPattern[i] as number) + n;
        }
      });
      bySource.push({ source: s.name, linesSeen: s.linesSeen, suppressed: s.suppressed, errors: s.errors, passed: s.passed, traceLines: s.traceLines, byPattern });
    }
    const byPattern: PatternCount[] = [];
    perPattern.forEach((count, i) => {
      if (count > 0) {
        const e = this.entries[i] as PatternEntry;
        byPattern.push({ id: e.id, kind: e.kind, description: e.description, count });
      }
    });
    byPattern.sort((a, b) => (a.kind === b.kind ? b.count - a.count : a.kind === 'noise' ? -1 : 1));
    return { ...totals, truncatedLines, byPattern, bySource };
  }

  /** Clears all counts and trace state. */
  reset(): void {
    this.sources.clear();
  }
}

/** @internal */
export function result(kind: LineKind, line: string, patternId: string | undefined, hint: string | undefined, source: string | undefined, continuation: boolean): ClassifiedLine {
  return { kind, line, patternId, hint, source, continuation };
}

export interface LogFilterOptions extends LogClassifierOptions, LineSplitterOptions {
  /** Return noise lines from push/flush too (default true); false keeps only their counts. */
  emitNoise?: boolean;
  /**
   * Classify byte chunks with the literal prefilter (fastFilter.ts; default true). Same results
   * as the line-by-line path; false is for tests and benchmarks that compare the two.
   */
  fast?: boolean;
}

/**
 * Splits chunks into lines per source (chunks of different pods may interleave) and classifies
 * them. `push` returns the classified lines; `write` calls back instead (no array).
 */
export class LogFilter {
  readonly classifier: LogClassifier;
  private readonly splitters = new Map<string, LineSplitter>();
  private readonly splitterOptions: LineSplitterOptions;
  private readonly emitNoise: boolean;
  private truncatedInClosed = 0;
  private readonly fast: FastLineClassifier | undefined;
  private readonly maxLineLength: number;
  /** Lines cut by the fast path (the splitters count their own). */
  private truncatedFast = 0;

  constructor(options: LogFilterOptions = {}) {
    this.classifier = new LogClassifier(options);
    this.splitterOptions = options.maxLineLength !== undefined ? { maxLineLength: options.maxLineLength } : {};
    this.emitNoise = options.emitNoise ?? true;
    this.maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    this.fast = options.fast === false ? undefined : FastLineClassifier.create(this.classifier);
  }

  get problems(): readonly PatternProblem[] {
    return this.classifier.problems;
  }

  push(chunk: string | Uint8Array, source?: string): ClassifiedLine[] {
    const out: ClassifiedLine[] = [];
    this.write(chunk, source, (c) => out.push(c));
    return out;
  }

  write(chunk: string | Uint8Array, source: string | undefined, onLine: (line: ClassifiedLine) => void): void {
    const state = this.classifier.state(source);
    const classifier = this.classifier;
    const dropNoise = !this.emitNoise;
    const splitter = this.splitter(source);
    const slow = (line: string) => {
      const c = classifier.classifyIn(state, line, source, dropNoise);
      if (c !== null) onLine(c);
    };
    if (this.fast === undefined || typeof chunk === 'string') {
      splitter.write(chunk, slow);
      return;
    }
    // Fast path: the splitter finishes its pending line with the bytes up to the first newline
    // and keeps the bytes after the last one; the complete lines in between go to the fast path.
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const first = bytes.indexOf(10);
    const last = first === -1 ? -1 : bytes.lastIndexOf(10);
    if (last <= first) {
      splitter.write(bytes, slow);
      return;
    }
    splitter.write(bytes.subarray(0, first + 1), slow);
    this.truncatedFast += this.fast.run(state, bytes, first + 1, last + 1, source, dropNoise, this.maxLineLength, onLine);
    if (last + 1 < bytes.length) splitter.write(bytes.subarray(last + 1), slow);
  }

  /** Emits the unterminated last line of one source (or of every source) and ends it. */
  flush(source?: string): ClassifiedLine[] {
    const out: ClassifiedLine[] = [];
    const keys = source === undefined ? [...this.splitters.keys()] : [source];
    for (const key of keys) {
      const splitter = this.splitters.get(key);
      if (!splitter) continue;
      const src = key === NO_SOURCE && source === undefined ? undefined : key;
      const state = this.classifier.state(src);
      splitter.end((line) => {
        const c = this.classifier.classifyIn(state, line, src, !this.emitNoise);
        if (c !== null) out.push(c);
      });
      this.truncatedInClosed += splitter.truncatedLines;
      this.splitters.delete(key);
      this.classifier.endSource(src);
    }
    return out;
  }

  summary(): LogFilterSummary {
    let truncated = this.truncatedInClosed + this.truncatedFast;
    for (const s of this.splitters.values()) truncated += s.truncatedLines;
    return this.classifier.summary(truncated);
  }

  reset(): void {
    this.splitters.clear();
    this.truncatedInClosed = 0;
    this.truncatedFast = 0;
    this.classifier.reset();
  }

  private splitter(source: string | undefined): LineSplitter {
    const key = source ?? NO_SOURCE;
    let s = this.splitters.get(key);
    if (s === undefined) {
      s = new LineSplitter(this.splitterOptions);
      this.splitters.set(key, s);
    }
    return s;
  }
}
