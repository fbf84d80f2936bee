// What the commands do, without the editor: each takes an options object and a cancellation
// signal, so tests, tasks and other extensions can run them without prompts.
import { CancelSignal, CancelledError, KubemarkError, throwIfCancelled } from '../core/errors';
import { HollowNodeOptions, clusterRoleName, generateHollowNodeManifest, generateObjects } from '../core/manifest';
import { CONFIGMAP_NAME, MANAGED_BY_LABEL, MANAGED_BY_VALUE, SECRET_NAME } from '../core/manifest/options';
import { lint } from '../core/rules';
import { applyAll } from './apply';
import { KINDS, ObjectRef, createdByUs, deleteExactly, describeRef, kindOf, listAll, refOf, resourcePath, scaleTo } from './resources';
import { PreflightCheck, checkCapacity, checkImageVersion, checkPermissions } from './preflight';
import { isHollowNode, isReadyHollow, naturalCompare, slimNode } from './records';
import { HttpError } from './http';
import { hollowNodeNameOf } from './hollow';
import { ClusterSession } from './session';
import { MastersState } from './state';
import { checkWorkersMasters } from './sameCluster';
import { Change, ListWatch } from './listWatch';
import { NodeRecord } from './records';

export type Progress = (message: string, done?: number, total?: number) => void;

/** Sleeps for ms, or ends early (rejecting) when cancelled. Used for polling with a deadline. */
function pause(ms: number, token?: CancelSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      sub?.dispose();
      resolve();
    }, ms);
    const sub = token?.onCancellationRequested(() => {
      clearTimeout(t);
      reject(new CancelledError());
    });
  });
}

export interface ScaffoldOptions {
  namespace: string;
  contentType: string;
  /** Standalone masters kubeconfig (YAML) for the Secret. */
  mastersKubeconfig: string;
}

/** Namespace, node-configmap and the kubeconfig Secret; idempotent (server-side apply). */
export async function scaffold(workers: ClusterSession, o: ScaffoldOptions, token?: CancelSignal): Promise<string[]> {
  const all = generateObjects({
    image: 'unused:v0', replicas: 0, namespace: o.namespace, name: 'hollow-node', contentType: o.contentType,
    kubelet: { requests: {} }, proxy: { requests: {} }, nodeLabels: {}, taints: [], maxPods: 110, extendedResources: {},
    imageService: 'fake', logVerbosity: 2, mastersKubeconfig: o.mastersKubeconfig,
  });
  const setup = all.filter((x) => x.kind === 'Namespace' || (x.kind === 'ConfigMap' && x.metadata.name === CONFIGMAP_NAME) || (x.kind === 'Secret' && x.metadata.name === SECRET_NAME));
  return applyAll(workers, setup, token);
}

export interface DeployRequest {
  options: HollowNodeOptions;
  /** Wait for this long for the fake nodes to be Ready. */
  timeoutMs: number;
  /** Skip the preflight checks (not recommended). */
  skipPreflight?: boolean;
  /** Called with preflight warnings; return false to stop. */
  confirmWarnings?: (warnings: PreflightCheck[]) => Promise<boolean>;
  /** Called with the YAML before applying; return false to stop (the user reviews it). */
  review?: (yaml: string) => Promise<boolean>;
  /** The masters node informer the editor holds; without it a temporary one is used. */
  nodes?: NodeStore;
}

export interface DeployResult {
  applied: string[];
  ready: number;
  desired: number;
  preflight: PreflightCheck[];
  nodes: string[];
}

export async function preflight(workers: ClusterSession, masters: ClusterSession, o: HollowNodeOptions): Promise<PreflightCheck[]> {
  const mastersVersion = await masters.version();
  const checks: PreflightCheck[] = [{ id: 'masters-reachable', level: 'ok', message: `Masters cluster ${masters.context} answers (${mastersVersion.gitVersion}).` }];
  const serverHost = /^https?:\/\/\[?([^\]/:]+)/.exec(masters.server)?.[1] ?? '';
  if (/^(127\.|localhost$|::1$|0\.0\.0\.0$)/.test(serverHost)) {
    checks.push({ id: 'masters-reachable-from-pods', level: 'warning', message: `The masters server ${masters.server} is a loopback address: hollow-node pods in the workers cluster reach it only if they run on the same host (as in the local lab).` });
  }
  checks.push(checkImageVersion(o.image, mastersVersion));
  const same = await checkWorkersMasters(workers, masters);
  if (same.same) checks.push({ id: 'workers-is-masters', level: 'warning', message: `${same.message} ${same.remedy.join(' ')}` });
  const [perms, capacity] = await Promise.all([checkPermissions(workers, o.namespace), checkCapacity(workers, o)]);
  checks.push(...perms, capacity);
  return checks;
}

