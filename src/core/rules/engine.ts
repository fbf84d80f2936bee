// YAML text → findings. Positions come from the `yaml` package's AST (every node knows its
// source range); see the README's design notes for why not js-yaml's listener.
import { parseAllDocuments } from 'yaml';
import { ParsedDoc, asMap, child, getIn, nodeEnd, nodeStart, seqItems, str } from './ast';
import { LintContext, Check } from './context';
import { SourceText } from './source';
import { Finding, LintOptions, Range } from './types';
import { RULES } from './catalog';
import { Placeholder, findPlaceholders, neutralise } from './template';
import { findSuppressions, suppressionIndex } from './suppress';
import { closest } from '../flags';
import { checkApiVersion } from './checks/apiVersion';
import { checkImages } from './checks/image';
import { checkKubemarkArgs } from './checks/kubemarkArgs';
import { checkMounts } from './checks/mounts';
import { checkOutput } from './checks/output';
import { checkPodSpec } from './checks/podSpec';
import { checkConfigMap, contentTypeUses } from './checks/configMap';

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
    // kind: List (what kubectl get -o yaml writes): its items are checked as documents of their own.
    if (str(child(root, 'kind')) === 'List') {
      for (const item of seqItems(child(root, 'items'))) {
        const m = asMap(item);
        if (!m) continue;
        docs.push({ doc, start: nodeStart(m), end: nodeEnd(m), root: m, kind: str(child(m, 'kind')), apiVersion: str(child(m, 'apiVersion')), name: str(getIn(m, 'metadata', 'name')), listItem: true });
      }
    }
    for (const e of doc.errors) {
      const [s, t] = e.pos;
      errors.push({ doc: i, start: s, end: Math.max(t, s + 1), message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') });
    }
  });
  return { src, docs, errors };
}

const MAX_FLOW_DEPTH = 1000;

/**
 * Where flow collections ([ and {) nest deeper than any manifest does, or -1. The YAML parser
 * takes seconds on such input (hundreds of thousands of levels), so it is refused up front.
 */
export function excessiveNesting(text: string): number {
  let brackets = 0;
  for (let i = 0; i < text.length && brackets <= MAX_FLOW_DEPTH * 2; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 || c === 123) brackets++;
  }
  if (brackets <= MAX_FLOW_DEPTH) return -1;
  let depth = 0;
  let quote = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote) {
      if (c === 92 && quote === 34) i++;
      else if (c === quote || c === 10) quote = 0;
      continue;
    }
    if (c === 34 || c === 39) quote = c;
    else if (c === 35 && (i === 0 || text.charCodeAt(i - 1) <= 32)) {
      while (i < text.length && text.charCodeAt(i) !== 10) i++;
    } else if (c === 91 || c === 123) {
      if (++depth > MAX_FLOW_DEPTH) return i;
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return -1;
}

export function lint(text: string, options: LintOptions = {}): Finding[] {
  const original = new SourceText(text);
  const deep = excessiveNesting(text);
  if (deep >= 0) {
    return [{ ruleId: 'yaml-syntax', severity: 'error', message: `YAML syntax error: brackets nest more than ${MAX_FLOW_DEPTH} levels deep here, which no manifest does; the rest of the file is not checked. Is this the file you meant?`, range: original.range(deep, deep + 1) }];
  }
  const placeholders = findPlaceholders(text);
  const findings = placeholders.length > 0 ? lintTemplate(text, placeholders, options) : lintText(text, options);
  return sortFindings(applySuppressions(original, findings));
}

function lintText(text: string, options: LintOptions): Finding[] {
  const { src, docs, errors } = parseDocs(text);
  const ctx = new LintContext(src, docs, options);
  const flat = flatIndentation(src);
  if (flat.length > 0) {
    // One finding per document, at its first lost level; everything else would be noise.
    const reported = new Set<number>();
    for (const hit of flat) {
      const doc = docs.findIndex((d) => !d.listItem && hit.offset >= d.start && hit.offset < Math.max(d.end, d.start + 1));
      if (reported.has(doc)) continue;
      reported.add(doc);
      ctx.report('flat-indentation', hit.offset, src.lineEnd(hit.offset), `This manifest has lost its indentation: every line starts at column 0, so "${hit.child}" on line ${hit.childLine + 1} is read as a top-level key instead of belonging to "${hit.parent}". Re-indent it (two spaces a level), or generate a fresh one with "Kubemark: New Hollow Node Manifest".`);
    }
    return ctx.findings;
  }
  for (const e of errors) {
    ctx.report('yaml-syntax', e.start, e.end, `YAML syntax error: ${e.message}. Fix this line first; other checks wait for valid YAML.`);
  }
  docs.forEach((d) => {
    if (d.doc.errors.length > 0 || !d.root) return;
    for (const check of CHECKS) check(ctx, d);
  });
  return ctx.findings;
}

