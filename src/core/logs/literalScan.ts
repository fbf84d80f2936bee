// Finds every occurrence of a set of literals in a byte chunk, in one pass that reads about one
// position in ten (the log filter's prefilter, see fastFilter.ts).
//
// Sampling: with q = 4 and L the length of the shortest "long" literal, the 4-byte window that
// ends at every `step` = L - 3 positions is hashed; any occurrence of a literal of length >= L
// covers exactly one such window in any run of `step` consecutive 4-grams, so the table holds one
// such run per literal and each occurrence is found once, then confirmed by comparing the bytes. Literals
// shorter than MIN_SAMPLED are searched with the native indexOf, one pass each.
// Positions are byte offsets; literals are matched as their UTF-8 bytes (UTF-8 is
// self-synchronising, so a byte match is a character match).

const Q = 4;
const HASH_BITS = 14;
const HASH_SHIFT = 32 - HASH_BITS;
const HASH_MUL = 0x9e3779b1 | 0;
/** Literals shorter than this many bytes get their own indexOf pass. */
export const MIN_SAMPLED = 12;

/** Occurrences found in one chunk: parallel arrays, sorted by start. */
export class Occurrences {
  starts = new Int32Array(1024);
  ids = new Int32Array(1024);
  length = 0;

  clear(): void {
    this.length = 0;
  }

  push(start: number, id: number): void {
    let n = this.length;
    if (n === this.starts.length) this.grow();
    const starts = this.starts;
    const ids = this.ids;
    // Nearly sorted already (found in sample order): insertion from the end.
    while (n > 0 && (starts[n - 1] as number) > start) {
      starts[n] = starts[n - 1] as number;
      ids[n] = ids[n - 1] as number;
      n--;
    }
    starts[n] = start;
    ids[n] = id;
    this.length++;
  }

  private grow(): void {
    const s = new Int32Array(this.starts.length * 2);
    s.set(this.starts);
    const i = new Int32Array(this.ids.length * 2);
    i.set(this.ids);
    this.starts = s;
    this.ids = i;
  }
}

export class LiteralScanner {
  /** Each literal's UTF-8 bytes as a latin1 string (one char a byte). */
  readonly literals: readonly string[];
  private readonly step: number;
  /** Bucket of each hash: start index into cands (0 = empty bucket), end at bucketEnd. */
  private readonly bucketStart = new Int32Array(1 << HASH_BITS);
  private readonly bucketEnd = new Int32Array(1 << HASH_BITS);
  /** 1 for a non-empty bucket (a small table: most samples stop here). */
  private readonly used = new Uint8Array(1 << HASH_BITS);
  /** Quads (literal id, offset of the 4-gram in the literal, that 4-gram, the literal's last 4 bytes). */
  private readonly cands: Int32Array;
  private readonly sampled: boolean;
  private readonly short: number[] = [];
  private readonly shortBytes: Buffer[];
  private readonly lengths: Int32Array;
  /** Every literal's bytes, one after the other, from litStart[id]. */
  private readonly litBytes: Uint8Array;
  private readonly litView: DataView;
  private readonly litStart: Int32Array;
  /** Per short literal: its next occurrence in the current bytes (-1 none, -2 not searched). */
  private readonly shortNext: Int32Array;

