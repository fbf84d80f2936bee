import { REMOVED_LOG_FLAGS, checkFlagValue, closest, MORPHS, DEFAULT_CONTENT_TYPE, duplicateKeys, configurationMap, FlagSpec } from '../../flags';
import { ArgToken, KubemarkInvocation, ParsedFlag, parseKubemarkArgs } from '../argv';
import { child, getIn, nodeEnd, nodeStart, scalarSubSpan, str } from '../ast';
import { Check, LintContext } from '../context';
import { insertArgAfter, removeArg, replaceArg, splitArg } from '../edits';
import { ContainerEnv, EnvSource, containerEnv, contentTypeForm, resolveEnv, varRefs } from '../env';
import { kubeVersionOfTag } from '../version';
import { containersOf } from './containers';
import { imageTag } from './image';
import { Fix } from '../types';
import { ParsedDoc } from '../ast';

function flagSpan(f: ParsedFlag): [number, number] {
  return [f.token.start, (f.valueToken ?? f.token).end];
}

function removeFlagFix(ctx: LintContext, f: ParsedFlag, title: string): Fix {
  const edits = [removeArg(ctx.src, f.token)];
  if (f.valueToken) edits.push(removeArg(ctx.src, f.valueToken));
  return { title, edits };
}

/** Writes the flag back as --name=value, with the value changed. */
function rewriteFlag(ctx: LintContext, f: ParsedFlag, name: string, value: string | undefined): Fix['edits'] {
  const text = `--${name}${value !== undefined ? `=${value}` : ''}`;
  const edits = [replaceArg(ctx.src, f.token, text)];
  if (f.valueToken) edits.push(removeArg(ctx.src, f.valueToken));
  return edits;
}

/** Replaces only the value of a flag, keeping how the flag was written. */
function replaceValue(ctx: LintContext, f: ParsedFlag, value: string): Fix['edits'] {
  if (f.valueToken) return [replaceArg(ctx.src, f.valueToken, value)];
  const eq = f.token.text.indexOf('=');
  return [replaceArg(ctx.src, f.token, `${f.token.text.slice(0, eq + 1)}${value}`)];
}

/** Source span of part of an argument's text (value offsets), or the whole token when it cannot be told. */
function subSpan(ctx: LintContext, t: ArgToken, from: number, to: number): [number, number] {
  if (!t.inScript) return scalarSubSpan(ctx.src, t.scalar, from, to);
  if (ctx.src.text.slice(t.start, t.end) === t.text) return [t.start + from, t.start + to];
  return [t.start, t.end];
}

/** The Kubernetes minor version of a container's image, when its tag tells. */
function imageMinor(container: unknown): { minor: number; tag: string } | undefined {
  const image = str(child(container, 'image'));
  const tag = image ? imageTag(image.trim()).tag : undefined;
  const v = kubeVersionOfTag(tag);
  return v && tag ? { minor: v.minor, tag } : undefined;
}

/** Replicas of a workload, or 'many' for a DaemonSet; undefined when not known or not a workload. */
function replicasOf(d: ParsedDoc): number | 'many' | undefined {
  switch (d.kind) {
    case 'DaemonSet':
      return 'many';
    case 'StatefulSet':
    case 'Deployment':
    case 'ReplicaSet':
    case 'ReplicationController': {
      const r = getIn(d.root, 'spec', 'replicas');
      if (r === undefined) return 1;
      const n = Number(str(r));
      return Number.isFinite(n) ? n : undefined;
    }
    default:
      return undefined;
  }
}

/** An env var that holds the pod's own name (downward API), for $(VAR) fixes. */
function podNameVar(env: ContainerEnv): string | undefined {
  for (const [name, src] of env.vars) if (src.kind === 'field' && src.fieldPath === 'metadata.name') return name;
  return undefined;
}

function isUnique(src: EnvSource | undefined): boolean | undefined {
  if (!src) return undefined;
  if (src.kind === 'literal') return false;
  if (src.kind === 'field') return src.fieldPath === 'metadata.name' || src.fieldPath === 'metadata.uid' || src.fieldPath === 'status.podIP';
  return undefined;
}

