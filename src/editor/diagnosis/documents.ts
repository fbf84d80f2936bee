// "Kubemark: Why Not Ready?" shows its answer as a read-only virtual Markdown document
// (kubemark-diagnosis:/pod/<ns>/<name>.md). Why a document and not a webview: the answer is
// text that users paste into bug reports, search and diff; a document is copyable, searchable,
// screen-reader friendly, themed and identical in code-server, with no CSP or webview
// lifecycle; the Markdown preview renders its tables and its manifest-line links. The actions
// (Scaffold, --use-host-image-service=false, open the manifest line) are offered as buttons of
// the notification that comes with it and returned by the command for programmatic use.
import * as vscode from 'vscode';
import { Diagnosis, EvidenceBundle, renderDiagnosisMarkdown } from '../../core/diagnosis';

export const DIAGNOSIS_SCHEME = 'kubemark-diagnosis';

/** What `kubemark.whyNotReady` returns. */
export interface WhyNotReadyResult extends Diagnosis {
  /** The virtual document that shows it. */
  uri: string;
}

export class DiagnosisDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;

  /** Registers the provider; dispose the returned value with the extension. */
  static register(): { documents: DiagnosisDocuments; registration: vscode.Disposable } {
    const documents = new DiagnosisDocuments();
    const registration = vscode.Disposable.from(vscode.workspace.registerTextDocumentContentProvider(DIAGNOSIS_SCHEME, documents), documents);
    return { documents, registration };
  }

  static uriFor(target: EvidenceBundle['target']): vscode.Uri {
    const path = target.kind === 'pod' ? `/pod/${target.namespace ?? 'default'}/${target.name}.md` : `/node/${target.name}.md`;
    return vscode.Uri.from({ scheme: DIAGNOSIS_SCHEME, path });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '# Why Not Ready?\n\nThis diagnosis is no longer held: run "Kubemark: Why Not Ready?" again.\n';
  }

  /** Stores (or refreshes) the diagnosis of a target; returns its document URI. */
  set(bundle: EvidenceBundle, diagnosis: Diagnosis): vscode.Uri {
    const uri = DiagnosisDocuments.uriFor(bundle.target);
    this.texts.set(uri.toString(), renderDiagnosisMarkdown(bundle, diagnosis));
    this.emitter.fire(uri);
    return uri;
  }

  /** Stores the diagnosis and opens it beside the active editor (Markdown, read-only). */
  async show(bundle: EvidenceBundle, diagnosis: Diagnosis): Promise<WhyNotReadyResult> {
    const uri = this.set(bundle, diagnosis);
    const doc = await vscode.workspace.openTextDocument(uri);
    // Beside the manifest or log being looked at; in the editor area itself when nothing is open
    // (Beside would leave an empty first group).
    const viewColumn = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    await vscode.window.showTextDocument(doc, { preview: true, viewColumn, preserveFocus: false });
    return { ...diagnosis, uri: uri.toString() };
  }

  dispose(): void {
    this.texts.clear();
    this.emitter.dispose();
  }
}
