/** Every command the extension contributes, once. A unit test keeps this and package.json in step. */
export const COMMANDS = {
  deploy: 'kubemark.deploy',
  deployManifest: 'kubemark.deployManifest',
  newManifest: 'kubemark.newManifest',
  scaffold: 'kubemark.scaffold',
  scale: 'kubemark.scale',
  teardown: 'kubemark.teardown',
  deleteNotReadyNodes: 'kubemark.deleteNotReadyNodes',
  stopHollowNode: 'kubemark.stopHollowNode',
  tailLogs: 'kubemark.tailLogs',
  stopLogs: 'kubemark.stopLogs',
  selectWorkersCluster: 'kubemark.selectWorkersCluster',
  selectMastersCluster: 'kubemark.selectMastersCluster',
  refresh: 'kubemark.refresh',
  showOutput: 'kubemark.showOutput',
  whyNotReady: 'kubemark.whyNotReady',
  openDashboard: 'kubemark.openDashboard',
} as const;

export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS];

export const COMMAND_TITLES: Record<CommandId, string> = {
  'kubemark.deploy': 'Deploy Hollow Nodes',
  'kubemark.deployManifest': 'Deploy This Manifest',
  'kubemark.newManifest': 'New Hollow Node Manifest',
  'kubemark.scaffold': 'Scaffold Config and Secret',
  'kubemark.scale': 'Scale Hollow Nodes',
  'kubemark.teardown': 'Tear Down',
  'kubemark.deleteNotReadyNodes': 'Delete NotReady Nodes',
  'kubemark.stopHollowNode': 'Stop Hollow Node',
  'kubemark.tailLogs': 'Tail Logs',
  'kubemark.stopLogs': 'Stop Tailing Logs',
  'kubemark.selectWorkersCluster': 'Select Workers Cluster',
  'kubemark.selectMastersCluster': 'Select Masters Cluster',
  'kubemark.refresh': 'Refresh',
  'kubemark.showOutput': 'Show Output',
  'kubemark.whyNotReady': 'Why Not Ready?',
  'kubemark.openDashboard': 'Open Dashboard',
};
