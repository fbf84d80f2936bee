// Deploy This Manifest, without the editor: lint, create what the file refers to but the
// cluster lacks (namespace, node-configmap, the kubeconfig Secret), preflight, server-side apply
// of every object with our field manager and labels, then follow the fake nodes its pods
// register until they are Ready. Reads the informers the editor holds (no second node watch).
/* eslint-disable @typescript-eslint/no-explicit-any */
import { CancelSignal, CancelledError, KubemarkError, throwIfCancelled } from '../core/errors';
import { Finding, LintOptions, lint } from '../core/rules';
import { DEFAULT_CONTENT_TYPE } from '../core/flags';
import {
  CONFIGMAP_NAME, EXISTING_FIELD_MANAGER, FIELD_MANAGER, HollowNodeOptions, INSTANCE_LABEL, KUBELET_KUBECONFIG_KEY, KubeObject, MANAGED_BY_LABEL, MANAGED_BY_VALUE, ManifestError, PROXY_KUBECONFIG_KEY, SECRET_NAME,
  applyOrder, desiredReplicas, instanceOf, isWorkload, needsOf, podSpecOf, splitManifest, withDefaults, withOurLabels,
} from '../core/manifest';
import { ExportWarning } from '../core/kubeconfig';
import { applyAll, describeObject } from './apply';
import { isHollowPodSpec, morphOf } from './hollow';
import { HttpError } from './http';
import { Change, ListWatch } from './listWatch';
import { PreflightCheck } from './preflight';
import { NodeRecord, PodRecord, isReadyHollow } from './records';
import { KINDS, createdByUs, kindOf, resourcePath } from './resources';
import { NodeStore, Progress, preflight, storeClosed, withNodeStore } from './services';
import { ClusterSession } from './session';
import { Store, decodedLister } from './state';

/** Lint found errors: nothing was applied. The editor offers "Show Problems". */
export class LintFailedError extends KubemarkError {
  constructor(readonly findings: Finding[]) {
    super(`The manifest has ${findings.length} error${findings.length === 1 ? '' : 's'} (${findings.slice(0, 3).map((f) => `line ${f.range.start.line + 1}: ${f.message}`).join(' ')}${findings.length > 3 ? ' …' : ''}); nothing was applied. Fix them (see Problems), then deploy again.`);
    this.name = 'LintFailedError';
  }
}

export interface ManifestDeployRequest {
  text: string;
  /**
   * The rules' options, as the Problems panel has them: kubemark.lint.extraFlags and the masters
   * version (skew rule). Without a mastersVersion it is read from the masters cluster.
   */
  lintOptions?: LintOptions;
  /** Namespace for objects that name none (kubectl would use the context's; we use kubemark.namespace). */
  defaultNamespace: string;
  timeoutMs: number;
  /** Go on past warnings (lint, kubeconfig, preflight) without asking. */
  allowWarnings?: boolean;
  /** Every warning at once, in one question; return false to stop. Without it, warnings stop the deploy unless allowed. */
  confirm?: (warnings: string[]) => Promise<boolean>;
  /** The masters context as a standalone kubeconfig; asked only when the kubeconfig Secret must be created. */
  mastersKubeconfig: () => { yaml: string; warnings: ExportWarning[] };
  /** The selected clusters are the local lab: its loopback masters server is expected (logged once, not asked). */
  lab?: boolean;
  log?: (message: string) => void;
  skipPreflight?: boolean;
  /** The masters node informer the editor holds. */
  nodes?: NodeStore;
  /** The workers pod informer the editor holds, when it watches this namespace. */
  pods?: (namespace: string) => Store<PodRecord> | undefined;
}

export interface ManifestDeployResult {
  /** Objects applied, as "Kind namespace/name". */
  applied: string[];
  /** What was missing and created first. */
  created: string[];
  ready: number;
  desired: number;
  /** The fake nodes registered by its pods. */
  nodes: string[];
  /** Warnings that were confirmed or allowed (and, in the lab, logged). */
  warnings: string[];
  instance: string;
}

/** Loopback warnings the lab expects: the hollow nodes run on this host. */
const LAB_EXPECTED = new Set(['loopback-server', 'masters-reachable-from-pods']);

/**
 * The value node-configmap's content.type must have for these workloads: empty when a
 * container passes $(VAR) as an argument of its own (the upstream template: kubemark ignores an
 * empty argument), else the bare content type (`--kube-api-content-type=$(VAR)`).
 */
