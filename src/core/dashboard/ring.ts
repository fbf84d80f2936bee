// A fixed-capacity table of numeric rows (time + one value per column) in preallocated
// Float64Arrays: appending never allocates, and the oldest row is overwritten when full.
// Memory: (1 + columns) × capacity × 8 bytes, whatever the session length.

export class RingTable {
  readonly capacity: number;
  readonly columns: readonly string[];
  private readonly times: Float64Array;
  private readonly values: Float64Array[];
  private start = 0;
  private count = 0;
  /** Rows ever appended; row i (0-based, oldest kept first) has sequence number `appended - size + i + 1`. */
  private appended = 0;

  constructor(columns: readonly string[], capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`RingTable capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.columns = columns;
    this.times = new Float64Array(capacity);
    this.values = columns.map(() => new Float64Array(capacity));
  }

  get size(): number {
    return this.count;
  }

  /** Sequence number of the newest row (0 when empty). */
  get lastSeq(): number {
    return this.appended;
  }

  /** Bytes held by the arrays. */
  get bytes(): number {
    return (1 + this.values.length) * this.capacity * 8;
  }

  /** Appends a row; `row[i]` is the value of column i (missing → NaN). */
  push(time: number, row: ArrayLike<number>): void {
    const at = (this.start + this.count) % this.capacity;
    this.times[at] = time;
    for (let c = 0; c < this.values.length; c++) (this.values[c] as Float64Array)[at] = c < row.length ? (row[c] as number) : NaN;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
    this.appended++;
  }

  /** Time of the i-th kept row (0 = oldest). */
  timeAt(i: number): number {
    return this.times[(this.start + i) % this.capacity] as number;
  }

  valueAt(column: number, i: number): number {
    return (this.values[column] as Float64Array)[(this.start + i) % this.capacity] as number;
  }

  lastTime(): number | undefined {
    return this.count === 0 ? undefined : this.timeAt(this.count - 1);
  }

  /** The kept rows with a sequence number above `sinceSeq`, as plain arrays (time first). */
  rowsSince(sinceSeq = 0): { seq: number; times: number[]; values: number[][] } {
    const firstSeq = this.appended - this.count + 1;
    const from = Math.max(0, sinceSeq - firstSeq + 1);
    const times: number[] = [];
    const values: number[][] = this.values.map(() => []);
    for (let i = from; i < this.count; i++) {
      times.push(this.timeAt(i));
      for (let c = 0; c < this.values.length; c++) (values[c] as number[]).push(this.valueAt(c, i));
    }
    return { seq: this.appended, times, values };
  }
}
