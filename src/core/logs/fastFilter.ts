// Fast path of LogFilter for byte chunks: the same classification as LogClassifier.classifyIn,
// line for line, without decoding or regex-scanning every line.
// - Every literal of the error and noise catalogues (and of the user's substring patterns) is
//   found in the whole chunk in one sampled pass (literalScan.ts), on bytes.
// - Lines are walked with indexOf('\n') on the chunk's latin1 text (one memchr per line).
// - A line with no literal is a pass line or a klog E/F error (two charCode checks), after the
//   user's regexes without a literal if there are any; a line whose literals are all noise
//   literals is resolved exactly as CatalogueMatcher.match does (leftmost literal first, then
//   catalogue order), running a confirmation regex only for entries that have one.
// - Anything else (an error literal, a panic trace being followed, a line longer than the
//   splitter's limit) goes to the slow path with the decoded line, so results are identical.
// Line strings are latin1 slices of the chunk when the chunk is ASCII (the same text as UTF-8),
// otherwise each needed line is decoded as UTF-8.
import * as nodeBuffer from 'node:buffer';
import { ClassifiedLine, LogClassifier, SourceState, confirmed, contentOffset, FastEntry, klogSeverity, result } from './classifier';
import { LiteralScanner, Occurrences } from './literalScan';
import { TRUNCATION_MARKER } from './lineSplitter';
import type { PatternEntry } from './noise';

const isAscii: ((b: Uint8Array) => boolean) | undefined = (nodeBuffer as { isAscii?: (b: Uint8Array) => boolean }).isAscii;

/** Buffer's undocumented but long-standing decoders (toString without the argument checks). */
interface SliceBuffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

/**
 * A line with more literal occurrences than this goes to the slow path: confirming `around` at
 * each occurrence reads back to the line start each time (quadratic in a long line made of
 * literals), where the slow path's one regex is linear. Real log lines hold one or two.
 */
const MAX_OCCURRENCES = 8;

/** resolve() codes besides a noise entry index (>= 0). */
const NO_NOISE = -1;
const SLOW = -3;

/** The text of line [ls, le) of the region: latin1 when the region is ASCII (the same text), else UTF-8. */
function lineAt(ascii: boolean, region: SliceBuffer, ls: number, le: number): string {
  return ascii ? region.latin1Slice(ls, le) : region.utf8Slice(ls, le);
}

/** A noise entry for the one-literal case, with its `around` in bytes. */
interface LitEntry {
  readonly f: FastEntry;
  /** Byte length of the literal. */
  readonly len: number;
  readonly before: readonly Uint8Array[] | undefined;
  readonly after: readonly Uint8Array[] | undefined;
  readonly earlier: Buffer | undefined;
}

function asciiBytes(list: readonly string[] | undefined): Uint8Array[] | undefined {
  return list === undefined ? undefined : list.map((x) => Buffer.from(x, 'latin1'));
}

/** bytes[at, at + x.length) === x */
function bytesAt(b: Uint8Array, at: number, x: Uint8Array): boolean {
  for (let i = 0; i < x.length; i++) if (b[at + i] !== x[i]) return false;
  return true;
}

/**
 * Start of the last occurrence of x that lies in [ls, pos), or -1. A plain backward loop: the
 * text looked for sits a few bytes before the literal (in the same line), where a native
 * lastIndexOf costs more to call than the bytes it reads, and would search past the line start.
 */
function lastInLine(b: Uint8Array, x: Uint8Array, ls: number, pos: number): number {
  const n = x.length;
  const x0 = x[0];
  for (let i = pos - n; i >= ls; i--) {
    if (b[i] !== x0) continue;
    let j = 1;
    while (j < n && b[i + j] === x[j]) j++;
    if (j === n) return i;
  }
  return -1;
}

