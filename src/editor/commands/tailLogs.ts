import * as vscode from 'vscode';
import { KubemarkError } from '../../core/errors';
import { LogTarget, TailSession } from '../../cluster/tailSession';
import { sortByName } from '../../cluster/viewModel';
import { ClusterModel } from '../model';
import { LogsController } from '../logsView';
import { TreeNode } from '../tree/node';
import { PodNode } from '../tree/podNode';
import { ContainerNode } from '../tree/containerNode';
import { StatefulSetNode } from '../tree/statefulSetNode';
import { optionsOf, requireSession } from './common';

export interface TailLogsOptions {
  pods?: string[];
  container?: string;
}

/** "Kubemark: Tail Logs" on a pod, a container, or every hollow-node pod (capped by kubemark.logs.maxPods). */
export function tailLogsCommand(model: ClusterModel, logs: LogsController) {
  return async (arg?: unknown): Promise<TailSession> => {
    const workers = requireSession(model, 'workers');
    const ns = model.namespace;
    const config = vscode.workspace.getConfiguration('kubemark');
    const all = model.workers ? sortByName(model.workers.pods.items.values()) : [];
    let targets: LogTarget[];
    if (arg instanceof ContainerNode) targets = [{ namespace: ns, pod: arg.pod.name, container: arg.record.name }];
    else if (arg instanceof PodNode) targets = arg.record.containers.map((c) => ({ namespace: ns, pod: arg.record.name, container: c.name }));
    else {
      const o = optionsOf<TailLogsOptions>(arg, (a) => a instanceof TreeNode) ?? {};
      const pods = arg instanceof StatefulSetNode ? all.filter((p) => p.ownerName === arg.record.name) : o.pods ? all.filter((p) => o.pods!.includes(p.name)) : all;
      const missing = (o.pods ?? []).filter((p) => !all.some((x) => x.name === p));
      if (missing.length > 0) throw new KubemarkError(`No pod ${missing.join(', ')} in namespace ${ns} of ${workers.context}.`);
      targets = pods.flatMap((p) => p.containers.filter((c) => !o.container || c.name === o.container).map((c) => ({ namespace: ns, pod: p.name, container: c.name })));
    }
    const running = targets.filter((t) => all.find((p) => p.name === t.pod)?.phase === 'Running' || !all.length);
    if (running.length === 0) throw new KubemarkError(`No running hollow-node containers to follow in namespace ${ns}. Deploy Hollow Nodes first, or wait for the pods to start.`);
    const max = config.get<number>('logs.maxPods', 50);
    const podsSeen = [...new Set(running.map((t) => t.pod))];
    const capped = podsSeen.length > max ? running.filter((t) => podsSeen.slice(0, max).includes(t.pod)) : running;
    if (capped.length < running.length) void vscode.window.showWarningMessage(`Kubemark: following the first ${max} of ${podsSeen.length} pods (setting kubemark.logs.maxPods).`);
    const state = model.workers;
    const pods = state
      ? { get: (namespace: string, pod: string) => state.pods.items.get(`${namespace}/${pod}`), onChange: (l: () => void) => state.pods.onChange(l) }
      : undefined;
    return logs.start(workers, capped, config.get<unknown[]>('logs.extraNoisePatterns', []), pods, config.get<number>('logs.idleTimeoutSeconds', 120) * 1000);
  };
}
