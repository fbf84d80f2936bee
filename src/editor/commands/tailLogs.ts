import * as vscode from 'vscode';
import { KubemarkError } from '../../core/errors';
import { LogTarget, TailRun } from '../../cluster/tailSession';
import { sortByName } from '../../cluster/viewModel';
import { ClusterModel } from '../model';
import { LogsController } from '../logsView';
import { TreeNode } from '../tree/node';
import { PodNode } from '../tree/podNode';
import { ContainerNode } from '../tree/containerNode';
import { WorkloadNode } from '../tree/workloadNode';
import { optionsOf, requireSession } from './common';

export interface TailLogsOptions {
  pods?: string[];
  /** Only pods of this namespace (default: every namespace watched). */
  namespace?: string;
  container?: string;
}

/** "Kubemark: Tail Logs" on a pod, a container, or every hollow-node pod (capped by kubemark.logs.maxPods). */
export function tailLogsCommand(model: ClusterModel, logs: LogsController) {
  return async (arg?: unknown): Promise<TailRun> => {
    const workers = requireSession(model, 'workers');
    const o = optionsOf<TailLogsOptions>(arg, (a) => a instanceof TreeNode) ?? {};
    const ns = o.namespace ?? (arg instanceof WorkloadNode ? arg.group.namespace : arg instanceof PodNode ? arg.record.namespace : arg instanceof ContainerNode ? arg.pod.namespace : undefined);
    const config = vscode.workspace.getConfiguration('kubemark');
    // Hollow-node pods of every namespace watched, or of the one asked for.
    const all = model.workers ? sortByName([...model.workers.pods.items.values()].filter((p) => !ns || p.namespace === ns)) : [];
    const where = ns ? `namespace ${ns}` : 'the namespaces watched';
    let targets: LogTarget[];
    if (arg instanceof ContainerNode) targets = [{ namespace: arg.pod.namespace, pod: arg.pod.name, container: arg.record.name }];
    else if (arg instanceof PodNode) targets = arg.record.containers.map((c) => ({ namespace: arg.record.namespace, pod: arg.record.name, container: c.name }));
    else {
      const pods = arg instanceof WorkloadNode ? arg.group.pods : o.pods ? all.filter((p) => o.pods!.includes(p.name)) : all;
      const missing = (o.pods ?? []).filter((p) => !all.some((x) => x.name === p));
      if (missing.length > 0) throw new KubemarkError(`No hollow-node pod ${missing.join(', ')} in ${where} of ${workers.context}.`);
      targets = pods.flatMap((p) => p.containers.filter((c) => !o.container || c.name === o.container).map((c) => ({ namespace: p.namespace, pod: p.name, container: c.name })));
    }
    const running = targets.filter((t) => all.find((p) => p.name === t.pod && p.namespace === t.namespace)?.phase === 'Running' || !all.length);
    if (running.length === 0) throw new KubemarkError(`No running hollow-node containers to follow in ${where}. Deploy Hollow Nodes first, or wait for the pods to start.`);
    const max = config.get<number>('logs.maxPods', 50);
    const podsSeen = [...new Set(running.map((t) => t.pod))];
    const capped = podsSeen.length > max ? running.filter((t) => podsSeen.slice(0, max).includes(t.pod)) : running;
    if (capped.length < running.length) void vscode.window.showWarningMessage(`Kubemark: following the first ${max} of ${podsSeen.length} pods (setting kubemark.logs.maxPods).`);
    // Read through the model each time: a kubeconfig reload or context switch replaces the state.
    const pods = model.workers
      ? { get: (namespace: string, pod: string) => model.workers?.pods.items.get(`${namespace}/${pod}`), onChange: (l: () => void) => model.onDidChange((what) => what !== 'masters' && l()) }
      : undefined;
    return logs.start(workers, capped, config.get<unknown[]>('logs.extraNoisePatterns', []), pods, config.get<number>('logs.idleTimeoutSeconds', 120) * 1000);
  };
}