/** `around` of the entry holds at the occurrence [pos, pos + len) of line [ls, le). */
function aroundHolds(b: Buffer, x: LitEntry, pos: number, ls: number, le: number): boolean {
  const earlier = x.earlier;
  if (earlier !== undefined) {
    // The last `earlier` that ends by pos, and no line terminator (. in a regex) up to pos.
    const from = lastInLine(b, earlier, ls, pos);
    if (from < 0) return false;
    for (let i = from + earlier.length; i < pos; i++) {
      const c = b[i] as number;
      if (c === 13 || (c === 0xe2 && b[i + 1] === 0x80 && (b[i + 2] === 0xa8 || b[i + 2] === 0xa9))) return false;
    }
  }
  const before = x.before;
  if (before !== undefined) {
    let ok = false;
    for (let i = 0; i < before.length && !ok; i++) {
      const w = before[i] as Uint8Array;
      ok = pos - w.length >= ls && bytesAt(b, pos - w.length, w);
    }
    if (!ok) return false;
  }
  const after = x.after;
  if (after !== undefined) {
    const end = pos + x.len;
    for (let i = 0; i < after.length; i++) {
      const w = after[i] as Uint8Array;
      if (end + w.length <= le && bytesAt(b, end, w)) return true;
    }
    return false;
  }
  return true;
}

interface LiteralInfo {
  /** Some error entry has this literal: the line goes to the slow path. */
  error: boolean;
}

export class FastLineClassifier {
  private readonly scanner: LiteralScanner;
  private readonly info: LiteralInfo[];
  /** Noise entries with a literal, catalogue order, with the literal's id. */
  private readonly noise: { f: FastEntry; lit: number }[];
  /** Per literal id: the noise entries with that literal, in catalogue order. */
  private readonly byLit: LitEntry[][];
  /** LitEntry of each entry of `noise`, same order. */
  private readonly noiseAt: LitEntry[];
  private readonly slowNoise: { idx: number; re: RegExp }[];
  private readonly occ = new Occurrences();
  /** Per line: literal ids seen at the leftmost position / after it (reset per line). */
  private readonly atLeft: Uint8Array;
  private readonly later: Uint8Array;

  private constructor(private readonly c: LogClassifier, literals: string[], info: LiteralInfo[], noise: { f: FastEntry; lit: number }[]) {
    this.scanner = new LiteralScanner(literals);
    this.info = info;
    this.noise = noise;
    this.byLit = literals.map((lit, id) =>
      noise
        .filter((x) => x.lit === id)
        .map((x) => {
          const a = x.f.around;
          // `around` is compared as bytes: ASCII only (anything else keeps the regex).
          const ascii = a !== undefined && [...(a.before ?? []), ...(a.after ?? []), ...(a.earlier !== undefined ? [a.earlier] : [])].every((w) => /^[\x20-\x7e]+$/.test(w));
          return {
            f: x.f,
            len: Buffer.byteLength(lit, 'utf8'),
            before: ascii ? asciiBytes(a.before) : undefined,
            after: ascii ? asciiBytes(a.after) : undefined,
            earlier: ascii && a.earlier !== undefined ? Buffer.from(a.earlier, 'latin1') : undefined,
          };
        }),
    );
    this.noiseAt = noise.map((x) => (this.byLit[x.lit] as LitEntry[]).find((y) => y.f === x.f) as LitEntry);
    this.slowNoise = c.noise.slow;
    this.atLeft = new Uint8Array(literals.length);
    this.later = new Uint8Array(literals.length);
  }

  /** A fast path for this classifier, or undefined when its patterns need the slow path. */
  static create(c: LogClassifier): FastLineClassifier | undefined {
    if (c.errors.slow.length > 0) return undefined;
    const ids = new Map<string, number>();
    const literals: string[] = [];
    const info: LiteralInfo[] = [];
    const id = (lit: string) => {
      let i = ids.get(lit);
      if (i === undefined) {
        i = literals.push(lit) - 1;
        ids.set(lit, i);
        info.push({ error: false });
      }
      return i;
    };
    for (const f of c.errors.fast) (info[id(f.literal)] as LiteralInfo).error = true;
    const noise = c.noise.fast.map((f) => ({ f, lit: id(f.literal) }));
    // A literal with a line break or CR could span lines or the stripped CR: not for this path.
    if (literals.some((l) => l.length === 0 || /[\r\n]/.test(l))) return undefined;
    return new FastLineClassifier(c, literals, info, noise);
  }