  constructor(literals: readonly string[]) {
    const bufs = literals.map((l) => Buffer.from(l, 'utf8'));
    this.literals = bufs.map((b) => b.toString('latin1'));
    this.shortBytes = bufs;
    this.lengths = Int32Array.from(bufs, (b) => b.length);
    this.litStart = new Int32Array(bufs.length);
    let total = 0;
    bufs.forEach((b, id) => {
      this.litStart[id] = total;
      total += b.length;
    });
    this.litBytes = new Uint8Array(total);
    bufs.forEach((b, id) => this.litBytes.set(b, this.litStart[id] as number));
    this.litView = new DataView(this.litBytes.buffer);
    this.shortNext = new Int32Array(literals.length).fill(-2);
    const long: number[] = [];
    this.literals.forEach((l, id) => {
      if (l.length === 0) throw new RangeError('empty literal');
      if (l.length >= MIN_SAMPLED) long.push(id);
      else this.short.push(id);
    });
    this.sampled = long.length > 0;
    const minLen = long.length > 0 ? Math.min(...long.map((id) => this.lengths[id] as number)) : MIN_SAMPLED;
    this.step = minLen - Q + 1;
    const buckets = new Map<number, number[]>();
    // Any run of `step` consecutive 4-grams of a literal catches each of its occurrences once.
    // Pick the run least likely to be in ordinary text: few lowercase letters and spaces, and
    // no 4-gram another literal has too (literals sharing a prefix would all be candidates).
    const holders = new Map<string, Set<number>>();
    for (const id of long) {
      const lit = this.literals[id] as string;
      for (let j = 0; j + Q <= lit.length; j++) {
        const g = lit.slice(j, j + Q);
        let set = holders.get(g);
        if (set === undefined) holders.set(g, (set = new Set()));
        set.add(id);
      }
    }
    const score = (g: string) => (g.match(/[a-z ]/g)?.length ?? 0) + 4 * ((holders.get(g)?.size ?? 1) - 1);
    for (const id of long) {
      const lit = this.literals[id] as string;
      let first = 0;
      let best = Infinity;
      for (let o = 0; o + this.step - 1 + Q <= lit.length; o++) {
        let sc = 0;
        for (let j = o; j < o + this.step; j++) sc += score(lit.slice(j, j + Q));
        if (sc <= best) {
          best = sc;
          first = o;
        }
      }
      for (let j = first; j < first + this.step; j++) {
        const x = (lit.charCodeAt(j) | (lit.charCodeAt(j + 1) << 8) | (lit.charCodeAt(j + 2) << 16) | (lit.charCodeAt(j + 3) << 24)) | 0;
        const h = Math.imul(x, HASH_MUL) >>> HASH_SHIFT;
        let b = buckets.get(h);
        if (b === undefined) buckets.set(h, (b = []));
        const n = lit.length;
        const last = (lit.charCodeAt(n - 4) | (lit.charCodeAt(n - 3) << 8) | (lit.charCodeAt(n - 2) << 16) | (lit.charCodeAt(n - 1) << 24)) | 0;
        b.push(id, j, x, last);
      }
    }
    const flat: number[] = [0, 0, 0, 0]; // index 0 reserved: "empty"
    for (const [h, pairs] of buckets) {
      this.bucketStart[h] = flat.length;
      this.used[h] = 1;
      flat.push(...pairs);
      this.bucketEnd[h] = flat.length;
    }
    this.cands = Int32Array.from(flat);
  }

  /** Call before scanning new bytes. */
  begin(): void {
    this.shortNext.fill(-2);
  }

  /**
   * Appends the occurrences that lie entirely in [from, to) of `bytes` to `out`, sorted by
   * start. Successive calls on the same bytes must move forward (from >= the previous to) until
   * the next begin(): short literals are searched once per bytes.
   */
  scan(bytes: Uint8Array, from: number, to: number, out: Occurrences): void {
    if (this.sampled) this.scanSampled(bytes, from, to, out);
    const short = this.short;
    if (short.length === 0) return;
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const next = this.shortNext;
    for (let s = 0; s < short.length; s++) {
      const id = short[s] as number;
      const lit = this.shortBytes[id] as Buffer;
      const len = lit.length;
      let p = next[id] as number;
      if (p === -1) continue;
      if (p < from) p = buf.indexOf(lit, from);
      while (p !== -1 && p + len <= to) {
        out.push(p, id);
        p = buf.indexOf(lit, p + 1);
      }
      next[id] = p;
    }
  }

  private scanSampled(b: Uint8Array, from: number, to: number, out: Occurrences): void {
    const step = this.step;
    const bucketStart = this.bucketStart;
    const bucketEnd = this.bucketEnd;
    const cands = this.cands;
    const lengths = this.lengths;
    const litView = this.litView;
    const litStart = this.litStart;
    const used = this.used;
    // One unaligned little-endian load per sample.
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    // i = index of the last byte of the sampled 4-gram.
    for (let i = from + Q - 1; i < to; i += step) {
      const x = view.getInt32(i - 3, true);
      const h = Math.imul(x, HASH_MUL) >>> HASH_SHIFT;
      if (used[h] === 0) continue;
      const s0 = bucketStart[h] as number;
      const e0 = bucketEnd[h] as number;
      for (let c = s0; c < e0; c += 4) {
        if ((cands[c + 2] as number) !== x) continue;
        const id = cands[c] as number;
        const start = i - 3 - (cands[c + 1] as number);
        const len = lengths[id] as number;
        const end = start + len;
        if (start < from || end > to) continue;
        if (view.getInt32(end - 4, true) !== (cands[c + 3] as number)) continue;
        // The sampled 4-gram and the last 4 bytes match: compare the rest, 4 bytes at a time.
        const ls = litStart[id] as number;
        let j = 0;
        while (j < len - 4 && view.getInt32(start + j, true) === litView.getInt32(ls + j, true)) j += 4;
        if (j >= len - 4) out.push(start, id);
      }
    }
  }
}