export const checkKubemarkArgs: Check = (ctx, d) => {
  for (const c of containersOf(ctx.src, d)) {
    const inv = c.invocation;
    if (!inv) continue;
    const env = containerEnv(c.map, d.doc);
    const spaced = new Set(checkSpacedArgs(ctx, inv));
    const { flags, positionals } = parseKubemarkArgs(inv.args, ctx.flags);
    const undefinedRefs = checkUndefinedVars(ctx, inv, env);

    if (!flags.some((f) => f.name === 'morph')) {
      const at = inv.binary ?? inv.args[0];
      const [s, e] = at ? [at.start, at.end] : [nodeStart(child(c.map, 'name')), nodeEnd(child(c.map, 'name'))];
      const guess = /proxy/.test(inv.containerName) ? 'proxy' : /kubelet/.test(inv.containerName) ? 'kubelet' : undefined;
      const fix = guess && inv.binary ? { title: `Add --morph=${guess}`, edits: [insertArgAfter(ctx.src, inv.binary, `--morph=${guess}`)] } : undefined;
      ctx.report('morph-missing', s, e, `Container "${inv.containerName}" runs kubemark without --morph: kubemark exits with "Unknown morph". Add --morph=kubelet or --morph=proxy.`, fix);
    }

    for (const f of flags) {
      if (spaced.has(f.token) || (f.valueToken && spaced.has(f.valueToken))) continue;
      const [s, e] = flagSpan(f);
      if (f.singleDash) {
        ctx.report('single-dash-flag', s, e, `"-${f.written}" has one dash: kubemark's flags take two, --${f.written}. Only one-letter flags (-v, -h) take one dash; with one dash it fails as an unknown shorthand flag.`, {
          title: `Write --${f.written}`,
          edits: [replaceArg(ctx.src, f.token, `-${f.token.text}`)],
        });
        continue;
      }
      if (REMOVED_LOG_FLAGS.includes(f.written) || REMOVED_LOG_FLAGS.includes(f.name)) {
        reportRemovedLogFlag(ctx, f, c.map);
        continue;
      }
      const spec = ctx.flags.find(f.name);
      if (!spec) {
        const suggestion = ctx.flags.suggest(f.name);
        ctx.report(
          'unknown-flag',
          f.token.start,
          f.token.end,
          `kubemark has no flag --${f.written}${suggestion ? `; did you mean --${suggestion}?` : '.'} It exits with "unknown flag". If your kubemark is a fork that has it, add it to the setting kubemark.lint.extraFlags (CLI: --extra-flag ${f.name}).`,
          suggestion ? { title: `Change to --${suggestion}`, edits: rewriteFlag(ctx, f, suggestion, f.value) } : removeFlagFix(ctx, f, `Remove --${f.written}`),
        );
        continue;
      }
      if (spec.sinceMinor !== undefined) {
        const image = imageMinor(c.map);
        if (image && image.minor < spec.sinceMinor) {
          ctx.report('unknown-flag', f.token.start, f.token.end, `kubemark ${image.tag} has no flag --${f.written}: ${spec.sinceWhy ?? `it came in Kubernetes 1.${spec.sinceMinor}`}. It exits with "unknown flag". Remove it, or use a kubemark image of 1.${spec.sinceMinor} or later.`, removeFlagFix(ctx, f, `Remove --${f.written}`));
          continue;
        }
        // No version in the tag (latest, a digest): the masters version is the best guess of it.
        const masters = image ? undefined : kubeVersionOfTag(ctx.options.mastersVersion);
        if (masters && masters.minor < spec.sinceMinor) {
          ctx.report('unknown-flag', f.token.start, f.token.end, `--${f.written} came in kubemark 1.${spec.sinceMinor}; the image tag names no version and the masters cluster is 1.${masters.minor}: a kubemark of the masters' version exits with "unknown flag". Remove it, or pin a kubemark image of 1.${spec.sinceMinor} or later.`, removeFlagFix(ctx, f, `Remove --${f.written}`), 'warning');
        }
      }
      if (spec.noEffect) {
        ctx.report('flag-no-effect', s, e, `--${spec.name} ${spec.noEffect}; remove it.`, removeFlagFix(ctx, f, `Remove --${spec.name}`));
        continue;
      }
      if (f.value === undefined) {
        if (spec.kind !== 'bool' && !spec.optionalValue) {
          ctx.report('invalid-flag-value', s, e, `--${spec.name} needs a value (--${spec.name}=...): kubemark exits with "flag needs an argument".`);
        }
        continue;
      }
      const problem = checkFlagValue(spec, f.value);
      if (problem) {
        let fix: Fix | undefined;
        if (spec.kind === 'morph') {
          const m = closest(f.value, MORPHS);
          if (m) fix = { title: `Change to --morph=${m}`, edits: rewriteFlag(ctx, f, 'morph', m) };
        } else if (spec.kind === 'contentType') {
          fix = { title: `Use ${DEFAULT_CONTENT_TYPE}`, edits: rewriteFlag(ctx, f, spec.name, DEFAULT_CONTENT_TYPE) };
        }
        ctx.report('invalid-flag-value', s, e, problem, fix);
        continue;
      }
      reportDuplicates(ctx, f, spec);
    }

    positionals.forEach((p) => {
      if (spaced.has(p) || undefinedRefs.has(p)) return;
      reportPositional(ctx, p, inv.args, env);
    });

    checkNodeName(ctx, d, flags, env);
  }
};

