// Live state of the two clusters, from list-watches, as slim records. Change events are raw;
// the editor layer coalesces them.
import { ClusterSession, ServerInfo } from './session';
import { ListWatch } from './listWatch';
import { NodeRecord, ObjectPresence, PodRecord, StatefulSetRecord, slimNode, slimPod, slimPresence, slimStatefulSet } from './records';
import { KubemarkError } from '../core/errors';
import { CONFIGMAP_NAME, SECRET_NAME } from '../core/manifest/options';

export type Reachability = { state: 'connecting' } | { state: 'reachable'; version: ServerInfo } | { state: 'error'; error: KubemarkError };

abstract class ClusterState {
  reach: Reachability = { state: 'connecting' };
  protected readonly watches: ListWatch<unknown>[] = [];
  private readonly listeners = new Set<() => void>();
  private disposed = false;

  constructor(readonly session: ClusterSession) {}

  onChange(l: () => void): { dispose(): void } {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  }

  protected emit(): void {
    for (const l of this.listeners) l();
  }

  protected add<R>(w: ListWatch<R>): ListWatch<R> {
    w.onChange(() => this.emit());
    this.watches.push(w as ListWatch<unknown>);
    return w;
  }

  async start(): Promise<void> {
    await this.probe();
    for (const w of this.watches) w.start();
  }

  /** Reads the server version again and restarts every watch (Refresh). */
  async refresh(): Promise<void> {
    await this.probe();
    for (const w of this.watches) w.restart();
  }

  private async probe(): Promise<void> {
    this.reach = { state: 'connecting' };
    this.emit();
    try {
      const version = await this.session.version();
      this.reach = { state: 'reachable', version };
    } catch (err) {
      this.reach = { state: 'error', error: err as KubemarkError };
    }
    if (!this.disposed) this.emit();
  }

  dispose(): void {
    this.disposed = true;
    for (const w of this.watches) w.stop();
    this.listeners.clear();
  }
}

export class WorkersState extends ClusterState {
  readonly pods: ListWatch<PodRecord>;
  readonly statefulSets: ListWatch<StatefulSetRecord>;
  readonly namespaces: ListWatch<ObjectPresence>;
  readonly configMaps: ListWatch<ObjectPresence>;
  readonly secrets: ListWatch<ObjectPresence>;

  constructor(session: ClusterSession, readonly namespace: string) {
    super(session);
    const s = session;
    const ns = namespace;
    const explain = (what: string) => (err: unknown) => s.explain(err, what);
    this.pods = this.add(new ListWatch(s.watch, {
      path: `/api/v1/namespaces/${ns}/pods`,
      list: (p) => s.core.listNamespacedPod({ namespace: ns, ...p }),
      slim: slimPod,
      explain: explain(`list pods in namespace ${ns}`),
    }));
    this.statefulSets = this.add(new ListWatch(s.watch, {
      path: `/apis/apps/v1/namespaces/${ns}/statefulsets`,
      list: (p) => s.apps.listNamespacedStatefulSet({ namespace: ns, ...p }),
      slim: slimStatefulSet,
      explain: explain(`list statefulsets in namespace ${ns}`),
    }));
    const byName = (name: string) => `metadata.name=${name}`;
    this.namespaces = this.add(new ListWatch(s.watch, {
      path: '/api/v1/namespaces',
      query: { fieldSelector: byName(ns) },
      list: (p) => s.core.listNamespace({ fieldSelector: byName(ns), ...p }),
      slim: slimPresence,
      explain: explain(`read namespace ${ns}`),
    }));
    this.configMaps = this.add(new ListWatch(s.watch, {
      path: `/api/v1/namespaces/${ns}/configmaps`,
      query: { fieldSelector: byName(CONFIGMAP_NAME) },
      list: (p) => s.core.listNamespacedConfigMap({ namespace: ns, fieldSelector: byName(CONFIGMAP_NAME), ...p }),
      slim: slimPresence,
      explain: explain(`read configmap ${CONFIGMAP_NAME} in namespace ${ns}`),
    }));
    this.secrets = this.add(new ListWatch(s.watch, {
      path: `/api/v1/namespaces/${ns}/secrets`,
      query: { fieldSelector: byName(SECRET_NAME) },
      list: (p) => s.core.listNamespacedSecret({ namespace: ns, fieldSelector: byName(SECRET_NAME), ...p }),
      // Keys only: secret values never leave this function.
      slim: slimPresence,
      explain: explain(`read secret ${SECRET_NAME} in namespace ${ns}`),
    }));
  }

  podsOf(sts: StatefulSetRecord): PodRecord[] {
    return [...this.pods.items.values()].filter((p) => p.ownerName === sts.name);
  }
}

export class MastersState extends ClusterState {
  readonly nodes: ListWatch<NodeRecord>;

  constructor(session: ClusterSession) {
    super(session);
    this.nodes = this.add(new ListWatch(session.watch, {
      path: '/api/v1/nodes',
      list: (p) => session.core.listNode(p),
      slim: slimNode,
      explain: (err) => session.explain(err, 'list nodes'),
    }));
  }
}