export function contentTypeValueFor(objects: KubeObject[]): string {
  for (const o of objects) {
    if (!isWorkload(o)) continue;
    for (const c of podSpecOf(o)?.containers ?? []) {
      const v = (c.env ?? []).find((e: any) => e?.valueFrom?.configMapKeyRef?.name === CONFIGMAP_NAME && e.valueFrom.configMapKeyRef.key === 'content.type')?.name;
      if (!v) continue;
      const argv: string[] = [...(c.command ?? []), ...(c.args ?? [])].map(String);
      if (argv.some((a) => a.trim() === `$(${v})`)) return '';
      if (argv.some((a) => a.includes(`=$(${v})`))) return DEFAULT_CONTENT_TYPE;
    }
  }
  return '';
}

function resourcesOf(spec: any, morph: 'kubelet' | 'proxy'): { cpu?: string; memory?: string } {
  const c = (spec?.containers ?? []).find((x: any) => morphOf(x) === morph);
  const r = c?.resources?.requests ?? {};
  return { ...(r.cpu ? { cpu: String(r.cpu) } : {}), ...(r.memory ? { memory: String(r.memory) } : {}) };
}

/** What preflight needs, read from the file's first hollow-node workload. */
export function preflightOptions(workloads: KubeObject[], replicas: number): HollowNodeOptions {
  const w = workloads[0]!;
  const spec = podSpecOf(w);
  const kubemark = (spec?.containers ?? []).find((c: any) => morphOf(c) !== undefined) ?? spec?.containers?.[0];
  return withDefaults({
    image: String(kubemark?.image ?? ''),
    namespace: w.metadata.namespace ?? 'default',
    name: w.metadata.name,
    replicas,
    kubelet: { requests: resourcesOf(spec, 'kubelet') },
    proxy: { requests: resourcesOf(spec, 'proxy') },
  });
}

async function exists(session: ClusterSession, path: string, what: string): Promise<boolean> {
  try {
    await session.http.request('GET', path, { timeoutMs: 30_000 });
    return true;
  } catch (err) {
    if (err instanceof HttpError && err.statusCode === 404) return false;
    throw session.explain(err, `read ${what}`);
  }
}

/** The objects to create first, for what the file refers to but neither it nor the cluster holds. */
async function missingSetup(workers: ClusterSession, objects: KubeObject[], req: ManifestDeployRequest, instance: string, warn: (w: ExportWarning[]) => void): Promise<KubeObject[]> {
  const needs = needsOf(objects);
  const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [INSTANCE_LABEL]: instance };
  const out: KubeObject[] = [];
  const inFileNs = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  for (const ns of needs.namespaces) {
    if (inFileNs.has(ns) || (await exists(workers, resourcePath(KINDS.Namespace!, undefined, ns), `namespace ${ns}`))) continue;
    out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } });
  }
  for (const ns of needs.configMapIn) {
    if (await exists(workers, resourcePath(KINDS.ConfigMap!, ns, CONFIGMAP_NAME), `configmap ${ns}/${CONFIGMAP_NAME}`)) continue;
    out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CONFIGMAP_NAME, namespace: ns, labels }, data: { 'content.type': contentTypeValueFor(objects) } });
  }
  let kubeconfig: string | undefined;
  for (const ns of needs.secretIn) {
    if (await exists(workers, resourcePath(KINDS.Secret!, ns, SECRET_NAME), `secret ${ns}/${SECRET_NAME}`)) continue;
    if (kubeconfig === undefined) {
      const k = req.mastersKubeconfig();
      kubeconfig = k.yaml;
      warn(k.warnings);
    }
    const encoded = Buffer.from(kubeconfig, 'utf8').toString('base64');
    out.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: SECRET_NAME, namespace: ns, labels }, type: 'Opaque', data: { [KUBELET_KUBECONFIG_KEY]: encoded, [PROXY_KUBECONFIG_KEY]: encoded } });
  }
  return out;
}

/**
 * The objects of the file (but workloads, and namespaces, which applyAll never takes over) that
 * exist in the workers cluster and were not made by us, as "Kind namespace/name".
 */
async function existingNotOurs(workers: ClusterSession, objects: KubeObject[], which: (o: KubeObject) => boolean = (o) => !isWorkload(o) && o.kind !== 'Namespace'): Promise<Set<string>> {
  const out = new Set<string>();
  for (const o of objects) {
    const k = kindOf(o.kind);
    if (!k || !which(o) || k.apiVersion !== o.apiVersion) continue;
    const what = describeObject(o);
    try {
      const existing = await workers.http.request<any>('GET', resourcePath(k, o.metadata.namespace, o.metadata.name), { timeoutMs: 30_000 });
      if (!createdByUs(existing)) out.add(what);
    } catch (err) {
      if (err instanceof HttpError && err.statusCode === 404) continue;
      throw workers.explain(err, `read ${what}`);
    }
  }
  return out;
}

