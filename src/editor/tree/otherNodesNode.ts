import * as vscode from 'vscode';
import { NodeRecord } from '../../cluster/records';
import { PAGE_SIZE, paginate } from '../../cluster/viewModel';
import { CONTEXT, TreeNode } from './node';
import { FakeNodeNode } from './fakeNodeNode';
import { NodePageNode } from './nodePageNode';

/** "Other nodes (m)": the masters cluster's nodes that no hollow kubelet registered (never deleted from here). */
export class OtherNodesNode extends TreeNode {
  /** @param nodes in name order (MastersClusterNode sorts them). */
  constructor(readonly nodes: NodeRecord[]) {
    super();
  }

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(`Other nodes (${this.nodes.length.toLocaleString('en-US')})`, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = 'm:other';
    item.contextValue = CONTEXT.otherNodes;
    item.iconPath = new vscode.ThemeIcon('server');
    item.tooltip = 'Nodes of the masters cluster not registered by a hollow kubelet (real or other simulated nodes).';
    return item;
  }

  override getChildren(): TreeNode[] {
    const nodes = this.nodes;
    if (nodes.length <= PAGE_SIZE) return nodes.map((n) => new FakeNodeNode(n));
    return paginate(nodes, (n) => n.name).map((p) => new NodePageNode(`m:other:page:${p.index}`, p.label, p.items));
  }
}
