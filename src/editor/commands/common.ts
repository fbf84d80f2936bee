import * as vscode from 'vscode';
import { KubemarkError, CancelledError } from '../../core/errors';
import { ExportedKubeconfig, KubeconfigExportError, exportStandaloneKubeconfig } from '../../core/kubeconfig';
import { ClusterSession } from '../../cluster/session';
import { ClusterModel, Role } from '../model';

/** An object passed by a caller (test, task, extension), as opposed to a tree node or nothing. */
export function optionsOf<T extends object>(arg: unknown, isNode: (a: unknown) => boolean): Partial<T> | undefined {
  if (typeof arg !== 'object' || arg === null || isNode(arg)) return undefined;
  return arg as Partial<T>;
}

export function requireSession(model: ClusterModel, role: Role): ClusterSession {
  const s = model.session(role);
  if (s) return s;
  const cmd = role === 'workers' ? 'Select Workers Cluster' : 'Select Masters Cluster';
  throw new KubemarkError(`No ${role} cluster is selected. Run "Kubemark: ${cmd}" first.`);
}

/**
 * The masters context as a standalone kubeconfig for the Secret. Warnings (a loopback server,
 * TLS verification off) are confirmed by the user, or accepted by `allowWarnings` from callers.
 */
export async function mastersKubeconfig(model: ClusterModel, allowWarnings: boolean | undefined): Promise<string> {
  const result = exportMastersKubeconfig(model);
  if (result.warnings.length > 0 && !allowWarnings) {
    if (allowWarnings === false) {
      throw new KubemarkError(`The masters kubeconfig has problems for use inside pods: ${result.warnings.map((w) => w.message).join(' ')}`);
    }
    const go = await vscode.window.showWarningMessage(
      'The masters kubeconfig may not work from inside hollow-node pods.',
      { modal: true, detail: result.warnings.map((w) => w.message).join('\n\n') },
      'Use It Anyway',
    );
    if (go !== 'Use It Anyway') throw new CancelledError('Stopped: the masters kubeconfig was not confirmed; nothing was applied.');
  }
  return result.yaml;
}

/** The masters context as a standalone kubeconfig, and its warnings, without asking anything. */
export function exportMastersKubeconfig(model: ClusterModel): ExportedKubeconfig {
  const masters = requireSession(model, 'masters');
  try {
    return exportStandaloneKubeconfig(model.kc!, masters.context);
  } catch (err) {
    // Reason and remedy, naming files and contexts only.
    if (err instanceof KubeconfigExportError) throw new KubemarkError(`Cannot build the hollow nodes' kubeconfig from context ${masters.context}: ${err.message}`);
    throw err;
  }
}

/** Warnings the local lab expects (its masters server is a loopback address on purpose). */
export const LAB_EXPECTED_WARNINGS = new Set(['loopback-server', 'masters-reachable-from-pods']);

export function withCancellableProgress<T>(title: string, task: (progress: (message: string, done?: number, total?: number) => void, token: vscode.CancellationToken) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (p, token) => {
    let lastFraction = 0;
    return task((message, done, total) => {
      let increment: number | undefined;
      if (done !== undefined && total) {
        const fraction = (done / total) * 100;
        increment = Math.max(0, fraction - lastFraction);
        lastFraction = Math.max(lastFraction, fraction);
      }
      p.report(increment !== undefined ? { message, increment } : { message });
    }, token);
  });
}