export function hollowNodeNames(name: string, replicas: number): string[] {
  return Array.from({ length: replicas }, (_, i) => `${name}-${i}`);
}

/** The masters node informer, as Deploy's wait reads it. */
export type NodeStore = ListWatch<NodeRecord>;

/**
 * Waits until every named node is Ready in the masters cluster, reporting N/M as it goes. Reads
 * the held node informer (no second watch); the count is kept per change, so the work per event
 * is constant, not proportional to the number of nodes.
 */
export async function waitForReadyNodes(nodes: NodeStore, names: string[], timeoutMs: number, progress: Progress, token?: CancelSignal): Promise<number> {
  const wanted = new Set(names);
  let ready = 0;
  const recount = () => {
    ready = 0;
    for (const n of wanted) if (isReadyHollow(nodes.items.get(n))) ready++;
  };
  recount();
  return new Promise<number>((resolve, reject) => {
    let last = -1;
    const check = () => {
      if (ready !== last) {
        last = ready;
        progress(`${ready}/${names.length} fake nodes Ready`, ready, names.length);
      }
      if (ready >= names.length) finish(() => resolve(ready));
    };
    const onChange = (c: Change<NodeRecord>) => {
      if (c.type === 'state' && nodes.isDisposed) return finish(() => reject(storeClosed(ready, names.length)));
      if (c.type === 'reset') recount();
      else if (c.type === 'upsert' && wanted.has(c.key)) ready += (isReadyHollow(c.value) ? 1 : 0) - (isReadyHollow(c.old) ? 1 : 0);
      else if (c.type === 'delete' && wanted.has(c.key)) ready -= isReadyHollow(c.old) ? 1 : 0;
      else return;
      check();
    };
    const timer = setTimeout(() => finish(() => reject(new KubemarkError(`Only ${ready} of ${names.length} fake nodes turned Ready in ${Math.round(timeoutMs / 1000)} s. Look at the hollow-node pods (Kubemark: Tail Logs, or Why Not Ready?) for errors such as a wrong kubeconfig Secret or an image that does not match the masters cluster.`))), timeoutMs);
    const sub = nodes.onChange(onChange);
    const cancel = token?.onCancellationRequested(() => finish(() => reject(new CancelledError(`Stopped waiting at ${ready}/${names.length} fake nodes Ready; the hollow nodes keep starting. Watch them in the Kubemark view.`))));
    let finished = false;
    function finish(f: () => void) {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sub.dispose();
      cancel?.dispose();
      f();
    }
    check();
  });
}

/** The wait's node informer was closed under it (the masters selection changed, or the window closes). */
export function storeClosed(ready: number, desired: number, what = "the masters cluster's node watch"): KubemarkError {
  return new KubemarkError(`Stopped waiting at ${ready}/${desired} fake nodes Ready: ${what} was closed (the cluster selection changed). What was applied stays; watch the hollow nodes in the Kubemark view, or run the deploy again to follow it.`);
}

/** Runs f with a node informer: the one given (held by the editor), else a temporary one. */
export async function withNodeStore<T>(masters: ClusterSession, held: NodeStore | undefined, f: (nodes: NodeStore) => Promise<T>): Promise<T> {
  if (held && !held.isDisposed) return f(held);
  const state = new MastersState(new ClusterSession(masters.kc, masters.context));
  void state.start();
  try {
    return await f(state.nodes);
  } finally {
    state.dispose();
  }
}

