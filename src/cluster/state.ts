// Live state of the two clusters: one informer per kind per cluster, shared by the tree, Deploy's
// wait, preflight and log follows. Change events are raw; the editor layer coalesces them.
//
// Reachability is probed at start, every PROBE_MS while the server answers and every
// PROBE_ERROR_MS while it does not (a laptop sleep, a paused apiserver), and at once when a watch
// fails. When the server answers again every informer reconnects at once, so the tree heals
// without Refresh.
import { ClusterSession, ServerInfo } from './session';
import { Change, ListPage, ListWatch, ListWatchOptions } from './listWatch';
import { NodeRecord, ObjectPresence, PodRecord, StatefulSetRecord, slimNode, slimPod, slimPresence, slimStatefulSet } from './records';
import { KubemarkError } from '../core/errors';
import { CONFIGMAP_NAME, SECRET_NAME } from '../core/manifest/options';

export type Reachability = { state: 'connecting' } | { state: 'reachable'; version: ServerInfo } | { state: 'error'; error: KubemarkError };

export interface StateOptions {
  probeMs?: number;
  probeErrorMs?: number;
  probeTimeoutMs?: number;
  listWatch?: ListWatchOptions;
}

const PROBE_MS = 10_000;
const PROBE_ERROR_MS = 2_000;
const PROBE_TIMEOUT_MS = 5_000;

export abstract class ClusterState {
  reach: Reachability = { state: 'connecting' };
  protected readonly watches: ListWatch<unknown>[] = [];
  private readonly listeners = new Set<() => void>();
  private gen = 0;
  private disposed = false;
  private probeTimer: ReturnType<typeof setTimeout> | undefined;
  private probing: Promise<void> | undefined;
  private readonly probeMs: number;
  private readonly probeErrorMs: number;
  private readonly probeTimeoutMs: number;

  constructor(readonly session: ClusterSession, protected readonly options: StateOptions = {}) {
    this.probeMs = options.probeMs ?? PROBE_MS;
    this.probeErrorMs = options.probeErrorMs ?? PROBE_ERROR_MS;
    this.probeTimeoutMs = options.probeTimeoutMs ?? PROBE_TIMEOUT_MS;
  }

  onChange(l: () => void): { dispose(): void } {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  }

  protected emit(): void {
    if (this.disposed) return;
    for (const l of [...this.listeners]) l();
  }

  /** Options for a new informer of this state: failures re-probe reachability. */
  protected lwOptions(): ListWatchOptions {
    return { ...this.options.listWatch, onFailure: () => this.probeSoon() };
  }

  protected add<R>(w: ListWatch<R>): ListWatch<R> {
    w.onChange(() => this.emit());
    this.watches.push(w as ListWatch<unknown>);
    return w;
  }

