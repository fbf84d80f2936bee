import * as vscode from 'vscode';
import { CONTEXT, TreeNode } from './node';

/** A label/value row under a node (capacity, a label, a taint, a Secret key), optionally with rows under it. */
export class DetailNode extends TreeNode {
  constructor(private readonly id: string, private readonly label: string, private readonly description: string, private readonly children: TreeNode[] = [], private readonly icon?: string) {
    super();
  }

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, this.children.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = this.description;
    item.contextValue = CONTEXT.detail;
    if (this.icon) item.iconPath = new vscode.ThemeIcon(this.icon);
    return item;
  }

  override getChildren(): TreeNode[] {
    return this.children;
  }
}
