import { DEFAULT_CONTENT_TYPE } from '../../flags';
import { parseKubemarkArgs } from '../argv';
import { child, nodeEnd, nodeStart, pairOf, str } from '../ast';
import { Check, LintContext } from '../context';
import { containerEnv, contentTypeForm, varRefs } from '../env';
import { containersOf } from './containers';

/**
 * How the file's kubemark containers use node-configmap's content.type: as an argument of its
 * own ("$(CONTENT_TYPE)", upstream's convention: the value is empty or the whole flag) or as
 * the value of --kube-api-content-type (this extension's generated manifests: a bare content type).
 */
const usesCache = new WeakMap<LintContext, Map<string, Set<'whole' | 'value'>>>();

export function contentTypeUses(ctx: LintContext, configMap: string): Set<'whole' | 'value'> {
  let cache = usesCache.get(ctx);
  if (!cache) usesCache.set(ctx, (cache = new Map()));
  const hit = cache.get(configMap);
  if (hit) return hit;
  const uses = new Set<'whole' | 'value'>();
  cache.set(configMap, uses);
  for (const d of ctx.docs) {
    if (!d.root) continue;
    for (const c of containersOf(ctx.src, d)) {
      if (!c.invocation) continue;
      const env = containerEnv(c.map, d.doc);
      const names = new Set([...env.vars].filter(([, s]) => s.kind === 'configMap' && s.name === configMap && s.key === 'content.type').map(([n]) => n));
      if (names.size === 0) continue;
      const { flags, positionals } = parseKubemarkArgs(c.invocation.args, ctx.flags);
      for (const p of positionals) if (varRefs(p.text).some((r) => names.has(r.name) && p.text === `$(${r.name})`)) uses.add('whole');
      for (const f of flags) if (f.name === 'kube-api-content-type' && varRefs(f.value ?? '').some((r) => names.has(r.name))) uses.add('value');
    }
  }
  return uses;
}

/** node-configmap's content.type: a bare content type, empty, or the whole flag, depending on its use. */
export const checkConfigMap: Check = (ctx, d) => {
  if (d.kind !== 'ConfigMap' || !d.name) return;
  const pair = pairOf(child(d.root, 'data'), 'content.type');
  const value = str(pair?.value);
  if (!pair || value === undefined) return;
  const uses = contentTypeUses(ctx, d.name);
  if (d.name !== 'node-configmap' && uses.size === 0) return;
  const form = contentTypeForm(value);
  const [s, e] = pair.value ? [nodeStart(pair.value), nodeEnd(pair.value)] : [nodeStart(pair.key), nodeEnd(pair.key)];
  const asFlag = `--kube-api-content-type=${DEFAULT_CONTENT_TYPE}`;
  if (form === 'word' || form === 'bad-flag') {
    const target = uses.has('whole') && !uses.has('value') ? asFlag : DEFAULT_CONTENT_TYPE;
    const how = uses.has('whole') && !uses.has('value')
      ? `The containers here pass it as an argument of its own ($(CONTENT_TYPE)), so it must be empty or the whole flag ${asFlag}.`
      : uses.has('value')
        ? `The containers here pass it as --kube-api-content-type=$(CONTENT_TYPE), so it must be application/vnd.kubernetes.protobuf or application/json.`
        : `It must be a content type (application/vnd.kubernetes.protobuf or application/json) when the manifest passes --kube-api-content-type=$(CONTENT_TYPE), or empty or the whole flag ${asFlag} when it passes $(CONTENT_TYPE) alone (upstream's convention).`;
    ctx.report('invalid-content-type', s, e, `content.type "${value}" is not ${form === 'bad-flag' ? 'a content type the apiserver speaks' : 'a content type, nor empty, nor a whole flag'}: kubemark exits or cannot talk to the apiserver. ${how}`, {
      title: `Use ${target}`,
      edits: [ctx.src.edit(s, e, target)],
    });
    return;
  }
  if ((form === 'flag' || form === 'other-flag') && uses.has('value')) {
    const bare = value.trim().replace(/^--kube-api-content-type=/, '');
    ctx.report('invalid-content-type', s, e, `content.type is the whole flag "${value}", but the containers here pass --kube-api-content-type=$(CONTENT_TYPE): kubemark gets --kube-api-content-type=${value}. ${uses.has('whole') ? 'Use one convention for every container: $(CONTENT_TYPE) alone with the whole flag, or --kube-api-content-type=$(CONTENT_TYPE) with a bare content type.' : 'Make it the bare content type.'}`,
      !uses.has('whole') && form === 'flag' ? { title: `Use ${bare}`, edits: [ctx.src.edit(s, e, bare)] } : undefined);
  }
};
