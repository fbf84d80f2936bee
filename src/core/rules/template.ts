// Template placeholders ({{var}}, ${VAR}, ##var##) in manifests that a script renders before
// applying them (upstream's start-kubemark.sh, envsubst, Helm). They are replaced by neutral text
// of the same length, so the rest of the file is checked at the same offsets, and reported once.
import { parseAllDocuments, isScalar, visit } from 'yaml';

export interface Placeholder {
  start: number;
  end: number;
  text: string;
}

const BRACES = /\{\{[^{}\n]{0,200}\}\}/g;
const HASHES = /##[A-Za-z_][A-Za-z0-9_.-]{0,100}##/g;
const DOLLAR_BRACES = /\$\{[A-Za-z_][A-Za-z0-9_]{0,100}(?:[:]?[-=?+][^}\n]{0,200})?\}/g;
const SHELLS = /^(\/(usr\/)?bin\/)?(sh|bash|ash|dash|zsh|busybox)$/;

function collect(re: RegExp, text: string, out: Placeholder[]): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ start: m.index, end: m.index + m[0].length, text: m[0] });
}

/**
 * Ranges of shell scripts (the item after "-c" in a command/args sequence that starts with a
 * shell): "${VAR}" in them is the shell's own expansion, not a template placeholder.
 */
function scriptRanges(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let docs;
  try {
    docs = parseAllDocuments(text, { strict: false, prettyErrors: false });
  } catch {
    return out;
  }
  for (const doc of Array.isArray(docs) ? docs : []) {
    visit(doc, {
      Seq(_key, seq) {
        const items = seq.items;
        const first = items[0];
        const firstText = isScalar(first) ? String(first.value) : undefined;
        const shellAt = firstText !== undefined && SHELLS.test(firstText) ? 0 : -1;
        // args: ["-c", "script"] after command: ["sh"]
        const dashC = items.findIndex((it, i) => i >= shellAt && isScalar(it) && /^-[a-z]*c[a-z]*$/.test(String(it.value)));
        if (dashC < 0 || (shellAt < 0 && dashC !== 0)) return;
        for (const it of items.slice(dashC + 1)) {
          if (isScalar(it) && it.range) out.push([it.range[0], it.range[1]]);
        }
      },
    });
  }
  return out;
}

/** Every placeholder in the text, in order. */
export function findPlaceholders(text: string): Placeholder[] {
  if (!/\{\{|##|\$\{/.test(text)) return [];
  const found: Placeholder[] = [];
  collect(BRACES, text, found);
  collect(HASHES, text, found);
  const dollar: Placeholder[] = [];
  collect(DOLLAR_BRACES, text, dollar);
  if (dollar.length > 0) {
    const scripts = scriptRanges(neutralise(text, found));
    found.push(...dollar.filter((p) => !scripts.some(([s, e]) => p.start >= s && p.end <= e)));
  }
  // A "##x##" inside a comment line is not a placeholder of the document.
  return found
    .filter((p) => !isInComment(text, p))
    .sort((a, b) => a.start - b.start)
    .filter((p, i, all) => i === 0 || p.start >= all[i - 1]!.end);
}

function isInComment(text: string, p: Placeholder): boolean {
  const lineStart = text.lastIndexOf('\n', p.start - 1) + 1;
  const before = text.slice(lineStart, p.start);
  if (before.trimStart().startsWith('#')) return true;
  // "key: value # ... {{x}}": a comment after a value, when no quote is open before it.
  return /\s#/.test(before) && !/["']/.test(before);
}

/**
 * The text with each placeholder replaced by neutral text of the same length: a comment when it
 * is alone on its line (a line of keys or list items a script fills in), else letters.
 */
export function neutralise(text: string, placeholders: readonly Placeholder[]): string {
  if (placeholders.length === 0) return text;
  let out = '';
  let at = 0;
  for (const p of placeholders) {
    out += text.slice(at, p.start);
    const lineStart = text.lastIndexOf('\n', p.start - 1) + 1;
    let lineEnd = text.indexOf('\n', p.end);
    if (lineEnd < 0) lineEnd = text.length;
    const alone = text.slice(lineStart, p.start).trim() === '' && text.slice(p.end, lineEnd).trim() === '';
    out += alone ? `#${'T'.repeat(p.text.length - 1)}` : 'T'.repeat(p.text.length);
    at = p.end;
  }
  return out + text.slice(at);
}
