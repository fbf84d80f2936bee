import * as vscode from 'vscode';
import { countByCondition } from '../../cluster/records';
import { NameOrder, splitHollow } from '../../cluster/viewModel';
import { MastersState } from '../../cluster/state';
import { NodeRecord } from '../../cluster/records';
import { ClusterModel } from '../model';
import { CONTEXT, TreeNode } from './node';
import { MessageNode } from './messageNode';
import { HollowNodesNode } from './hollowNodesNode';
import { OtherNodesNode } from './otherNodesNode';

/** Masters cluster → "Hollow nodes (n)" by condition → (pages) → nodes; "Other nodes (m)" apart. */
export class MastersClusterNode extends TreeNode {
  /** The nodes in name order, kept across redraws of the same state (sorted again only when names change). */
  private order: { state: MastersState; order: NameOrder<NodeRecord> } | undefined;

  constructor(private readonly model: ClusterModel) {
    super();
  }

  private sorted(state: MastersState): NodeRecord[] {
    if (this.order?.state !== state) this.order = { state, order: new NameOrder(state.nodes) };
    return this.order.order.sorted();
  }

  getTreeItem(): vscode.TreeItem {
    const ctx = this.model.mastersContext;
    const state = this.model.masters;
    const item = new vscode.TreeItem(ctx ? `Masters: ${ctx}` : 'Masters cluster', vscode.TreeItemCollapsibleState.Expanded);
    item.id = 'm:root';
    item.contextValue = CONTEXT.mastersCluster;
    item.iconPath = new vscode.ThemeIcon('server');
    if (state) {
      const reach = state.reach;
      const c = countByCondition(splitHollow(state.nodes.items.values()).hollow);
      const version = reach.state === 'reachable' ? reach.version.gitVersion : reach.state === 'error' ? 'unreachable' : 'connecting…';
      item.description = `${version} · ${c.Ready}/${c.Ready + c.NotReady + c.Unknown} Ready`;
      item.tooltip = `Context ${ctx}\nServer ${state.session.server}\n${reach.state === 'error' ? reach.error.message : version}`;
    } else {
      item.description = 'not selected';
    }
    return item;
  }

  override getChildren(): TreeNode[] {
    const state = this.model.masters;
    if (this.model.loadError) return [];
    if (!state) {
      return [new MessageNode('m:select', 'Select the masters cluster…', { icon: 'plug', command: { command: 'kubemark.selectMastersCluster', title: 'Select Masters Cluster' } })];
    }
    const reach = state.reach;
    if (reach.state === 'connecting') return [MessageNode.loading('m:loading', 'masters cluster')];
    if (reach.state === 'error') return [MessageNode.error('m:error', reach.error.message)];
    const errors = state.nodes.state === 'error' && state.nodes.error ? [MessageNode.error('m:watch-error', state.nodes.error.message)] : [];
    if (state.nodes.state === 'loading') return [...errors, MessageNode.loading('m:loading', 'nodes')];
    if (errors.length && state.nodes.items.size === 0) return errors;
    if (state.nodes.items.size === 0) return [new MessageNode('m:empty', 'No nodes registered yet', { icon: 'info' })];
    // Sorted once here; the groups and pages below keep this order.
    const { hollow, other } = splitHollow(this.sorted(state));
    return [...errors, new HollowNodesNode(hollow), ...(other.length ? [new OtherNodesNode(other)] : [])];
  }
}
