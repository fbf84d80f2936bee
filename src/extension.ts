// Composition root: builds the services, registers commands, views and providers, returns.
// Nothing runs at import time.
import * as vscode from 'vscode';
import { lint } from './core/rules';
import { ManifestDiagnostics, ManifestFixes } from './editor/diagnostics';
import { Log } from './editor/log';
import { COMMANDS } from './editor/commands/ids';
import { registerCommand } from './editor/commands/registry';
import { newManifestCommand } from './editor/commands/newManifest';
import { activateClusters, ClusterApi } from './editor/clusters';

export interface KubemarkApi extends Partial<ClusterApi> {
  lint: typeof lint;
  /** The extension's log folder (its output channels are written beside it). */
  logDir: string;
}

export async function activate(context: vscode.ExtensionContext): Promise<KubemarkApi> {
  const log = new Log();
  context.subscriptions.push(log);

  const diagnostics = new ManifestDiagnostics(vscode.workspace);
  context.subscriptions.push(
    diagnostics,
    vscode.languages.registerCodeActionsProvider({ language: 'yaml' }, new ManifestFixes(diagnostics), {
      providedCodeActionKinds: ManifestFixes.kinds,
    }),
  );

  const clusters = activateClusters(context, log);
  const mastersVersion = () => (clusters.model.masters?.reach.state === 'reachable' ? clusters.model.masters.reach.version : undefined);
  registerCommand(context, log, COMMANDS.newManifest, newManifestCommand(mastersVersion));
  registerCommand(context, log, COMMANDS.showOutput, () => log.show());
  log.info('Kubemark Workbench activated');
  return { lint, logDir: context.logUri.fsPath, ...clusters };
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions.
}
