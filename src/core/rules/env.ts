// What a container's environment gives to $(VAR) references in command and args.
import { Document, YAMLMap, isAlias } from 'yaml';
import { child, getIn, nodeEnd, nodeStart, pairOf, seqItems, str } from './ast';
import { LintContext } from './context';
import { CONTENT_TYPES } from '../flags';

export type EnvSource =
  | { kind: 'literal'; value: string }
  | { kind: 'field'; fieldPath: string }
  | { kind: 'configMap'; name: string; key: string }
  | { kind: 'other' };

export interface ContainerEnv {
  vars: Map<string, EnvSource>;
  /** envFrom is used: any name may be defined. */
  open: boolean;
}

/** A node, or what an alias (*name) points at. */
function deref(n: unknown, doc: Document | undefined): unknown {
  if (!isAlias(n) || !doc) return n;
  try {
    return n.resolve(doc);
  } catch {
    return undefined;
  }
}

export function containerEnv(container: YAMLMap<unknown, unknown>, doc?: Document): ContainerEnv {
  const vars = new Map<string, EnvSource>();
  for (const item of seqItems(deref(child(container, 'env'), doc))) {
    const e = deref(item, doc);
    const name = str(child(e, 'name'));
    if (!name) continue;
    const value = pairOf(e, 'value');
    const from = child(e, 'valueFrom');
    let src: EnvSource = { kind: 'other' };
    if (from) {
      const fieldPath = str(getIn(from, 'fieldRef', 'fieldPath'));
      const cm = getIn(from, 'configMapKeyRef');
      if (fieldPath) src = { kind: 'field', fieldPath };
      else if (cm) src = { kind: 'configMap', name: str(child(cm, 'name')) ?? '', key: str(child(cm, 'key')) ?? '' };
    } else {
      src = { kind: 'literal', value: value ? str(value.value) ?? '' : '' };
    }
    vars.set(name, src);
  }
  return { vars, open: child(container, 'envFrom') !== undefined || isAlias(child(container, 'env')) && !doc };
}

/** $(NAME) references the kubelet expands ($$(NAME) is an escape), with their offsets in `text`. */
export function varRefs(text: string): Array<{ name: string; index: number; length: number }> {
  const out: Array<{ name: string; index: number; length: number }> = [];
  const re = /\$+\(([A-Za-z_][A-Za-z0-9_]*)\)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const dollars = m[0].indexOf('(');
    if (dollars % 2 === 0) continue; // $$(X) is a literal $(X)
    out.push({ name: m[1]!, index: m.index + dollars - 1, length: m[0].length - dollars + 1 });
  }
  return out;
}

export type ContentTypeForm = 'empty' | 'flag' | 'bad-flag' | 'other-flag' | 'content-type' | 'word';

/** How a content.type value reads when passed to kubemark as a whole argument. */
export function contentTypeForm(value: string): ContentTypeForm {
  const v = value.trim();
  if (v === '') return 'empty';
  const m = /^--kube-api-content-type=(.*)$/.exec(v);
  if (m) return (CONTENT_TYPES as readonly string[]).includes(m[1]!) ? 'flag' : 'bad-flag';
  if (v.startsWith('-')) return 'other-flag';
  return (CONTENT_TYPES as readonly string[]).includes(v) ? 'content-type' : 'word';
}

export interface ResolvedValue {
  /** Known value, or undefined when it is decided outside this file. */
  value?: string;
  /** Where the value is written, when in this file (a ConfigMap's data or the env entry). */
  at?: [number, number];
  /** Description: "content.type of ConfigMap node-configmap". */
  where: string;
  /** The ConfigMap it comes from, when it is not in this file. */
  missingConfigMap?: string;
}

/** The value an env var has, as far as this file tells. */
export function resolveEnv(ctx: LintContext, src: EnvSource | undefined): ResolvedValue | undefined {
  if (!src) return undefined;
  if (src.kind === 'literal') return { value: src.value, where: 'its env value' };
  if (src.kind !== 'configMap') return undefined;
  const where = `${src.key} of ConfigMap ${src.name}`;
  const d = ctx.find('ConfigMap', src.name);
  if (!d) return { where, missingConfigMap: src.name };
  const pair = pairOf(child(d.root, 'data'), src.key);
  if (!pair) return { where, missingConfigMap: src.name };
  const value = str(pair.value) ?? '';
  return { value, where, at: pair.value ? [nodeStart(pair.value), nodeEnd(pair.value)] : [nodeStart(pair.key), nodeEnd(pair.key)] };
}
