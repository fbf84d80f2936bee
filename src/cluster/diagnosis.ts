// Collects the evidence "Why Not Ready?" judges, for one hollow-node pod or one fake node:
// the pod, its and its owner's events, the last log lines of each container, the Node and its
// Lease in the masters cluster, the workers node, and the kubeconfig Secret's key names (values
// are read only to find the server URL, in memory, and never returned or logged). One-shot
// GETs/LISTs through @kubernetes/client-node; each failure becomes a line in `problems`.
import { CoordinationV1Api, KubeConfig, V1Container, V1ContainerState, V1ContainerStatus, CoreV1Event, V1Node, V1NodeCondition, V1Pod } from '@kubernetes/client-node';
import {
  ConditionEvidence,
  ContainerEvidence,
  ContainerStateEvidence,
  Diagnosis,
  EventEvidence,
  EvidenceBundle,
  LogEvidence,
  ManifestEvidence,
  MastersNodeEvidence,
  ResourceAmounts,
  SecretEvidence,
  CapacityEvidence,
  WorkersNodeEvidence,
  diagnose,
  kubeconfigSecretRefs,
  kubeconfigServer,
} from '../core/diagnosis';
import { parseQuantity } from './quantity';
import { ClusterSession } from './session';

export const LEASE_NAMESPACE = 'kube-node-lease';
export const DEFAULT_SECRET = 'kubeconfig';

export type DiagnosisTarget = { pod: string } | { node: string };

export interface CollectOptions {
  /** Namespace of the hollow-node pods, for a `{ node }` target and a bare pod name (default "kubemark"). */
  namespace?: string;
  /** Last lines read of each container's log (default 200). */
  tailLines?: number;
  /** The open manifest, to link bad arguments to their line. */
  manifest?: ManifestEvidence;
  now?: () => number;
}

export interface DiagnosisClusters {
  workers?: ClusterSession;
  masters?: ClusterSession;
}

/** Sessions for the two contexts of a kubeconfig (either may be absent). */
export function diagnosisClusters(kc: KubeConfig, workersContext: string | undefined, mastersContext: string | undefined): DiagnosisClusters {
  return {
    ...(workersContext ? { workers: new ClusterSession(kc, workersContext) } : {}),
    ...(mastersContext ? { masters: new ClusterSession(kc, mastersContext) } : {}),
  };
}

/** Collects the evidence and judges it: what `kubemark.whyNotReady` returns. */
export async function whyNotReady(clusters: DiagnosisClusters, target: DiagnosisTarget, options: CollectOptions = {}): Promise<{ bundle: EvidenceBundle; diagnosis: Diagnosis }> {
  const bundle = await collectEvidence(clusters, target, options);
  return { bundle, diagnosis: diagnose(bundle) };
}

function statusOf(err: any): number | undefined {
  const s = err?.code ?? err?.statusCode ?? err?.response?.statusCode ?? err?.body?.code;
  return typeof s === 'number' ? s : undefined;
}

function iso(d: Date | string | undefined | null): string | undefined {
  if (!d) return undefined;
  if (d instanceof Date) return Number.isFinite(d.getTime()) ? d.toISOString() : undefined;
  return String(d);
}

function conditionsOf(cs: V1NodeCondition[] | { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: Date }[] | undefined): ConditionEvidence[] {
  return (cs ?? []).map((c: any) => ({
    type: c.type,
    status: c.status,
    ...(c.reason ? { reason: c.reason } : {}),
    ...(c.message ? { message: c.message } : {}),
    ...(c.lastHeartbeatTime ? { lastHeartbeatTime: iso(c.lastHeartbeatTime) } : {}),
    ...(c.lastTransitionTime ? { lastTransitionTime: iso(c.lastTransitionTime) } : {}),
  }));
}

