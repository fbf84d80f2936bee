// What a container actually runs: command + args, through `sh -c` when it is a shell, with each
// token's place in the source so findings and fixes land on the exact characters.
import { Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { asScalar, asSeq, child, nodeEnd, nodeStart, pairOf, scalarSubSpan, seqItems, str } from './ast';
import { SourceText } from './source';
import { DEFAULT_FLAGS, FlagTable } from '../flags';

export interface ArgToken {
  text: string;
  /** Source offsets of the token. */
  start: number;
  end: number;
  /** The scalar that holds it, and whether it is the whole scalar (an argv item) or part of a script. */
  scalar: Scalar;
  seq: YAMLSeq<unknown>;
  index: number;
  inScript: boolean;
  /** For script tokens: offsets inside the script's value. */
  valueStart?: number;
  valueEnd?: number;
}

export interface Redirection {
  text: string;
  target: string;
  start: number;
  end: number;
  scalar: Scalar;
  valueStart: number;
  valueEnd: number;
}

export interface KubemarkInvocation {
  container: YAMLMap<unknown, unknown>;
  containerName: string;
  /** The token naming the kubemark binary, if it was found by name. */
  binary?: ArgToken;
  /** Tokens after the binary: flags, values, stray positional arguments. */
  args: ArgToken[];
  /** Output redirections in the script (`2>/dev/null`). */
  redirections: Redirection[];
  /** The script scalar when the container runs `sh -c`. */
  script?: Scalar;
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'busybox']);

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i >= 0 ? p.slice(i + 1) : p;
}

export function isKubemarkBinary(token: string): boolean {
  const b = basename(token);
  return b === 'kubemark' || b === 'hollow-node';
}

interface ScriptToken {
  text: string;
  start: number;
  end: number;
  op?: boolean;
}

/** Splits a shell script into words and operators, with offsets into the script. Quotes are removed from words. */
export function tokenizeScript(script: string): ScriptToken[] {
  const out: ScriptToken[] = [];
  let i = 0;
  const n = script.length;
  while (i < n) {
    const c = script[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && script[i] !== '\n') i++;
      continue;
    }
    // Operators: ; & && | || and redirections like 2>/dev/null, >>file, &>x, 2>&1.
    const redir = /^(\d*|&)(>>|>|<)(&\d+|\s*[^\s;&|]+)?/.exec(script.slice(i));
    if (redir && (redir[1] !== '' || c === '>' || c === '<')) {
      const len = redir[0].length;
      out.push({ text: redir[0], start: i, end: i + len, op: true });
      i += len;
      continue;
    }
    if (c === ';' || c === '&' || c === '|') {
      const two = script.slice(i, i + 2);
      const len = two === '&&' || two === '||' ? 2 : 1;
      out.push({ text: script.slice(i, i + len), start: i, end: i + len, op: true });
      i += len;
      continue;
    }
    const start = i;
    let text = '';
    while (i < n) {
      const ch = script[i]!;
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === ';' || ch === '|' || ch === '&') break;
      if (ch === '>' || ch === '<') break;
      if (ch === "'") {
        const close = script.indexOf("'", i + 1);
        const e = close < 0 ? n : close;
        text += script.slice(i + 1, e);
        i = e + 1;
        continue;
      }
      if (ch === '"') {
        let j = i + 1;
        while (j < n && script[j] !== '"') {
          if (script[j] === '\\' && j + 1 < n) {
            text += script[j + 1];
            j += 2;
            continue;
          }
          text += script[j];
          j++;
        }
        i = j + 1;
        continue;
      }
      if (ch === '\\' && i + 1 < n) {
        if (script[i + 1] !== '\n') text += script[i + 1];
        i += 2;
        continue;
      }
      text += ch;
      i++;
    }
    out.push({ text, start, end: Math.min(i, n) });
  }
  return out;
}

