import * as vscode from 'vscode';
import { CancelledError, KubemarkError } from '../../core/errors';
import { ClusterModel, Role } from '../model';

export function selectCluster(model: ClusterModel, role: Role) {
  return async (arg?: unknown): Promise<string> => {
    const given = typeof arg === 'object' && arg !== null && typeof (arg as { context?: unknown }).context === 'string' ? (arg as { context: string }).context : undefined;
    const contexts = model.contexts();
    if (contexts.length === 0) throw new KubemarkError(model.loadError ?? 'No kubeconfig contexts found. Set KUBECONFIG or the kubemark.kubeconfig setting.');
    let chosen = given;
    if (!chosen) {
      const current = role === 'workers' ? model.workersContext : model.mastersContext;
      const pick = await vscode.window.showQuickPick(
        contexts.map((c) => ({ label: c.name, description: c.server, detail: `cluster ${c.cluster} · user ${c.user}`, picked: c.name === current })),
        {
          title: role === 'workers' ? 'Workers cluster: where the hollow-node pods run' : 'Masters cluster: the control plane under test, where the fake nodes register',
          placeHolder: 'Pick a kubeconfig context',
          matchOnDescription: true,
        },
      );
      if (!pick) throw new CancelledError('No cluster selected.');
      chosen = pick.label;
    }
    if (!contexts.some((c) => c.name === chosen)) {
      throw new KubemarkError(`Context ${chosen} is not in the kubeconfig (${model.files.join(', ') || 'no files loaded'}). Pick one of: ${contexts.map((c) => c.name).join(', ')}.`);
    }
    await model.select(role, chosen);
    return chosen;
  };
}
