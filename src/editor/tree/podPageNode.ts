import * as vscode from 'vscode';
import { PodRecord } from '../../cluster/records';
import { CONTEXT, TreeNode } from './node';
import { PodNode } from './podNode';

export class PodPageNode extends TreeNode {
  constructor(private readonly id: string, private readonly label: string, private readonly pods: PodRecord[]) {
    super();
  }

  getTreeItem(): vscode.TreeItem {
    const ready = this.pods.filter((p) => p.phase === 'Running' && p.readyContainers === p.containers.length).length;
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.description = `${ready}/${this.pods.length} ready`;
    item.contextValue = CONTEXT.podPage;
    return item;
  }

  override getChildren(): TreeNode[] {
    return this.pods.map((p) => new PodNode(p));
  }
}
