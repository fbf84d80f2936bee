import * as vscode from 'vscode';
import { KubemarkError } from '../../core/errors';
import { HollowNodeOptions, withDefaults } from '../../core/manifest';
import { DeployResult, deploy } from '../../cluster/services';
import { PreflightCheck, defaultImage } from '../../cluster/preflight';
import { ClusterModel } from '../model';
import { Log } from '../log';
import { TreeNode } from '../tree/node';
import { askImage, askReplicas } from './newManifest';
import { redactSecretData } from '../../core/redact';
import { mastersKubeconfig, optionsOf, requireSession, withCancellableProgress } from './common';

export interface DeployCommandOptions extends Partial<Omit<HollowNodeOptions, 'mastersKubeconfig' | 'namespace'>> {
  /** Open the manifest for review before applying (interactive runs ask). */
  review?: boolean;
  /** Go on past preflight warnings and masters kubeconfig warnings without asking. */
  allowWarnings?: boolean;
  skipPreflight?: boolean;
  timeoutSeconds?: number;
  throwOnError?: boolean;
}

/** "Kubemark: Deploy Hollow Nodes". */
export function deployCommand(model: ClusterModel, log: Log) {
  return async (arg?: unknown): Promise<DeployResult> => {
    const o = optionsOf<DeployCommandOptions>(arg, (a) => a instanceof TreeNode);
    const interactive = o === undefined;
    const opts: DeployCommandOptions = o ?? {};
    const workers = requireSession(model, 'workers');
    const masters = requireSession(model, 'masters');
    const config = vscode.workspace.getConfiguration('kubemark');
    const mastersVersion = model.masters?.reach.state === 'reachable' ? model.masters.reach.version : undefined;
    const image = opts.image ?? (await askImage(defaultImage(config.get<string>('image', ''), mastersVersion)));
    const replicas = opts.replicas ?? (await askReplicas(config.get<number>('replicas', 3)));
    const kubeconfig = await mastersKubeconfig(model, opts.allowWarnings);
    const { review, allowWarnings, skipPreflight, timeoutSeconds, throwOnError: _t, ...manifestOptions } = opts;
    void _t;
    const options = withDefaults({ ...manifestOptions, image, replicas, namespace: model.namespace, mastersKubeconfig: kubeconfig });
    const timeoutMs = (timeoutSeconds ?? config.get<number>('deploy.timeoutSeconds', 600)) * 1000;

    const confirmWarnings = async (warnings: PreflightCheck[]): Promise<boolean> => {
      for (const w of warnings) log.warn(`preflight: ${w.message}`);
      if (allowWarnings) return true;
      if (!interactive) throw new KubemarkError(`Preflight warnings, nothing was applied: ${warnings.map((w) => w.message).join(' ')} Pass allowWarnings to go on.`);
      const go = await vscode.window.showWarningMessage('Kubemark: preflight found problems.', { modal: true, detail: warnings.map((w) => `• ${w.message}`).join('\n') }, 'Deploy Anyway');
      return go === 'Deploy Anyway';
    };
    const reviewManifest = async (yaml: string): Promise<boolean> => {
      let wantReview = review;
      if (wantReview === undefined && interactive) {
        const choice = await vscode.window.showInformationMessage(
          `Deploy ${replicas} hollow node${replicas === 1 ? '' : 's'} (${image}) to ${workers.context}, registering in ${masters.context}?`,
          { modal: true },
          'Deploy',
          'Review Manifest…',
        );
        if (!choice) return false;
        wantReview = choice === 'Review Manifest…';
      }
      if (!wantReview) return true;
      const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: redactSecretData(yaml) });
      await vscode.window.showTextDocument(doc, { preview: true });
      if (!interactive && review) return true;
      const go = await vscode.window.showInformationMessage('Apply this manifest? (The Secret holds the masters kubeconfig; it is not shown.)', { modal: true }, 'Deploy');
      return go === 'Deploy';
    };

    const result = await withCancellableProgress(`Kubemark: deploying ${replicas} hollow nodes`, (progress, token) =>
      deploy(workers, masters, { options, timeoutMs, ...(skipPreflight ? { skipPreflight } : {}), ...(model.masters ? { nodes: model.masters.nodes } : {}), confirmWarnings, review: reviewManifest }, (message, done, total) => {
        log.info(`deploy: ${message}`);
        progress(message, done, total);
      }, token),
    );
    for (const c of result.preflight) log.info(`preflight ${c.level}: ${c.message}`);
    void vscode.window.showInformationMessage(`Kubemark: ${result.ready}/${result.desired} fake nodes Ready in ${masters.context}.`);
    return result;
  };
}

