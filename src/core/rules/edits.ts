// Text edits that keep the user's YAML style: block or flow sequences, quoting, indentation.
import { Scalar } from 'yaml';
import { ArgToken } from './argv';
import { nodeEnd, nodeStart } from './ast';
import { SourceText } from './source';
import { TextEdit } from './types';

function quoteLike(original: Scalar | undefined, text: string): string {
  if (original?.type === 'QUOTE_DOUBLE') return JSON.stringify(text);
  if (original?.type === 'QUOTE_SINGLE') return `'${text.replace(/'/g, "''")}'`;
  const plainSafe = /^[A-Za-z0-9/$.(][^#]*$/.test(text) && !/: |\s#|^[-?:,[\]{}&*!|>'"%@`]/.test(text) && !/:$/.test(text);
  return plainSafe ? text : JSON.stringify(text);
}

export function replaceArg(src: SourceText, t: ArgToken, newText: string): TextEdit {
  return src.edit(t.start, t.end, t.inScript ? newText : quoteLike(t.scalar, newText));
}

export function removeArg(src: SourceText, t: ArgToken): TextEdit {
  if (t.inScript) {
    let s = t.start;
    while (s > 0 && (src.text[s - 1] === ' ' || src.text[s - 1] === '\t')) s--;
    return src.edit(s, t.end, '');
  }
  if (t.seq.flow) {
    // Remove ", item" (or "item, " for the first item).
    let s = t.start;
    let e = t.end;
    let i = s - 1;
    while (i >= 0 && /\s/.test(src.text[i]!)) i--;
    if (src.text[i] === ',') s = i;
    else {
      let j = e;
      while (j < src.text.length && /\s/.test(src.text[j]!)) j++;
      if (src.text[j] === ',') e = j + 1;
      while (e < src.text.length && src.text[e] === ' ') e++;
    }
    return src.edit(s, e, '');
  }
  const lineStart = src.lineStart(t.start);
  const lineEnd = src.lineEnd(nodeEnd(t.scalar));
  return src.edit(lineStart, Math.min(lineEnd + 1, src.text.length), '');
}

export function insertArgAfter(src: SourceText, t: ArgToken, newText: string): TextEdit {
  if (t.inScript) return src.edit(t.end, t.end, ` ${newText}`);
  if (t.seq.flow) return src.edit(t.end, t.end, `, ${quoteLike(t.scalar, newText)}`);
  const indent = src.indentAt(nodeStart(t.scalar));
  const lineEnd = src.lineEnd(nodeEnd(t.scalar));
  return src.edit(lineEnd, lineEnd, `\n${' '.repeat(indent)}- ${quoteLike(t.scalar, newText)}`);
}

/** Inserts whole lines before the line holding `offset`, each prefixed with `indent` spaces. */
export function insertLinesBefore(src: SourceText, offset: number, indent: number, lines: string[]): TextEdit {
  const at = src.lineStart(offset);
  const pad = ' '.repeat(indent);
  return src.edit(at, at, lines.map((l) => pad + l + '\n').join(''));
}

/** Inserts whole lines after the line holding `offset`. */
export function insertLinesAfter(src: SourceText, offset: number, indent: number, lines: string[]): TextEdit {
  const at = src.lineEnd(offset);
  const pad = ' '.repeat(indent);
  return src.edit(at, at, lines.map((l) => '\n' + pad + l).join(''));
}

/** Replaces one argument by several: more items of a block or flow sequence, or words in a script. */
export function splitArg(src: SourceText, t: ArgToken, parts: string[]): TextEdit {
  if (t.inScript) return src.edit(t.start, t.end, parts.join(' '));
  if (t.seq.flow) return src.edit(t.start, t.end, parts.map((p) => quoteLike(t.scalar, p)).join(', '));
  const indent = src.indentAt(nodeStart(t.scalar));
  return src.edit(t.start, t.end, parts.map((p, i) => (i === 0 ? '' : `\n${' '.repeat(indent)}- `) + quoteLike(t.scalar, p)).join(''));
}
