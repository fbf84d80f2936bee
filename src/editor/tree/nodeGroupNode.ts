import * as vscode from 'vscode';
import { Condition, NodeRecord } from '../../cluster/records';
import { PAGE_SIZE, conditionLabel, paginate } from '../../cluster/viewModel';
import { CONTEXT, TreeNode } from './node';
import { FakeNodeNode } from './fakeNodeNode';
import { NodePageNode } from './nodePageNode';

const EXPAND_UP_TO = 20;

/** Nodes of one condition; pages of PAGE_SIZE when there are more. */
export class NodeGroupNode extends TreeNode {
  constructor(readonly condition: Condition, readonly nodes: NodeRecord[]) {
    super();
  }

  getTreeItem(): vscode.TreeItem {
    // Small groups open by themselves; a large Ready group stays closed until asked.
    const open = this.condition !== 'Ready' || this.nodes.length <= EXPAND_UP_TO;
    const item = new vscode.TreeItem(conditionLabel(this.condition, this.nodes.length), open ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `m:group:${this.condition}`;
    item.contextValue = this.condition === 'Ready' ? CONTEXT.nodeGroupReady : CONTEXT.nodeGroup;
    item.iconPath = new vscode.ThemeIcon(this.condition === 'Ready' ? 'pass' : this.condition === 'NotReady' ? 'error' : 'warning');
    return item;
  }

  override getChildren(): TreeNode[] {
    if (this.nodes.length <= PAGE_SIZE) return this.nodes.map((n) => new FakeNodeNode(n));
    return paginate(this.nodes, (n) => n.name).map((p) => new NodePageNode(`m:group:${this.condition}:page:${p.index}`, p.label, p.items));
  }
}