function stateOf(s: V1ContainerState | undefined): ContainerStateEvidence {
  if (s?.waiting) return { kind: 'waiting', ...(s.waiting.reason ? { reason: s.waiting.reason } : {}), ...(s.waiting.message ? { message: s.waiting.message } : {}) };
  if (s?.terminated) {
    const t = s.terminated;
    return {
      kind: 'terminated',
      exitCode: t.exitCode,
      ...(t.reason ? { reason: t.reason } : {}),
      ...(t.message ? { message: t.message } : {}),
      ...(t.signal ? { signal: t.signal } : {}),
      ...(t.startedAt ? { startedAt: iso(t.startedAt) } : {}),
      ...(t.finishedAt ? { finishedAt: iso(t.finishedAt) } : {}),
    };
  }
  if (s?.running) return { kind: 'running', ...(s.running.startedAt ? { startedAt: iso(s.running.startedAt) } : {}) };
  return { kind: 'none' };
}

function containerOf(c: V1Container, status: V1ContainerStatus | undefined, init: boolean): ContainerEvidence {
  const last = status?.lastState ? stateOf(status.lastState) : undefined;
  return {
    name: c.name,
    ...(init ? { init: true } : {}),
    ...(c.image ? { image: c.image } : {}),
    ready: status?.ready ?? false,
    restartCount: status?.restartCount ?? 0,
    state: stateOf(status?.state),
    ...(last && last.kind !== 'none' ? { lastState: last } : {}),
    argv: [...(c.command ?? []), ...(c.args ?? [])],
  };
}

function requestsOf(containers: V1Container[] | undefined): ResourceAmounts {
  const sum = { cpuMilli: 0, memoryBytes: 0 };
  for (const c of containers ?? []) {
    const r = c.resources?.requests ?? {};
    if (r.cpu !== undefined) sum.cpuMilli += Math.round(parseQuantity(String(r.cpu)) * 1000);
    if (r.memory !== undefined) sum.memoryBytes += parseQuantity(String(r.memory));
  }
  return sum;
}

/** Effective pod requests: the containers' sum, or the largest init container if that is larger. */
export function podRequests(pod: V1Pod): ResourceAmounts {
  const main = requestsOf(pod.spec?.containers);
  for (const ic of pod.spec?.initContainers ?? []) {
    const r = requestsOf([ic]);
    main.cpuMilli = Math.max(main.cpuMilli, r.cpuMilli);
    main.memoryBytes = Math.max(main.memoryBytes, r.memoryBytes);
  }
  return main;
}

export function podEvidence(p: V1Pod): ContainerEvidence[] {
  const statuses = new Map((p.status?.containerStatuses ?? []).map((s) => [s.name, s]));
  const initStatuses = new Map((p.status?.initContainerStatuses ?? []).map((s) => [s.name, s]));
  return [
    ...(p.spec?.initContainers ?? []).map((c) => containerOf(c, initStatuses.get(c.name), true)),
    ...(p.spec?.containers ?? []).map((c) => containerOf(c, statuses.get(c.name), false)),
  ];
}

function eventOf(e: CoreV1Event): EventEvidence {
  const kind = e.involvedObject?.kind ?? '?';
  return {
    object: `${kind}/${e.involvedObject?.name ?? '?'}`,
    type: e.type ?? 'Normal',
    reason: e.reason ?? '',
    message: e.message ?? '',
    count: e.count ?? e.series?.count ?? 1,
    ...(iso(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp) ? { lastSeen: iso(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp) } : {}),
    ...(e.involvedObject?.fieldPath ? { fieldPath: e.involvedObject.fieldPath } : {}),
  };
}

function splitPod(ref: string, namespace: string): { namespace: string; name: string } {
  const i = ref.indexOf('/');
  return i === -1 ? { namespace, name: ref } : { namespace: ref.slice(0, i), name: ref.slice(i + 1) };
}

