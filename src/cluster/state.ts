// Live state of the two clusters: one informer per kind per cluster, shared by the tree, Deploy's
// wait, preflight and log follows. Change events are raw; the editor layer coalesces them.
//
// Reachability is probed at start, every PROBE_MS while the server answers and every
// PROBE_ERROR_MS while it does not (a laptop sleep, a paused apiserver), and at once when a watch
// fails. When the server answers again every informer reconnects at once, so the tree heals
// without Refresh.
import { ClusterSession, ServerInfo } from './session';
import { Change, ListPage, ListWatch, ListWatchOptions, ListWatchSpec } from './listWatch';
import { ListWatchState } from './listWatch';
import { NodeRecord, ObjectPresence, PodRecord, WorkloadRecord, slimPresence } from './records';
import { LabelSelector } from './hollow';
import { NOT_A_LIST, PageShape, shapeFunctions } from './pageShapes';
import { PageDecoder, sharedPageDecoder } from './pageDecoder';
import { KINDS, resourcePath } from './resources';
import { KubemarkError } from '../core/errors';
import { notAList } from './errors';
import { CONFIGMAP_NAME, SECRET_NAME } from '../core/manifest/options';

export type Reachability = { state: 'connecting' } | { state: 'reachable'; version: ServerInfo } | { state: 'error'; error: KubemarkError };

export interface StateOptions {
  probeMs?: number;
  probeErrorMs?: number;
  probeTimeoutMs?: number;
  listWatch?: ListWatchOptions;
  /** Reads the big lists' pages (nodes, pods, workloads); default: the shared list worker. */
  pageDecoder?: PageDecoder;
}

const PROBE_MS = 10_000;
const PROBE_ERROR_MS = 2_000;
const PROBE_TIMEOUT_MS = 5_000;

export abstract class ClusterState {
  reach: Reachability = { state: 'connecting' };
  protected readonly watches: Informer[] = [];
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

  /** The decoder of the big lists' pages, looked up at each list (the shared one ends at deactivation). */
  protected readonly decoder = (): PageDecoder => this.options.pageDecoder ?? sharedPageDecoder();

  /** Options for a new informer of this state: failures re-probe reachability. */
  protected lwOptions(): ListWatchOptions {
    return { ...this.options.listWatch, onFailure: () => this.probeSoon() };
  }

  protected add<W extends Informer>(w: W): W {
    w.onChange(() => this.emit());
    this.watches.push(w);
    return w;
  }

  /** Runs before the informers (re)start, once the server answered (WorkersState picks its scope). */
  protected async prepare(): Promise<void> {
    // nothing by default
  }

  /** Watches open now, over every informer of this cluster (one per kind when healthy). */
  openWatches(): number {
    return this.watches.reduce((a, w) => a + w.openWatches, 0);
  }

  /** Watches a healthy state holds: one per kind (per namespace where the scope is a list of them). */
  expectedWatches(): number {
    return this.watches.reduce((a, w) => a + ((w as { size?: number }).size ?? 1), 0);
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
    await this.prepare();
    if (gen !== this.gen || this.disposed) return;
    for (const w of this.watches) w.restart();
  }

