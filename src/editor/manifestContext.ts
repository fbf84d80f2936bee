// Context keys that show "Deploy This Manifest" only where it applies:
// - `kubemark.isKubemarkManifest`: the active editor holds a YAML document that looks like a
//   kubemark manifest (the editor-title button);
// - `kubemark.manifestPaths`: the paths (resourcePath, i.e. fsPath) of the YAML files known to
//   look like kubemark manifests: the documents opened or edited in this window, plus a bounded
//   scan of the workspace's YAML files 2 s after activation, kept current by a file watcher
//   (the explorer's context menu, where a file need not be open: `resourcePath in
//   kubemark.manifestPaths`).
// "A kubemark manifest" is what the Deploy CodeLens is shown on: a hollow-node workload (a
// document with --morph=kubelet|proxy), tested after two cheap regular expressions
// (looksLikeKubemark, --morph) so that other YAML is never parsed. Edits are re-checked
// debounced, and a key is set again only when its value changed. No cluster code is imported.
import * as vscode from 'vscode';
import { looksLikeKubemark } from '../core/rules';
import { workloadLines } from '../core/manifest/lenses';
import { isYaml } from './diagnostics';
import { KeyedDebounce } from './keyedDebounce';

/** The file has a hollow-node workload Deploy This Manifest can deploy (where the CodeLens shows). */
export function isDeployableManifest(text: string): boolean {
  return looksLikeKubemark(text) && /--morph/.test(text) && workloadLines(text).length > 0;
}

export const IS_MANIFEST_KEY = 'kubemark.isKubemarkManifest';
export const MANIFEST_PATHS_KEY = 'kubemark.manifestPaths';

const DEBOUNCE_MS = 250;
/** The workspace scan: at most this many YAML files, each at most this large. */
const SCAN_MAX_FILES = 500;
const SCAN_MAX_BYTES = 512 * 1024;
/** The workspace scan waits this long after activation. */
const SCAN_DELAY_MS = 2000;

export interface ManifestContextState {
  isKubemarkManifest: boolean;
  manifestPaths: string[];
}

export class ManifestContext implements vscode.Disposable {
  private readonly paths = new Set<string>();
  private active = false;
  private publishedActive: boolean | undefined;
  private publishedPaths = '';
  private readonly debounce = new KeyedDebounce(DEBOUNCE_MS);
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<ManifestContextState>();
  /** Fires after the context keys were set to new values. */
  readonly onDidChange = this.changed.event;
  private disposed = false;

  constructor(private readonly setContext: (key: string, value: unknown) => Thenable<unknown> = (k, v) => vscode.commands.executeCommand('setContext', k, v)) {
    this.disposables.push(
      this.changed,
      vscode.window.onDidChangeActiveTextEditor(() => this.updateActive()),
      vscode.workspace.onDidOpenTextDocument((d) => this.check(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      // Closed without saving (reverted): what counts is the file on disk again.
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (isYaml(d) && d.uri.scheme === 'file') void this.readFromDisk(d.uri).then(() => this.publish());
      }),
    );
  }

  /** Files changed outside the editor (git pull, cp, a terminal) are checked again; deleted ones drop out. */
  private watchFiles(): void {
    const w = vscode.workspace.createFileSystemWatcher('**/*.{yaml,yml}');
    const reread = (uri: vscode.Uri) => {
      if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) return; // the open document decides
      void this.readFromDisk(uri).then(() => this.publish());
    };
    this.disposables.push(
      w,
      w.onDidCreate(reread),
      w.onDidChange(reread),
      w.onDidDelete((uri) => {
        this.paths.delete(uri.fsPath);
        this.updateActive();
      }),
    );
  }

  /** Records whether the file on disk is a kubemark manifest (bounded size; unreadable: not offered). */
  private async readFromDisk(uri: vscode.Uri): Promise<void> {
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      if (stat.size > SCAN_MAX_BYTES) {
        this.paths.delete(uri.fsPath);
        return;
      }
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      if (!vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) this.record(uri.fsPath, isDeployableManifest(text));
    } catch {
      this.paths.delete(uri.fsPath);
    }
  }

  /** Checks the open documents and the active editor; then scans the workspace (not awaited by activation). */
  start(): void {
    for (const d of vscode.workspace.textDocuments) this.check(d, false);
    this.updateActive();
    this.watchFiles();
    // Not on activation's path: the scan starts once the window has settled.
    const t = setTimeout(() => void this.scanWorkspace(), SCAN_DELAY_MS);
    this.disposables.push({ dispose: () => clearTimeout(t) });
  }

  get state(): ManifestContextState {
    return { isKubemarkManifest: this.active, manifestPaths: [...this.paths].sort() };
  }

  private schedule(doc: vscode.TextDocument): void {
    if (!isYaml(doc)) return;
    this.debounce.schedule(doc.uri.toString(), () => this.check(doc));
  }

  private check(doc: vscode.TextDocument, publish = true): void {
    if (!isYaml(doc) || doc.isClosed) return;
    this.record(doc.uri.fsPath, isDeployableManifest(doc.getText()));
    if (publish) this.updateActive();
  }

  private record(path: string, kubemark: boolean): void {
    if (kubemark) this.paths.add(path);
    else this.paths.delete(path);
  }

  private updateActive(): void {
    const doc = vscode.window.activeTextEditor?.document;
    this.active = !!doc && isYaml(doc) && this.paths.has(doc.uri.fsPath);
    this.publish();
  }

  private publish(): void {
    if (this.disposed) return;
    const paths = [...this.paths].sort();
    const joined = paths.join('\n');
    if (this.active === this.publishedActive && joined === this.publishedPaths) return;
    const sets: Thenable<unknown>[] = [];
    if (this.active !== this.publishedActive) sets.push(this.setContext(IS_MANIFEST_KEY, this.active));
    if (joined !== this.publishedPaths) sets.push(this.setContext(MANIFEST_PATHS_KEY, paths));
    this.publishedActive = this.active;
    this.publishedPaths = joined;
    const state = this.state;
    void Promise.all(sets).then(() => this.changed.fire(state), () => undefined);
  }

  /** The workspace's YAML files (bounded), so that the explorer offers Deploy on files not opened yet. */
  private async scanWorkspace(): Promise<void> {
    if (!vscode.workspace.workspaceFolders?.length) return;
    let files: vscode.Uri[];
    try {
      files = await vscode.workspace.findFiles('**/*.{yaml,yml}', '**/{node_modules,.git}/**', SCAN_MAX_FILES);
    } catch {
      return;
    }
    const open = new Set(vscode.workspace.textDocuments.map((d) => d.uri.toString()));
    for (const uri of files) {
      if (this.disposed) return;
      // An open document is checked from its (maybe unsaved) text instead.
      if (open.has(uri.toString())) continue;
      await this.readFromDisk(uri);
    }
    this.publish();
  }

  dispose(): void {
    this.disposed = true;
    this.debounce.dispose();
    for (const d of this.disposables.reverse()) d.dispose();
  }
}
