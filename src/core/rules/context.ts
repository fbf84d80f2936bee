import { ParsedDoc } from './ast';
import { RULES, RuleId } from './catalog';
import { SourceText } from './source';
import { Finding, Fix } from './types';

export class LintContext {
  readonly findings: Finding[] = [];

  constructor(readonly src: SourceText, readonly docs: ParsedDoc[]) {}

  report(ruleId: RuleId, start: number, end: number, message: string, fix?: Fix): void {
    const f: Finding = { ruleId, severity: RULES[ruleId].severity, message, range: this.src.range(start, end) };
    if (fix) f.fix = fix;
    this.findings.push(f);
  }

  /** Documents of a kind by name, e.g. the Secret a volume refers to. */
  find(kind: string, name: string, namespace?: string): ParsedDoc | undefined {
    return this.docs.find((d) => d.kind === kind && d.name === name && (namespace === undefined || docNamespace(d) === namespace || docNamespace(d) === undefined));
  }
}

export function docNamespace(d: ParsedDoc): string | undefined {
  const md = d.root?.items.find((p) => String((p.key as { value?: unknown })?.value) === 'metadata')?.value as
    | { items?: Array<{ key?: { value?: unknown }; value?: { value?: unknown } }> }
    | undefined;
  const ns = md?.items?.find((p) => String(p.key?.value) === 'namespace');
  return ns?.value?.value === undefined ? undefined : String(ns.value.value);
}

export type Check = (ctx: LintContext, d: ParsedDoc) => void;