  /** Reads the server version again and restarts every informer (Refresh): nothing leaks. */
  async refresh(): Promise<void> {
    if (this.disposed) return;
    const gen = ++this.gen;
    await this.probe(gen);
    if (gen !== this.gen || this.disposed) return;
    await this.prepare();
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

/**
 * A store's list, keep and slim, its pages read on the list worker (src/cluster/pageDecoder.ts):
 * this thread fetches the bytes and gets back the kept objects' slim records. Watch events are
 * kept and slimmed here with the same functions (pageShapes.ts), so both agree. A 2xx answer
 * that is not a list fails with a message that says so (not "cannot reach").
 */
export function decodedLister<R>(session: ClusterSession, path: string, shape: PageShape, decoder: () => PageDecoder = sharedPageDecoder): Pick<ListWatchSpec<R>, 'listSlim' | 'slim' | 'keep'> {
  const { slim, keep } = shapeFunctions<R>(shape);
  return {
    listSlim: async (p, signal) => {
      // An HTTP or network error is thrown as it is, for the informer's explain().
      const bytes = await session.http.requestBytes('GET', path, { query: { limit: p.limit, ...(p._continue ? { continue: p._continue } : {}) }, signal, timeoutMs: 120_000 });
      try {
        return await decoder().decode<R>(bytes, shape, signal);
      } catch (err) {
        const name = (err as Error | undefined)?.name;
        if (name === 'SyntaxError' || name === NOT_A_LIST) throw notAList(err, { context: session.context, server: session.server, path, action: `list ${path}` });
        throw err;
      }
    },
    slim,
    ...(keep ? { keep } : {}),
  };
}

/** What ClusterState drives: a ListWatch, or an InformerSet of them. */
export interface Informer {
  readonly openWatches: number;
  onChange(l: () => void): { dispose(): void };
  restart(): void;
  reconnect(): void;
  dispose(): void;
}

/** What readers need of a store of records: ListWatch and InformerSet both are one. */
export interface Store<R> {
  readonly items: Map<string, R>;
  readonly state: ListWatchState;
  readonly error: KubemarkError | undefined;
  /** Closed for good: it emits one last `state` change when it closes. */
  readonly isDisposed?: boolean;
  onChange(l: (c: Change<R>) => void): { dispose(): void };
}

/**
 * Several informers of one kind (one per namespace when listing every namespace is not
 * allowed, or the namespaces are set) seen as one store; its members can be replaced when the
 * scope changes. Keys are namespace/name, so members never collide.
 */
export class InformerSet<R> implements Informer, Store<R> {
  readonly items = new Map<string, R>();
  private members: Array<{ w: ListWatch<R>; sub: { dispose(): void } }> = [];
  private readonly listeners = new Set<(c: Change<R>) => void>();
  private disposed = false;

  get openWatches(): number {
    return this.members.reduce((a, m) => a + m.w.openWatches, 0);
  }

  get state(): ListWatchState {
    // Until its scope is chosen (the first replace()), nothing is known yet.
    if (!this.scoped && !this.disposed) return 'loading';
    if (this.members.some((m) => m.w.state === 'error')) return 'error';
    if (this.members.some((m) => m.w.state === 'loading')) return 'loading';
    return 'ready';
  }

  get error(): KubemarkError | undefined {
    return this.members.find((m) => m.w.error)?.w.error;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  get size(): number {
    return this.members.length;
  }

  onChange(l: (c: Change<R>) => void): { dispose(): void } {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  }

  private emit(c: Change<R>): void {
    for (const l of [...this.listeners]) l(c);
  }

  /** Disposes the members there were and takes these (not started: restart() starts them). */
  private scoped = false;

  replace(members: ListWatch<R>[]): void {
    this.scoped = true;
    for (const m of this.members) {
      m.sub.dispose();
      m.w.dispose();
    }
    this.items.clear();
    this.members = members.map((w) => ({
      w,
      sub: w.onChange((c) => {
        if (c.type === 'reset') {
          // Only this member's keys change: its namespace prefix is its own.
          for (const k of [...this.items.keys()]) if (!w.items.has(k) && this.ownerOf(k) === w) this.items.delete(k);
          for (const [k, v] of w.items) this.items.set(k, v);
        } else if (c.type === 'upsert') this.items.set(c.key, c.value);
        else if (c.type === 'delete') this.items.delete(c.key);
        this.emit(c);
      }),
    }));
    this.emit({ type: 'reset' });
  }

  private ownerOf(key: string): ListWatch<R> | undefined {
    if (this.members.length === 1) return this.members[0]!.w;
    const ns = key.split('/')[0];
    return this.members.find((m) => m.w.path.includes(`/namespaces/${ns}/`))?.w;
  }

  restart(): void {
    for (const m of this.members) m.w.restart();
  }

  reconnect(): void {
    for (const m of this.members) m.w.reconnect();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const m of this.members) {
      m.sub.dispose();
      m.w.dispose();
    }
    this.members = [];
    // Whoever waits on this store learns it ended; a listener that throws does not stop disposal.
    for (const l of [...this.listeners]) {
      try {
        l({ type: 'state' });
      } catch {
        // disposal goes on
      }
    }
    this.listeners.clear();
  }
}

/** Where hollow-node pods are looked for: every namespace, or these. */
export type PodScope = { all: true } | { all: false; namespaces: string[]; why: 'setting' | 'forbidden' };

export interface WorkersOptions extends StateOptions {
  /** kubemark.namespaces: look only here. Empty: every namespace (falls back to `namespace` on 403). */
  namespaces?: string[];
  /** kubemark.hollowNodeSelector, parsed. */
  selector?: LabelSelector;
}

/** The workload kinds whose pods the tree groups by; one informer each. */
export const OWNER_KINDS = ['StatefulSet', 'ReplicationController', 'Deployment', 'ReplicaSet', 'DaemonSet'] as const;
export type OwnerKind = (typeof OWNER_KINDS)[number];

export class WorkersState extends ClusterState {
  /** Hollow-node pods, in every namespace of the scope. */
  readonly pods = new InformerSet<PodRecord>();
  /** Workloads whose pod template is a hollow node, by kind. */
  readonly owners: Record<OwnerKind, InformerSet<WorkloadRecord>>;
  readonly namespaces: ListWatch<ObjectPresence>;
  readonly configMaps: ListWatch<ObjectPresence>;
  readonly secrets: ListWatch<ObjectPresence>;
  scope: PodScope | undefined;
  private readonly selector: LabelSelector;

  constructor(session: ClusterSession, readonly namespace: string, options: WorkersOptions = {}) {
    super(session, options);
    this.selector = options.selector ?? [];
    const s = session;
    const ns = namespace;
    const explain = (what: string) => (err: unknown) => s.explain(err, what);
    const informer = <R>(path: string, slim: (o: any) => R, what: string, query?: Record<string, string>) =>
      this.add(new ListWatch<R>({ path, ...(query ? { query } : {}), list: rawLister(s, path, query), watch: s.watch, slim, explain: explain(what) }, this.lwOptions()));
    const byName = (name: string) => ({ fieldSelector: `metadata.name=${name}` });
    this.add(this.pods);
    this.owners = Object.fromEntries(OWNER_KINDS.map((k) => [k, this.add(new InformerSet<WorkloadRecord>())])) as Record<OwnerKind, InformerSet<WorkloadRecord>>;
    this.namespaces = informer('/api/v1/namespaces', slimPresence, `read namespace ${ns}`, byName(ns));
    this.configMaps = informer(`/api/v1/namespaces/${ns}/configmaps`, slimPresence, `read configmap ${CONFIGMAP_NAME} in namespace ${ns}`, byName(CONFIGMAP_NAME));
    // Keys only: secret values never leave slimPresence.
    this.secrets = informer(`/api/v1/namespaces/${ns}/secrets`, slimPresence, `read secret ${SECRET_NAME} in namespace ${ns}`, byName(SECRET_NAME));
    const set = options.namespaces?.filter(Boolean) ?? [];
    if (set.length) this.useScope({ all: false, namespaces: [...new Set(set)].sort(), why: 'setting' });
  }

  get statefulSets(): InformerSet<WorkloadRecord> {
    return this.owners.StatefulSet;
  }

  /** Every owner informer and the pods: the tree's rows. */
  get workloadStores(): Array<Store<unknown>> {
    return [this.pods, ...OWNER_KINDS.map((k) => this.owners[k])] as Array<Store<unknown>>;
  }

  /** True when the pods of this namespace are watched. */
  covers(namespace: string): boolean {
    return this.scope?.all === true || (this.scope?.all === false && this.scope.namespaces.includes(namespace));
  }

  /**
   * Every namespace unless the setting names some; when listing pods in every namespace is
   * forbidden (403), the kubemark.namespace setting's namespace.
   */
  protected override async prepare(): Promise<void> {
    if (this.scope && !(this.scope.all === false && this.scope.why === 'forbidden')) return;
    let next: PodScope = { all: true };
    try {
      await this.session.http.request('GET', '/api/v1/pods', { query: { limit: 1 }, timeoutMs: 10_000 });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 403) next = { all: false, namespaces: [this.namespace], why: 'forbidden' };
      else if (this.scope) return;
    }
    if (this.scope && JSON.stringify(this.scope) === JSON.stringify(next)) return;
    this.useScope(next);
  }

  private useScope(scope: PodScope): void {
    this.scope = scope;
    const s = this.session;
    const sel = this.selector;
    const where = scope.all ? [undefined] : scope.namespaces;
    const lw = <R>(path: string, shape: PageShape, what: string) =>
      new ListWatch<R>({ path, ...decodedLister<R>(s, path, shape, this.decoder), watch: s.watch, explain: (err) => s.explain(err, what) }, this.lwOptions());
    const inNs = (ns: string | undefined) => (ns ? ` in namespace ${ns}` : ' in all namespaces');
    this.pods.replace(where.map((ns) => lw<PodRecord>(resourcePath(KINDS.Pod!, ns), { kind: 'hollowPod', selector: sel }, `list pods${inNs(ns)}`)));
    for (const kind of OWNER_KINDS) {
      const k = KINDS[kind]!;
      this.owners[kind].replace(where.map((ns) => lw<WorkloadRecord>(resourcePath(k, ns), { kind: 'hollowWorkload', owner: kind, selector: sel }, `list ${k.plural}${inNs(ns)}`)));
    }
    this.emit();
  }

  podsOf(w: WorkloadRecord): PodRecord[] {
    return [...this.pods.items.values()].filter((p) => p.namespace === w.namespace && p.ownerName === w.name);
  }
}

export class MastersState extends ClusterState {
  readonly nodes: ListWatch<NodeRecord>;

  constructor(session: ClusterSession, options: StateOptions = {}) {
    super(session, options);
    this.nodes = this.add(new ListWatch<NodeRecord>({
      path: '/api/v1/nodes',
      ...decodedLister<NodeRecord>(session, '/api/v1/nodes', { kind: 'node' }, this.decoder),
      watch: session.watch,
      explain: (err) => session.explain(err, 'list nodes'),
    }, this.lwOptions()));
  }
}

export type { Change };
