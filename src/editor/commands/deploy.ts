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
import { LAB_EXPECTED_WARNINGS, exportMastersKubeconfig, optionsOf, requireSession, withCancellableProgress } from './common';

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
    // Every warning (kubeconfig, preflight) goes into one question: the confirmation. In the local
    // lab the loopback masters server is expected: said once in the log, not asked about.
    const lab = model.lab();
    const exported = exportMastersKubeconfig(model);
    const kubeconfig = exported.yaml;
    const expected: string[] = [];
    const pending: string[] = [];
    const note = (code: string, message: string) => (lab && LAB_EXPECTED_WARNINGS.has(code) ? expected : pending).push(message);
    for (const w of exported.warnings) note(w.code, w.message);
    const { review, allowWarnings, skipPreflight, timeoutSeconds, throwOnError: _t, ...manifestOptions } = opts;
    void _t;
    const options = withDefaults({ ...manifestOptions, image, replicas, namespace: model.namespace, mastersKubeconfig: kubeconfig });
    const timeoutMs = (timeoutSeconds ?? config.get<number>('deploy.timeoutSeconds', 600)) * 1000;

    const confirmWarnings = async (warnings: PreflightCheck[]): Promise<boolean> => {
      for (const w of warnings) note(w.id, w.message);
      if (expected.length) log.info(`deploy: the local lab is selected (${lab!.dir}); expected there, not asked about: ${[...new Set(expected)].join(' ')}`);
      for (const w of pending) log.warn(`deploy: ${w}`);
      if (pending.length === 0 || allowWarnings) return true;
      if (!interactive) throw new KubemarkError(`Warnings, nothing was applied: ${pending.join(' ')} Pass allowWarnings to go on.`);
      // Asked in the confirmation below, with the warnings listed.
      return true;
    };
    const reviewManifest = async (yaml: string): Promise<boolean> => {
      let wantReview = review;
      if (wantReview === undefined && interactive) {
        const warned = pending.length > 0 && !allowWarnings;
        const choice = await vscode.window.showInformationMessage(
          `Deploy ${replicas} hollow node${replicas === 1 ? '' : 's'} (${image}) to ${workers.context}, registering in ${masters.context}?${warned ? ` ${pending.length} warning${pending.length === 1 ? '' : 's'}.` : ''}`,
          warned ? { modal: true, detail: pending.map((w) => `• ${w}`).join('\n') } : { modal: true },
          warned ? 'Deploy Anyway' : 'Deploy',
          'Review Manifest…',
        );
        if (!choice) return false;
        wantReview = choice === 'Review Manifest…';
      } else if (!interactive && pending.length > 0 && !allowWarnings) {
        throw new KubemarkError(`Warnings, nothing was applied: ${pending.join(' ')} Pass allowWarnings to go on.`);
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

