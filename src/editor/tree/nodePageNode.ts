import * as vscode from 'vscode';
import { NodeRecord } from '../../cluster/records';
import { CONTEXT, TreeNode } from './node';
import { FakeNodeNode } from './fakeNodeNode';

/** One page of PAGE_SIZE nodes of a large condition group. */
export class NodePageNode extends TreeNode {
  constructor(private readonly id: string, private readonly label: string, private readonly nodes: NodeRecord[]) {
    super();
  }

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.description = `${this.nodes.length} nodes`;
    item.contextValue = CONTEXT.nodePage;
    return item;
  }

  override getChildren(): TreeNode[] {
    return this.nodes.map((n) => new FakeNodeNode(n));
  }
}
