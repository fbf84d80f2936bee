// Composition root: builds the services, registers commands, views and providers, returns.
// Nothing runs at import time. Activation on a YAML file only registers the manifest
// diagnostics and quick fixes; the cluster layer (dist/cluster.js, with @kubernetes/client-node)
// is loaded on first need by LazyCluster (a cluster command, the Kubemark view, the test API).
import * as vscode from 'vscode';
import { lint } from './core/rules';
import { ManifestDiagnostics, ManifestFixes } from './editor/diagnostics';
import { Log } from './editor/log';
import { COMMANDS } from './editor/commands/ids';
import { registerCommand } from './editor/commands/registry';
import { LazyCluster } from './editor/lazyCluster';
import { DeployCodeLensProvider } from './editor/deployLens';
import { ManifestContext, ManifestContextState } from './editor/manifestContext';
import type { ClusterApi } from './editor/clusters';

export interface KubemarkApi extends Partial<ClusterApi> {
  lint: typeof lint;
  /** The values of the context keys that show Deploy This Manifest (editor title, explorer). */
  manifestContext: () => ManifestContextState;
  /** Fires after those context keys were set to new values. */
  onDidChangeManifestContext: vscode.Event<ManifestContextState>;
  /** The extension's log folder (its output channels are written beside it). */
  logDir: string;
}

export async function activate(context: vscode.ExtensionContext): Promise<KubemarkApi> {
  const log = new Log();
  context.subscriptions.push(log);

  // The documents already open are linted just after activation returns, not inside it.
  let started = false;
  const workspace = {
    get textDocuments() {
      return started ? vscode.workspace.textDocuments : [];
    },
    onDidOpenTextDocument: vscode.workspace.onDidOpenTextDocument,
    onDidChangeTextDocument: vscode.workspace.onDidChangeTextDocument,
    onDidCloseTextDocument: vscode.workspace.onDidCloseTextDocument,
    onDidChangeConfiguration: vscode.workspace.onDidChangeConfiguration,
    getConfiguration: (section?: string) => vscode.workspace.getConfiguration(section),
  };
  const diagnostics = new ManifestDiagnostics(workspace);
  // Deploy This Manifest's editor-title button and explorer item show on kubemark manifests only.
  const manifestContext = new ManifestContext();
  setImmediate(() => {
    started = true;
    diagnostics.checkAll();
    manifestContext.start();
  });
  context.subscriptions.push(
    diagnostics,
    manifestContext,
    vscode.languages.registerCodeActionsProvider({ language: 'yaml' }, new ManifestFixes(diagnostics), {
      providedCodeActionKinds: ManifestFixes.kinds,
    }),
  );

  registerCommand(context, log, COMMANDS.showOutput, () => log.show());
  // "Deploy to <workers context>" above hollow-node workloads, without loading the cluster
  // layer: the context is the one remembered (or seeded by a setting) until the layer runs.
  const lenses = new DeployCodeLensProvider(() => (cluster.loaded
    ? cluster.load('the Deploy lens').model.workersContext
    : context.workspaceState.get<string>('kubemark.workersContext') ?? (vscode.workspace.getConfiguration('kubemark').get<string>('workersContext', '') || undefined)));
  context.subscriptions.push(lenses, vscode.languages.registerCodeLensProvider({ language: 'yaml' }, lenses));
  // Once the cluster layer runs, the version-skew rule knows the masters version, and the lens
  // follows the workers context selected.
  const cluster = new LazyCluster(context, log, [COMMANDS.showOutput], undefined, (api) => {
    const update = () => diagnostics.setMastersVersion(api.model.masters?.reach.state === 'reachable' ? api.model.masters.reach.version.gitVersion : undefined);
    context.subscriptions.push(api.model.onDidChange(update), api.model.onDidChange((what) => {
      if (what === 'workers' || what === 'contexts') lenses.refresh();
    }));
    update();
  });
  context.subscriptions.push(cluster);
  log.info('Kubemark Workbench activated');
  // Reading a cluster member loads the cluster layer (tests and other extensions).
  const api = (why: string) => cluster.load(`the extension API (${why})`);
  return {
    lint,
    manifestContext: () => manifestContext.state,
    onDidChangeManifestContext: manifestContext.onDidChange,
    get logDir() {
      return context.logUri.fsPath;
    },
    get model() {
      return api('model').model;
    },
    get logs() {
      return api('logs').logs;
    },
    tree: (depth?: number, expand?: Parameters<ClusterApi['tree']>[1]) => api('tree').tree(depth, expand),
    get onDidRefreshTree() {
      return api('onDidRefreshTree').onDidRefreshTree;
    },
    statusBarText: () => api('statusBarText').statusBarText(),
    get dashboard() {
      return api('dashboard').dashboard;
    },
    get eventLoop() {
      return api('eventLoop').eventLoop;
    },
    listPages: () => api('listPages').listPages(),
  };
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions.
}