/** Lines of a log text, without the empty tail of the last newline. */
function lines(text: string): string[] {
  const out = text.split(/\r?\n/);
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

export async function collectEvidence(clusters: DiagnosisClusters, target: DiagnosisTarget, options: CollectOptions = {}): Promise<EvidenceBundle> {
  const namespace = options.namespace ?? 'kubemark';
  const tailLines = options.tailLines ?? 200;
  const problems: string[] = [];
  const { workers, masters } = clusters;
  const ref = 'pod' in target ? splitPod(target.pod, namespace) : { namespace, name: target.node };
  const bundle: EvidenceBundle = {
    target: 'pod' in target ? { kind: 'pod', namespace: ref.namespace, name: ref.name } : { kind: 'node', namespace: ref.namespace, name: ref.name },
    now: 0,
    podEvents: [],
    ownerEvents: [],
    logs: [],
    problems,
    ...(options.manifest ? { manifest: options.manifest } : {}),
  };

  /** Runs fn; a 404 gives undefined, anything else a problem line and undefined. */
  async function get<T>(session: ClusterSession, action: string, fn: () => Promise<T>, notFound?: () => void): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      if (statusOf(err) === 404 && notFound) {
        notFound();
        return undefined;
      }
      problems.push(`${session.context}: ${session.explain(err, action).message}`);
      return undefined;
    }
  }

  // The pod (a hollow node is named after its pod; look in other namespaces when not found).
  let pod: V1Pod | undefined;
  if (workers) {
    let missing = false;
    pod = await get(workers, `read pod ${ref.namespace}/${ref.name}`, () => workers.core.readNamespacedPod(ref), () => (missing = true));
    if (!pod && missing && 'node' in target) {
      const list = await get(workers, `list pods named ${ref.name}`, () => workers.core.listPodForAllNamespaces({ fieldSelector: `metadata.name=${ref.name}`, limit: 5 }));
      pod = list?.items[0];
    }
  } else {
    problems.push('No workers cluster selected: the pod, its events and logs were not read.');
  }

  const masterName = pod?.metadata?.name ?? ref.name;
  const [mastersNode, lease] = await Promise.all([
    masters ? mastersNodeEvidence(masters, masterName, get) : Promise.resolve(undefined),
    masters
      ? get(masters, `read lease ${LEASE_NAMESPACE}/${masterName}`, () => masters.kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: LEASE_NAMESPACE, name: masterName }), () => undefined)
      : Promise.resolve(undefined),
  ]);
  if (!masters) problems.push('No masters cluster selected: the Node and its Lease were not read.');
  if (mastersNode) bundle.mastersNode = mastersNode;
  if (lease?.spec) {
    bundle.lease = {
      ...(iso(lease.spec.renewTime) ? { renewTime: iso(lease.spec.renewTime) } : {}),
      ...(lease.spec.leaseDurationSeconds ? { durationSeconds: lease.spec.leaseDurationSeconds } : {}),
      ...(lease.spec.holderIdentity ? { holder: lease.spec.holderIdentity } : {}),
    };
  }

  if (workers && pod) {
    const ns = pod.metadata?.namespace ?? ref.namespace;
    const name = pod.metadata?.name ?? ref.name;
    const owner = pod.metadata?.ownerReferences?.find((o) => o.controller) ?? pod.metadata?.ownerReferences?.[0];
    bundle.pod = {
      namespace: ns,
      name,
      ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}),
      ...(pod.status?.phase ? { phase: pod.status.phase } : {}),
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      ...(pod.metadata?.deletionTimestamp ? { deleting: true } : {}),
      ...(iso(pod.metadata?.creationTimestamp) ? { createdAt: iso(pod.metadata?.creationTimestamp) } : {}),
      conditions: conditionsOf(pod.status?.conditions as any),
      containers: podEvidence(pod),
      requests: podRequests(pod),
      ...(owner ? { owner: { kind: owner.kind, name: owner.name } } : {}),
    };
    const uid = pod.metadata?.uid;
    const [podEvents, ownerEvents, workersNode, secret, capacity] = await Promise.all([
      get(workers, `list events of pod ${ns}/${name}`, () =>
        workers.core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${name}${uid ? `,involvedObject.uid=${uid}` : ''}` }),
      ),
      owner
        ? get(workers, `list events of ${owner.kind} ${ns}/${owner.name}`, () => workers.core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.kind=${owner.kind},involvedObject.name=${owner.name}` }))
        : Promise.resolve(undefined),
      pod.spec?.nodeName ? workersNodeEvidence(workers, pod.spec.nodeName, get) : Promise.resolve(undefined),
      secretEvidence(workers, pod, get),
      !pod.spec?.nodeName && pod.status?.phase === 'Pending' ? capacityEvidence(workers, get) : Promise.resolve(undefined),
    ]);
    bundle.podEvents = (podEvents?.items ?? []).map(eventOf);
    bundle.ownerEvents = (ownerEvents?.items ?? []).map(eventOf);
    if (workersNode) bundle.workersNode = workersNode;
    if (secret) bundle.secret = secret;
    if (capacity) bundle.workersCapacity = capacity;
    bundle.logs = await logEvidence(workers, pod, bundle.podEvents, tailLines, problems);
  }
  bundle.now = (options.now ?? Date.now)();
  return bundle;
}

