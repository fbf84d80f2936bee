// Loads the cluster layer (dist/cluster.js: @kubernetes/client-node, the model, the tree) on
// first need, so that activation on a YAML file only registers diagnostics:
// - a cluster command is run: every command id but the ones extension.ts registers itself has a
//   proxy here, which loads the layer (the layer registers the real command) and runs it again;
// - the Kubemark view becomes visible (also at start-up, with a remembered selection);
// - the test API reads a cluster member (model, tree, ...).
// This file must not import anything that imports @kubernetes/client-node (checked by the
// activation benchmark, bench/activation.ts, and by a unit test).
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { ClusterApi } from './clusters';
import type { ExistingTreeView } from './activateCluster';
import type { Log } from './log';
import { COMMANDS, CommandId } from './commands/ids';

export const CLUSTERS_VIEW = 'kubemark.clusters';

interface ClusterModule {
  activateCluster(context: vscode.ExtensionContext, log: Log, existing?: ExistingTreeView): ClusterApi;
}

/** Shows an empty tree (so the view's welcome content) until the real provider is attached. */
class DelegatingTree implements vscode.TreeDataProvider<unknown>, vscode.Disposable {
  private target: vscode.TreeDataProvider<unknown> | undefined;
  private readonly emitter = new vscode.EventEmitter<unknown>();
  private forward: vscode.Disposable | undefined;
  readonly onDidChangeTreeData = this.emitter.event;

  getTreeItem(element: unknown): vscode.TreeItem | Thenable<vscode.TreeItem> {
    if (!this.target) throw new Error('Kubemark tree: no provider yet');
    return this.target.getTreeItem(element);
  }

  getChildren(element?: unknown): vscode.ProviderResult<unknown[]> {
    return this.target ? this.target.getChildren(element) : [];
  }

  attach(target: vscode.TreeDataProvider<unknown>): void {
    this.target = target;
    this.forward = target.onDidChangeTreeData?.((e) => this.emitter.fire(e));
    this.emitter.fire(undefined);
  }

  dispose(): void {
    this.forward?.dispose();
    this.emitter.dispose();
  }
}

export class LazyCluster implements vscode.Disposable {
  private api: ClusterApi | undefined;
  private proxies: vscode.Disposable[] = [];
  private readonly tree = new DelegatingTree();
  private readonly view: vscode.TreeView<unknown>;
  private readonly visibility: vscode.Disposable;

  /**
   * @param own command ids extension.ts registers itself (no proxy for them)
   * @param file the cluster bundle (default dist/cluster.js next to dist/extension.js)
   */
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: Log,
    own: readonly CommandId[],
    private readonly file = path.join(__dirname, 'cluster.js'),
    private readonly onLoaded?: (api: ClusterApi) => void,
  ) {
    this.view = vscode.window.createTreeView(CLUSTERS_VIEW, { treeDataProvider: this.tree, showCollapseAll: true });
    this.visibility = this.view.onDidChangeVisibility((e) => {
      if (e.visible) this.tryLoad('the Kubemark view was opened');
    });
    for (const id of Object.values(COMMANDS)) {
      if (own.includes(id)) continue;
      this.proxies.push(
        vscode.commands.registerCommand(id, async (...args: unknown[]) => {
          this.load(`command ${id}`);
          // The layer registered the real command in place of this proxy.
          return vscode.commands.executeCommand(id, ...args);
        }),
      );
    }
    // Restored with the view open (e.g. a remembered selection): load now, after activation.
    if (this.view.visible) setImmediate(() => this.tryLoad('the Kubemark view is visible'));
  }

  get loaded(): boolean {
    return this.api !== undefined;
  }

  /** The cluster layer, loaded now if it was not yet (synchronous: one require). */
  load(reason: string): ClusterApi {
    if (this.api) return this.api;
    const started = performance.now();
    for (const p of this.proxies) p.dispose();
    this.proxies = [];
    this.visibility.dispose();
    let mod: ClusterModule;
    try {
      // A runtime require of the second bundle (esbuild leaves a non-literal require alone).
      mod = require(this.file) as ClusterModule;
    } catch (err) {
      const message = `Kubemark: the cluster part of the extension (${path.basename(this.file)}) could not be loaded: ${err instanceof Error ? err.message : String(err)}. Reinstall the extension, or run "npm run build" in a development checkout.`;
      this.log.error(message);
      void vscode.window.showErrorMessage(message);
      throw err;
    }
    const loaded = performance.now();
    this.api = mod.activateCluster(this.context, this.log, { id: CLUSTERS_VIEW, view: this.view, attach: (p) => this.tree.attach(p) });
    this.log.debug(`cluster layer loaded for ${reason}: require ${(loaded - started).toFixed(0)} ms, activate ${(performance.now() - loaded).toFixed(0)} ms`);
    this.onLoaded?.(this.api);
    return this.api;
  }

  private tryLoad(reason: string): void {
    try {
      this.load(reason);
    } catch {
      // reported by load()
    }
  }

  dispose(): void {
    for (const p of this.proxies) p.dispose();
    this.visibility.dispose();
    this.tree.dispose();
    // Once loaded, the view belongs to the layer's subscriptions.
    if (!this.api) this.view.dispose();
  }
}
