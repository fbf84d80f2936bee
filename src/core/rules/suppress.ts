// Inline suppression comments, honoured by the editor and the CLI alike:
//   # kubemark-lint-disable-next-line RULE[, RULE...]   the next line that is not blank or a comment
//   # kubemark-lint-disable RULE[, RULE...]             the whole file
// Without a rule, every rule. Text after "--" is a reason and ignored.
import { SourceText } from './source';

export interface Suppression {
  /** 0-based line of the comment. */
  line: number;
  start: number;
  end: number;
  scope: 'file' | 'next-line';
  /** Undefined: every rule. */
  rules?: string[];
  /** The line it applies to (next-line only); undefined when no such line follows. */
  target?: number;
}

const DIRECTIVE = /(?:^|\s)#\s*kubemark-lint-disable(-next-line)?(?=\s|$)([^\n]*)$/;

export function findSuppressions(src: SourceText): Suppression[] {
  if (!src.text.includes('kubemark-lint-disable')) return [];
  const out: Suppression[] = [];
  // The next line that is neither blank nor a comment, for each line: one pass from the end.
  let nextContent: number | undefined;
  const nextAfter = new Array<number | undefined>(src.lineCount);
  for (let line = src.lineCount - 1; line >= 0; line--) {
    nextAfter[line] = nextContent;
    const t = src.lineText(line).trim();
    if (t !== '' && !t.startsWith('#')) nextContent = line;
  }
  for (let line = 0; line < src.lineCount; line++) {
    const text = src.lineText(line);
    if (!text.includes('kubemark-lint-disable')) continue;
    const m = DIRECTIVE.exec(text);
    if (!m) continue;
    const body = m[2]!.split(/\s--\s|\s--$/)[0]!;
    const rules = body.split(/[\s,]+/).filter(Boolean);
    const lineStart = src.offsetAt({ line, character: 0 });
    const s: Suppression = { line, start: lineStart + m.index + (m[0].startsWith('#') ? 0 : 1), end: lineStart + text.length, scope: m[1] ? 'next-line' : 'file' };
    if (rules.length > 0) s.rules = rules;
    if (m[1]) {
      const target = nextAfter[line];
      if (target !== undefined) s.target = target;
    }
    out.push(s);
  }
  return out;
}

/** A lookup of what is suppressed where, built once per lint. */
export function suppressionIndex(suppressions: readonly Suppression[]): (ruleId: string, line: number) => boolean {
  const file = suppressions.filter((s) => s.scope === 'file');
  const byLine = new Map<number, Suppression[]>();
  for (const s of suppressions) {
    if (s.scope !== 'next-line' || s.target === undefined) continue;
    const list = byLine.get(s.target) ?? [];
    list.push(s);
    byLine.set(s.target, list);
  }
  const applies = (s: Suppression, ruleId: string) => !s.rules || s.rules.includes(ruleId);
  return (ruleId, line) => file.some((s) => applies(s, ruleId)) || (byLine.get(line) ?? []).some((s) => applies(s, ruleId));
}