function reportRemovedLogFlag(ctx: LintContext, f: ParsedFlag, container: unknown): void {
  const [s, e] = flagSpan(f);
  const fix = removeFlagFix(ctx, f, `Remove --${f.written}`);
  const image = imageMinor(container);
  if (image && image.minor < 26) {
    ctx.report('removed-log-flag', s, e, `--${f.written} is a klog flag that Kubernetes removed in 1.26 (KEP-2845). This image (${image.tag}) still accepts it, but the manifest breaks on kubemark 1.26 and later, which exit with "unknown flag". Remove it; logs already go to the container's output.`, fix, 'warning');
    return;
  }
  ctx.report('removed-log-flag', s, e, `--${f.written} was removed from Kubernetes components in 1.26 (klog flags, KEP-2845): kubemark exits with "unknown flag". Remove it; logs already go to the container's output.`, fix);
}

function reportDuplicates(ctx: LintContext, f: ParsedFlag, spec: FlagSpec): void {
  const dups = duplicateKeys(spec, f.value ?? '');
  if (dups.length === 0) return;
  // Keep what kubemark ends up with: the last of each label or resource; the first of each taint.
  let kept: string;
  if (spec.kind === 'taints') {
    const seen = new Set<string>();
    kept = (f.value ?? '').split(',').filter((part) => {
      const colon = part.lastIndexOf(':');
      const id = `${part.slice(0, colon).split('=')[0]}:${part.slice(colon + 1)}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    }).join(',');
  } else {
    const items = configurationMap(f.value ?? '');
    const last = new Map(items.map(([k], i) => [k, i]));
    kept = items.filter(([k], i) => last.get(k) === i).map(([k, v, eq]) => (eq ? `${k}=${v}` : k)).join(',');
  }
  const [s, e] = flagSpan(f);
  const first = dups[0]!;
  const severity = dups.some((x) => x.severity === 'error') ? 'error' : 'warning';
  const keys = [...new Set(dups.map((x) => x.key))];
  const message = dups.length === 1 ? first.message : `${first.message} (${dups.length} repeats, of ${keys.slice(0, 5).map((k) => `"${k}"`).join(', ')}${keys.length > 5 ? ` and ${keys.length - 5} more keys` : ''}.)`;
  ctx.report('duplicate-flag-key', s, e, message, { title: `Keep one of each key in --${spec.name}`, edits: replaceValue(ctx, f, kept) }, severity);
}

/** Exec-form arguments that hold a flag, a space and more: one argument, not several. Returns the tokens reported. */
function checkSpacedArgs(ctx: LintContext, inv: KubemarkInvocation): ArgToken[] {
  const out: ArgToken[] = [];
  for (const t of inv.args) {
    if (t.inScript) continue;
    const m = /^(--?[A-Za-z][\w.-]*(?:=\S*)?)\s+(\S[\s\S]*)$/.exec(t.text);
    // "--flag=a b" is a value with a space (checked as a value); "--flag=a --other", "--flag=a $(VAR)"
    // and "--flag value" are several arguments written as one.
    if (!m || (/=/.test(m[1]!) && !/^(-|\$\()/.test(m[2]!))) continue;
    const parts = t.text.split(/\s+/).filter(Boolean);
    out.push(t);
    ctx.report('argument-with-space', t.start, t.end, `"${t.text}" is one argument: Kubernetes passes each item of command and args as it is, with no shell to split it, so kubemark reads ${/=/.test(m[1]!) ? `--${m[1]!.replace(/^-+/, '').split('=')[0]} as "${t.text.slice(t.text.indexOf('=') + 1)}"` : `"${m[2]}" as the value of ${m[1]}`}. Make each flag its own item.`, {
      title: `Split into ${parts.length} arguments`,
      edits: [splitArg(ctx.src, t, parts)],
    });
  }
  return out;
}

/** $(VAR) with no such env var in the container: Kubernetes leaves it as it is. Returns the tokens reported. */
function checkUndefinedVars(ctx: LintContext, inv: KubemarkInvocation, env: ContainerEnv): Set<ArgToken> {
  const out = new Set<ArgToken>();
  if (env.open) return out;
  const names = [...env.vars.keys()];
  const suggestions = new Map<string, string | undefined>();
  for (const t of inv.args) {
    for (const ref of varRefs(t.text)) {
      if (env.vars.has(ref.name)) continue;
      // In a shell script an undefined lower-case $(cmd) is the shell's command substitution.
      if (t.inScript && !/^[A-Z][A-Z0-9_]*$/.test(ref.name)) continue;
      out.add(t);
      const [s, e] = subSpan(ctx, t, ref.index, ref.index + ref.length);
      if (!suggestions.has(ref.name)) suggestions.set(ref.name, closest(ref.name, names));
      const suggestion = suggestions.get(ref.name);
      const podName = podNameVar(env);
      const consequence = t.inScript
        ? `the shell then runs "${ref.name}" as a command, which fails, and passes an empty string`
        : `kubemark gets the literal text "$(${ref.name})"${/^--name=/.test(t.text) ? `, so the node is literally named "${t.text.slice('--name='.length)}" and the apiserver rejects it` : /^[^-]/.test(t.text) ? ' as a positional argument and exits with "does not take any arguments"' : ''}`;
      const next = suggestion
        ? `Did you mean $(${suggestion})?`
        : /NAME/.test(ref.name)
          ? `Define it in the container's env (name: ${ref.name}, valueFrom.fieldRef.fieldPath: metadata.name)${podName ? `, or use $(${podName})` : ''}.`
          : `Define it in the container's env${names.length ? ` (it has ${names.map((n) => `$(${n})`).join(', ')})` : ''}.`;
      const fixable = suggestion && (!t.inScript || ctx.src.text.slice(t.start, t.end) === t.text);
      ctx.report('undefined-env-var', s, e, `$(${ref.name}) names no env var of container "${inv.containerName}": Kubernetes leaves it as it is, and ${consequence}. ${next}`,
        fixable ? { title: `Use $(${suggestion})`, edits: [replaceArg(ctx.src, t, t.text.slice(0, ref.index) + `$(${suggestion})` + t.text.slice(ref.index + ref.length))] } : undefined);
    }
  }
  return out;
}

/** A multi-replica workload whose kubelets all register one node: --name missing or constant. */
function checkNodeName(ctx: LintContext, d: ParsedDoc, flags: ParsedFlag[], env: ContainerEnv): void {
  const morph = flags.find((f) => f.name === 'morph');
  if (!morph || morph.value !== 'kubelet') return;
  const replicas = replicasOf(d);
  if (replicas === undefined || (replicas !== 'many' && replicas <= 1)) return;
  const how = replicas === 'many' ? 'Every pod of this DaemonSet' : `Each of the ${replicas} replicas`;
  const podName = podNameVar(env);
  const name = [...flags].reverse().find((f) => f.name === 'name');
  if (!name) {
    const fix = podName ? { title: `Add --name=$(${podName})`, edits: [insertArgAfter(ctx.src, morph.token, `--name=$(${podName})`)] } : undefined;
    ctx.report('constant-node-name', morph.token.start, morph.token.end, `No --name, so the hollow kubelet uses the default "fake-node". ${how} registers the same node, and you get one fake node instead of ${replicas === 'many' ? 'one per pod' : replicas}. Pass --name=$(${podName ?? 'NODE_NAME'}) with ${podName ? `$(${podName})` : 'an env var NODE_NAME'} from fieldRef metadata.name.`, fix);
    return;
  }
  const value = name.value ?? '';
  if (/[`]|\$\{|\$\([^A-Za-z_]/.test(value)) return;
  const refs = varRefs(value);
  if (refs.length > 0) {
    // Constant only when every $(VAR) is a literal value; unknown or per-pod values are fine.
    const uniq = refs.map((r) => isUnique(env.vars.get(r.name)));
    if (uniq.some((u) => u !== false)) return;
  } else if (name.token.inScript && /\$/.test(value)) {
    return;
  }
  const [s, e] = flagSpan(name);
  const fix = podName ? { title: `Use --name=$(${podName})`, edits: replaceValue(ctx, name, `$(${podName})`) } : undefined;
  ctx.report('constant-node-name', s, e, `--name is the same for every pod ("${value}"${refs.length ? ', from a literal env value' : ''}). ${how} registers the same node, and you get one fake node instead of ${replicas === 'many' ? 'one per pod' : replicas}. Name the node after its pod: --name=$(${podName ?? 'NODE_NAME'}) with ${podName ? `$(${podName})` : 'an env var NODE_NAME'} from fieldRef metadata.name.`, fix);
}

function reportPositional(ctx: LintContext, p: ArgToken, args: ArgToken[], env: ContainerEnv): void {
  const prev = args[args.indexOf(p) - 1];
  const prevName = prev && /^--([^=]+)$/.exec(prev.text)?.[1]?.replace(/_/g, '-');
  if (prev && prevName && ctx.flags.find(prevName)?.kind === 'bool' && /^(true|false)$/i.test(p.text)) {
    ctx.report('positional-argument', p.start, p.end, `kubemark reads "${p.text}" as a positional argument, because boolean flags take their value after "=": write --${prevName}=${p.text}. As it is, kubemark exits with "does not take any arguments".`, {
      title: `Write --${prevName}=${p.text}`,
      edits: [replaceArg(ctx.src, prev, `--${prevName}=${p.text}`), removeArg(ctx.src, p)],
    });
    return;
  }
  const varRef = /^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(p.text)?.[1];
  if (varRef) {
    const src = env.vars.get(varRef);
    const isContentType = (src?.kind === 'configMap' && src.key === 'content.type') || varRef === 'CONTENT_TYPE';
    const resolved = resolveEnv(ctx, src);
    if (isContentType || (resolved && resolved.value !== undefined)) {
      reportWholeArgVar(ctx, p, varRef, resolved, isContentType);
      return;
    }
    ctx.report('positional-argument', p.start, p.end, `$(${varRef}) is passed to kubemark as a bare argument: kubemark takes no positional arguments and exits with "does not take any arguments" unless the value is empty or a whole flag. Pass it as the value of a flag, or remove it.`, {
      title: `Remove $(${varRef})`,
      edits: [removeArg(ctx.src, p)],
    });
    return;
  }
  ctx.report('positional-argument', p.start, p.end, `"${p.text}" is a positional argument: kubemark takes none and exits with "does not take any arguments". Remove it, or make it a flag's value (--flag=value).`, {
    title: `Remove "${p.text}"`,
    edits: [removeArg(ctx.src, p)],
  });
}

/**
 * $(VAR) as an argument of its own. kubemark ignores empty arguments and parses "--flag=…" ones,
 * so upstream's convention (start-kubemark.sh) is content.type empty or the whole flag
 * --kube-api-content-type=…; only a bare word breaks it.
 */
function reportWholeArgVar(ctx: LintContext, p: ArgToken, varRef: string, resolved: ReturnType<typeof resolveEnv>, isContentType: boolean): void {
  const wrapFix = { title: `Pass it as --kube-api-content-type=$(${varRef})`, edits: [replaceArg(ctx.src, p, `--kube-api-content-type=$(${varRef})`)] };
  if (!resolved || resolved.value === undefined) {
    const from = resolved?.missingConfigMap ? `ConfigMap ${resolved.missingConfigMap}, which is not in this file` : 'outside this file';
    ctx.report('positional-argument', p.start, p.end, `$(${varRef}) is passed to kubemark as an argument of its own, and its value comes from ${from}. That works only if the value is empty or a whole flag${isContentType ? ', such as --kube-api-content-type=application/vnd.kubernetes.protobuf (upstream\'s convention)' : ''}: a bare value${isContentType ? ' such as application/json or test-cluster' : ''} makes kubemark exit with "does not take any arguments". Check that value${isContentType ? `, or pass --kube-api-content-type=$(${varRef}) with content.type a bare content type` : ''}.`, undefined, 'warning');
    return;
  }
  const form = contentTypeForm(resolved.value);
  if (form === 'empty' || form === 'flag' || form === 'other-flag' || form === 'bad-flag') return;
  if (form === 'content-type') {
    ctx.report('positional-argument', p.start, p.end, `$(${varRef}) is passed to kubemark as an argument of its own, and ${resolved.where} is "${resolved.value}", a bare content type: kubemark takes no positional arguments and exits with "does not take any arguments". The content type belongs in --kube-api-content-type=$(${varRef}).`, wrapFix);
    return;
  }
  ctx.report('positional-argument', p.start, p.end, `$(${varRef}) is passed to kubemark as an argument of its own, and ${resolved.where} is "${resolved.value}", a bare word: kubemark exits with "does not take any arguments". Make that value empty, or the whole flag --kube-api-content-type=${DEFAULT_CONTENT_TYPE}.`);
}
