// Scale, Tear Down, Delete NotReady Nodes, Stop Hollow Node.
import * as vscode from 'vscode';
import { CancelledError, KubemarkError } from '../../core/errors';
import { DEFAULT_NAME } from '../../core/manifest/options';
import { deleteListedNodes, notReadyHollowNodes, scale, stopHollowNode, StopResult, teardown } from '../../cluster/services';
import { sortByName } from '../../cluster/viewModel';
import { ClusterModel } from '../model';
import { TreeNode } from '../tree/node';
import { WorkloadNode } from '../tree/workloadNode';
import { NamespaceNode } from '../tree/namespaceNode';
import { kindOf } from '../../cluster/resources';
import { OWNER_KINDS } from '../../cluster/state';
import { WorkloadRecord } from '../../cluster/records';
import { PodNode } from '../tree/podNode';
import { validateReplicas } from './newManifest';
import { optionsOf, requireSession, withCancellableProgress } from './common';

export interface ScaleOptions {
  replicas: number;
  name: string;
  namespace: string;
  /** StatefulSet (default), ReplicationController, Deployment or ReplicaSet. */
  kind: string;
}

/** The workload to scale: the tree node's, else the one named (any scalable kind, default a StatefulSet), else ours in kubemark.namespace. */
function scaleTarget(model: ClusterModel, arg: unknown, o: Partial<ScaleOptions>): { kind: string; namespace: string; name: string; current?: number } {
  if (arg instanceof WorkloadNode && arg.group.kind) return { kind: arg.group.kind, namespace: arg.group.namespace, name: arg.group.name, ...(arg.record ? { current: arg.record.desired } : {}) };
  const all: WorkloadRecord[] = model.workers ? OWNER_KINDS.flatMap((k) => [...model.workers!.owners[k].items.values()]) : [];
  if (o.name) {
    const namespace = o.namespace ?? model.namespace;
    const found = all.find((w) => w.name === o.name && w.namespace === namespace && (!o.kind || w.kind === o.kind));
    return { kind: o.kind ?? found?.kind ?? 'StatefulSet', namespace, name: o.name, ...(found ? { current: found.desired } : {}) };
  }
  const sets = sortByName(all.filter((w) => w.namespace === (o.namespace ?? model.namespace) && kindOf(w.kind)?.scalable && !(w.kind === 'ReplicaSet' && w.owner)));
  const w = sets.find((s) => s.managedByUs) ?? sets[0];
  return w ? { kind: w.kind, namespace: w.namespace, name: w.name, current: w.desired } : { kind: 'StatefulSet', namespace: o.namespace ?? model.namespace, name: DEFAULT_NAME };
}

export function scaleCommand(model: ClusterModel) {
  return async (arg?: unknown): Promise<number> => {
    const o = optionsOf<ScaleOptions>(arg, (a) => a instanceof TreeNode) ?? {};
    const workers = requireSession(model, 'workers');
    const t = scaleTarget(model, arg, o);
    if (!kindOf(t.kind)?.scalable) throw new KubemarkError(`A ${t.kind} cannot be scaled: ${t.kind === 'DaemonSet' ? 'it runs one pod per workers node' : 'it has no replicas'}. Change the workload instead.`);
    let replicas = o.replicas;
    if (replicas === undefined) {
      const v = await vscode.window.showInputBox({ title: `Scale ${t.kind} ${t.namespace}/${t.name}`, prompt: 'Number of hollow nodes', value: String(t.current ?? 3), validateInput: validateReplicas });
      if (v === undefined) throw new CancelledError('Scale cancelled; nothing changed.');
      replicas = Number(v.trim());
    }
    await scale(workers, t.namespace, t.name, replicas, t.kind);
    void vscode.window.showInformationMessage(`Kubemark: ${t.kind} ${t.name} scaled to ${replicas}. Nodes of removed pods turn NotReady in the masters cluster; "Delete NotReady Nodes" cleans them up.`);
    return replicas;
  };
}

export function teardownCommand(model: ClusterModel) {
  return async (arg?: unknown): Promise<string[]> => {
    const o = optionsOf<{ deleteNodes: boolean; name: string; namespace: string; deleteNamespace: boolean }>(arg, (a) => a instanceof TreeNode);
    const workers = requireSession(model, 'workers');
    const namespace = o?.namespace ?? (arg instanceof WorkloadNode ? arg.group.namespace : arg instanceof NamespaceNode ? arg.group.namespace : model.namespace);
    // A Deployment's ReplicaSet goes with its Deployment; bare pods with the namespace's other things of ours.
    const name = arg instanceof WorkloadNode && arg.group.kind ? arg.group.name : o?.name;
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
    const o = optionsOf<{ pod: string; namespace: string }>(arg, (a) => a instanceof TreeNode);
    let pod = arg instanceof PodNode ? arg.record.name : o?.pod;
    const known = model.workers ? sortByName(model.workers.pods.items.values()) : [];
    let namespace = arg instanceof PodNode ? arg.record.namespace : o?.namespace ?? known.find((p) => p.name === pod)?.namespace ?? model.namespace;
    if (!pod) {
      if (known.length === 0) throw new KubemarkError('No hollow-node pods are watched in the workers cluster. Deploy some first.');
      const pick = await vscode.window.showQuickPick(known.map((p) => ({ label: p.name, description: `${p.namespace} · ${p.status}`, pod: p })), { title: 'Stop which hollow node?' });
      if (!pick) throw new CancelledError('No pod chosen; nothing stopped.');
      pod = pick.pod.name;
      namespace = pick.pod.namespace;
    }
    const result = await stopHollowNode(workers, namespace, pod);
    void vscode.window.showInformationMessage(
      result.how === 'scaled-down'
        ? `Kubemark: ${pod} stopped (its StatefulSet scaled down by one); its fake node turns NotReady after the node-monitor grace period.`
        : `Kubemark: ${pod} deleted; its StatefulSet recreates it, so the fake node comes back (a node restart). To keep a node down, stop the highest-numbered pod.`,
    );
    return result;
  };
}
