// Small helpers over the `yaml` package's AST: every node carries its source range.
import { Document, Node, Pair, Scalar, YAMLMap, YAMLSeq, isMap, isScalar, isSeq } from 'yaml';
import { SourceText } from './source';

export type YNode = Node | null | undefined;

export function asMap(n: unknown): YAMLMap<unknown, unknown> | undefined {
  return isMap(n) ? (n as YAMLMap<unknown, unknown>) : undefined;
}

export function asSeq(n: unknown): YAMLSeq<unknown> | undefined {
  return isSeq(n) ? (n as YAMLSeq<unknown>) : undefined;
}

export function asScalar(n: unknown): Scalar | undefined {
  return isScalar(n) ? (n as Scalar) : undefined;
}

export function keyName(p: Pair<unknown, unknown>): string | undefined {
  const k = asScalar(p.key);
  return k && k.value !== null && k.value !== undefined ? String(k.value) : undefined;
}

export function pairOf(map: unknown, key: string): Pair<unknown, unknown> | undefined {
  const m = asMap(map);
  if (!m) return undefined;
  return m.items.find((p) => keyName(p) === key);
}

export function child(map: unknown, key: string): unknown {
  return pairOf(map, key)?.value;
}

export function getIn(node: unknown, ...keys: string[]): unknown {
  let cur = node;
  for (const k of keys) {
    cur = child(cur, k);
    if (cur === undefined || cur === null) return undefined;
  }
  return cur;
}

/** A scalar's value as text (numbers and booleans too); undefined for non-scalars and null. */
export function str(n: unknown): string | undefined {
  const s = asScalar(n);
  if (!s || s.value === null || s.value === undefined) return undefined;
  return String(s.value);
}

export function seqItems(n: unknown): unknown[] {
  return asSeq(n)?.items ?? [];
}

export function nodeStart(n: unknown): number {
  return ((n as Node | undefined)?.range?.[0]) ?? 0;
}

/** End of the value itself (without trailing comments/newlines). */
export function nodeEnd(n: unknown): number {
  return ((n as Node | undefined)?.range?.[1]) ?? 0;
}

/** End of a node's content: collections' ranges run on to the next line; stop at the last character. */
export function contentEnd(src: SourceText, n: unknown): number {
  let e = nodeEnd(n);
  while (e > nodeStart(n) && /\s/.test(src.text[e - 1]!)) e--;
  return e;
}

export function keyNode(p: Pair<unknown, unknown>): Node | undefined {
  return p.key as Node | undefined;
}

/** Where a key's pair begins and its value ends: "key: value". */
export function pairSpan(p: Pair<unknown, unknown>): [number, number] {
  const start = nodeStart(p.key);
  const end = p.value ? nodeEnd(p.value) : nodeEnd(p.key);
  return [start, Math.max(start, end)];
}

/**
 * Source span of a substring of a scalar's value. Exact for plain scalars and quoted scalars
 * without escapes; for other scalars, the first occurrence of the text in the scalar's source
 * at or after `from`, else the whole scalar.
 */
const verbatim = new WeakMap<Scalar, number | false>();

/** How far into its source a scalar's value starts when the source holds it unchanged (0 plain, 1 quoted), else false. */
function verbatimOffset(src: SourceText, n: Scalar): number | false {
  const hit = verbatim.get(n);
  if (hit !== undefined) return hit;
  const [s, e] = [nodeStart(n), nodeEnd(n)];
  const value = String(n.value ?? '');
  let offset: number | false = false;
  if (n.type === 'PLAIN' && e - s === value.length && src.text.slice(s, e) === value) offset = 0;
  else if ((n.type === 'QUOTE_DOUBLE' || n.type === 'QUOTE_SINGLE') && e - s === value.length + 2 && src.text.slice(s + 1, e - 1) === value) offset = 1;
  verbatim.set(n, offset);
  return offset;
}

export function scalarSubSpan(src: SourceText, n: Scalar, valueStart: number, valueEnd: number): [number, number] {
  const [s, e] = [nodeStart(n), nodeEnd(n)];
  const offset = verbatimOffset(src, n);
  if (offset !== false) return [s + offset + valueStart, s + offset + valueEnd];
  const value = String(n.value ?? '');
  const raw = src.text.slice(s, e);
  const needle = value.slice(valueStart, valueEnd);
  if (needle.length > 0) {
    // Count which occurrence of needle in value this is, then find the same occurrence in raw.
    let nth = 0;
    for (let i = value.indexOf(needle); i >= 0 && i < valueStart; i = value.indexOf(needle, i + 1)) nth++;
    let at = -1;
    for (let k = 0, from = 0; k <= nth; k++) {
      at = raw.indexOf(needle, from);
      if (at < 0) break;
      from = at + 1;
    }
    if (at >= 0) return [s + at, s + at + needle.length];
  }
  return [s, e];
}

export interface ParsedDoc {
  doc: Document.Parsed;
  /** Offset of the document's first character in the whole text. */
  start: number;
  end: number;
  root: YAMLMap<unknown, unknown> | undefined;
  kind: string | undefined;
  apiVersion: string | undefined;
  name: string | undefined;
  /** An item of a kind: List document. */
  listItem?: boolean;
}

/** Where the pod spec sits for the workload kinds kubemark is deployed with. */
export function podSpecOf(d: ParsedDoc): YAMLMap<unknown, unknown> | undefined {
  switch (d.kind) {
    case 'Pod':
      return asMap(child(d.root, 'spec'));
    case 'CronJob':
      return asMap(getIn(d.root, 'spec', 'jobTemplate', 'spec', 'template', 'spec'));
    case 'StatefulSet':
    case 'Deployment':
    case 'ReplicationController':
    case 'ReplicaSet':
    case 'DaemonSet':
    case 'Job':
      return asMap(getIn(d.root, 'spec', 'template', 'spec'));
    default:
      return undefined;
  }
}

/** Indentation of block-sequence items relative to their key in this document ("- " under "key:"). */
export function seqIndentStyle(src: SourceText, pair: Pair<unknown, unknown> | undefined): number {
  const seq = pair && asSeq(pair.value);
  const first = seq?.items[0];
  if (!pair || !seq || first === undefined || seq.flow) return 0;
  const keyIndent = src.indentAt(nodeStart(pair.key));
  const itemIndent = src.indentAt(nodeStart(first));
  return Math.max(0, itemIndent - keyIndent);
}

/** Column where the keys of a block map start (the map may begin after "- "). */
export function mapKeyColumn(src: SourceText, map: YAMLMap<unknown, unknown>): number {
  const first = map.items[0];
  return first ? src.positionAt(nodeStart(first.key)).character : src.indentAt(nodeStart(map));
}
