// Entry of dist/cluster.js, the second bundle: @kubernetes/client-node and the whole cluster
// layer (model, tree, status bar, logs and the commands that need a cluster). extension.ts
// loads it on first need through lazyCluster.ts, so that opening a YAML file never pays for it.
import * as vscode from 'vscode';
import { activateClusters, ClusterApi } from './clusters';
import { Log } from './log';
import { COMMANDS } from './commands/ids';
import { registerCommand } from './commands/registry';
import { newManifestCommand } from './commands/newManifest';
import { disposeSharedPageDecoder } from '../cluster/pageDecoder';

/** The tree view extension.ts created before this bundle was loaded (see lazyCluster.ts). */
export interface ExistingTreeView {
  id: string;
  view: vscode.TreeView<unknown>;
  /** Makes the existing view show this provider's tree. */
  attach(provider: vscode.TreeDataProvider<unknown>): void;
}

export function activateCluster(context: vscode.ExtensionContext, log: Log, existing?: ExistingTreeView): ClusterApi {
  const clusters = existing ? withTreeView(existing, () => activateClusters(context, log)) : activateClusters(context, log);
  const mastersVersion = () => (clusters.model.masters?.reach.state === 'reachable' ? clusters.model.masters.reach.version : undefined);
  registerCommand(context, log, COMMANDS.newManifest, newManifestCommand(mastersVersion));
  // The list worker thread (started by the first big list) ends with the extension.
  context.subscriptions.push({ dispose: disposeSharedPageDecoder });
  return clusters;
}

type CreateTreeView = typeof vscode.window.createTreeView;

/**
 * Runs f with window.createTreeView(existing.id) answered by the view that already exists:
 * a second createTreeView of the same id would race the first one's asynchronous dispose in
 * the extension host. Other ids go to VS Code as usual.
 */
function withTreeView<T>(existing: ExistingTreeView, f: () => T): T {
  const win = vscode.window as { createTreeView: CreateTreeView };
  const original = win.createTreeView;
  const patched = ((id: string, options: vscode.TreeViewOptions<unknown>) => {
    if (id !== existing.id) return original.call(vscode.window, id, options);
    existing.attach(options.treeDataProvider);
    return existing.view;
  }) as CreateTreeView;
  try {
    win.createTreeView = patched;
  } catch {
    // read-only API object: fall through to the check below
  }
  if (win.createTreeView !== patched) {
    // Could not redirect: give the id back to VS Code first (the tree may need a reopen).
    existing.view.dispose();
    return f();
  }
  try {
    return f();
  } finally {
    win.createTreeView = original;
  }
}
