import * as vscode from 'vscode';
import { PodRecord } from '../../cluster/records';
import { podDescription, podHealth } from '../../cluster/viewModel';
import { CONTEXT, TreeNode } from './node';
import { ContainerNode } from './containerNode';

const ICON = { ok: ['pass', 'testing.iconPassed'], progress: ['sync~spin', 'foreground'], failed: ['error', 'testing.iconFailed'] } as const;

/** A hollow-node pod in the workers cluster. */
export class PodNode extends TreeNode {
  constructor(readonly record: PodRecord) {
    super();
  }

  getTreeItem(): vscode.TreeItem {
    const p = this.record;
    const item = new vscode.TreeItem(p.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `w:pod:${p.namespace}/${p.name}`;
    item.description = podDescription(p);
    item.contextValue = CONTEXT.pod;
    const [icon, color] = ICON[podHealth(p)];
    item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
    item.tooltip = `${p.namespace}/${p.name}\n${p.status}${p.nodeName ? ` on ${p.nodeName}` : ''}\n${p.containers.map((c) => `${c.name}: ${c.state}${c.restarts ? `, ${c.restarts} restarts` : ''}`).join('\n')}`;
    return item;
  }

  override getChildren(): TreeNode[] {
    return this.record.containers.map((c) => new ContainerNode(this.record, c));
  }
}
