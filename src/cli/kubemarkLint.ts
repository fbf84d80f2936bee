// kubemark-lint [--masters-version vX.Y.Z] [--extra-flag NAME[:TYPE]]... FILE...: the editor's
// rules for teams' own CI. One line per finding: FILE:LINE:COL: SEVERITY: MESSAGE [RULE-ID] (1-based).
// Suppression comments (# kubemark-lint-disable-next-line RULE, # kubemark-lint-disable RULE) apply.
// Exit 1 when any error was found, 2 when a file could not be read or the options are wrong, else 0.
// The command is bin/kubemark-lint.js, which calls main() of the bundle dist/cli.js.
import { readFileSync } from 'node:fs';
import { LintOptions, lint } from '../core/rules';
import { parseExtraFlags } from '../core/flags';
import { versionOfTag } from '../core/rules/version';

export const USAGE = 'usage: kubemark-lint [--masters-version vX.Y.Z] [--extra-flag NAME[:TYPE]]... FILE... (YAML manifests; "-" reads standard input)';

export function formatFinding(file: string, f: ReturnType<typeof lint>[number]): string {
  return `${file}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.severity}: ${f.message} [${f.ruleId}]`;
}

interface Parsed {
  files: string[];
  options: LintOptions;
  problems: string[];
  help: boolean;
}

export function parseCommandLine(argv: string[]): Parsed {
  const out: Parsed = { files: [], options: {}, problems: [], help: false };
  const extra: string[] = [];
  let onlyFiles = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (onlyFiles || a === '-' || !a.startsWith('-')) {
      out.files.push(a);
      continue;
    }
    if (a === '--') {
      onlyFiles = true;
      continue;
    }
    if (a === '--help' || a === '-h') {
      out.help = true;
      continue;
    }
    const m = /^--(masters-version|extra-flag)(?:=(.*))?$/.exec(a);
    if (!m) {
      out.problems.push(`unknown option ${a}`);
      continue;
    }
    let value = m[2];
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined) {
        out.problems.push(`${a} needs a value`);
        continue;
      }
      i++;
    }
    if (m[1] === 'masters-version') {
      if (!versionOfTag(value)) out.problems.push(`--masters-version "${value}" is not a Kubernetes version such as v1.34.2`);
      else out.options.mastersVersion = value;
    } else {
      extra.push(...value.split(',').filter(Boolean));
    }
  }
  if (extra.length > 0) {
    const { problems } = parseExtraFlags(extra);
    out.problems.push(...problems.map((p) => `--extra-flag ${p}`));
    out.options.extraFlags = extra;
  }
  return out;
}

export function main(argv: string[], out: (s: string) => void, err: (s: string) => void): number {
  const { files, options, problems, help } = parseCommandLine(argv);
  if (help) {
    out(USAGE);
    return 0;
  }
  if (problems.length > 0 || files.length === 0) {
    for (const p of problems) err(`kubemark-lint: ${p}.`);
    err(USAGE);
    return 2;
  }
  let errors = 0;
  let unreadable = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      err(`${file}: cannot read it${code ? ` (${code})` : ''}; check the path and permissions.`);
      unreadable++;
      continue;
    }
    let findings;
    try {
      findings = lint(text, options);
    } catch (e) {
      // Never expected (the rules are fuzzed); say so instead of a stack trace, and go on.
      err(`${file}: kubemark-lint failed on this file (${e instanceof Error ? e.message : String(e)}); please report it with the file.`);
      unreadable++;
      continue;
    }
    for (const f of findings) {
      if (f.severity === 'error') errors++;
      out(formatFinding(file, f));
    }
  }
  return unreadable > 0 ? 2 : errors > 0 ? 1 : 0;
}