export async function deploy(workers: ClusterSession, masters: ClusterSession, req: DeployRequest, progress: Progress, token?: CancelSignal): Promise<DeployResult> {
  const o = req.options;
  let checks: PreflightCheck[] = [];
  if (!req.skipPreflight) {
    progress('Preflight checks');
    checks = await preflight(workers, masters, o);
    const errors = checks.filter((c) => c.level === 'error');
    if (errors.length > 0) throw new KubemarkError(`Preflight failed, nothing was applied: ${errors.map((c) => c.message).join(' ')}`);
    const warnings = checks.filter((c) => c.level === 'warning');
    if (warnings.length > 0 && req.confirmWarnings && !(await req.confirmWarnings(warnings))) {
      throw new CancelledError('Stopped after the preflight warnings; nothing was applied.');
    }
  }
  throwIfCancelled(token, 'Cancelled before applying anything.');
  const manifest = generateHollowNodeManifest(o);
  const problems = lint(manifest.yaml).filter((f) => f.severity === 'error');
  if (problems.length > 0) {
    throw new KubemarkError(`The manifest does not validate, nothing was applied: ${problems.map((p) => `line ${p.range.start.line + 1}: ${p.message}`).join(' ')}`);
  }
  if (req.review && !(await req.review(manifest.yaml))) throw new CancelledError('Stopped at the review; nothing was applied.');
  progress(`Applying ${manifest.objects.length} objects to ${workers.context}`);
  const applied = await applyAll(workers, manifest.objects, token, (what) => progress(`Applied ${what}`));
  const names = hollowNodeNames(o.name, o.replicas);
  const ready = names.length === 0 ? 0 : await withNodeStore(masters, req.nodes, (nodes) => waitForReadyNodes(nodes, names, req.timeoutMs, progress, token));
  return { applied, ready, desired: o.replicas, preflight: checks, nodes: names };
}

export async function scale(workers: ClusterSession, namespace: string, name: string, replicas: number, kind = 'StatefulSet'): Promise<void> {
  if (!Number.isInteger(replicas) || replicas < 0) throw new KubemarkError('Replicas must be a whole number, 0 or more.');
  await scaleTo(workers, kind, namespace, name, replicas);
}

export interface TeardownOptions {
  namespace: string;
  /** Only this workload (and its Service); the shared setup goes when no other workload of ours is left. */
  name?: string;
  /** Also delete the fake nodes the hollow nodes left in the masters cluster. */
  deleteNodes: boolean;
  /** Delete the namespace too when Kubemark Workbench created it (default true). */
  deleteNamespace?: boolean;
  timeoutMs?: number;
  /** Shown the plan before anything is deleted; return false to stop. */
  confirm?: (plan: string[]) => Promise<boolean>;
}

const WORKLOAD_KINDS = ['StatefulSet', 'ReplicationController', 'Deployment', 'DaemonSet', 'ReplicaSet', 'Pod'];
const SETUP_KINDS = ['Service', 'ServiceAccount', 'ConfigMap', 'Secret', 'RoleBinding', 'Role'];

export interface TeardownPlan {
  workloads: ObjectRef[];
  namespaced: ObjectRef[];
  clusterScoped: ObjectRef[];
  namespace?: ObjectRef;
  /** Hollow-node pods of the workloads. */
  podNames: string[];
  /** The Nodes their hollow kubelets registered (each pod's --name): the fake nodes left behind. */
  nodeNames: string[];
}

/**
 * What Tear Down would delete: only objects we created (our managed-by label, or applied by our
 * field manager) in the namespace, our ClusterRoles/Bindings for it, and the namespace if we
 * created it.
 */