type Getter = <T>(session: ClusterSession, action: string, fn: () => Promise<T>, notFound?: () => void) => Promise<T | undefined>;

async function mastersNodeEvidence(masters: ClusterSession, name: string, get: Getter): Promise<MastersNodeEvidence | undefined> {
  let missing = false;
  const n: V1Node | undefined = await get(masters, `read node ${name}`, () => masters.core.readNode({ name }), () => (missing = true));
  if (missing) return { name, exists: false, conditions: [], taints: [] };
  if (!n) return undefined;
  return {
    name,
    exists: true,
    conditions: conditionsOf(n.status?.conditions),
    taints: (n.spec?.taints ?? []).map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect })),
    ...(n.spec?.unschedulable ? { unschedulable: true } : {}),
    ...(iso(n.metadata?.creationTimestamp) ? { createdAt: iso(n.metadata?.creationTimestamp) } : {}),
  };
}

async function workersNodeEvidence(workers: ClusterSession, name: string, get: Getter): Promise<WorkersNodeEvidence | undefined> {
  let missing = false;
  const n = await get(workers, `read node ${name}`, () => workers.core.readNode({ name }), () => (missing = true));
  if (missing) return { name, exists: false, conditions: [] };
  return n ? { name, exists: true, conditions: conditionsOf(n.status?.conditions) } : undefined;
}

async function secretEvidence(workers: ClusterSession, pod: V1Pod, get: Getter): Promise<SecretEvidence | undefined> {
  const ns = pod.metadata?.namespace ?? 'default';
  const refs = kubeconfigSecretRefs(pod.spec as any);
  const ref = refs.find((r) => r.secret === DEFAULT_SECRET) ?? refs[0] ?? { secret: DEFAULT_SECRET, keys: [] };
  let missing = false;
  const s = await get(workers, `read secret ${ns}/${ref.secret}`, () => workers.core.readNamespacedSecret({ namespace: ns, name: ref.secret }), () => (missing = true));
  if (missing) return { namespace: ns, name: ref.secret, exists: false, keys: [], expectedKeys: ref.keys };
  if (!s) return undefined;
  const data = s.data ?? {};
  const keys = Object.keys(data).sort();
  // Only the server URL leaves this function; the decoded text is dropped here.
  const kubeletKey = ref.keys.find((k) => /kubelet/.test(k) && data[k]) ?? ref.keys.find((k) => data[k]) ?? keys.find((k) => /kubelet/.test(k));
  const server = kubeletKey && data[kubeletKey] ? kubeconfigServer(Buffer.from(data[kubeletKey] as string, 'base64').toString('utf8')) : undefined;
  return { namespace: ns, name: ref.secret, exists: true, keys, expectedKeys: ref.keys, ...(server ? { server } : {}) };
}