function argvTokens(container: YAMLMap<unknown, unknown>): ArgToken[] {
  const tokens: ArgToken[] = [];
  for (const key of ['command', 'args']) {
    const seq = asSeq(child(container, key));
    if (!seq) continue;
    seq.items.forEach((item, index) => {
      const s = asScalar(item);
      if (!s || s.value === null || s.value === undefined) return;
      tokens.push({ text: String(s.value), start: nodeStart(s), end: nodeEnd(s), scalar: s, seq, index, inScript: false });
    });
  }
  return tokens;
}

function mentionsKubemark(tokens: { text: string }[]): boolean {
  return tokens.some((t) => isKubemarkBinary(t.text) || t.text.startsWith('--morph'));
}

/** The kubemark invocation of a container, or undefined when the container does not run kubemark. */
export function kubemarkInvocation(src: SourceText, container: YAMLMap<unknown, unknown>): KubemarkInvocation | undefined {
  const containerName = str(child(container, 'name')) ?? '(unnamed)';
  const argv = argvTokens(container);
  const shellAt = argv.findIndex((t, i) => i < 2 && SHELLS.has(basename(t.text)));
  const dashC = shellAt >= 0 ? argv.findIndex((t, i) => i > shellAt && /^-[a-z]*c[a-z]*$/.test(t.text)) : -1;
  if (shellAt >= 0 && dashC >= 0 && argv[dashC + 1]) {
    const scriptTok = argv[dashC + 1]!;
    const script = scriptTok.text;
    const words = tokenizeScript(script);
    if (!mentionsKubemark(words)) return undefined;
    const toArg = (w: ScriptToken): ArgToken => {
      const [start, end] = scalarSubSpan(src, scriptTok.scalar, w.start, w.end);
      return { text: w.text, start, end, scalar: scriptTok.scalar, seq: scriptTok.seq, index: scriptTok.index, inScript: true, valueStart: w.start, valueEnd: w.end };
    };
    const redirections: Redirection[] = [];
    for (const w of words) {
      if (!w.op || !/[<>]/.test(w.text)) continue;
      const m = /^(\d*|&)(>>|>|<)(&\d+|\s*[^\s;&|]+)?$/.exec(w.text);
      const target = (m?.[3] ?? '').trim();
      const [start, end] = scalarSubSpan(src, scriptTok.scalar, w.start, w.end);
      redirections.push({ text: w.text, target, start, end, scalar: scriptTok.scalar, valueStart: w.start, valueEnd: w.end });
    }
    let binAt = words.findIndex((w) => !w.op && isKubemarkBinary(w.text));
    if (binAt < 0) binAt = words.findIndex((w) => w.text.startsWith('--morph')) - 1;
    const args: ArgToken[] = [];
    for (let i = binAt + 1; i < words.length; i++) {
      const w = words[i]!;
      if (w.op) {
        if (/[<>]/.test(w.text)) continue;
        break;
      }
      args.push(toArg(w));
    }
    const binary = binAt >= 0 && words[binAt] ? toArg(words[binAt]!) : undefined;
    return { container, containerName, args, redirections, script: scriptTok.scalar, ...(binary ? { binary } : {}) };
  }
  if (!mentionsKubemark(argv)) return undefined;
  const binAt = argv.findIndex((t) => isKubemarkBinary(t.text));
  if (binAt >= 0) {
    return { container, containerName, binary: argv[binAt]!, args: argv.slice(binAt + 1), redirections: [] };
  }
  // No binary by name: the image's entrypoint is kubemark; args are everything in `args`,
  // or the command after its first element.
  const argsSeq = asSeq(child(container, 'args'));
  const args = argsSeq ? argv.filter((t) => t.seq === argsSeq) : argv.slice(1);
  return { container, containerName, args, redirections: [] };
}

export interface ParsedFlag {
  name: string;
  /** The name as written (before normalising "_" to "-"; the letter for a shorthand). */
  written: string;
  value?: string;
  /** The token holding the flag (and its value when written with "="). */
  token: ArgToken;
  /** The separate token that holds the value ("--name foo", "-v 4"). */
  valueToken?: ArgToken;
  /** Written with one dash where pflag does not take it: an unknown shorthand. */
  singleDash: boolean;
  /** Written as a one-letter shorthand pflag accepts (-v=4, -v 4, -v4, -h). */
  shorthand?: boolean;
}

