import * as vscode from 'vscode';
import { groupHollowPods } from '../../cluster/viewModel';
import { OWNER_KINDS } from '../../cluster/state';
import { WorkloadRecord } from '../../cluster/records';
import { CONFIGMAP_NAME, SECRET_NAME } from '../../core/manifest/options';
import { ClusterModel } from '../model';
import { CONTEXT, TreeNode } from './node';
import { MessageNode } from './messageNode';
import { SetupNode } from './setupNode';
import { NamespaceNode } from './namespaceNode';

/** Workers cluster → Setup → namespaces → owners (workloads, bare pods) → pods → containers. */
export class WorkersClusterNode extends TreeNode {
  constructor(private readonly model: ClusterModel) {
    super();
  }

  getTreeItem(): vscode.TreeItem {
    const ctx = this.model.workersContext;
    const state = this.model.workers;
    const item = new vscode.TreeItem(ctx ? `Workers: ${ctx}` : 'Workers cluster', vscode.TreeItemCollapsibleState.Expanded);
    item.id = 'w:root';
    item.contextValue = CONTEXT.workersCluster;
    item.iconPath = new vscode.ThemeIcon('server-environment');
    if (state) {
      const reach = state.reach;
      const version = reach.state === 'reachable' ? reach.version.gitVersion : reach.state === 'error' ? 'unreachable' : 'connecting…';
      item.description = `${version} · ${state.session.server}`;
      const scope = state.scope === undefined ? '' : state.scope.all ? 'Hollow-node pods: every namespace' : `Hollow-node pods: namespace${state.scope.namespaces.length === 1 ? '' : 's'} ${state.scope.namespaces.join(', ')}${state.scope.why === 'forbidden' ? ' (listing every namespace is forbidden)' : ''}`;
      item.tooltip = `Context ${ctx}\nServer ${state.session.server}\nNamespace ${state.namespace}\n${scope}\n${reach.state === 'error' ? reach.error.message : version}`;
    } else {
      item.description = 'not selected';
    }
    return item;
  }

  override getChildren(): TreeNode[] {
    const state = this.model.workers;
    if (this.model.loadError) return [MessageNode.error('w:kubeconfig-error', this.model.loadError)];
    if (!state) {
      return [new MessageNode('w:select', 'Select the workers cluster…', { icon: 'plug', command: { command: 'kubemark.selectWorkersCluster', title: 'Select Workers Cluster' } })];
    }
    const reach = state.reach;
    if (reach.state === 'connecting') return [MessageNode.loading('w:loading', 'workers cluster')];
    if (reach.state === 'error') return [MessageNode.error('w:error', reach.error.message)];
    // Workers = masters: said first, with the remedy in the tooltip.
    const same = this.model.sameCluster;
    const warn = same ? [new MessageNode('w:same-cluster', same.message, { icon: 'warning', color: 'problemsWarningIcon.foreground', tooltip: `${same.message}\n\n${same.remedy.join('\n')}` })] : [];
    const watches = [state.namespaces, state.configMaps, state.secrets, ...state.workloadStores];
    // A watch in error gets its own row above what is known; the rest of the tree stays.
    const errors = [...new Set(watches.filter((w) => w.state === 'error' && w.error).map((w) => w.error!.message))]
      .map((m, i) => MessageNode.error(`w:watch-error-${i}`, m));
    if (!state.scope || watches.some((w) => w.state === 'loading')) return [...warn, ...errors, MessageNode.loading('w:loading', 'hollow-node pods')];
    const setup = new SetupNode({
      namespace: state.namespace,
      ...(state.namespaces.items.get(state.namespace) ? { ns: state.namespaces.items.get(state.namespace)! } : {}),
      ...(state.configMaps.items.get(`${state.namespace}/${CONFIGMAP_NAME}`) ? { configMap: state.configMaps.items.get(`${state.namespace}/${CONFIGMAP_NAME}`)! } : {}),
      ...(state.secrets.items.get(`${state.namespace}/${SECRET_NAME}`) ? { secret: state.secrets.items.get(`${state.namespace}/${SECRET_NAME}`)! } : {}),
    });
    const workloads: WorkloadRecord[] = OWNER_KINDS.flatMap((k) => [...state.owners[k].items.values()]);
    const groups = groupHollowPods(state.pods.items.values(), workloads, state.scope.all ? [] : state.scope.namespaces);
    if (groups.length === 0) {
      return [...warn, ...errors, setup, new MessageNode('w:empty', 'No hollow nodes yet', { icon: 'rocket', description: 'Deploy Hollow Nodes', command: { command: 'kubemark.deploy', title: 'Deploy Hollow Nodes' } })];
    }
    return [...warn, ...errors, setup, ...groups.map((g) => new NamespaceNode(g))];
  }
}