  /** Watches open now, over every informer of this cluster (one per kind when healthy). */
  openWatches(): number {
    return this.watches.reduce((a, w) => a + w.openWatches, 0);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Probes the server, then starts every informer; resolves after the probe. */
  async start(): Promise<void> {
    if (this.disposed) return;
    const gen = ++this.gen;
    this.reach = { state: 'connecting' };
    this.emit();
    await this.probe(gen);
    if (gen !== this.gen || this.disposed) return;
    for (const w of this.watches) w.restart();
  }

  /** Reads the server version again and restarts every informer (Refresh): nothing leaks. */
  async refresh(): Promise<void> {
    if (this.disposed) return;
    const gen = ++this.gen;
    await this.probe(gen);
    if (gen !== this.gen || this.disposed) return;
    for (const w of this.watches) w.restart();
  }

  /** Probe now unless a probe is running (a watch failed). */
  private probeSoon(): void {
    if (this.disposed || this.probing) return;
    void this.probe(this.gen);
  }

  private probe(gen: number): Promise<void> {
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    const run = (async () => {
      let next: Reachability;
      try {
        next = { state: 'reachable', version: await this.session.version(this.probeTimeoutMs) };
      } catch (err) {
        next = { state: 'error', error: err instanceof KubemarkError ? err : this.session.explain(err, 'read the server version') };
      }
      if (this.disposed || gen !== this.gen) return;
      const was = this.reach.state;
      const changed = was !== next.state || (next.state === 'error' && this.reach.state === 'error' && next.error.message !== this.reach.error.message);
      this.reach = next;
      // Back after an outage: reconnect every informer now rather than at its backoff.
      if (was === 'error' && next.state === 'reachable') for (const w of this.watches) w.reconnect();
      if (changed) this.emit();
    })();
    this.probing = run;
    return run.finally(() => {
      if (this.probing === run) this.probing = undefined;
      if (!this.disposed && gen === this.gen) this.scheduleProbe();
    });
  }

  private scheduleProbe(): void {
    if (this.probeTimer) clearTimeout(this.probeTimer);
    const ms = this.reach.state === 'reachable' ? this.probeMs : this.probeErrorMs;
    const gen = this.gen;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      if (!this.disposed && gen === this.gen && !this.probing) void this.probe(gen);
    }, ms);
  }

  /** Final: no probe, list or watch acts afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.gen++;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    for (const w of this.watches) w.dispose();
    this.listeners.clear();
    this.session.dispose();
  }
}

/** Lists over raw HTTP: parsed with JSON.parse, slimmed at once (no typed deserialiser). */
export function rawLister(session: ClusterSession, path: string, query: Record<string, string> = {}) {
  return (p: { limit: number; _continue?: string }, signal: AbortSignal): Promise<ListPage> =>
    session.http.request<ListPage>('GET', path, { query: { ...query, limit: p.limit, ...(p._continue ? { continue: p._continue } : {}) }, signal, timeoutMs: 120_000 });
}

export class WorkersState extends ClusterState {
  readonly pods: ListWatch<PodRecord>;
  readonly statefulSets: ListWatch<StatefulSetRecord>;
  readonly namespaces: ListWatch<ObjectPresence>;
  readonly configMaps: ListWatch<ObjectPresence>;
  readonly secrets: ListWatch<ObjectPresence>;

  constructor(session: ClusterSession, readonly namespace: string, options: StateOptions = {}) {
    super(session, options);
    const s = session;
    const ns = namespace;
    const explain = (what: string) => (err: unknown) => s.explain(err, what);
    const informer = <R>(path: string, slim: (o: any) => R, what: string, query?: Record<string, string>) =>
      this.add(new ListWatch<R>({ path, ...(query ? { query } : {}), list: rawLister(s, path, query), watch: s.watch, slim, explain: explain(what) }, this.lwOptions()));
    const byName = (name: string) => ({ fieldSelector: `metadata.name=${name}` });
    this.pods = informer(`/api/v1/namespaces/${ns}/pods`, slimPod, `list pods in namespace ${ns}`);
    this.statefulSets = informer(`/apis/apps/v1/namespaces/${ns}/statefulsets`, slimStatefulSet, `list statefulsets in namespace ${ns}`);
    this.namespaces = informer('/api/v1/namespaces', slimPresence, `read namespace ${ns}`, byName(ns));
    this.configMaps = informer(`/api/v1/namespaces/${ns}/configmaps`, slimPresence, `read configmap ${CONFIGMAP_NAME} in namespace ${ns}`, byName(CONFIGMAP_NAME));
    // Keys only: secret values never leave slimPresence.
    this.secrets = informer(`/api/v1/namespaces/${ns}/secrets`, slimPresence, `read secret ${SECRET_NAME} in namespace ${ns}`, byName(SECRET_NAME));
  }

  podsOf(sts: StatefulSetRecord): PodRecord[] {
    return [...this.pods.items.values()].filter((p) => p.ownerName === sts.name);
  }
}

export class MastersState extends ClusterState {
  readonly nodes: ListWatch<NodeRecord>;

  constructor(session: ClusterSession, options: StateOptions = {}) {
    super(session, options);
    this.nodes = this.add(new ListWatch<NodeRecord>({
      path: '/api/v1/nodes',
      list: rawLister(session, '/api/v1/nodes'),
      watch: session.watch,
      slim: slimNode,
      explain: (err) => session.explain(err, 'list nodes'),
    }, this.lwOptions()));
  }
}

export type { Change };