  /**
   * Classifies the complete lines of bytes[from, to) (bytes[to - 1] is '\n') in order.
   * Returns the number of lines it truncated.
   */
  run(
    s: SourceState,
    bytes: Buffer,
    from: number,
    to: number,
    source: string | undefined,
    dropNoise: boolean,
    maxLineLength: number,
    onLine: (line: ClassifiedLine) => void,
  ): number {
    const c = this.c;
    const region = bytes.subarray(from, to) as SliceBuffer;
    const n = region.length;
    const ascii = isAscii !== undefined && isAscii(region);
    const occ = this.occ;
    const entries = c.entries;
    const info = this.info;
    const byLit = this.byLit;
    const slowNoise = this.slowNoise.length > 0;
    // Every literal of the region in one pass.
    this.scanner.begin();
    occ.clear();
    this.scanner.scan(region, 0, n, occ);
    const starts = occ.starts;
    const ids = occ.ids;
    const occN = occ.length;
    let k = 0;
    /** Start of the next occurrence (n when none is left). */
    let next = occN > 0 ? (starts[0] as number) : n;
    let truncated = 0;
    let ls = 0;
    while (ls < n) {
      const nl = region.indexOf(10, ls);
      let le = nl;
      if (le > ls && region[le - 1] === 13) le--;
      // This line's occurrences: [k, kEnd).
      let kEnd = k;
      if (next < nl) {
        kEnd++;
        while (kEnd < occN && (starts[kEnd] as number) < nl) kEnd++;
      }
      let line: string | undefined;
      let code = SLOW;
      if (s.trace === -1 && kEnd - k <= MAX_OCCURRENCES && (le - ls <= maxLineLength || (line ??= lineAt(ascii, region, ls, le)).length <= maxLineLength)) {
        if (kEnd === k) {
          code = NO_NOISE;
        } else if (kEnd === k + 1 || sameIds(ids, k, kEnd)) {
          // One literal in the line, once or more (most noise lines): its entries in catalogue
          // order, the first confirmed one wins; `around` may hold at any of its occurrences.
          const lit = ids[k] as number;
          if (!(info[lit] as LiteralInfo).error) {
            code = NO_NOISE;
            const list = byLit[lit] as LitEntry[];
            for (let e = 0; e < list.length; e++) {
              const x = list[e] as LitEntry;
              if (this.holdsIn(x, lit, k, kEnd, ascii, region, ls, le)) {
                code = x.f.idx;
                break;
              }
            }
          }
        } else {
          code = this.resolve(k, kEnd, ascii, region, ls, le);
        }
        if (code === NO_NOISE && slowNoise) code = this.slowNoiseMatch((line ??= lineAt(ascii, region, ls, le)));
      }
      k = kEnd;
      next = k < occN ? (starts[k] as number) : n;
      if (code === SLOW) {
        let l = (line ??= lineAt(ascii, region, ls, le));
        if (l.length > maxLineLength) {
          truncated++;
          l = cut(l, maxLineLength) + TRUNCATION_MARKER;
        }
        const r = c.classifyIn(s, l, source, dropNoise);
        if (r !== null) onLine(r);
      } else {
        s.linesSeen++;
        if (code >= 0) {
          s.counts[code]++;
          s.suppressed++;
          if (!dropNoise) onLine(result('noise', (line ??= lineAt(ascii, region, ls, le)), (entries[code] as PatternEntry).id, undefined, source, false));
        } else {
          const l = (line ??= lineAt(ascii, region, ls, le));
          const sev = klogSeverity(l, contentOffset(l));
          if (sev === 69 /* E */ || sev === 70 /* F */) {
            const idx = sev === 69 ? c.klogErrorIdx : c.klogFatalIdx;
            s.counts[idx]++;
            s.errors++;
            const e = entries[idx] as PatternEntry;
            onLine(result('error', l, e.id, e.hint, source, false));
          } else {
            s.passed++;
            onLine(result('pass', l, undefined, undefined, source, false));
          }
        }
      }
      ls = nl + 1;
    }
    return truncated;
  }

