import { ParsedDoc } from './ast';
import { RULES, RuleId } from './catalog';
import { SourceText } from './source';
import { Finding, Fix, LintOptions, Severity } from './types';
import { DEFAULT_FLAGS, FlagTable, parseExtraFlags } from '../flags';

export class LintContext {
  readonly findings: Finding[] = [];
  readonly flags: FlagTable;
  /** Problems with the options themselves (extra flag declarations that could not be read). */
  readonly optionProblems: string[] = [];

  constructor(readonly src: SourceText, readonly docs: ParsedDoc[], readonly options: LintOptions = {}) {
    if (options.extraFlags && options.extraFlags.length > 0) {
      const { flags, problems } = parseExtraFlags(options.extraFlags);
      this.flags = new FlagTable(flags);
      this.optionProblems.push(...problems);
    } else {
      this.flags = DEFAULT_FLAGS;
    }
  }

  /** Reports a finding; `severity` overrides the catalogue's when one case of a rule is milder or worse. */
  report(ruleId: RuleId, start: number, end: number, message: string, fix?: Fix, severity?: Severity): void {
    const f: Finding = { ruleId, severity: severity ?? RULES[ruleId].severity, message, range: this.src.range(start, Math.max(start, end)) };
    if (fix) f.fix = fix;
    this.findings.push(f);
  }

  private byKindName: Map<string, ParsedDoc[]> | undefined;

  /** Documents of a kind by name, e.g. the Secret a volume refers to. */
  find(kind: string, name: string, namespace?: string): ParsedDoc | undefined {
    if (!this.byKindName) {
      this.byKindName = new Map();
      for (const d of this.docs) {
        const key = `${d.kind}\u0000${d.name}`;
        const list = this.byKindName.get(key) ?? [];
        list.push(d);
        this.byKindName.set(key, list);
      }
    }
    return (this.byKindName.get(`${kind}\u0000${name}`) ?? []).find((d) => namespace === undefined || docNamespace(d) === namespace || docNamespace(d) === undefined);
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
