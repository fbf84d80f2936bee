// What the commands do, without the editor: each takes an options object and a cancellation
// signal, so tests, tasks and other extensions can run them without prompts.
import { V1Node } from '@kubernetes/client-node';
import { CancelSignal, CancelledError, KubemarkError, throwIfCancelled } from '../core/errors';
import { HollowNodeOptions, KubeObject, clusterRoleName, generateHollowNodeManifest, generateObjects } from '../core/manifest';
import { CONFIGMAP_NAME, MANAGED_BY_LABEL, MANAGED_BY_VALUE, SECRET_NAME } from '../core/manifest/options';
import { lint } from '../core/rules';
import { applyAll, deleteIfExists } from './apply';
import { PreflightCheck, checkCapacity, checkImageVersion, checkPermissions } from './preflight';
import { naturalCompare, slimNode } from './records';
import { ClusterSession } from './session';
import { MastersState } from './state';
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
    for (const n of wanted) if (nodes.items.get(n)?.condition === 'Ready') ready++;
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
      if (c.type === 'reset') recount();
      else if (c.type === 'upsert' && wanted.has(c.key)) ready += (c.value.condition === 'Ready' ? 1 : 0) - (c.old?.condition === 'Ready' ? 1 : 0);
      else if (c.type === 'delete' && wanted.has(c.key)) ready -= c.old.condition === 'Ready' ? 1 : 0;
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

export async function scale(workers: ClusterSession, namespace: string, name: string, replicas: number): Promise<void> {
  if (!Number.isInteger(replicas) || replicas < 0) throw new KubemarkError('Replicas must be a whole number, 0 or more.');
  try {
    await workers.objects.patch(
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name, namespace }, spec: { replicas } } as never,
      undefined, undefined, undefined, undefined, 'application/merge-patch+json',
    );
  } catch (err) {
    throw workers.explain(err, `scale statefulset ${namespace}/${name}`);
  }
}

export interface TeardownOptions {
  namespace: string;
  name: string;
  /** Also delete the fake nodes the hollow nodes left in the masters cluster. */
  deleteNodes: boolean;
  /** Delete the namespace too when Kubemark Workbench created it (default true). */
  deleteNamespace?: boolean;
  timeoutMs?: number;
}

/** Removes what Deploy created, and waits until the hollow-node pods are gone. */
export async function teardown(workers: ClusterSession, masters: ClusterSession | undefined, o: TeardownOptions, progress: Progress, token?: CancelSignal): Promise<string[]> {
  const removed: string[] = [];
  const ns = o.namespace;
  const meta = (kind: string, apiVersion: string, name: string, namespaced = true) => ({ apiVersion, kind, metadata: { name, ...(namespaced ? { namespace: ns } : {}) } }) as KubeObject;
  const targets = [
    meta('StatefulSet', 'apps/v1', o.name),
    meta('Service', 'v1', o.name),
    meta('Secret', 'v1', SECRET_NAME),
    meta('ConfigMap', 'v1', CONFIGMAP_NAME),
    meta('ServiceAccount', 'v1', 'kubemark'),
    meta('ClusterRoleBinding', 'rbac.authorization.k8s.io/v1', clusterRoleName(ns), false),
    meta('ClusterRole', 'rbac.authorization.k8s.io/v1', clusterRoleName(ns), false),
  ];
  for (const t of targets) {
    throwIfCancelled(token, `Cancelled; removed so far: ${removed.join(', ') || 'nothing'}. Tear Down again to finish.`);
    progress(`Deleting ${t.kind} ${t.metadata.name}`);
    if (await deleteIfExists(workers, t)) removed.push(`${t.kind} ${t.metadata.name}`);
  }
  // The pods go with the StatefulSet; wait so that nothing of ours is left running.
  const deadline = Date.now() + (o.timeoutMs ?? 120_000);
  const prefix = new RegExp(`^${o.name}-\\d+$`);
  for (;;) {
    const pods = (await workers.core.listNamespacedPod({ namespace: ns }).catch((err) => {
      if ((err as { code?: number }).code === 404) return { items: [] };
      throw workers.explain(err, `list pods in ${ns}`);
    })).items.filter((p) => prefix.test(p.metadata?.name ?? ''));
    if (pods.length === 0) break;
    if (Date.now() > deadline) throw new KubemarkError(`${pods.length} hollow-node pods are still terminating in ${ns}; Tear Down again later to finish.`);
    progress(`Waiting for ${pods.length} hollow-node pods to stop`);
    await pause(1000, token);
  }
  if (o.deleteNamespace !== false) {
    const nsObj = await workers.core.readNamespace({ name: ns }).catch(() => undefined);
    if (nsObj?.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE) {
      progress(`Deleting namespace ${ns}`);
      if (await deleteIfExists(workers, meta('Namespace', 'v1', ns, false))) removed.push(`Namespace ${ns}`);
    }
  }
  if (o.deleteNodes && masters) {
    const nodes = await listNodes(masters);
    for (const n of nodes.filter((x) => prefix.test(x.metadata?.name ?? ''))) {
      throwIfCancelled(token);
      progress(`Deleting fake node ${n.metadata!.name}`);
      if (await deleteIfExists(masters, { apiVersion: 'v1', kind: 'Node', metadata: { name: n.metadata!.name! } })) removed.push(`Node ${n.metadata!.name}`);
    }
  }
  return removed;
}

async function listNodes(masters: ClusterSession): Promise<V1Node[]> {
  const out: V1Node[] = [];
  let cont: string | undefined;
  try {
    do {
      const page = await masters.core.listNode({ limit: 500, ...(cont ? { _continue: cont } : {}) });
      out.push(...page.items);
      cont = page.metadata?._continue || undefined;
    } while (cont);
  } catch (err) {
    throw masters.explain(err, 'list nodes');
  }
  return out;
}

/** Deletes the nodes that are not Ready (NotReady or Unknown); with a prefix, only those named like it. */
export async function deleteNotReadyNodes(masters: ClusterSession, opts: { namePrefix?: string }, progress: Progress, token?: CancelSignal): Promise<string[]> {
  const nodes = (await listNodes(masters)).map(slimNode).filter((n) => n.condition !== 'Ready' && (!opts.namePrefix || n.name.startsWith(opts.namePrefix)));
  const deleted: string[] = [];
  for (const n of nodes.sort((a, b) => naturalCompare(a.name, b.name))) {
    throwIfCancelled(token, `Cancelled after deleting ${deleted.length} of ${nodes.length} nodes.`);
    progress(`Deleting ${n.name}`, deleted.length, nodes.length);
    if (await deleteIfExists(masters, { apiVersion: 'v1', kind: 'Node', metadata: { name: n.name } })) deleted.push(n.name);
  }
  return deleted;
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
      await scale(workers, namespace, owner.name, replicas - 1);
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
