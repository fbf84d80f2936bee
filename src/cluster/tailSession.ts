// One Tail Logs run: its log streams, filter, header and summary, written to a sink. No vscode.
//
// A stream is alive only while bytes arrive or its connection is open. A reset, a close or an
// idle timeout follows again from the last line's timestamp (the API is asked for timestamps),
// skipping what was already shown, so no line is lost or doubled; an unfinished last line is
// dropped and read again whole. A pod replaced by a new one (new UID) is followed anew. The pod
// informer the editor holds says when a pod is gone, replaced or running again: no polling.
import { ClassifiedLine, LogFilter, LogFormatter, LogFilterSummary, formatSummary } from '../core/logs';
import { formatCount } from '../core/logs/format';
import type { PatternProblem } from '../core/logs/noise';
import type { PodRecord } from './records';
import type { StreamHandle, StreamHandlers } from './httpStream';

/** What a TailSession needs of a cluster session: its name, log streams, and error wording. */
export interface TailSource {
  readonly context: string;
  readonly http: { stream(path: string, query: Record<string, string | number | boolean | undefined>, h: StreamHandlers): StreamHandle };
  explain(err: unknown, action: string): Error;
}

/** A running Tail Logs: in this thread (TailSession) or in a worker thread (WorkerTailSession). */
export interface TailRun {
  readonly targets: LogTarget[];
  readonly context: string;
  readonly problems: readonly PatternProblem[];
  readonly isStopped: boolean;
  /** Resolves when the run was stopped and its last lines written. */
  readonly done: Promise<void>;
  start(): this;
  /** Ends every stream; the last lines and the summary follow (at once here, soon from a worker). */
  stop(): void;
  summary(): LogFilterSummary;
  /** Streams open now. */
  openStreams(): number;
}

export interface LogTarget {
  namespace: string;
  pod: string;
  container: string;
}

export function sourceName(t: LogTarget): string {
  return `${t.pod}/${t.container}`;
}

/** Where the session's text goes (the Kubemark Logs channel, or a test's array). */
export interface TailSink {
  append(text: string): void;
  clear?(): void;
  /** Replaces everything shown with this text (to keep only the last lines: scrollbackLines). */
  replace?(text: string): void;
}

/** What the workers pod informer knows. */
export interface PodLookup {
  get(namespace: string, pod: string): PodRecord | undefined;
  onChange(listener: () => void): { dispose(): void };
}

export interface TailOptions {
  extraPatterns?: readonly unknown[];
  /** A stream with no bytes for this long is reconnected (a hung connection). */
  idleTimeoutMs?: number;
  tailLines?: number;
  /** How often the lines read are written to the sink, and the counts given (default 500 ms). */
  flushMs?: number;
  summaryMs?: number;
  /** Lines shown a second (all sources together), beyond which lines are only counted (default 100). */
  maxLinesPerSecond?: number;
  /** Error lines shown a second on top of those (default 100): a burst of info never hides an error. */
  maxErrorsPerSecond?: number;
  /** The clock of the per-second caps, in ms (tests; default performance.now, which never goes back). */
  now?: () => number;
  /** The same caps per flush instead (tests): they take the place of the per-second ones. */
  maxLinesPerFlush?: number;
  maxErrorsPerFlush?: number;
  /** The counts changed (for a status bar). */
  onCounts?(summary: LogFilterSummary): void;
  /**
   * With a sink that can replace its text: the view keeps about this many of the last lines
   * (between this and twice this); older ones are removed, the counts still cover them. 0: all.
   */
  scrollbackLines?: number;
  /** Worker runs: how long a stream waits for its credentials before it fails and retries (default 30 s). */
  credentialsTimeoutMs?: number;
}

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 5_000;

function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** A session's timers never keep a process alive by themselves (a test, a CLI). */
function unref<T>(t: T): T {
  (t as { unref?: () => void }).unref?.();
  return t;
}

