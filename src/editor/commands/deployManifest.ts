// "Kubemark: Deploy This Manifest": the file in the editor (or picked in the explorer, or given
// as text) applied as it is to the workers cluster, then followed until its fake nodes are Ready.
import * as vscode from 'vscode';
import { CancelledError, KubemarkError } from '../../core/errors';
import { KubeconfigExportError, exportStandaloneKubeconfig } from '../../core/kubeconfig';
import { LintFailedError, ManifestDeployResult, deployManifest } from '../../cluster/deployManifest';
import { ClusterModel } from '../model';
import { lintOptionsOf } from '../diagnostics';
import { Log } from '../log';
import { ActionableError } from './registry';
import { optionsOf, requireSession, withCancellableProgress } from './common';

export interface DeployManifestOptions {
  /** The file (a Uri, or its path or URI string); the editor's text is used when it is open. */
  uri?: vscode.Uri | string;
  /** The manifest itself, instead of a file. */
  text?: string;
  /** Go on past lint, kubeconfig and preflight warnings without asking. */
  allowWarnings?: boolean;
  timeoutSeconds?: number;
  throwOnError?: boolean;
}

export type DeployManifestResult = Pick<ManifestDeployResult, 'applied' | 'ready' | 'desired' | 'nodes'> & Partial<ManifestDeployResult>;

async function manifestText(o: DeployManifestOptions, arg: unknown): Promise<{ text: string; name: string; uri?: vscode.Uri }> {
  if (o.text !== undefined) return { text: o.text, name: 'the given manifest' };
  const given = arg instanceof vscode.Uri ? arg : typeof o.uri === 'string' ? (/^[a-z][\w+.-]+:/i.test(o.uri) && !/^[a-z]:\\/i.test(o.uri) ? vscode.Uri.parse(o.uri) : vscode.Uri.file(o.uri)) : o.uri;
  const uri = given ?? vscode.window.activeTextEditor?.document.uri;
  if (!uri) throw new KubemarkError('Open a kubemark manifest (YAML) first, or pass { uri } or { text }.');
  // The editor's text when the file is open (unsaved changes included): what the user sees is what is deployed.
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  let text: string;
  if (open) text = open.getText();
  else {
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      throw new KubemarkError(`Cannot read ${uri.fsPath || uri.toString()}: check that the file exists.`);
    }
  }
  return { text, name: vscode.workspace.asRelativePath(uri), uri };
}

export function deployManifestCommand(model: ClusterModel, log: Log) {
  return async (arg?: unknown): Promise<DeployManifestResult> => {
    const o = optionsOf<DeployManifestOptions>(arg, (a) => a instanceof vscode.Uri || Array.isArray(a)) ?? {};
    const interactive = optionsOf<DeployManifestOptions>(arg, (a) => a instanceof vscode.Uri || Array.isArray(a)) === undefined;
    const workers = requireSession(model, 'workers');
    const masters = requireSession(model, 'masters');
    const { text, name } = await manifestText(o, arg);
    const config = vscode.workspace.getConfiguration('kubemark');
    const timeoutMs = (o.timeoutSeconds ?? config.get<number>('deploy.timeoutSeconds', 600)) * 1000;
    const lab = model.lab();
    if (lab) log.info(`deploy manifest: the selected clusters are the local lab (${lab.dir})`);
    const mastersKubeconfig = () => {
      try {
        const r = exportStandaloneKubeconfig(model.kc!, masters.context);
        return { yaml: r.yaml, warnings: r.warnings };
      } catch (err) {
        if (err instanceof KubeconfigExportError) throw new KubemarkError(`Cannot build the hollow nodes' kubeconfig Secret from context ${masters.context}: ${err.message}`);
        throw err;
      }
    };
    // One question with every warning (lint, kubeconfig, preflight), only when someone is there to answer.
    const confirm = interactive
      ? async (warnings: string[]) => {
        const shown = warnings.slice(0, 12).map((w) => `• ${w}`).join('\n') + (warnings.length > 12 ? `\n… and ${warnings.length - 12} more (see the Kubemark output)` : '');
        const go = await vscode.window.showWarningMessage(`Deploy ${name} to ${workers.context} despite ${warnings.length} warning${warnings.length === 1 ? '' : 's'}?`, { modal: true, detail: shown }, 'Deploy Anyway');
        return go === 'Deploy Anyway';
      }
      : undefined;
    let result: ManifestDeployResult;
    try {
      result = await withCancellableProgress(`Kubemark: deploying ${name}`, (progress, token) =>
        deployManifest(workers, masters, {
          text,
          // As the Problems panel lints it: the user's extra flags, and the masters version.
          lintOptions: lintOptionsOf(config, model.masters?.reach.state === 'reachable' ? model.masters.reach.version.gitVersion : undefined),
          defaultNamespace: model.namespace,
          timeoutMs,
          ...(o.allowWarnings ? { allowWarnings: true } : {}),
          ...(confirm ? { confirm } : {}),
          mastersKubeconfig,
          ...(lab ? { lab: true } : {}),
          log: (m) => log.info(`deploy manifest: ${m}`),
          ...(model.masters ? { nodes: model.masters.nodes } : {}),
          pods: (ns) => (model.workers?.covers(ns) ? model.workers.pods : undefined),
        }, (message, done, total) => {
          log.info(`deploy manifest: ${message}`);
          progress(message, done, total);
        }, token),
      );
    } catch (err) {
      if (err instanceof LintFailedError) {
        for (const f of err.findings) log.warn(`deploy manifest: ${name} line ${f.range.start.line + 1}: ${f.message}`);
        throw new ActionableError(err.message, [{ title: 'Show Problems', command: 'workbench.actions.view.problems' }]);
      }
      if (err instanceof CancelledError) throw err;
      throw err;
    }
    const created = result.created.length ? ` Created first: ${result.created.join(', ')}.` : '';
    void vscode.window.showInformationMessage(`Kubemark: ${result.ready}/${result.desired} fake nodes Ready in ${masters.context} (${result.applied.length} objects applied from ${name}).${created}`);
    return result;
  };
}
