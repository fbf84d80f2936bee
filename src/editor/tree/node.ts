import * as vscode from 'vscode';

/** One abstract node: renders a record the stores already hold; never fetches. */
export abstract class TreeNode {
  abstract getTreeItem(): vscode.TreeItem;

  getChildren(): TreeNode[] {
    return [];
  }
}

/**
 * Stable contextValue tokens used by package.json menus (`viewItem == …`). Documented in the
 * README; never built by concatenation.
 */
export const CONTEXT = {
  workersCluster: 'kubemark.workersCluster',
  mastersCluster: 'kubemark.mastersCluster',
  setup: 'kubemark.setup',
  setupItem: 'kubemark.setupItem',
  namespace: 'kubemark.namespace',
  statefulSet: 'kubemark.statefulSet',
  replicationController: 'kubemark.replicationController',
  deployment: 'kubemark.deployment',
  replicaSet: 'kubemark.replicaSet',
  daemonSet: 'kubemark.daemonSet',
  otherOwner: 'kubemark.otherOwner',
  barePods: 'kubemark.barePods',
  podPage: 'kubemark.podPage',
  pod: 'kubemark.pod',
  container: 'kubemark.container',
  hollowNodes: 'kubemark.hollowNodes',
  otherNodes: 'kubemark.otherNodes',
  nodeGroup: 'kubemark.nodeGroup',
  nodeGroupReady: 'kubemark.nodeGroupReady',
  nodePage: 'kubemark.nodePage',
  /** A fake Node a hollow kubelet registered. */
  node: 'kubemark.node',
  /** A Node of the masters cluster that no hollow kubelet registered (under "Other nodes"). */
  otherNode: 'kubemark.otherNode',
  detail: 'kubemark.detail',
  message: 'kubemark.message',
} as const;
