// Scale, Tear Down, Delete NotReady Nodes, Stop Hollow Node.
import * as vscode from 'vscode';
import { CancelledError, KubemarkError } from '../../core/errors';
import { DEFAULT_NAME } from '../../core/manifest/options';
import { deleteListedNodes, notReadyHollowNodes, scale, stopHollowNode, StopResult, teardown } from '../../cluster/services';
import { sortByName } from '../../cluster/viewModel';
import { ClusterModel } from '../model';
import { TreeNode } from '../tree/node';
import { StatefulSetNode } from '../tree/statefulSetNode';
import { PodNode } from '../tree/podNode';
import { validateReplicas } from './newManifest';
import { optionsOf, requireSession, withCancellableProgress } from './common';

function statefulSetName(model: ClusterModel, arg: unknown, given?: string): string {
  if (arg instanceof StatefulSetNode) return arg.record.name;
  if (given) return given;
  const sets = model.workers ? sortByName(model.workers.statefulSets.items.values()) : [];
  return sets.find((s) => s.managedByUs)?.name ?? sets[0]?.name ?? DEFAULT_NAME;
}

export function scaleCommand(model: ClusterModel) {
  return async (arg?: unknown): Promise<number> => {
    const o = optionsOf<{ replicas: number; name: string }>(arg, (a) => a instanceof TreeNode) ?? {};
    const workers = requireSession(model, 'workers');
    const name = statefulSetName(model, arg, o.name);
    let replicas = o.replicas;
    if (replicas === undefined) {
      const current = model.workers?.statefulSets.items.get(`${model.namespace}/${name}`)?.desired;
      const v = await vscode.window.showInputBox({ title: `Scale ${name}`, prompt: 'Number of hollow nodes', value: String(current ?? 3), validateInput: validateReplicas });
      if (v === undefined) throw new CancelledError('Scale cancelled; nothing changed.');
      replicas = Number(v.trim());
    }
    await scale(workers, model.namespace, name, replicas);
    void vscode.window.showInformationMessage(`Kubemark: ${name} scaled to ${replicas}. Nodes of removed pods turn NotReady in the masters cluster; "Delete NotReady Nodes" cleans them up.`);
    return replicas;
  };
}

export function teardownCommand(model: ClusterModel) {
  return async (arg?: unknown): Promise<string[]> => {
    const o = optionsOf<{ deleteNodes: boolean; name: string; namespace: string; deleteNamespace: boolean }>(arg, (a) => a instanceof TreeNode);
    const workers = requireSession(model, 'workers');
    const namespace = o?.namespace ?? model.namespace;
    const name = arg instanceof StatefulSetNode ? arg.record.name : o?.name;
    let deleteNodes = o?.deleteNodes;
    // Interactive: the list of what would go is shown before anything is deleted.
    const confirm = async (plan: string[]): Promise<boolean> => {
      if (o) return true;
      const shown = plan.slice(0, 25).map((p) => `• ${p}`).join('\n') + (plan.length > 25 ? `\n… and ${plan.length - 25} more` : '');
      const choice = await vscode.window.showWarningMessage(
        `Tear down what Kubemark Workbench created in ${workers.context} (namespace ${namespace})?`,
        { modal: true, detail: `Only objects that carry the label app.kubernetes.io/managed-by=kubemark-workbench or were applied by it are deleted:\n${shown}` },
        'Tear Down',
        'Tear Down and Delete Fake Nodes',
      );
      if (!choice) return false;
      deleteNodes = choice === 'Tear Down and Delete Fake Nodes';
      return true;
    };
    const mastersFor = () => (deleteNodes !== false ? model.session('masters') : undefined);
    const removed = await withCancellableProgress(`Kubemark: tearing down in ${namespace}`, (progress, token) =>
      teardown(workers, undefined, {
        namespace, ...(name ? { name } : {}), deleteNodes: deleteNodes ?? true, ...(o?.deleteNamespace === false ? { deleteNamespace: false } : {}),
        confirm: async (plan) => {
          const go = await confirm(plan);
          return go;
        },
      }, (m) => progress(m), token, mastersFor),
    );
    if (removed.length === 0) {
      void vscode.window.showInformationMessage(`Kubemark: nothing of Kubemark Workbench's to remove in namespace ${namespace}.`);
      return [];
    }
    void vscode.window.showInformationMessage(`Kubemark: removed ${removed.length} object${removed.length === 1 ? '' : 's'}.`);
    return removed;
  };
}