  /** The first user regex without a literal that matches, or NO_NOISE. */
  private slowNoiseMatch(l: string): number {
    for (const r of this.slowNoise) {
      if (r.re.test(l)) return r.idx;
    }
    return NO_NOISE;
  }

  /**
   * Whether noise entry x, of literal lit, is confirmed in line [ls, le) whose literal occurrences
   * are occ[k, kEnd): it has no confirmation, or its `around` holds at one of the occurrences of
   * lit, or (no `around`) its regex matches the line.
   */
  private holdsIn(x: LitEntry, lit: number, k: number, kEnd: number, ascii: boolean, region: SliceBuffer, ls: number, le: number): boolean {
    const f = x.f;
    if (f.confirm === undefined) return true;
    if (x.before === undefined && x.after === undefined && x.earlier === undefined) return confirmed(f, lineAt(ascii, region, ls, le));
    const starts = this.occ.starts;
    const ids = this.occ.ids;
    for (let q = k; q < kEnd; q++) if (ids[q] === lit && aroundHolds(region, x, starts[q] as number, ls, le)) return true;
    return false;
  }

  /**
   * What CatalogueMatcher.match would say for a line whose literal occurrences are
   * occ[k, kEnd): SLOW (an error literal: the slow path decides), NO_NOISE, or the noise entry.
   */
  private resolve(k: number, kEnd: number, ascii: boolean, region: SliceBuffer, ls: number, le: number): number {
    const starts = this.occ.starts;
    const ids = this.occ.ids;
    const info = this.info;
    for (let q = k; q < kEnd; q++) if ((info[ids[q] as number] as LiteralInfo).error) return SLOW;
    let found = NO_NOISE;
    if (kEnd > k) {
      const atLeft = this.atLeft;
      const later = this.later;
      const at = starts[k] as number;
      for (let q = k; q < kEnd; q++) {
        const lit = ids[q] as number;
        if ((starts[q] as number) === at) atLeft[lit] = 1;
        else later[lit] = 1;
      }
      const noise = this.noise;
      const noiseAt = this.noiseAt;
      for (let e = 0; e < noise.length; e++) {
        const x = noise[e] as { f: FastEntry; lit: number };
        if (atLeft[x.lit] === 1 && this.holdsIn(noiseAt[e] as LitEntry, x.lit, k, kEnd, ascii, region, ls, le)) {
          found = x.f.idx;
          break;
        }
      }
      if (found === NO_NOISE) {
        for (let e = 0; e < noise.length; e++) {
          const x = noise[e] as { f: FastEntry; lit: number };
          if (later[x.lit] === 1 && this.holdsIn(noiseAt[e] as LitEntry, x.lit, k, kEnd, ascii, region, ls, le)) {
            found = x.f.idx;
            break;
          }
        }
      }
      for (let q = k; q < kEnd; q++) {
        atLeft[ids[q] as number] = 0;
        later[ids[q] as number] = 0;
      }
    }
    return found;
  }
}

/** ids[k, kEnd) are all the same literal. */
function sameIds(ids: Int32Array, k: number, kEnd: number): boolean {
  const first = ids[k];
  for (let q = k + 1; q < kEnd; q++) if (ids[q] !== first) return false;
  return true;
}

/** Cuts to at most `max` code units without splitting a surrogate pair (as LineSplitter). */
function cut(line: string, max: number): string {
  let end = max;
  const ch = line.charCodeAt(end - 1);
  if (ch >= 0xd800 && ch <= 0xdbff) end--;
  return line.slice(0, end);
}
