import * as vscode from 'vscode';
import { TreeNode } from './node';

const COALESCE_MS = 250;

/**
 * The Kubemark view. Watch events arrive in bursts (5,000 nodes registering); refreshes are
 * coalesced per root, at most one per COALESCE_MS.
 */
export class ClustersTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly pending = new Set<TreeNode | undefined>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly roots: () => TreeNode[]) {}

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return node.getTreeItem();
  }

  getChildren(node?: TreeNode): TreeNode[] {
    return node ? node.getChildren() : this.roots();
  }

  /** Redraws a subtree (or everything), coalesced. */
  refresh(node?: TreeNode): void {
    this.pending.add(node);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const all = this.pending.has(undefined);
      const nodes = [...this.pending];
      this.pending.clear();
      if (all) this.emitter.fire(undefined);
      else for (const n of nodes) this.emitter.fire(n);
    }, COALESCE_MS);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.emitter.dispose();
  }
}

export interface SnapshotNode {
  label: string;
  description?: string;
  tooltip?: string;
  contextValue?: string;
  children?: SnapshotNode[];
}

/**
 * The tree as VS Code would render it, to a depth: for tests and for the extension API.
 * `expand`, when given, says which rows to descend into (a benchmark looking for one row among
 * 5,000 walks one path instead of building every page).
 */
export function snapshot(provider: ClustersTreeProvider, depth: number, node?: TreeNode, expand?: (row: SnapshotNode) => boolean): SnapshotNode[] {
  return provider.getChildren(node).map((child) => {
    const item = child.getTreeItem();
    const label = typeof item.label === 'string' ? item.label : item.label?.label ?? '';
    const out: SnapshotNode = { label };
    if (typeof item.description === 'string') out.description = item.description;
    if (item.tooltip) out.tooltip = typeof item.tooltip === 'string' ? item.tooltip : item.tooltip.value;
    if (item.contextValue) out.contextValue = item.contextValue;
    if (depth > 1 && item.collapsibleState !== vscode.TreeItemCollapsibleState.None && (!expand || expand(out))) out.children = snapshot(provider, depth - 1, child, expand);
    return out;
  });
}
