import * as vscode from 'vscode';
import { Condition, NodeRecord, countByCondition } from '../../cluster/records';
import { byCondition } from '../../cluster/viewModel';
import { CONTEXT, TreeNode } from './node';
import { MessageNode } from './messageNode';
import { NodeGroupNode } from './nodeGroupNode';

const CONDITIONS: Condition[] = ['Ready', 'NotReady', 'Unknown'];

/** "Hollow nodes (n)": nodes registered by hollow kubelets, by condition. */
export class HollowNodesNode extends TreeNode {
  /** @param nodes in name order (MastersClusterNode sorts them). */
  constructor(readonly nodes: NodeRecord[]) {
    super();
  }

  getTreeItem(): vscode.TreeItem {
    const c = countByCondition(this.nodes);
    const item = new vscode.TreeItem(`Hollow nodes (${this.nodes.length.toLocaleString('en-US')})`, vscode.TreeItemCollapsibleState.Expanded);
    item.id = 'm:hollow';
    item.description = `${c.Ready}/${this.nodes.length} Ready`;
    item.contextValue = CONTEXT.hollowNodes;
    item.iconPath = new vscode.ThemeIcon('vm');
    item.tooltip = 'Nodes registered by hollow kubelets (their container runtime is kubemark\'s fake runtime).';
    return item;
  }

  override getChildren(): TreeNode[] {
    if (this.nodes.length === 0) return [new MessageNode('m:hollow:empty', 'No hollow nodes registered yet', { icon: 'info' })];
    const groups = byCondition(this.nodes);
    return CONDITIONS.map((c) => new NodeGroupNode(c, groups[c])).filter((g, i) => i === 0 || g.nodes.length > 0);
  }
}
