import { REMOVED_LOG_FLAGS, checkFlagValue, closest, findFlag, suggestFlag, MORPHS, DEFAULT_CONTENT_TYPE } from '../../flags';
import { ArgToken, ParsedFlag, envNames, parseKubemarkArgs } from '../argv';
import { child, getIn, nodeEnd, nodeStart, str } from '../ast';
import { Check, LintContext } from '../context';
import { insertArgAfter, removeArg, replaceArg } from '../edits';
import { containersOf } from './containers';
import { Fix } from '../types';

const isBool = (name: string) => findFlag(name)?.kind === 'bool';

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

export const checkKubemarkArgs: Check = (ctx, d) => {
  for (const c of containersOf(ctx.src, d)) {
    const inv = c.invocation;
    if (!inv) continue;
    const { flags, positionals } = parseKubemarkArgs(inv.args);
    const env = envNames(c.map);

    if (!flags.some((f) => f.name === 'morph')) {
      const at = inv.binary ?? inv.args[0];
      const [s, e] = at ? [at.start, at.end] : [nodeStart(child(c.map, 'name')), nodeEnd(child(c.map, 'name'))];
      const guess = /proxy/.test(inv.containerName) ? 'proxy' : /kubelet/.test(inv.containerName) ? 'kubelet' : undefined;
      const fix = guess && inv.binary ? { title: `Add --morph=${guess}`, edits: [insertArgAfter(ctx.src, inv.binary, `--morph=${guess}`)] } : undefined;
      ctx.report('morph-missing', s, e, `Container "${inv.containerName}" runs kubemark without --morph: kubemark exits with "Unknown morph". Add --morph=kubelet or --morph=proxy.`, fix);
    }

    for (const f of flags) {
      const [s, e] = flagSpan(f);
      if (f.singleDash && f.written !== 'h') {
        ctx.report('single-dash-flag', s, e, `"-${f.written}" has one dash: kubemark's flags take two, --${f.written}. With one dash it fails as an unknown shorthand flag.`, {
          title: `Write --${f.written}`,
          edits: [replaceArg(ctx.src, f.token, `-${f.token.text}`)],
        });
        continue;
      }
      if (REMOVED_LOG_FLAGS.includes(f.written) || REMOVED_LOG_FLAGS.includes(f.name)) {
        ctx.report('removed-log-flag', s, e, `--${f.written} was removed from Kubernetes components in 1.26 (klog flags, KEP-2845): kubemark exits with "unknown flag". Remove it; logs already go to the container's output.`, removeFlagFix(ctx, f, `Remove --${f.written}`));
        continue;
      }
      const spec = findFlag(f.name);
      if (!spec) {
        const suggestion = suggestFlag(f.name);
        ctx.report(
          'unknown-flag',
          f.token.start,
          f.token.end,
          `kubemark has no flag --${f.written}${suggestion ? `; did you mean --${suggestion}?` : '.'} It exits with "unknown flag".`,
          suggestion ? { title: `Change to --${suggestion}`, edits: rewriteFlag(ctx, f, suggestion, f.value) } : removeFlagFix(ctx, f, `Remove --${f.written}`),
        );
        continue;
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
      if (!problem) continue;
      let fix: Fix | undefined;
      if (spec.kind === 'morph') {
        const m = closest(f.value, MORPHS);
        if (m) fix = { title: `Change to --morph=${m}`, edits: rewriteFlag(ctx, f, 'morph', m) };
      } else if (spec.kind === 'contentType') {
        fix = { title: `Use ${DEFAULT_CONTENT_TYPE}`, edits: rewriteFlag(ctx, f, spec.name, DEFAULT_CONTENT_TYPE) };
      }
      ctx.report('invalid-flag-value', s, e, problem, fix);
    }

    positionals.forEach((p) => reportPositional(ctx, p, inv.args, env));
  }
};

function reportPositional(ctx: LintContext, p: ArgToken, args: ArgToken[], env: ReturnType<typeof envNames>): void {
  const prev = args[args.indexOf(p) - 1];
  const prevName = prev && /^--([^=]+)$/.exec(prev.text)?.[1]?.replace(/_/g, '-');
  if (prev && prevName && isBool(prevName) && /^(true|false)$/i.test(p.text)) {
    ctx.report('positional-argument', p.start, p.end, `kubemark reads "${p.text}" as a positional argument, because boolean flags take their value after "=": write --${prevName}=${p.text}. As it is, kubemark exits with "does not take any arguments".`, {
      title: `Write --${prevName}=${p.text}`,
      edits: [replaceArg(ctx.src, prev, `--${prevName}=${p.text}`), removeArg(ctx.src, p)],
    });
    return;
  }
  const varRef = /^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(p.text)?.[1];
  if (varRef) {
    const e = env.get(varRef);
    const fromContentType = str(getIn(e, 'valueFrom', 'configMapKeyRef', 'key')) === 'content.type' || varRef === 'CONTENT_TYPE';
    if (fromContentType) {
      ctx.report('positional-argument', p.start, p.end, `$(${varRef}) is passed to kubemark as a bare argument: kubemark takes no positional arguments and exits with "does not take any arguments". The content type belongs in --kube-api-content-type=$(${varRef}).`, {
        title: `Pass it as --kube-api-content-type=$(${varRef})`,
        edits: [replaceArg(ctx.src, p, `--kube-api-content-type=$(${varRef})`)],
      });
      return;
    }
    ctx.report('positional-argument', p.start, p.end, `$(${varRef}) is passed to kubemark as a bare argument: kubemark takes no positional arguments and exits with "does not take any arguments". Pass it as the value of a flag, or remove it.`, {
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