export async function planTeardown(workers: ClusterSession, o: Pick<TeardownOptions, 'namespace' | 'name' | 'deleteNamespace'>): Promise<TeardownPlan> {
  const ns = o.namespace;
  const ours = async (kind: string): Promise<any[]> => {
    const k = kindOf(kind)!;
    try {
      return (await listAll(workers, resourcePath(k, ns), {}, `list ${k.plural} in ${ns}`)).filter(createdByUs);
    } catch (err) {
      if ((err as KubemarkError).detail?.includes('404') || /Not found/.test((err as Error).message)) return [];
      throw err;
    }
  };
  const allWorkloads: ObjectRef[] = [];
  for (const kind of WORKLOAD_KINDS) for (const x of await ours(kind)) {
    // A bare pod of a workload of ours is the workload's business.
    if (kind === 'Pod' && (x.metadata.ownerReferences ?? []).length > 0) continue;
    if (kind === 'ReplicaSet' && (x.metadata.ownerReferences ?? []).some((r: any) => r.kind === 'Deployment')) continue;
    allWorkloads.push(refOf(kind, x));
  }
  const workloads = o.name ? allWorkloads.filter((w) => w.name === o.name) : allWorkloads;
  const lastOnes = workloads.length === allWorkloads.length;
  const namespaced: ObjectRef[] = [];
  for (const kind of SETUP_KINDS) for (const x of await ours(kind)) {
    // A workload's own Service goes with it; the shared setup only with the last workload.
    if (kind === 'Service' && workloads.some((w) => w.name === x.metadata.name)) namespaced.push(refOf(kind, x));
    else if (lastOnes) namespaced.push(refOf(kind, x));
  }
  const clusterScoped: ObjectRef[] = [];
  if (lastOnes) {
    const bindings = (await listAll(workers, resourcePath(KINDS.ClusterRoleBinding!), {}, 'list clusterrolebindings')).filter(createdByUs)
      .filter((b) => (b.subjects ?? []).some((s: any) => s.namespace === ns) || b.metadata.name === clusterRoleName(ns));
    const roles = new Set(bindings.map((b) => b.roleRef?.name));
    for (const b of bindings) clusterScoped.push(refOf('ClusterRoleBinding', b));
    for (const r of (await listAll(workers, resourcePath(KINDS.ClusterRole!), {}, 'list clusterroles')).filter(createdByUs)) {
      if (roles.has(r.metadata.name) || r.metadata.name === clusterRoleName(ns)) clusterScoped.push(refOf('ClusterRole', r));
    }
  }
  let namespace: ObjectRef | undefined;
  if (lastOnes && o.deleteNamespace !== false) {
    const nsObj = await workers.http.request<any>('GET', resourcePath(KINDS.Namespace!, undefined, ns), { timeoutMs: 30_000 }).catch(() => undefined);
    if (nsObj?.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE) namespace = refOf('Namespace', nsObj);
  }
  const uids = new Set(workloads.map((w) => w.uid));
  const pods = await listAll(workers, resourcePath(KINDS.Pod!, ns), {}, `list pods in ${ns}`).catch(() => [] as any[]);
  // Pods of a Deployment are owned by its ReplicaSets: follow one level more.
  const rsOfOurs = new Set<string>();
  if (workloads.some((w) => w.kind === 'Deployment')) {
    for (const rs of await listAll(workers, resourcePath(KINDS.ReplicaSet!, ns), {}, `list replicasets in ${ns}`).catch(() => [] as any[])) {
      if ((rs.metadata.ownerReferences ?? []).some((r: any) => uids.has(r.uid))) rsOfOurs.add(rs.metadata.uid);
    }
  }
  const ourPods = pods.filter((p) => uids.has(p.metadata.uid) || (p.metadata.ownerReferences ?? []).some((r: any) => uids.has(r.uid) || rsOfOurs.has(r.uid)));
  const podNames = ourPods.map((p) => p.metadata.name as string);
  const nodeNames = [...new Set(ourPods.map((p) => hollowNodeNameOf(p) ?? (p.metadata.name as string)))];
  return { workloads, namespaced, clusterScoped, ...(namespace ? { namespace } : {}), podNames, nodeNames };
}

export function describePlan(p: TeardownPlan, nodes: boolean): string[] {
  const out = [...p.workloads, ...p.namespaced, ...p.clusterScoped, ...(p.namespace ? [p.namespace] : [])].map(describeRef);
  if (nodes && (p.podNames.length || p.workloads.length)) out.push('the fake nodes its hollow-node pods registered in the masters cluster (hollow nodes only, if still registered)');
  return out;
}

/**
 * Removes what Deploy created, and only that (each delete is guarded by the uid that was listed),
 * and waits until the hollow-node pods are gone.
 */
