// YAML text → findings. Positions come from the `yaml` package's AST (every node knows its
// source range); see the README's design notes for why not js-yaml's listener.
import { parseAllDocuments } from 'yaml';
import { ParsedDoc, asMap, child, getIn, str } from './ast';
import { LintContext, Check } from './context';
import { SourceText } from './source';
import { Finding } from './types';
import { checkApiVersion } from './checks/apiVersion';
import { checkImages } from './checks/image';
import { checkKubemarkArgs } from './checks/kubemarkArgs';
import { checkMounts } from './checks/mounts';
import { checkOutput } from './checks/output';
import { checkPodSpec } from './checks/podSpec';
import { checkConfigMap } from './checks/configMap';

const CHECKS: readonly Check[] = [checkApiVersion, checkImages, checkKubemarkArgs, checkMounts, checkOutput, checkPodSpec, checkConfigMap];

/** Cheap test before parsing: is this YAML about kubemark at all? */
export function looksLikeKubemark(text: string): boolean {
  if (!/^\s*(apiVersion|kind)\s*:/m.test(text)) return false;
  return /kubemark|--morph|hollow-node|node-configmap/i.test(text);
}

const PARENT_KEY = /^([A-Za-z][\w.\-/]*):\s*(#.*)?$/;
const CHILD_KEY = /^[A-Za-z][\w.\-/]*:(\s|$)/;

/**
 * A manifest pasted without indentation: no line is indented, and mapping keys that must nest
 * ("metadata:" then "name: x") sit side by side. Returns each such parent key with the key
 * after it, or an empty list when the text does not look flattened.
 */
export function flatIndentation(src: SourceText): Array<{ offset: number; parent: string; child: string; childLine: number }> {
  const hits: Array<{ offset: number; parent: string; child: string; childLine: number }> = [];
  const content: number[] = [];
  for (let line = 0; line < src.lineCount; line++) {
    const text = src.lineText(line);
    if (text.trim() === '' || text.trimStart().startsWith('#') || text.startsWith('---')) continue;
    if (/^\s/.test(text)) return [];
    content.push(line);
  }
  content.forEach((line, i) => {
    const m = PARENT_KEY.exec(src.lineText(line));
    const next = content[i + 1];
    if (!m || next === undefined || !CHILD_KEY.test(src.lineText(next))) return;
    hits.push({ offset: src.offsetAt({ line, character: 0 }), parent: m[1]!, child: src.lineText(next).split(':')[0]!, childLine: next });
  });
  return content.length >= 4 && hits.length >= 2 ? hits : [];
}

export function parseDocs(text: string): { src: SourceText; docs: ParsedDoc[]; errors: Array<{ doc: number; start: number; end: number; message: string }> } {
  const src = new SourceText(text);
  const parsed = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false, strict: false });
  const list = Array.isArray(parsed) ? parsed : [];
  const docs: ParsedDoc[] = [];
  const errors: Array<{ doc: number; start: number; end: number; message: string }> = [];
  list.forEach((doc, i) => {
    const root = asMap(doc.contents);
    const [start, , end] = doc.range;
    docs.push({ doc, start, end, root, kind: str(child(root, 'kind')), apiVersion: str(child(root, 'apiVersion')), name: str(getIn(root, 'metadata', 'name')) });
    for (const e of doc.errors) {
      const [s, t] = e.pos;
      errors.push({ doc: i, start: s, end: Math.max(t, s + 1), message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') });
    }
  });
  return { src, docs, errors };
}

export function lint(text: string): Finding[] {
  const { src, docs, errors } = parseDocs(text);
  const ctx = new LintContext(src, docs);
  const flat = flatIndentation(src);
  if (flat.length > 0) {
    // One finding per document, at its first lost level; everything else would be noise.
    const reported = new Set<number>();
    for (const hit of flat) {
      const doc = docs.findIndex((d) => hit.offset >= d.start && hit.offset < Math.max(d.end, d.start + 1));
      if (reported.has(doc)) continue;
      reported.add(doc);
      ctx.report('flat-indentation', hit.offset, src.lineEnd(hit.offset), `This manifest has lost its indentation: every line starts at column 0, so "${hit.child}" on line ${hit.childLine + 1} is read as a top-level key instead of belonging to "${hit.parent}". Re-indent it (two spaces a level), or generate a fresh one with "Kubemark: New Hollow Node Manifest".`);
    }
    return sortFindings(ctx.findings);
  }
  for (const e of errors) {
    ctx.report('yaml-syntax', e.start, e.end, `YAML syntax error: ${e.message}. Fix this line first; other checks wait for valid YAML.`);
  }
  docs.forEach((d) => {
    if (d.doc.errors.length > 0 || !d.root) return;
    for (const check of CHECKS) check(ctx, d);
  });
  return sortFindings(ctx.findings);
}

function sortFindings(f: Finding[]): Finding[] {
  return f.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}