/** Free and allocatable CPU/memory of the roomiest schedulable, Ready workers node. */
async function capacityEvidence(workers: ClusterSession, get: Getter): Promise<CapacityEvidence | undefined> {
  const [nodes, pods] = await Promise.all([
    get(workers, 'list nodes', () => workers.core.listNode({ limit: 2000 })),
    get(workers, 'list pods', () => workers.core.listPodForAllNamespaces({ fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed,spec.nodeName!=', limit: 10000 })),
  ]);
  if (!nodes) return undefined;
  const used = new Map<string, ResourceAmounts>();
  for (const p of pods?.items ?? []) {
    const n = p.spec?.nodeName;
    if (!n) continue;
    const r = podRequests(p);
    const u = used.get(n) ?? { cpuMilli: 0, memoryBytes: 0 };
    u.cpuMilli += r.cpuMilli;
    u.memoryBytes += r.memoryBytes;
    used.set(n, u);
  }
  const usable = nodes.items.filter((n) => !n.spec?.unschedulable && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  let free: ResourceAmounts | undefined;
  let alloc: ResourceAmounts | undefined;
  for (const n of usable) {
    const a = n.status?.allocatable ?? {};
    const cpu = Math.round(parseQuantity(String(a.cpu ?? '0')) * 1000);
    const mem = parseQuantity(String(a.memory ?? '0'));
    const u = used.get(n.metadata?.name ?? '') ?? { cpuMilli: 0, memoryBytes: 0 };
    alloc = { cpuMilli: Math.max(alloc?.cpuMilli ?? 0, cpu), memoryBytes: Math.max(alloc?.memoryBytes ?? 0, mem) };
    free = { cpuMilli: Math.max(free?.cpuMilli ?? 0, cpu - u.cpuMilli), memoryBytes: Math.max(free?.memoryBytes ?? 0, mem - u.memoryBytes) };
  }
  return { nodes: usable.length, ...(pods && free ? { largestFree: free } : {}), ...(alloc ? { largestAllocatable: alloc } : {}) };
}

/** The last lines of each container; of the previous instance too when it restarted. */
async function logEvidence(workers: ClusterSession, pod: V1Pod, events: EventEvidence[], tailLines: number, problems: string[]): Promise<LogEvidence[]> {
  const ns = pod.metadata?.namespace ?? 'default';
  const name = pod.metadata?.name ?? '';
  if (!pod.spec?.nodeName || pod.status?.phase === 'Pending' && !(pod.status?.containerStatuses ?? []).some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated)) return [];
  const statuses = new Map((pod.status?.containerStatuses ?? []).map((s) => [s.name, s]));
  const reads: Promise<LogEvidence | undefined>[] = [];
  for (const c of pod.spec?.containers ?? []) {
    const st = statuses.get(c.name);
    const restarted = (st?.restartCount ?? 0) > 0 || events.some((e) => e.reason === 'BackOff' && e.message.includes(`container ${c.name} `));
    const read = async (previous: boolean): Promise<LogEvidence | undefined> => {
      try {
        const text = await workers.core.readNamespacedPodLog({ namespace: ns, name, container: c.name, tailLines, ...(previous ? { previous: true } : {}) });
        return { container: c.name, ...(previous ? { previous: true } : {}), lines: lines(typeof text === 'string' ? text : String(text ?? '')) };
      } catch (err) {
        // No previous instance, or the container has not started: not a problem worth listing.
        if (statusOf(err) === 400 || (previous && statusOf(err) === 404)) return undefined;
        problems.push(`${workers.context}: ${workers.explain(err, `read the log of ${ns}/${name} ${c.name}${previous ? ' (previous)' : ''}`).message}`);
        return undefined;
      }
    };
    reads.push(read(false));
    if (restarted) reads.push(read(true));
  }
  return (await Promise.all(reads)).filter((l): l is LogEvidence => l !== undefined);
}