export async function teardown(workers: ClusterSession, masters: ClusterSession | undefined, o: TeardownOptions, progress: Progress, token?: CancelSignal, mastersLater?: () => ClusterSession | undefined): Promise<string[]> {
  progress('Looking for what Kubemark Workbench created');
  const plan = await planTeardown(workers, o);
  const listed = describePlan(plan, o.deleteNodes);
  if (listed.length === 0) return [];
  if (o.confirm && !(await o.confirm(listed))) throw new CancelledError('Tear down cancelled; nothing was deleted.');
  const removed: string[] = [];
  const del = async (r: ObjectRef, propagation: 'Background' | 'Foreground' = 'Background') => {
    throwIfCancelled(token, `Cancelled; removed so far: ${removed.join(', ') || 'nothing'}. Tear Down again to finish.`);
    progress(`Deleting ${describeRef(r)}`);
    if ((await deleteExactly(workers, r, { propagation })) === 'deleted') removed.push(describeRef(r));
  };
  for (const w of plan.workloads) await del(w, 'Foreground');
  // The pods go with their workloads: wait so that nothing of ours is left running.
  const deadline = Date.now() + (o.timeoutMs ?? 120_000);
  const podSet = new Set(plan.podNames);
  for (;;) {
    const left = plan.podNames.length === 0 ? [] : (await listAll(workers, resourcePath(KINDS.Pod!, o.namespace), {}, `list pods in ${o.namespace}`).catch(() => [] as any[]))
      .filter((p) => podSet.has(p.metadata.name) && (p.metadata.ownerReferences ?? []).every((r: any) => plan.workloads.some((w) => w.uid === r.uid) || r.kind === 'ReplicaSet'));
    if (left.length === 0) break;
    if (Date.now() > deadline) throw new KubemarkError(`${left.length} hollow-node pods are still terminating in ${o.namespace}; Tear Down again later to finish.`);
    progress(`Waiting for ${left.length} hollow-node pods to stop`);
    await pause(1000, token);
  }
  for (const r of plan.namespaced) await del(r);
  for (const r of plan.clusterScoped) await del(r);
  if (plan.namespace) await del(plan.namespace);
  // The user's answer may choose whether nodes go: then the session is looked up after it.
  masters = masters ?? mastersLater?.();
  if ((o.deleteNodes || mastersLater) && masters) {
    // The nodes the pods' --name registered, and for a StatefulSet those of ordinals scaled away before.
    const names = new Set(plan.nodeNames);
    const sets = plan.workloads.filter((x) => x.kind === 'StatefulSet').map((x) => new RegExp(`^${x.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d+$`));
    if (sets.length) {
      for (const n of await listAll(masters, '/api/v1/nodes', {}, 'list nodes').catch(() => [] as any[])) {
        if (sets.some((re) => re.test(n.metadata.name)) && isHollowNode(n)) names.add(n.metadata.name);
      }
    }
    for (const name of [...names].sort(naturalCompare)) {
      throwIfCancelled(token);
      const node = await masters.http.request<any>('GET', resourcePath(KINDS.Node!, undefined, name), { timeoutMs: 30_000 }).catch(() => undefined);
      // Only a node a hollow kubelet registered: never a real node that happens to share a name.
      if (!node || !isHollowNode(node)) continue;
      progress(`Deleting fake node ${name}`);
      if ((await deleteExactly(masters, refOf('Node', node))) === 'deleted') removed.push(`Node ${name}`);
    }
  }
  return removed;
}

/** Hollow nodes that are not Ready (NotReady or Unknown); with a prefix, only those named like it. Real nodes never. */
export function notReadyHollowNodes(nodes: Iterable<NodeRecord>, namePrefix?: string): NodeRecord[] {
  const out: NodeRecord[] = [];
  for (const n of nodes) if (n.hollow && n.condition !== 'Ready' && (!namePrefix || n.name.startsWith(namePrefix))) out.push(n);
  return out.sort((a, b) => naturalCompare(a.name, b.name));
}

export interface DeleteNodesResult {
  deleted: string[];
  /** Changed since they were listed (Ready again, say): kept. */
  kept: string[];
}

/**
 * Deletes exactly the nodes listed, each guarded by its uid and a resourceVersion. A node that
 * changed since it was shown is read again: still the same hollow node and still not Ready (the
 * node lifecycle controller tainted it, say), it is deleted at its new version; Ready again, or
 * replaced, it stays.
 */