/**
 * A template ({{var}}, ${VAR}, ##var##): one finding says to fill it in; the rest of the file is
 * checked with the placeholders neutralised, and nothing is said about the placeholders' own text.
 */
function lintTemplate(text: string, placeholders: Placeholder[], options: LintOptions): Finding[] {
  const src = new SourceText(text);
  const overlaps = (r: Range) => {
    const [s, e] = [src.offsetAt(r.start), src.offsetAt(r.end)];
    return placeholders.some((p) => s < p.end && Math.max(e, s + 1) > p.start);
  };
  const inner = lintText(neutralise(text, placeholders), options).flatMap((f): Finding[] => {
    if (overlaps(f.range)) return [];
    // Syntax errors the placeholders caused are the template finding's business.
    if (f.ruleId === 'yaml-syntax' && placeholders.some((p) => { const l = src.positionAt(p.start).line; return Math.abs(l - f.range.start.line) <= 1; })) return [];
    if (f.fix && f.fix.edits.some((e) => overlaps(e.range))) {
      const { fix: _dropped, ...rest } = f;
      return [rest];
    }
    return [f];
  });
  const first = placeholders[0]!;
  const names = [...new Set(placeholders.map((p) => p.text))];
  const shown = names.slice(0, 4).join(', ') + (names.length > 4 ? `, and ${names.length - 4} more` : '');
  const template: Finding = {
    ruleId: 'template-placeholder',
    severity: RULES['template-placeholder'].severity,
    message: `This file is a template: fill in the template first. It has ${placeholders.length} placeholder${placeholders.length === 1 ? '' : 's'} (${shown}) that a script such as start-kubemark.sh, envsubst or Helm replaces; Kubernetes cannot apply it as it is. The rest of the file is checked as if they were filled in.`,
    range: src.range(first.start, first.end),
  };
  return [template, ...inner];
}

function applySuppressions(src: SourceText, findings: Finding[]): Finding[] {
  const suppressions = findSuppressions(src);
  if (suppressions.length === 0) return findings;
  const suppressed = suppressionIndex(suppressions);
  const kept = findings.filter((f) => !suppressed(f.ruleId, f.range.start.line));
  for (const s of suppressions) {
    for (const id of s.rules ?? []) {
      if (id in RULES) continue;
      const suggestion = closest(id, Object.keys(RULES));
      kept.push({
        ruleId: 'unknown-lint-rule',
        severity: RULES['unknown-lint-rule'].severity,
        message: `kubemark-lint has no rule "${id}"${suggestion ? `; did you mean ${suggestion}?` : ''} This comment suppresses nothing for it.`,
        range: src.range(s.start, s.end),
      });
    }
    if (s.scope === 'next-line' && s.target === undefined) {
      kept.push({ ruleId: 'unknown-lint-rule', severity: RULES['unknown-lint-rule'].severity, message: 'kubemark-lint-disable-next-line has no line after it to apply to.', range: src.range(s.start, s.end) });
    }
  }
  return kept;
}

function sortFindings(f: Finding[]): Finding[] {
  return f.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

/**
 * How a manifest passes node-configmap's content.type to kubemark, so whoever creates the
 * ConfigMap (Deploy This Manifest) writes the form that works: 'whole' for $(CONTENT_TYPE) as an
 * argument of its own (value: empty or --kube-api-content-type=…), 'value' for
 * --kube-api-content-type=$(CONTENT_TYPE) (value: a bare content type), 'both' when containers
 * disagree, undefined when nothing uses it.
 */
export function contentTypeConvention(text: string, configMap = 'node-configmap'): 'whole' | 'value' | 'both' | undefined {
  const { src, docs } = parseDocs(neutralise(text, findPlaceholders(text)));
  const uses = contentTypeUses(new LintContext(src, docs), configMap);
  if (uses.size === 2) return 'both';
  return uses.has('whole') ? 'whole' : uses.has('value') ? 'value' : undefined;
}
