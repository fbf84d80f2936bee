import { Position, Range, TextEdit } from './types';

/** Offsets ↔ line/character for one text. */
export class SourceText {
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.lineStarts[lo]! };
  }

  offsetAt(p: Position): number {
    const start = this.lineStarts[Math.min(p.line, this.lineStarts.length - 1)] ?? 0;
    return Math.min(start + p.character, this.text.length);
  }

  range(start: number, end: number): Range {
    return { start: this.positionAt(start), end: this.positionAt(end) };
  }

  lineStart(offset: number): number {
    return this.lineStarts[this.positionAt(offset).line]!;
  }

  lineEnd(offset: number): number {
    const nl = this.text.indexOf('\n', offset);
    return nl < 0 ? this.text.length : nl;
  }

  /** Leading spaces of the line holding offset. */
  indentAt(offset: number): number {
    const s = this.lineStart(offset);
    let i = s;
    while (this.text[i] === ' ') i++;
    return i - s;
  }

  lineText(line: number): string {
    const s = this.lineStarts[line] ?? this.text.length;
    const e = this.lineEnd(s);
    return this.text.slice(s, e);
  }

  edit(start: number, end: number, newText: string): TextEdit {
    return { range: this.range(start, end), newText };
  }
}

/** Applies edits (ranges in the original text) and returns the new text. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const src = new SourceText(text);
  const sorted = edits
    .map((e) => ({ start: src.offsetAt(e.range.start), end: src.offsetAt(e.range.end), text: e.newText }))
    .sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