export async function deleteListedNodes(masters: ClusterSession, nodes: NodeRecord[], progress: Progress, token?: CancelSignal): Promise<DeleteNodesResult> {
  const deleted: string[] = [];
  const kept: string[] = [];
  for (const n of nodes) {
    throwIfCancelled(token, `Cancelled after deleting ${deleted.length} of ${nodes.length} nodes.`);
    progress(`Deleting ${n.name}`, deleted.length, nodes.length);
    let current: NodeRecord | 'gone' | undefined = n;
    let r: Awaited<ReturnType<typeof deleteExactly>> = 'changed';
    for (let attempt = 0; attempt < 5 && current && current !== 'gone'; attempt++) {
      r = await deleteExactly(masters, { kind: 'Node', name: n.name, uid: n.uid, resourceVersion: current.rv }, { sameVersion: true });
      if (r !== 'changed') break;
      current = await readStillNotReady(masters, n);
    }
    if (current === 'gone') r = 'gone'; // deleted by someone else meanwhile: neither ours nor kept
    if (r === 'deleted') deleted.push(n.name);
    else if (r === 'changed') kept.push(n.name);
  }
  return { deleted, kept };
}

/** The node as it is now when it is still the same hollow node and still not Ready; 'gone' when it no longer exists. */
async function readStillNotReady(masters: ClusterSession, n: NodeRecord): Promise<NodeRecord | 'gone' | undefined> {
  let now: NodeRecord;
  try {
    now = slimNode(await masters.http.request('GET', `/api/v1/nodes/${encodeURIComponent(n.name)}`, { timeoutMs: 30_000 }));
  } catch (err) {
    if (err instanceof HttpError && err.statusCode === 404) return 'gone';
    throw masters.explain(err, `read node ${n.name}`);
  }
  return now.uid === n.uid && now.hollow && now.condition !== 'Ready' ? now : undefined;
}

/** Lists the masters' nodes now and deletes the hollow ones that are not Ready (for callers without an informer). */
export async function deleteNotReadyNodes(masters: ClusterSession, opts: { namePrefix?: string }, progress: Progress, token?: CancelSignal): Promise<string[]> {
  const nodes = (await listAll(masters, '/api/v1/nodes', {}, 'list nodes')).map(slimNode);
  return (await deleteListedNodes(masters, notReadyHollowNodes(nodes, opts.namePrefix), progress, token)).deleted;
}

export interface StopResult {
  pod: string;
  /** 'scaled-down': the StatefulSet lost its last pod and will not bring it back. 'deleted': the pod was deleted and its controller recreates it. */
  how: 'scaled-down' | 'deleted';
}

/**
 * Simulates a node failure: the hollow-node pod goes and its fake node turns NotReady. A
 * StatefulSet recreates any pod it loses except the highest ordinal, so that one is stopped by
 * scaling down; any other pod is deleted and comes back (a node restart).
 */
export async function stopHollowNode(workers: ClusterSession, namespace: string, pod: string): Promise<StopResult> {
  let p;
  try {
    p = await workers.core.readNamespacedPod({ namespace, name: pod });
  } catch (err) {
    throw workers.explain(err, `read pod ${namespace}/${pod}`);
  }
  const owner = p.metadata?.ownerReferences?.find((o) => o.controller && o.kind === 'StatefulSet');
  const ordinal = Number(/-(\d+)$/.exec(pod)?.[1] ?? NaN);
  if (owner && Number.isInteger(ordinal)) {
    const sts = await workers.apps.readNamespacedStatefulSet({ namespace, name: owner.name }).catch((err) => {
      throw workers.explain(err, `read statefulset ${namespace}/${owner.name}`);
    });
    const replicas = sts.spec?.replicas ?? 1;
    if (ordinal === replicas - 1) {
      await scaleTo(workers, 'StatefulSet', namespace, owner.name, replicas - 1);
      return { pod, how: 'scaled-down' };
    }
  }
  try {
    await workers.core.deleteNamespacedPod({ namespace, name: pod, gracePeriodSeconds: 0 });
  } catch (err) {
    throw workers.explain(err, `delete pod ${namespace}/${pod}`);
  }
  return { pod, how: 'deleted' };
}
