import * as vscode from 'vscode';
import { OwnerGroup, PAGE_SIZE, ownerDescription, paginate, sortByName } from '../../cluster/viewModel';
import { CONTEXT, TreeNode } from './node';
import { PodNode } from './podNode';
import { PodPageNode } from './podPageNode';
import { MessageNode } from './messageNode';

/** contextValue by owner kind: menus offer Scale on the scalable ones, Tear Down on all. */
const CONTEXT_OF: Record<string, string> = {
  StatefulSet: CONTEXT.statefulSet,
  ReplicationController: CONTEXT.replicationController,
  Deployment: CONTEXT.deployment,
  ReplicaSet: CONTEXT.replicaSet,
  DaemonSet: CONTEXT.daemonSet,
};

const ICON: Record<string, string> = { StatefulSet: 'layers', ReplicationController: 'copy', Deployment: 'rocket', ReplicaSet: 'copy', DaemonSet: 'server-process' };

/** The owner of hollow-node pods (a workload, or "bare pods"): ready / desired, and its pods (paged past PAGE_SIZE). */
export class WorkloadNode extends TreeNode {
  constructor(readonly group: OwnerGroup) {
    super();
  }

  /** The workload as its informer holds it; Scale and Tear Down use it. */
  get record() {
    return this.group.record;
  }

  private get id(): string {
    return `w:owner:${this.group.namespace}/${this.group.kind ?? ''}/${this.group.name}`;
  }

  getTreeItem(): vscode.TreeItem {
    const g = this.group;
    const item = new vscode.TreeItem(g.name, vscode.TreeItemCollapsibleState.Expanded);
    item.id = this.id;
    item.description = ownerDescription(g);
    item.contextValue = g.kind === undefined ? CONTEXT.barePods : CONTEXT_OF[g.kind] ?? CONTEXT.otherOwner;
    const done = g.record ? g.record.ready === g.record.desired : g.pods.every((p) => p.readyContainers === p.containers.length);
    item.iconPath = new vscode.ThemeIcon(g.kind ? ICON[g.kind] ?? 'symbol-class' : 'symbol-misc', new vscode.ThemeColor(done ? 'testing.iconPassed' : 'foreground'));
    item.tooltip = g.record
      ? `${g.kind} ${g.namespace}/${g.name}: ${g.record.ready} of ${g.record.desired} hollow nodes ready (${g.record.current} pods)${g.record.managedByUs ? '\nDeployed by Kubemark Workbench' : ''}`
      : g.kind
        ? `${g.kind} ${g.namespace}/${g.name} (not watched): ${g.pods.length} hollow-node pods`
        : `Hollow-node pods in ${g.namespace} without a controller`;
    return item;
  }

  override getChildren(): TreeNode[] {
    const pods = sortByName(this.group.pods);
    if (pods.length === 0) return [new MessageNode(`${this.id}:empty`, 'No pods', { description: this.group.record?.desired ? 'starting…' : 'scaled to 0' })];
    if (pods.length <= PAGE_SIZE) return pods.map((p) => new PodNode(p));
    return paginate(pods, (p) => p.name).map((page) => new PodPageNode(`${this.id}:page:${page.index}`, page.label, page.items));
  }
}
