import * as vscode from 'vscode';
import { NamespaceGroup } from '../../cluster/viewModel';
import { CONTEXT, TreeNode } from './node';
import { MessageNode } from './messageNode';
import { WorkloadNode } from './workloadNode';

/** A namespace of the workers cluster that holds hollow-node pods (or is set in kubemark.namespaces). */
export class NamespaceNode extends TreeNode {
  constructor(readonly group: NamespaceGroup) {
    super();
  }

  getTreeItem(): vscode.TreeItem {
    const g = this.group;
    const item = new vscode.TreeItem(g.namespace, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `w:ns:${g.namespace}`;
    item.description = `${g.pods.toLocaleString('en-US')} hollow-node pod${g.pods === 1 ? '' : 's'}`;
    item.contextValue = CONTEXT.namespace;
    item.iconPath = new vscode.ThemeIcon('symbol-namespace');
    item.tooltip = `Namespace ${g.namespace}: ${g.owners.length} owner${g.owners.length === 1 ? '' : 's'}, ${g.pods} hollow-node pods`;
    return item;
  }

  override getChildren(): TreeNode[] {
    if (this.group.owners.length === 0) return [new MessageNode(`w:ns:${this.group.namespace}:empty`, 'No hollow nodes', { icon: 'info' })];
    return this.group.owners.map((o) => new WorkloadNode(o));
  }
}