export interface ParsedArgs {
  flags: ParsedFlag[];
  positionals: ArgToken[];
}

export interface FlagLookup {
  /** The flag never takes the next argument as its value. */
  takesNoSeparateValue(name: string): boolean;
  /** The long flag a one-letter shorthand stands for. */
  shorthand?(letter: string): { name: string; optionalValue?: boolean } | undefined;
  find?(name: string): unknown;
}

/**
 * pflag's parse: --name=value, --name value (non-bool), bool flags alone, "--" ends flags;
 * one-letter shorthands -v=4, -v4, -v 4; empty arguments are dropped (kubemark ignores them).
 */
export function parseArgs(args: ArgToken[], lookup: FlagLookup | ((name: string) => boolean)): ParsedArgs {
  const table: FlagLookup = typeof lookup === 'function' ? { takesNoSeparateValue: lookup } : lookup;
  const flags: ParsedFlag[] = [];
  const positionals: ArgToken[] = [];
  let onlyPositionals = false;
  for (let i = 0; i < args.length; i++) {
    const t = args[i]!;
    if (onlyPositionals || t.text === '' || !t.text.startsWith('-') || t.text === '-') {
      if (t.text !== '') positionals.push(t);
      continue;
    }
    if (t.text === '--') {
      onlyPositionals = true;
      continue;
    }
    const singleDash = !t.text.startsWith('--');
    const body = t.text.slice(singleDash ? 1 : 2);
    const eq = body.indexOf('=');
    const written = eq >= 0 ? body.slice(0, eq) : body;
    const name = written.replace(/_/g, '-');
    if (singleDash) {
      const short = table.shorthand?.(body[0]!);
      const spelledLong = written.length > 1 && table.find?.(name) !== undefined;
      if (short && !spelledLong) {
        const letter = body[0]!;
        if (body.length === 1) {
          if (!short.optionalValue && i + 1 < args.length) {
            const v = args[i + 1]!;
            flags.push({ name: short.name, written: letter, value: v.text, token: t, valueToken: v, singleDash: false, shorthand: true });
            i++;
          } else {
            flags.push({ name: short.name, written: letter, token: t, singleDash: false, shorthand: true });
          }
          continue;
        }
        if (body[1] === '=') {
          flags.push({ name: short.name, written: letter, value: body.slice(2), token: t, singleDash: false, shorthand: true });
          continue;
        }
        if (!short.optionalValue) {
          flags.push({ name: short.name, written: letter, value: body.slice(1), token: t, singleDash: false, shorthand: true });
          continue;
        }
      }
    }
    if (eq >= 0) {
      flags.push({ name, written, value: body.slice(eq + 1), token: t, singleDash });
    } else if (!table.takesNoSeparateValue(name) && i + 1 < args.length && !singleDash) {
      const v = args[i + 1]!;
      flags.push({ name, written, value: v.text, token: t, valueToken: v, singleDash });
      i++;
    } else {
      flags.push({ name, written, token: t, singleDash });
    }
  }
  return { flags, positionals };
}

export function envNames(container: YAMLMap<unknown, unknown>): Map<string, YAMLMap<unknown, unknown>> {
  const out = new Map<string, YAMLMap<unknown, unknown>>();
  for (const e of seqItems(child(container, 'env'))) {
    const name = str(child(e, 'name'));
    if (name) out.set(name, e as YAMLMap<unknown, unknown>);
  }
  return out;
}

export function hasKey(map: unknown, key: string): boolean {
  return pairOf(map, key) !== undefined;
}

/** Only known non-boolean flags take the next argument as their value; unknown ones fail first. */
export function parseKubemarkArgs(args: ArgToken[], table: FlagTable = DEFAULT_FLAGS): ParsedArgs {
  return parseArgs(args, table);
}
