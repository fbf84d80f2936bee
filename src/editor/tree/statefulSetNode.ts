import * as vscode from 'vscode';
import { PodRecord, StatefulSetRecord } from '../../cluster/records';
import { PAGE_SIZE, paginate, sortByName, statefulSetDescription } from '../../cluster/viewModel';
import { CONTEXT, TreeNode } from './node';
import { PodNode } from './podNode';
import { PodPageNode } from './podPageNode';
import { MessageNode } from './messageNode';

/** The hollow-node StatefulSet: ready / desired, and its pods (paged past PAGE_SIZE). */
export class StatefulSetNode extends TreeNode {
  constructor(readonly record: StatefulSetRecord, private readonly pods: PodRecord[]) {
    super();
  }

  getTreeItem(): vscode.TreeItem {
    const s = this.record;
    const item = new vscode.TreeItem(s.name, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `w:sts:${s.namespace}/${s.name}`;
    item.description = statefulSetDescription(s);
    item.contextValue = CONTEXT.statefulSet;
    item.iconPath = new vscode.ThemeIcon('layers', new vscode.ThemeColor(s.ready === s.desired ? 'testing.iconPassed' : 'foreground'));
    item.tooltip = `StatefulSet ${s.namespace}/${s.name}: ${s.ready} of ${s.desired} hollow nodes ready (${s.current} pods)`;
    return item;
  }

  override getChildren(): TreeNode[] {
    const pods = sortByName(this.pods);
    if (pods.length === 0) return [new MessageNode(`w:sts:${this.record.name}:empty`, 'No pods', { description: this.record.desired ? 'starting…' : 'scaled to 0' })];
    if (pods.length <= PAGE_SIZE) return pods.map((p) => new PodNode(p));
    return paginate(pods, (p) => p.name).map((page) => new PodPageNode(`w:sts:${this.record.name}:page:${page.index}`, page.label, page.items));
  }
}