/** RFC 3339 with 9 fraction digits, so timestamps compare as strings. */
export function normalizeTimestamp(ts: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(ts);
  if (m) return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z`;
  const t = Date.parse(ts);
  return Number.isFinite(t) ? new Date(t).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z') : ts;
}

/** The whole second of a normalised timestamp, as the API's sinceTime takes it. */
function sinceOf(norm: string): string {
  return `${norm.slice(0, 19)}Z`;
}

function isDigitAt(b: Buffer, i: number): boolean {
  const c = b[i] as number;
  return c >= 48 && c <= 57;
}

/** The normal form, 2026-11-25T16:48:49.123456789Z: 0 where a digit goes, else the byte itself. */
const NORMAL_SHAPE = Buffer.from('0000-00-00T00:00:00.000000000Z', 'latin1').map((c) => (c === 48 ? 0 : c));

/** Bytes [start, end) are a timestamp in the normal form (see normalizeTimestamp). */
function isNormalAt(b: Buffer, start: number, end: number): boolean {
  if (end - start !== NORMAL_SHAPE.length) return false;
  for (let i = 0; i < NORMAL_SHAPE.length; i++) {
    const want = NORMAL_SHAPE[i] as number;
    const c = b[start + i] as number;
    if (want === 0 ? c < 48 || c > 57 : c !== want) return false;
  }
  return true;
}

/** Longest first word taken for a timestamp (RFC 3339 with nanoseconds and an offset is 35). */
const MAX_TIMESTAMP = 64;

/** Offset of the space after a first word that may be a timestamp (starts `dddd-`), or -1. */
function timestampEnd(b: Buffer, ls: number, nl: number): number {
  if (nl - ls < 6 || !isDigitAt(b, ls) || b[ls + 4] !== 45 /* - */) return -1;
  const stop = Math.min(nl, ls + MAX_TIMESTAMP + 1);
  for (let i = ls + 5; i < stop; i++) if (b[i] === 32) return i;
  return -1;
}

/** Bytes [a0, a1) of a against [b0, b1) of b, as strings of latin1 compare: -1, 0 or 1. */
function compareBytes(a: Buffer, a0: number, a1: number, b: Buffer, b0: number, b1: number): number {
  const n = Math.min(a1 - a0, b1 - b0);
  for (let i = 0; i < n; i++) {
    const d = (a[a0 + i] as number) - (b[b0 + i] as number);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  const d = a1 - a0 - (b1 - b0);
  return d === 0 ? 0 : d < 0 ? -1 : 1;
}

/**
 * The normalised timestamp that bytes [start, end) of a line are (the `timestamps=true` prefix),
 * or undefined when they are not one (the line is then shown whole, as it came).
 */
export function timestampAt(b: Buffer, start: number, end: number): string | undefined {
  // The usual shape, RFC 3339 in UTC: 2026-11-25T16:48:49[.fraction]Z
  if (end - start < 4 || !isDigitAt(b, start) || b[start + 4] !== 45 /* - */) return undefined;
  // What the apiserver sends for timestamps=true, nanoseconds in UTC, is already normal: checked
  // byte by byte, with no regular expression (this runs for every line Tail Logs reads).
  if (isNormalAt(b, start, end)) return b.toString('latin1', start, end);
  const word = b.toString('latin1', start, end);
  // RFC 3339 only (a date, 'T', a time, then Z or an offset): "2026-xyz" is text, not a timestamp.
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/.test(word)) return undefined;
  const ts = normalizeTimestamp(word);
  return /^\d{4}-\d\d-\d\dT/.test(ts) ? ts : undefined;
}

class Follower {
  private handle: StreamHandle | undefined;
  /** An unfinished last line (bytes, so that a character split across chunks stays whole). */
  private rest: Buffer | undefined;
  /**
   * Chunks received and not yet read: those that arrive in one turn of the event loop are read
   * together, in the next (setImmediate). An apiserver may send each log line as a chunk of its
   * own; read one by one, each paid the per-chunk work (the filter's, this class's) again.
   */
  private queued: Buffer[] = [];
  private drainScheduled = false;
  /** The last shown line's timestamp (normal form) as bytes: see lastTs. */
  private readonly lastTsBytes = Buffer.alloc(MAX_TIMESTAMP);
  private lastTsLength = 0;
  /** Texts of the lines shown with timestamp lastTs (see data()). */
  private readonly seenAtLast = new Set<string>();
  /** The last shown line's text, [start, end) of `pendingIn`, not yet in seenAtLast. */
  private pendingIn: Buffer | undefined;
  private pendingStart = 0;
  private pendingEnd = 0;
  private uid: string | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryMs = RETRY_MIN_MS;
  private waiting: 'pod' | undefined;
  private troubleShown = false;
  private opened = false;
  stopped = false;

  constructor(private readonly s: TailSession, readonly target: LogTarget) {}

  get source(): string {
    return sourceName(this.target);
  }

  get isOpen(): boolean {
    return this.handle !== undefined;
  }

  start(): void {
    this.uid = this.s.pods?.get(this.target.namespace, this.target.pod)?.uid;
    this.open({ tailLines: this.s.tailLines });
  }

  private open(from: { tailLines?: number; sinceTime?: string }): void {
    if (this.stopped) return;
    this.close();
    this.opened = false;
    this.rest = undefined;
    const t = this.target;
    this.handle = this.s.session.http.stream(`/api/v1/namespaces/${encodeURIComponent(t.namespace)}/pods/${encodeURIComponent(t.pod)}/log`, {
      container: t.container,
      follow: 'true',
      timestamps: 'true',
      ...(from.sinceTime ? { sinceTime: from.sinceTime } : {}),
      ...(from.tailLines !== undefined && !from.sinceTime ? { tailLines: from.tailLines } : {}),
    }, {
      onOpen: () => {
        this.opened = true;
        this.retryMs = RETRY_MIN_MS;
        if (this.troubleShown) this.s.note(`── ${this.source}: following again`);
        this.troubleShown = false;
        this.armIdle();
      },
      onData: (chunk) => {
        if (this.stopped) return;
        this.queued.push(chunk);
        if (!this.drainScheduled) {
          this.drainScheduled = true;
          setImmediate(() => {
            this.drainScheduled = false;
            // Bytes came: the idle timer starts again (once a batch, not once a chunk).
            if (this.handle && !this.stopped) this.armIdle();
            this.drain();
          });
        }
      },
      onClose: (err) => {
        // What came before the end is read first: its lines come before the note of the break.
        this.drain();
        this.handle = undefined;
        this.disarmIdle();
        this.ended(err);
      },
    });
    // A request that never gets an answer (a paused server, a half-open connection) ends too.
    this.armIdle();
  }

  /** Reads the chunks received so far (see `queued`), in order, as one. */
  private drain(): void {
    if (this.queued.length === 0) return;
    // With the unfinished line before them, in one copy.
    const parts = this.rest !== undefined ? [this.rest, ...this.queued] : this.queued;
    this.rest = undefined;
    this.queued = [];
    this.data(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  /**
   * Strips each complete line's timestamp, skips what was already shown (lines older than the
   * last one shown, or as old and with a text already shown) and hands the rest to the filter
   * as one byte chunk, so that its fast path classifies them. The chunk is this follower's own
   * (a socket's bytes, or their copy): the kept lines are moved up over the timestamps in place,
   * and a timestamp in the normal form is compared as bytes, with no string a line.
   */
  private data(chunk: Buffer): void {
    const all = this.rest !== undefined ? Buffer.concat([this.rest, chunk]) : chunk;
    const last = all.lastIndexOf(10);
    // An unfinished line waits for its end; if the stream breaks first it is read again whole.
    this.rest = last + 1 < all.length ? Buffer.from(all.subarray(last + 1)) : undefined;
    if (last < 0) return;
    let w = 0;
    let ls = 0;
    while (ls <= last) {
      const nl = all.indexOf(10, ls);
      let textStart = ls;
      const sp = timestampEnd(all, ls, nl);
      if (sp > ls) {
        // The line's timestamp in the normal form: its own bytes, or (another form) a copy normalised.
        let tb: Buffer | undefined = all;
        let ts0 = ls;
        let ts1 = sp;
        if (!isNormalAt(all, ls, sp)) {
          const ts = timestampAt(all, ls, sp);
          tb = ts === undefined ? undefined : Buffer.from(ts, 'latin1');
          ts0 = 0;
          ts1 = tb?.length ?? 0;
        }
        if (tb !== undefined) {
          textStart = sp + 1;
          const cmp = this.lastTsLength === 0 ? 1 : compareBytes(tb, ts0, ts1, this.lastTsBytes, 0, this.lastTsLength);
          if (cmp < 0) {
            ls = nl + 1;
            continue; // already shown
          }
          if (cmp === 0) {
            this.settlePending();
            const text = all.toString('utf8', textStart, nl);
            if (this.seenAtLast.has(text)) {
              ls = nl + 1;
              continue;
            }
            this.seenAtLast.add(text);
          } else {
            if (this.seenAtLast.size > 0) this.seenAtLast.clear();
            this.setLastTs(tb, ts0, ts1);
            // Its text is only needed if a line with the same timestamp follows: where it is
            // moved to, below (what is written later goes after it).
            this.pendingIn = all;
            this.pendingStart = w;
            this.pendingEnd = w + (nl - textStart);
          }
        }
      }
      if (w !== textStart) all.copyWithin(w, textStart, nl + 1);
      w += nl + 1 - textStart;
      ls = nl + 1;
    }
    this.settlePending();
    if (w > 0) this.s.linesFrom(this.source, all.subarray(0, w));
  }

  /** The last shown line's timestamp (normal form), or undefined before the first. */
  private get lastTs(): string | undefined {
    return this.lastTsLength === 0 ? undefined : this.lastTsBytes.toString('latin1', 0, this.lastTsLength);
  }

  private setLastTs(b: Buffer | undefined, start = 0, end = 0): void {
    const n = Math.min(end - start, this.lastTsBytes.length);
    for (let i = 0; i < n; i++) this.lastTsBytes[i] = b![start + i] as number;
    this.lastTsLength = n;
  }

  private settlePending(): void {
    if (this.pendingIn === undefined) return;
    this.seenAtLast.add(this.pendingIn.toString('utf8', this.pendingStart, this.pendingEnd));
    this.pendingIn = undefined;
  }

  private armIdle(): void {
    this.disarmIdle();
    const ms = this.s.idleTimeoutMs;
    if (this.stopped) return;
    if (ms > 0) this.idleTimer = unref(setTimeout(() => {
      // Nothing for a long time: the connection may be dead without saying so. Follow again.
      if (this.stopped || !this.handle) return;
      this.abortStream();
      this.ended(undefined, true);
    }, ms));
  }

  private disarmIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** The stream ended: decide from the pod informer whether and how to follow again. */
  private ended(err: unknown, idle = false): void {
    if (this.stopped) return;
    const pod = this.s.pods?.get(this.target.namespace, this.target.pod);
    if (this.s.pods && (!pod || pod.deleting || pod.uid !== this.uid)) {
      if (!this.troubleShown) this.s.note(`── ${this.source}: pod ${pod ? (pod.deleting ? 'terminating' : 'replaced') : 'gone'}; following again when it runs`);
      this.troubleShown = true;
      this.waitForPod();
      return;
    }
    if ((err as { statusCode?: number } | undefined)?.statusCode === 400 && this.s.pods && !this.containerRunning(pod)) {
      // "container … is waiting to start" and the like: wait for it to run.
      this.waitForPod();
      return;
    }
    if (err && !this.troubleShown) {
      const msg = err instanceof Error ? this.s.session.explain(err, `follow logs of ${this.source}`).message : String(err);
      this.s.note(`── ${this.source}: ${msg.replace(/\.$/, '')}; following again`);
      this.troubleShown = true;
    } else if (!err && !idle && this.opened && this.s.pods && !this.containerRunning(pod)) {
      // A clean end with the container stopped: wait until it runs again.
      if (!this.troubleShown) this.s.note(`── ${this.source}: container stopped; following again when it restarts`);
      this.troubleShown = true;
      this.waitForPod();
      return;
    }
    this.retryLater();
  }

  private containerRunning(pod: PodRecord | undefined): boolean {
    return Boolean(pod && !pod.deleting && pod.phase === 'Running' && pod.containers.find((c) => c.name === this.target.container)?.state === 'Running');
  }

  private retryLater(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const ms = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    this.retryTimer = unref(setTimeout(() => {
      this.retryTimer = undefined;
      this.resume();
    }, ms));
  }

  private resume(): void {
    if (this.stopped) return;
    const pod = this.s.pods?.get(this.target.namespace, this.target.pod);
    if (this.s.pods && pod && pod.uid !== this.uid) {
      // Replaced while a retry was pending: follow the new pod from its start.
      this.waiting = 'pod';
      this.check();
      return;
    }
    this.open(this.lastTs ? { sinceTime: sinceOf(this.lastTs) } : { tailLines: this.s.tailLines });
  }

  /** Waits (on informer events, not a timer) until the pod runs the container again. */
  private waitForPod(): void {
    this.waiting = 'pod';
    this.check();
  }

  /** Called on every pod informer change while waiting. */
  check(): void {
    if (this.stopped) return;
    const pod = this.s.pods?.get(this.target.namespace, this.target.pod);
    if (!this.waiting) {
      // Following: a pod that was replaced or is going ends its stream here (it may hang).
      if (this.handle && this.s.pods && (!pod || pod.uid !== this.uid || pod.deleting)) {
        this.abortStream();
        this.ended(undefined);
      }
      return;
    }
    if (!this.containerRunning(pod)) return;
    this.waiting = undefined;
    if (pod!.uid !== this.uid) {
      // A new pod of the same name: everything it wrote is new.
      this.uid = pod!.uid;
      this.setLastTs(undefined);
      this.seenAtLast.clear();
      this.s.note(`── ${this.source}: new pod; following from its start`);
      this.troubleShown = false;
      this.open({ sinceTime: sinceOf(normalizeTimestamp(pod!.created || new Date().toISOString())) });
    } else {
      this.resume();
    }
  }

  /**
   * Ends the stream this side. The chunks it delivered and that were not read yet are read first,
   * as they were when each was read on arrival: its lines come before any note of why it ended,
   * and before a new pod's follow resets what was shown.
   */
  private abortStream(): void {
    this.drain();
    this.disarmIdle();
    this.handle?.abort();
    this.handle = undefined;
  }

  close(): void {
    this.abortStream();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}

export class TailSession implements TailRun {
  readonly filter: LogFilter;
  private readonly formatter: LogFormatter;
  private readonly followers: Follower[];
  private buffer: string[] = [];
  private dropped = 0;
  private droppedErrors = 0;
  /** Lines passed or flagged but not shown (bursts), over the whole run. */
  private notShown = 0;
  private shownInWindow = 0;
  /** Scrollback: the header, the last writes (about scrollbackLines lines), lines in the view below the header, lines removed. */
  private header: string[] = [];
  private readonly recent: Array<{ text: string; lines: number }> = [];
  private recentLines = 0;
  private contentLines = 0;
  private removed = 0;
  private errorsInWindow = 0;
  private flushTimer: ReturnType<typeof setInterval> | undefined;
  private summaryTimer: ReturnType<typeof setInterval> | undefined;
  private podSub: { dispose(): void } | undefined;
  private lastSummary = '';
  private stopped = false;
  private resolveDone!: () => void;
  /** Resolves when the session was stopped and its last lines written. */
  readonly done = new Promise<void>((r) => (this.resolveDone = r));
  readonly tailLines: number;
  readonly idleTimeoutMs: number;
  /** Lines, and error lines on top, shown in a cap's window (a second, or a flush: capsPerFlush). */
  private readonly maxShown: number;
  private readonly maxErrorsShown: number;
  private readonly capsPerFlush: boolean;
  /** When the cap's current window started (the clock's ms). */
  private capWindowStart = 0;
  /** How the note of lines not shown words the caps. */
  private readonly capWords: { lines: string; errors: string };
  /** How often the lines read are written (default 500 ms). */
  private get flushMs(): number {
    return this.options.flushMs ?? 500;
  }

  constructor(
    readonly session: TailSource,
    readonly targets: LogTarget[],
    private readonly sink: TailSink,
    readonly pods: PodLookup | undefined,
    private readonly options: TailOptions = {},
  ) {
    this.filter = new LogFilter({ extraPatterns: options.extraPatterns ?? [], emitNoise: false });
    this.formatter = new LogFormatter({ showSource: targets.length > 1 });
    this.followers = targets.map((t) => new Follower(this, t));
    this.tailLines = options.tailLines ?? 200;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
    // 100 lines a second (plus as many errors) is already more than anyone reads, and every line
    // shown costs the editor: VS Code writes it to the channel's file, renders the output and
    // syncs it back as a document to other extensions. At 50 pods the window's processes (in code-server)
    // used about half a core to show 350–500 lines a second, a quarter at 100 (docs/benchmarks.md).
    // The caps hold for a one-second window (the first lines read a second or more after the
    // window began start the next), or for each flush when a test gives them per flush.
    this.capsPerFlush = options.maxLinesPerFlush !== undefined || options.maxErrorsPerFlush !== undefined;
    this.maxShown = options.maxLinesPerFlush ?? options.maxLinesPerSecond ?? 100;
    this.maxErrorsShown = options.maxErrorsPerFlush ?? options.maxErrorsPerSecond ?? 100;
    const errors = (n: number) => `${n} error${n === 1 ? '' : 's'} shown`;
    this.capWords = this.capsPerFlush
      ? { lines: `${this.maxShown} at once`, errors: `${errors(this.maxErrorsShown)} at once` }
      : { lines: `${this.maxShown} a second`, errors: `${errors(this.maxErrorsShown)} a second` };
  }

  get problems(): readonly PatternProblem[] {
    return this.filter.problems;
  }

  get context(): string {
    return this.session.context;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Streams open now. */
  openStreams(): number {
    return this.followers.filter((f) => f.isOpen).length;
  }

  summary(): LogFilterSummary {
    const s = this.filter.summary();
    return this.notShown > 0 ? { ...s, notShown: this.notShown } : s;
  }

  /**
   * Writes text to the sink. With a scrollback limit and a sink that can replace, the view is
   * cut back to the header and about the last scrollbackLines lines once it holds twice that:
   * an output view that grows without end slows every reader of it (VS Code hands the whole
   * text to extensions that read open documents, on every change).
   */
  private write(text: string): void {
    const lines = countLines(text);
    const limit = this.options.scrollbackLines ?? 0;
    if (limit <= 0 || !this.sink.replace) return this.sink.append(text);
    this.recent.push({ text, lines });
    this.recentLines += lines;
    while (this.recent.length > 1 && this.recentLines - (this.recent[0] as { lines: number }).lines >= limit) this.recentLines -= (this.recent.shift() as { lines: number }).lines;
    this.contentLines += lines;
    if (this.contentLines <= 2 * limit) return this.sink.append(text);
    this.removed += this.contentLines - this.recentLines;
    this.contentLines = this.recentLines;
    const notice = `── ${formatCount(this.removed)} earlier line${this.removed === 1 ? '' : 's'} removed from this view (it keeps about the last ${formatCount(limit)}: setting kubemark.logs.scrollbackLines); the counts cover every line`;
    this.formatter.resetHints();
    this.sink.replace([...this.header, notice, ...this.recent.map((r) => r.text)].join('\n'));
  }

  start(): this {
    this.sink.clear?.();
    this.header = [
      `Following ${this.targets.length} container${this.targets.length === 1 ? '' : 's'} in ${this.session.context}: ${this.targets.map(sourceName).join(', ')}`,
      'Known kubemark noise is suppressed and counted; errors are marked ✖. Stop with "Kubemark: Stop Tailing Logs".',
    ];
    for (const h of this.header) this.sink.append(h);
    this.flushTimer = unref(setInterval(() => this.flush(), this.flushMs));
    this.summaryTimer = unref(setInterval(() => this.writeSummary(), this.options.summaryMs ?? 30_000));
    this.podSub = this.pods?.onChange(() => {
      for (const f of this.followers) f.check();
    });
    for (const f of this.followers) f.start();
    return this;
  }

  /** Complete log lines of one source (timestamps already removed), as bytes ending with a newline. */
  linesFrom(source: string, lines: Buffer): void {
    if (this.stopped) return;
    // A new second of the caps starts with the first lines read in it, also after a quiet spell.
    if (!this.capsPerFlush) {
      const now = this.now();
      if (now - this.capWindowStart >= 1000 || now < this.capWindowStart) this.newCapWindow(now);
    }
    this.filter.write(lines, source, this.onLine);
  }

  /**
   * Shown lines are capped (a second): beyond maxShown (a burst no one reads: 50 pods at
   * 1,000 lines/s) lines are only counted, and one line says how many; error lines have a cap
   * of their own on top, so that a burst of info never hides an error. Decided before the line
   * is formatted, so that a hint is only taken as shown when its line is.
   */
  private readonly onLine = (c: ClassifiedLine): void => {
    if (c.kind === 'noise') return;
    if (this.shownInWindow < this.maxShown) this.shownInWindow++;
    else if (c.kind === 'error' && this.errorsInWindow < this.maxErrorsShown) this.errorsInWindow++;
    else {
      this.dropped++;
      if (c.kind === 'error') this.droppedErrors++;
      this.notShown++;
      return;
    }
    const out = this.formatter.format(c);
    if (out !== undefined) this.buffer.push(out);
  };

  /** A line of the session's own (stream ended, following again…). */
  note(text: string): void {
    if (this.stopped) return;
    this.buffer.push(text);
  }

  private flush(): void {
    this.options.onCounts?.(this.summary());
    if (this.buffer.length === 0 && this.dropped === 0) return;
    let text = this.buffer.join('\n');
    if (this.dropped > 0) {
      const errors = this.droppedErrors > 0 ? `, ${this.droppedErrors} of them error${this.droppedErrors === 1 ? '' : 's'} past the ${this.capWords.errors}` : '';
      text += `${text ? '\n' : ''}… ${this.dropped} line${this.dropped === 1 ? '' : 's'} not shown (more than ${this.capWords.lines}${errors}; all were classified and counted)`;
    }
    this.buffer = [];
    this.dropped = 0;
    this.droppedErrors = 0;
    if (this.capsPerFlush) this.newCapWindow(0);
    this.write(text);
  }

  private newCapWindow(now: number): void {
    this.capWindowStart = now;
    this.shownInWindow = 0;
    this.errorsInWindow = 0;
  }

  private now(): number {
    return this.options.now ? this.options.now() : performance.now();
  }

  private writeSummary(): void {
    const s = formatSummary(this.summary());
    if (s === this.lastSummary) return;
    this.lastSummary = s;
    this.flush();
    this.write(`── ${s}`);
  }

  /** Ends every stream and writes the last lines and the summary now, to this session's sink only. */
  stop(): void {
    if (this.stopped) return;
    for (const f of this.followers) {
      f.stopped = true;
      f.close();
    }
    this.podSub?.dispose();
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.summaryTimer) clearInterval(this.summaryTimer);
    this.flush();
    this.lastSummary = '';
    this.writeSummary();
    this.write('── stopped');
    this.stopped = true;
    this.options.onCounts?.(this.summary());
    this.resolveDone();
  }
}
