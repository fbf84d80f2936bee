// The live-cluster half of the extension: model, tree, status bar, logs and their commands.
import * as vscode from 'vscode';
import { KubemarkError } from '../core/errors';
import { statusText } from '../cluster/viewModel';
import { ClusterModel } from './model';
import { Log } from './log';
import { LogsController } from './logsView';
import { ClustersTreeProvider, SnapshotNode, snapshot } from './tree/provider';
import { WorkersClusterNode } from './tree/workersClusterNode';
import { MastersClusterNode } from './tree/mastersClusterNode';
import { COMMANDS } from './commands/ids';
import { registerCommand } from './commands/registry';
import { selectCluster } from './commands/selectCluster';
import { scaffoldCommand } from './commands/scaffold';
import { deployCommand } from './commands/deploy';
import { deleteNotReadyCommand, scaleCommand, stopHollowNodeCommand, teardownCommand } from './commands/manage';
import { tailLogsCommand } from './commands/tailLogs';
import { whyNotReadyCommand } from './commands/whyNotReady';
import { DiagnosisDocuments } from './diagnosis/documents';
import { DashboardController } from './dashboardController';
import { EventLoopMonitor } from './eventLoop';
import { sharedPageDecoder } from '../cluster/pageDecoder';
import { deployManifestCommand } from './commands/deployManifest';

const AGE_REFRESH_MS = 30_000;

/** What tests and other extensions can read. */
export interface ClusterApi {
  model: ClusterModel;
  logs: LogsController;
  /** The tree as rendered, to a depth; `expand` picks the rows to descend into (default: all). */
  tree(depth?: number, expand?: (row: SnapshotNode) => boolean): SnapshotNode[];
  /** Fires after the tree was redrawn (coalesced). */
  onDidRefreshTree: vscode.Event<void>;
  statusBarText(): string | undefined;
  dashboard: DashboardController;
  /** Event-loop delay of the extension host since the last reset (perf_hooks). */
  eventLoop: EventLoopMonitor;
  /** Where the list pages were read so far: on the list worker thread, or on the extension host's (its fallback). */
  listPages(): { offThread: number; inThread: number; workerStarts: number; workerFailures: number };
}

export function activateClusters(context: vscode.ExtensionContext, log: Log): ClusterApi {
  const model = new ClusterModel(context.workspaceState, log);
  const workersNode = new WorkersClusterNode(model);
  const mastersNode = new MastersClusterNode(model);
  // No root at all when no cluster is selected: the view's welcome content shows instead.
  const provider = new ClustersTreeProvider(() => (model.nothingSelected ? [] : [workersNode, mastersNode]));
  const view = vscode.window.createTreeView('kubemark.clusters', { treeDataProvider: provider, showCollapseAll: true });
  const logs = new LogsController(log);
  const status = vscode.window.createStatusBarItem('kubemark.status', vscode.StatusBarAlignment.Left, 100);
  status.name = 'Kubemark';
  status.command = 'kubemark.clusters.focus';
  const refreshed = new vscode.EventEmitter<void>();
  let wasEmpty = model.nothingSelected;
  const updateStatus = () => {
    const text = model.masters ? statusText(model.masters.nodes.items.values()) : undefined;
    if (text) {
      status.text = `$(server) ${text}`;
      status.tooltip = `Hollow nodes in ${model.mastersContext} (other nodes are not counted). Click to open the Kubemark view.`;
      status.show();
    } else status.hide();
  };
  // The status bar follows the tree's coalesced redraws, so both show the same counts.
  context.subscriptions.push(model, provider, view, logs, status, refreshed, provider.onDidChangeTreeData(() => {
    updateStatus();
    refreshed.fire();
  }));
  context.subscriptions.push(
    model.onDidChange((what) => {
      // From no cluster to one (or back): the roots themselves change.
      if (model.nothingSelected !== wasEmpty) {
        wasEmpty = model.nothingSelected;
        provider.refresh();
      } else if (what === 'workers') provider.refresh(workersNode);
      else if (what === 'masters') provider.refresh(mastersNode);
      else provider.refresh();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('kubemark.kubeconfig')) model.load();
      else if (e.affectsConfiguration('kubemark.namespace') || e.affectsConfiguration('kubemark.namespaces') || e.affectsConfiguration('kubemark.hollowNodeSelector')) model.restart('workers');
    }),
  );

  // Pod ages change without watch events: redraw the workers subtree now and then while it has pods.
  const ages = setInterval(() => {
    if (model.workers && model.workers.pods.items.size > 0 && view.visible) provider.refresh(workersNode);
  }, AGE_REFRESH_MS);
  context.subscriptions.push({ dispose: () => clearInterval(ages) });

  registerCommand(context, log, COMMANDS.selectWorkersCluster, selectCluster(model, 'workers'));
  registerCommand(context, log, COMMANDS.selectMastersCluster, selectCluster(model, 'masters'));
  registerCommand(context, log, COMMANDS.refresh, async () => {
    model.load();
    await model.refresh();
  });
  registerCommand(context, log, COMMANDS.scaffold, scaffoldCommand(model));
  registerCommand(context, log, COMMANDS.deploy, deployCommand(model, log));
  registerCommand(context, log, COMMANDS.deployManifest, deployManifestCommand(model, log));

  registerCommand(context, log, COMMANDS.scale, scaleCommand(model));
  registerCommand(context, log, COMMANDS.teardown, teardownCommand(model));
  registerCommand(context, log, COMMANDS.deleteNotReadyNodes, deleteNotReadyCommand(model));
  registerCommand(context, log, COMMANDS.stopHollowNode, stopHollowNodeCommand(model));
  registerCommand(context, log, COMMANDS.tailLogs, tailLogsCommand(model, logs));
  registerCommand(context, log, COMMANDS.stopLogs, () => logs.stop());
  const diagnosis = DiagnosisDocuments.register();
  const dashboard = new DashboardController(model, context.extensionUri, log);
  const eventLoop = new EventLoopMonitor(log);
  context.subscriptions.push(eventLoop);
  context.subscriptions.push(diagnosis.registration, dashboard);
  registerCommand(context, log, COMMANDS.whyNotReady, whyNotReadyCommand(model, diagnosis.documents));
  registerCommand(context, log, COMMANDS.openDashboard, () => {
    if (!model.masters) throw new KubemarkError('Select the masters cluster first (Kubemark: Select Masters Cluster): the dashboard plots its hollow nodes.');
    dashboard.open();
    return dashboard.model.snapshot();
  });

  model.load();
  return {
    model,
    logs,
    tree: (depth = 6, expand?: (row: SnapshotNode) => boolean) => snapshot(provider, depth, undefined, expand),
    onDidRefreshTree: refreshed.event,
    dashboard,
    eventLoop,
    listPages: () => ({ ...sharedPageDecoder().stats }),
    statusBarText: () => (status.text ? status.text.replace(/^\$\([^)]*\)\s*/, '') : undefined),
  };
}