export async function deployManifest(workers: ClusterSession, masters: ClusterSession, req: ManifestDeployRequest, progress: Progress, token?: CancelSignal): Promise<ManifestDeployResult> {
  const log = req.log ?? (() => undefined);
  progress('Checking the manifest');
  const lintOptions: LintOptions = { ...(req.lintOptions ?? {}) };
  if (!lintOptions.mastersVersion) {
    try {
      lintOptions.mastersVersion = (await masters.version(3_000)).gitVersion; // short: lint must not wait on an unreachable cluster
    } catch (err) {
      // Preflight says what is wrong with the masters cluster; lint goes on without the skew rule.
      log(`the masters version could not be read for the version-skew rule: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const findings = lint(req.text, lintOptions);
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) throw new LintFailedError(errors);
  let objects: KubeObject[];
  try {
    objects = splitManifest(req.text, req.defaultNamespace);
  } catch (err) {
    if (err instanceof ManifestError) throw new KubemarkError(`${err.message} Nothing was applied.`);
    throw err;
  }
  const hollow = objects.filter((o) => isWorkload(o) && isHollowPodSpec(podSpecOf(o), undefined));
  if (hollow.length === 0) throw new KubemarkError('This file has no hollow-node workload (a Pod, StatefulSet, ReplicationController, Deployment, ReplicaSet or DaemonSet running kubemark with --morph=kubelet): nothing to deploy. Start from "Kubemark: New Hollow Node Manifest".');
  const instance = instanceOf(hollow);
  const warnings: string[] = findings.filter((f) => f.severity === 'warning').map((f) => `line ${f.range.start.line + 1}: ${f.message}`);
  const expected: string[] = [];
  const addWarning = (code: string, message: string) => (req.lab && LAB_EXPECTED.has(code) ? expected : warnings).push(message);

  progress('Looking for the namespace, node-configmap and kubeconfig Secret');
  const setup = await missingSetup(workers, objects, req, instance, (ws) => ws.forEach((w) => addWarning(w.code, w.message)));
  const desiredKnown = hollow.map(desiredReplicas);
  const desiredSum = desiredKnown.reduce<number>((a, d) => a + (d ?? 0), 0);

  // A hollow-node workload of the file that exists and is not ours is taken over (our labels
  // on it and its pod template, so its pods roll, and Tear Down would then delete it): say so.
  for (const w of await existingNotOurs(workers, hollow, () => true)) {
    addWarning('existing-workload', `${w} already exists and was not deployed by Kubemark Workbench: deploying takes it over (our labels on it and its pod template, so its pods are replaced), and Tear Down would then delete it.`);
  }

  let checks: PreflightCheck[] = [];
  if (!req.skipPreflight) {
    progress('Preflight checks');
    checks = await preflight(workers, masters, preflightOptions(hollow, desiredSum));
    const failed = checks.filter((c) => c.level === 'error');
    if (failed.length > 0) throw new KubemarkError(`Preflight failed, nothing was applied: ${failed.map((c) => c.message).join(' ')}`);
    for (const c of checks) if (c.level === 'warning') addWarning(c.id, c.message);
  }
  if (expected.length) log(`The local lab is selected: expected there, not asked about: ${[...new Set(expected)].join(' ')}`);
  if (warnings.length > 0) {
    for (const w of warnings) log(`warning: ${w}`);
    if (!req.allowWarnings) {
      if (!req.confirm) throw new KubemarkError(`Nothing was applied: ${warnings.length} warning${warnings.length === 1 ? '' : 's'}: ${warnings.join(' ')} Fix them, or pass allowWarnings to go on.`);
      if (!(await req.confirm(warnings))) throw new CancelledError('Stopped at the warnings; nothing was applied.');
    }
  }
  throwIfCancelled(token, 'Cancelled before applying anything.');

  const created = setup.length ? await applyAll(workers, setup, token, (what) => progress(`Created ${what}`)) : [];
  if (created.length) log(`created what the manifest refers to: ${created.join(', ')}`);
  // An object of the file that exists and is not ours (the user's Secret, ConfigMap, ...) is
  // applied without our labels and field manager: Tear Down must leave it to its owner.
  const theirs = await existingNotOurs(workers, objects);
  if (theirs.size) log(`these exist and are not ours: applied without our labels, Tear Down leaves them: ${[...theirs].join(', ')}`);
  const labelled = applyOrder(objects.map((o) => (theirs.has(describeObject(o)) ? o : withOurLabels([o], instance)[0]!)));
  progress(`Applying ${labelled.length} objects to ${workers.context}`);
  const applied = (await applyAll(workers, labelled, token, (what) => progress(`Applied ${what}`), (o) => (theirs.has(describeObject(o)) ? EXISTING_FIELD_MANAGER : FIELD_MANAGER)))
    .map((a) => (theirs.has(a) ? `${a} (existed: not ours, Tear Down leaves it)` : a));

  const namespaces = [...new Set(hollow.map((w) => w.metadata.namespace!))];
  const daemon = desiredKnown.some((d) => d === undefined);
  const r = await withNodeStore(masters, req.nodes, (nodes) =>
    withPodStores(workers, namespaces, req.pods, (pods) => waitForInstanceNodes(pods, nodes, instance, desiredSum, daemon, req.timeoutMs, progress, token)));
  return { applied, created, ready: r.ready, desired: r.desired, nodes: r.nodes, warnings, instance };
}

/** The held pod informer for each namespace when it covers it, else a temporary one for the wait. */
async function withPodStores<T>(workers: ClusterSession, namespaces: string[], held: ManifestDeployRequest['pods'], f: (stores: Store<PodRecord>[]) => Promise<T>): Promise<T> {
  const temporary: ListWatch<PodRecord>[] = [];
  const stores = namespaces.map((ns) => {
    const h = held?.(ns);
    if (h) return h;
    const path = resourcePath(KINDS.Pod!, ns);
    const w = new ListWatch<PodRecord>({ path, ...decodedLister<PodRecord>(workers, path, { kind: 'hollowPod', selector: [] }), watch: workers.watch, explain: (err) => workers.explain(err, `list pods in ${ns}`) });
    w.start();
    temporary.push(w);
    return w;
  });
  try {
    return await f(stores);
  } finally {
    for (const w of temporary) w.dispose();
  }
}

/**
 * Waits until the pods carrying our instance label number `desired` (for a DaemonSet: at least
 * one) and the node each registers is Ready. Pod changes of other pods, and node changes of other
 * nodes, cost nothing beyond a set lookup.
 */
export function waitForInstanceNodes(pods: Store<PodRecord>[], nodes: Pick<NodeStore, 'items' | 'onChange' | 'isDisposed'>, instance: string, desired: number, daemon: boolean, timeoutMs: number, progress: Progress, token?: CancelSignal): Promise<{ ready: number; desired: number; nodes: string[] }> {
  let names = new Set<string>();
  let ready = 0;
  let want = desired;
  const collect = () => {
    const next = new Set<string>();
    let count = 0;
    for (const s of pods) for (const p of s.items.values()) {
      if (p.instance !== instance || p.deleting) continue;
      count++;
      next.add(p.hollowName ?? p.name);
    }
    names = next;
    // A DaemonSet runs as many pods as the workers cluster has nodes: wait for those seen.
    want = daemon ? Math.max(count, desired, 1) : desired;
  };
  const recount = () => {
    ready = 0;
    for (const n of names) if (isReadyHollow(nodes.items.get(n))) ready++;
  };
  collect();
  recount();
  return new Promise((resolve, reject) => {
    let last = '';
    let finished = false;
    const check = () => {
      const line = `${ready}/${want}`;
      if (line !== last) {
        last = line;
        progress(`${ready}/${want} fake nodes Ready`, ready, want);
      }
      if (names.size >= want && ready >= want) finish(() => resolve({ ready, desired: want, nodes: [...names].sort() }));
    };
    const onPod = (c: Change<PodRecord>) => {
      if (c.type === 'state') {
        if (pods.some((s) => s.isDisposed)) finish(() => reject(storeClosed(ready, want, "the workers cluster's pod watch")));
        return;
      }
      if (c.type === 'reset' || c.old?.instance === instance || (c.type === 'upsert' && c.value.instance === instance)) {
        collect();
        recount();
        check();
      }
    };
    const onNode = (c: Change<NodeRecord>) => {
      if (c.type === 'state' && nodes.isDisposed) return finish(() => reject(storeClosed(ready, want)));
      if (c.type === 'reset') recount();
      else if (c.type === 'upsert' && names.has(c.key)) ready += (isReadyHollow(c.value) ? 1 : 0) - (isReadyHollow(c.old) ? 1 : 0);
      else if (c.type === 'delete' && names.has(c.key)) ready -= isReadyHollow(c.old) ? 1 : 0;
      else return;
      check();
    };
    const subs = [...pods.map((s) => s.onChange(onPod)), nodes.onChange(onNode)];
    const timer = setTimeout(() => finish(() => reject(new KubemarkError(`Only ${ready} of ${want} fake nodes turned Ready in ${Math.round(timeoutMs / 1000)} s (${names.size} hollow-node pods seen). Look at the pods (Kubemark: Tail Logs) for errors such as a wrong kubeconfig Secret or an image that does not match the masters cluster.`))), timeoutMs);
    const cancel = token?.onCancellationRequested(() => finish(() => reject(new CancelledError(`Stopped waiting at ${ready}/${want} fake nodes Ready; the hollow nodes keep starting. Watch them in the Kubemark view.`))));
    function finish(f: () => void) {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      for (const s of subs) s.dispose();
      cancel?.dispose();
      f();
    }
    check();
  });
}
