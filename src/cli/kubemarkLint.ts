// kubemark-lint FILE...: the editor's rules for teams' own CI.
// One line per finding: FILE:LINE:COL: SEVERITY: MESSAGE [RULE-ID] (1-based).
// Exit 1 when any error was found, 2 when a file could not be read, else 0.
// The command is bin/kubemark-lint.js, which calls main() of the bundle dist/cli.js.
import { readFileSync } from 'node:fs';
import { lint } from '../core/rules';

export function formatFinding(file: string, f: ReturnType<typeof lint>[number]): string {
  return `${file}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.severity}: ${f.message} [${f.ruleId}]`;
}

export function main(argv: string[], out: (s: string) => void, err: (s: string) => void): number {
  const files = argv.filter((a) => a !== '--');
  if (files.length === 0 || files.includes('--help') || files.includes('-h')) {
    (files.length === 0 ? err : out)('usage: kubemark-lint FILE... (YAML manifests; "-" reads standard input)');
    return files.length === 0 ? 2 : 0;
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
    for (const f of lint(text)) {
      if (f.severity === 'error') errors++;
      out(formatFinding(file, f));
    }
  }
  return unreadable > 0 ? 2 : errors > 0 ? 1 : 0;
}