export interface DeleteNotReadyResult {
  deleted: string[];
  kept: string[];
}

export function deleteNotReadyCommand(model: ClusterModel) {
  return async (arg?: unknown): Promise<string[]> => {
    const o = optionsOf<{ namePrefix: string }>(arg, (a) => a instanceof TreeNode);
    const masters = requireSession(model, 'masters');
    if (!model.masters || model.masters.nodes.state === 'loading') throw new KubemarkError(`The nodes of ${masters.context} are still loading; try again in a moment.`);
    // Hollow nodes only: real nodes of the masters cluster are never deleted from here.
    const listed = notReadyHollowNodes(model.masters.nodes.items.values(), o?.namePrefix);
    if (listed.length === 0) {
      void vscode.window.showInformationMessage(`Kubemark: no NotReady hollow nodes in ${masters.context}.`);
      return [];
    }
    if (!o) {
      const names = listed.slice(0, 25).map((n) => n.name).join(', ') + (listed.length > 25 ? `, … (${listed.length - 25} more)` : '');
      const go = await vscode.window.showWarningMessage(
        `Delete ${listed.length} NotReady or Unknown hollow node${listed.length === 1 ? '' : 's'} from ${masters.context}?`,
        { modal: true, detail: `${names}\n\nOnly nodes registered by hollow kubelets are deleted, and only as listed: a node that turns Ready meanwhile stays.` },
        'Delete',
      );
      if (go !== 'Delete') throw new CancelledError('Nothing was deleted.');
    }
    const result = await withCancellableProgress('Kubemark: deleting NotReady hollow nodes', (progress, token) => deleteListedNodes(masters, listed, progress, token));
    void vscode.window.showInformationMessage(`Kubemark: deleted ${result.deleted.length} node${result.deleted.length === 1 ? '' : 's'} from ${masters.context}${result.kept.length ? `; kept ${result.kept.length} that changed meanwhile (${result.kept.slice(0, 5).join(', ')})` : ''}.`);
    return result.deleted;
  };
}

export function stopHollowNodeCommand(model: ClusterModel) {
  return async (arg?: unknown): Promise<StopResult> => {
    const workers = requireSession(model, 'workers');
    let pod = arg instanceof PodNode ? arg.record.name : optionsOf<{ pod: string }>(arg, (a) => a instanceof TreeNode)?.pod;
    if (!pod) {
      const pods = model.workers ? sortByName(model.workers.pods.items.values()) : [];
      if (pods.length === 0) throw new KubemarkError(`No hollow-node pods in namespace ${model.namespace}. Deploy some first.`);
      const pick = await vscode.window.showQuickPick(pods.map((p) => ({ label: p.name, description: p.status })), { title: 'Stop which hollow node?' });
      if (!pick) throw new CancelledError('No pod chosen; nothing stopped.');
      pod = pick.label;
    }
    const result = await stopHollowNode(workers, model.namespace, pod);
    void vscode.window.showInformationMessage(
      result.how === 'scaled-down'
        ? `Kubemark: ${pod} stopped (its StatefulSet scaled down by one); its fake node turns NotReady after the node-monitor grace period.`
        : `Kubemark: ${pod} deleted; its StatefulSet recreates it, so the fake node comes back (a node restart). To keep a node down, stop the highest-numbered pod.`,
    );
    return result;
  };
}
