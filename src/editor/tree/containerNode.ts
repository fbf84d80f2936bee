import * as vscode from 'vscode';
import { ContainerRecord, PodRecord } from '../../cluster/records';
import { CONTEXT, TreeNode } from './node';

/** A container of a hollow-node pod (hollow-kubelet, hollow-proxy): Tail Logs works on it. */
export class ContainerNode extends TreeNode {
  constructor(readonly pod: PodRecord, readonly record: ContainerRecord) {
    super();
  }

  getTreeItem(): vscode.TreeItem {
    const c = this.record;
    const item = new vscode.TreeItem(c.name, vscode.TreeItemCollapsibleState.None);
    item.id = `w:container:${this.pod.namespace}/${this.pod.name}/${c.name}`;
    item.description = `${c.state}${c.restarts ? ` · ${c.restarts} restarts` : ''}`;
    item.contextValue = CONTEXT.container;
    item.iconPath = new vscode.ThemeIcon(c.ready ? 'circle-filled' : 'circle-outline');
    return item;
  }
}
