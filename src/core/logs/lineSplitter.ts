// Splits a stream of text chunks (strings or UTF-8 bytes) into lines.
// - `\n` and `\r\n` end a line (a lone `\r` is kept as text);
// - multi-byte UTF-8 characters split across Buffer chunks are reassembled (StringDecoder);
// - a line longer than `maxLineLength` is cut: its first `maxLineLength` characters are emitted
//   at once with TRUNCATION_MARKER appended and the rest of that line is dropped, so memory stays
//   bounded whatever the input.
import { StringDecoder } from 'node:string_decoder';

export const DEFAULT_MAX_LINE_LENGTH = 64 * 1024;
export const TRUNCATION_MARKER = ' …[line truncated]';

export interface LineSplitterOptions {
  /** Longest line kept, in UTF-16 code units (default 64 KiB). */
  maxLineLength?: number;
}

export type LineCallback = (line: string) => void;

export class LineSplitter {
  private readonly max: number;
  private decoder: StringDecoder | undefined;
  private pending = '';
  /** True while dropping the tail of a line that was already emitted truncated. */
  private discarding = false;
  private truncated = 0;

  constructor(options: LineSplitterOptions = {}) {
    const max = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`maxLineLength must be a positive integer, got ${max}`);
    }
    this.max = max;
  }

  /** Number of lines cut so far. */
  get truncatedLines(): number {
    return this.truncated;
  }

  /** Characters buffered for an incomplete line (for tests and diagnostics). */
  get pendingLength(): number {
    return this.pending.length;
  }

  /** Feeds a chunk and returns the lines it completes. */
  push(chunk: string | Uint8Array): string[] {
    const out: string[] = [];
    this.write(chunk, (line) => out.push(line));
    return out;
  }

  /** Returns the last line if the stream did not end with a newline, and resets the splitter. */
  flush(): string[] {
    const out: string[] = [];
    this.end((line) => out.push(line));
    return out;
  }

  /** Like push, but calls `onLine` for each line (no intermediate array). */
  write(chunk: string | Uint8Array, onLine: LineCallback): void {
    let text: string;
    if (typeof chunk === 'string') {
      // A string after bytes: whatever partial character the decoder holds is finished first.
      text = this.decoder ? this.decoder.end() + chunk : chunk;
      this.decoder = undefined;
    } else {
      this.decoder ??= new StringDecoder('utf8');
      text = this.decoder.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
    if (text.length > 0) this.consume(text, onLine);
  }

  /** Like flush, with a callback. */
  end(onLine: LineCallback): void {
    if (this.decoder) {
      const rest = this.decoder.end();
      this.decoder = undefined;
      if (rest.length > 0) this.consume(rest, onLine);
    }
    if (this.pending.length > 0 && !this.discarding) {
      onLine(stripCR(this.pending));
    }
    this.pending = '';
    this.discarding = false;
  }

  private consume(text: string, onLine: LineCallback): void {
    let start = 0;
    const len = text.length;
    while (start < len) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) {
        this.keepPartial(text, start, onLine);
        return;
      }
      if (this.discarding) {
        this.discarding = false;
      } else if (this.pending.length > 0) {
        const line = this.pending + text.slice(start, nl);
        this.pending = '';
        this.emit(line, onLine);
      } else {
        this.emit(text.slice(start, nl), onLine);
      }
      start = nl + 1;
    }
  }

  private keepPartial(text: string, start: number, onLine: LineCallback): void {
    if (this.discarding) return;
    const tailLength = text.length - start;
    if (this.pending.length + tailLength <= this.max + 1) {
      // +1: a trailing '\r' of a CRLF split across chunks must not trigger truncation.
      this.pending = this.pending.length > 0 ? this.pending + text.slice(start) : text.slice(start);
      return;
    }
    const line = this.pending + text.slice(start);
    this.pending = '';
    this.discarding = true;
    this.truncated++;
    onLine(cut(line, this.max) + TRUNCATION_MARKER);
  }

  private emit(raw: string, onLine: LineCallback): void {
    const line = stripCR(raw);
    if (line.length > this.max) {
      this.truncated++;
      onLine(cut(line, this.max) + TRUNCATION_MARKER);
    } else {
      onLine(line);
    }
  }
}

function stripCR(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

/** Cuts to at most `max` code units without splitting a surrogate pair. */
function cut(line: string, max: number): string {
  let end = max;
  const c = line.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return line.slice(0, end);
}
