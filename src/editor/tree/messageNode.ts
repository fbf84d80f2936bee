import * as vscode from 'vscode';
import { CONTEXT, TreeNode } from './node';

export interface MessageOptions {
  icon?: string;
  description?: string;
  tooltip?: string;
  command?: vscode.Command;
  color?: string;
}

/** Loading, error (with a next step), empty and hint rows. */
export class MessageNode extends TreeNode {
  constructor(private readonly id: string, private readonly label: string, private readonly options: MessageOptions = {}) {
    super();
  }

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.contextValue = CONTEXT.message;
    if (this.options.icon) item.iconPath = new vscode.ThemeIcon(this.options.icon, this.options.color ? new vscode.ThemeColor(this.options.color) : undefined);
    if (this.options.description) item.description = this.options.description;
    item.tooltip = this.options.tooltip ?? this.label;
    if (this.options.command) item.command = this.options.command;
    return item;
  }

  static loading(id: string, what: string): MessageNode {
    return new MessageNode(id, `Loading ${what}…`, { icon: 'loading~spin' });
  }

  static error(id: string, message: string): MessageNode {
    return new MessageNode(id, message, {
      icon: 'error',
      color: 'errorForeground',
      tooltip: `${message}\n\nClick to retry.`,
      command: { command: 'kubemark.refresh', title: 'Refresh' },
    });
  }
}
