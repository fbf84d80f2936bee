import * as vscode from 'vscode';
import { Finding, LintOptions, Range, Severity, lint, looksLikeKubemark } from '../core/rules';
import { KeyedDebounce } from './keyedDebounce';

const DEBOUNCE_MS = 250;

export function toRange(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

export function isYaml(doc: vscode.TextDocument): boolean {
  return doc.languageId === 'yaml' || /\.ya?ml$/i.test(doc.fileName);
}

/** The rules' options from the `kubemark` settings (lint.extraFlags) and the masters version, if known. */
export function lintOptionsOf(config: Pick<vscode.WorkspaceConfiguration, 'get'>, mastersVersion?: string): LintOptions {
  const extra = config.get<unknown>('lint.extraFlags', []);
  const options: LintOptions = {};
  if (Array.isArray(extra) && extra.length > 0) options.extraFlags = extra.filter((x): x is string => typeof x === 'string');
  if (mastersVersion) options.mastersVersion = mastersVersion;
  return options;
}

/**
 * Lints YAML documents that look like kubemark manifests, as the user types (debounced), and
 * keeps each document's findings for the code action provider. Nothing for unrelated YAML.
 */
export class ManifestDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('kubemark');
  private readonly debounce = new KeyedDebounce(DEBOUNCE_MS);
  private readonly results = new Map<string, { version: number; findings: Finding[] }>();
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor(private readonly workspace: Pick<typeof vscode.workspace, 'textDocuments' | 'onDidOpenTextDocument' | 'onDidChangeTextDocument' | 'onDidCloseTextDocument' | 'onDidChangeConfiguration' | 'getConfiguration'>) {
    this.disposables.push(
      workspace.onDidOpenTextDocument((d) => this.check(d)),
      workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      workspace.onDidCloseTextDocument((d) => this.forget(d)),
      workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('kubemark.diagnostics.enabled') || e.affectsConfiguration('kubemark.lint')) this.checkAll();
      }),
    );
    this.checkAll();
  }

  private mastersVersion: string | undefined;

  private enabled(): boolean {
    return this.workspace.getConfiguration('kubemark').get<boolean>('diagnostics.enabled', true);
  }

  /** The rules' options: kubemark.lint.extraFlags, and the masters version for the skew rule. */
  lintOptions(): LintOptions {
    return lintOptionsOf(this.workspace.getConfiguration('kubemark'), this.mastersVersion);
  }

  /** Tells the rules the masters cluster's version (image skew), and re-checks when it changed. */
  setMastersVersion(gitVersion: string | undefined): void {
    if (gitVersion === this.mastersVersion) return;
    this.mastersVersion = gitVersion;
    this.checkAll();
  }

  checkAll(): void {
    for (const d of this.workspace.textDocuments) this.check(d);
  }

  private schedule(doc: vscode.TextDocument): void {
    this.debounce.schedule(doc.uri.toString(), () => this.check(doc));
  }

  /** Findings for a document at its current version (recomputed when stale). */
  findings(doc: vscode.TextDocument): Finding[] {
    const key = doc.uri.toString();
    const hit = this.results.get(key);
    if (hit && hit.version === doc.version) return hit.findings;
    this.check(doc);
    return this.results.get(key)?.findings ?? [];
  }

  private check(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    // A check reads the document as it is now, so a re-check scheduled by an earlier edit is moot
    // (the code action provider asks for a stale document's findings before the debounce runs).
    this.debounce.cancel(key);
    if (!isYaml(doc) || doc.isClosed) return;
    const text = doc.getText();
    if (!this.enabled() || !looksLikeKubemark(text)) {
      this.results.delete(key);
      this.collection.delete(doc.uri);
      return;
    }
    const findings = lint(text, this.lintOptions());
    this.results.set(key, { version: doc.version, findings });
    this.collection.set(doc.uri, findings.map(toDiagnostic));
  }

  private forget(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    this.debounce.cancel(key);
    this.results.delete(key);
    this.collection.delete(doc.uri);
  }

  dispose(): void {
    this.debounce.dispose();
    for (const d of this.disposables.reverse()) d.dispose();
  }
}

export function toDiagnostic(f: Finding): vscode.Diagnostic {
  const d = new vscode.Diagnostic(toRange(f.range), f.message, SEVERITY[f.severity]);
  d.source = 'kubemark';
  d.code = f.ruleId;
  return d;
}

/** Quick fixes: one per finding that has a fix, over the diagnostics in the asked range. */
export class ManifestFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly diagnostics: ManifestDiagnostics) {}

  provideCodeActions(doc: vscode.TextDocument, range: vscode.Range | vscode.Selection): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const f of this.diagnostics.findings(doc)) {
      if (!f.fix || !toRange(f.range).intersection(range)) continue;
      const action = new vscode.CodeAction(f.fix.title, vscode.CodeActionKind.QuickFix);
      const edit = new vscode.WorkspaceEdit();
      for (const e of f.fix.edits) edit.replace(doc.uri, toRange(e.range), e.newText);
      action.edit = edit;
      action.diagnostics = [toDiagnostic(f)];
      action.isPreferred = true;
      actions.push(action);
    }
    return actions;
  }
}
