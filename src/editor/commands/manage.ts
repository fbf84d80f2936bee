// Scale, Tear Down, Delete NotReady Nodes, Stop Hollow Node.
import * as vscode from 'vscode';
import { CancelledError, KubemarkError } from '../../core/errors';
import { DEFAULT_NAME } from '../../core/manifest/options';
import { deleteNotReadyNodes, scale, stopHollowNode, StopResult, teardown } from '../../cluster/services';
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
    const o = optionsOf<{ deleteNodes: boolean; name: string; deleteNamespace: boolean }>(arg, (a) => a instanceof TreeNode);
    const workers = requireSession(model, 'workers');
    const name = statefulSetName(model, arg, o?.name);
    let deleteNodes = o?.deleteNodes;
    if (deleteNodes === undefined) {
      const choice = await vscode.window.showWarningMessage(
        `Tear down ${name} in ${workers.context} (namespace ${model.namespace})?`,
        { modal: true, detail: 'Deletes the StatefulSet, Service, ServiceAccount, ClusterRole and binding, node-configmap and the kubeconfig Secret, and the namespace if Kubemark Workbench created it.' },
        'Tear Down',
        'Tear Down and Delete Fake Nodes',
      );
      if (!choice) throw new CancelledError('Tear down cancelled; nothing was deleted.');
      deleteNodes = choice === 'Tear Down and Delete Fake Nodes';
    }
    const masters = deleteNodes ? requireSession(model, 'masters') : undefined;
    const removed = await withCancellableProgress(`Kubemark: tearing down ${name}`, (progress, token) =>
      teardown(workers, masters, { namespace: model.namespace, name, deleteNodes: deleteNodes!, ...(o?.deleteNamespace === false ? { deleteNamespace: false } : {}) }, (m) => progress(m), token),
    );
    void vscode.window.showInformationMessage(removed.length ? `Kubemark: removed ${removed.length} objects.` : 'Kubemark: nothing to remove.');
    return removed;
  };
}

export function deleteNotReadyCommand(model: ClusterModel) {
  return async (arg?: unknown): Promise<string[]> => {
    const o = optionsOf<{ namePrefix: string; confirm: boolean }>(arg, (a) => a instanceof TreeNode);
    const masters = requireSession(model, 'masters');
    const notReady = [...(model.masters?.nodes.items.values() ?? [])].filter((n) => n.condition !== 'Ready' && (!o?.namePrefix || n.name.startsWith(o.namePrefix)));
    if (!o) {
      const go = await vscode.window.showWarningMessage(`Delete ${notReady.length} NotReady or Unknown node${notReady.length === 1 ? '' : 's'} from ${masters.context}?`, { modal: true, detail: notReady.slice(0, 20).map((n) => n.name).join(', ') + (notReady.length > 20 ? ', …' : '') }, 'Delete');
      if (go !== 'Delete') throw new CancelledError('Nothing was deleted.');
    }
    const deleted = await withCancellableProgress('Kubemark: deleting NotReady nodes', (progress, token) => deleteNotReadyNodes(masters, o?.namePrefix ? { namePrefix: o.namePrefix } : {}, progress, token));
    void vscode.window.showInformationMessage(`Kubemark: deleted ${deleted.length} node${deleted.length === 1 ? '' : 's'} from ${masters.context}.`);
    return deleted;
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
