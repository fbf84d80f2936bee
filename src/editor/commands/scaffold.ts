import * as vscode from 'vscode';
import { DEFAULT_CONTENT_TYPE } from '../../core/flags';
import { scaffold } from '../../cluster/services';
import { ClusterModel } from '../model';
import { TreeNode } from '../tree/node';
import { mastersKubeconfig, optionsOf, requireSession, withCancellableProgress } from './common';

export interface ScaffoldCommandOptions {
  contentType?: string;
  /** Accept warnings about the masters kubeconfig (loopback server) without asking. */
  allowWarnings?: boolean;
}

/** "Kubemark: Scaffold Config and Secret": namespace, node-configmap, kubeconfig Secret; idempotent. */
export function scaffoldCommand(model: ClusterModel) {
  return async (arg?: unknown): Promise<string[]> => {
    const o = optionsOf<ScaffoldCommandOptions>(arg, (a) => a instanceof TreeNode) ?? {};
    const workers = requireSession(model, 'workers');
    const kubeconfig = await mastersKubeconfig(model, o.allowWarnings);
    const applied = await withCancellableProgress(`Kubemark: setting up ${model.namespace} in ${workers.context}`, (progress, token) => {
      progress('Applying namespace, node-configmap and kubeconfig Secret');
      return scaffold(workers, { namespace: model.namespace, contentType: o.contentType ?? DEFAULT_CONTENT_TYPE, mastersKubeconfig: kubeconfig }, token);
    });
    void vscode.window.showInformationMessage(`Kubemark: ${applied.join(', ')} applied in ${workers.context}.`);
    return applied;
  };
}
