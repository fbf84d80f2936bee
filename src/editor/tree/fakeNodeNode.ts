import * as vscode from 'vscode';
import { NodeRecord } from '../../cluster/records';
import { capacitySummary, nodeDescription } from '../../cluster/viewModel';
import { CONTEXT, TreeNode } from './node';
import { DetailNode } from './detailNode';

const ICON: Record<NodeRecord['condition'], [string, string]> = {
  Ready: ['vm-active', 'testing.iconPassed'],
  NotReady: ['vm-outline', 'testing.iconFailed'],
  Unknown: ['question', 'problemsWarningIcon.foreground'],
};

/** A Node in the masters cluster: a fake one (a hollow kubelet registered it), or one under "Other nodes". */
export class FakeNodeNode extends TreeNode {
  constructor(readonly record: NodeRecord) {
    super();
  }

  getTreeItem(): vscode.TreeItem {
    const n = this.record;
    const item = new vscode.TreeItem(n.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `m:node:${n.name}`;
    item.description = nodeDescription(n);
    // Why Not Ready? is offered on fake nodes only: the nodes under "Other nodes" get their own token.
    item.contextValue = n.hollow ? CONTEXT.node : CONTEXT.otherNode;
    const [icon, color] = ICON[n.condition];
    item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${n.name}** — ${n.condition}${n.reason ? ` (${n.reason})` : ''}\n\n`);
    md.appendMarkdown(`kubelet ${n.kubeletVersion || 'unknown'}\n\n`);
    md.appendMarkdown(`capacity: ${capacitySummary(n)}\n\n`);
    const labels = Object.entries(n.labels);
    if (labels.length) md.appendMarkdown(`labels: ${labels.map(([k, v]) => `\`${k}=${v}\``).join(', ')}\n\n`);
    if (n.taints.length) md.appendMarkdown(`taints: ${n.taints.map((t) => `\`${t}\``).join(', ')}`);
    item.tooltip = md;
    return item;
  }

  override getChildren(): TreeNode[] {
    const n = this.record;
    const id = `m:node:${n.name}`;
    const rows: TreeNode[] = [new DetailNode(`${id}:capacity`, 'Capacity', capacitySummary(n), [], 'server')];
    const labels = Object.entries(n.labels).sort(([a], [b]) => a.localeCompare(b));
    rows.push(new DetailNode(`${id}:labels`, 'Labels', String(labels.length), labels.map(([k, v]) => new DetailNode(`${id}:label:${k}`, k, v)), 'tag'));
    rows.push(new DetailNode(`${id}:taints`, 'Taints', n.taints.length ? n.taints.join(', ') : 'none', n.taints.map((t) => new DetailNode(`${id}:taint:${t}`, t, '')), 'shield'));
    return rows;
  }
}
