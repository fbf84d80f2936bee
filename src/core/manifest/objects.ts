// A manifest file as the objects Deploy This Manifest applies: every document, `kind: List`
// flattened, each object labelled so Tear Down finds it, and what the workloads refer to
// (namespace, node-configmap, the kubeconfig Secret) so missing pieces can be created.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { parseAllDocuments } from 'yaml';
import { CONFIGMAP_NAME, DEFAULT_NAMESPACE, INSTANCE_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, SECRET_NAME } from './options';
import { KubeObject } from './generate';

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

const CLUSTER_SCOPED = new Set(['Namespace', 'Node', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'PriorityClass', 'CustomResourceDefinition', 'RuntimeClass', 'APIService']);
export const WORKLOAD_KINDS = ['StatefulSet', 'ReplicationController', 'Deployment', 'ReplicaSet', 'DaemonSet', 'Pod'] as const;

export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

export function isWorkload(o: KubeObject): boolean {
  return (WORKLOAD_KINDS as readonly string[]).includes(o.kind);
}

/**
 * Every object of a (multi-document) YAML text, `kind: List` items included, in file order.
 * Empty documents are skipped; a document that is not an object, or an object without
 * apiVersion, kind or metadata.name, is an error naming its document.
 */
export function splitManifest(text: string, defaultNamespace = DEFAULT_NAMESPACE): KubeObject[] {
  const out: KubeObject[] = [];
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, i) => {
    const where = list.length > 1 ? `document ${i + 1}` : 'the document';
    if (doc.errors.length) throw new ManifestError(`YAML syntax error in ${where}: ${doc.errors[0]!.message.split('\n')[0]}`);
    const js = doc.toJS({ maxAliasCount: 100 });
    if (js === null || js === undefined) return;
    const add = (o: any, what: string) => {
      if (typeof o !== 'object' || Array.isArray(o) || o === null) throw new ManifestError(`${what} is not a Kubernetes object.`);
      if (!o.apiVersion || !o.kind) throw new ManifestError(`${what} has no apiVersion or kind.`);
      if (/List$/.test(o.kind) && Array.isArray(o.items)) {
        o.items.forEach((item: any, j: number) => add(item, `item ${j + 1} of the List in ${where}`));
        return;
      }
      if (!o.metadata?.name) throw new ManifestError(`${what} (${o.kind}) has no metadata.name; Deploy This Manifest needs a name for every object.`);
      const obj = structuredClone(o) as KubeObject;
      if (!isClusterScoped(obj.kind) && !obj.metadata.namespace) obj.metadata.namespace = defaultNamespace;
      out.push(obj);
    };
    add(js, where);
  });
  if (out.length === 0) throw new ManifestError('The file holds no Kubernetes objects.');
  return out;
}

/** A label value from a name: at most 63 characters of [a-z0-9._-], alphanumeric at both ends. */
export function labelValue(s: string): string {
  const v = s.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').slice(0, 63).replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return v || 'manifest';
}

/** The instance label's value for a deploy: the first workload's namespace and name. */
export function instanceOf(objects: KubeObject[]): string {
  const w = objects.find(isWorkload) ?? objects[0]!;
  return labelValue(`${w.metadata.namespace ?? ''}.${w.metadata.name}`);
}

/**
 * Our labels on every object (managed-by and instance), and on the pod template of each
 * workload, so its pods carry the instance too. Returns new objects; the input is not changed.
 * A pod template's labels never enter a selector, so adding them changes no selection.
 */
export function withOurLabels(objects: KubeObject[], instance: string): KubeObject[] {
  const ours = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [INSTANCE_LABEL]: instance };
  return objects.map((o) => {
    const c = structuredClone(o) as any;
    c.metadata.labels = { ...(c.metadata.labels ?? {}), ...ours };
    const t = c.spec?.template;
    if (t && typeof t === 'object' && isWorkload(o)) {
      t.metadata = t.metadata ?? {};
      t.metadata.labels = { ...(t.metadata.labels ?? {}), ...ours };
    }
    return c as KubeObject;
  });
}

/** Pod spec of a workload (or of a Pod). */
export function podSpecOf(o: any): any {
  return o?.kind === 'Pod' ? o.spec : o?.spec?.template?.spec;
}

export interface Needs {
  /** Namespaces the objects live in. */
  namespaces: string[];
  /** Namespaces where a workload mounts or reads node-configmap. */
  configMapIn: string[];
  /** Namespaces where a workload mounts the kubeconfig Secret. */
  secretIn: string[];
}

/** What the file's objects rely on that the file may not hold. */
export function needsOf(objects: KubeObject[]): Needs {
  const namespaces = new Set<string>();
  const cm = new Set<string>();
  const secret = new Set<string>();
  for (const o of objects) {
    const ns = o.metadata.namespace;
    if (ns) namespaces.add(ns);
    if (!isWorkload(o) || !ns) continue;
    const spec = podSpecOf(o);
    for (const v of spec?.volumes ?? []) {
      if (v?.configMap?.name === CONFIGMAP_NAME) cm.add(ns);
      if (v?.secret?.secretName === SECRET_NAME) secret.add(ns);
    }
    for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
      for (const e of c?.env ?? []) {
        if (e?.valueFrom?.configMapKeyRef?.name === CONFIGMAP_NAME) cm.add(ns);
        if (e?.valueFrom?.secretKeyRef?.name === SECRET_NAME) secret.add(ns);
      }
      for (const f of c?.envFrom ?? []) {
        if (f?.configMapRef?.name === CONFIGMAP_NAME) cm.add(ns);
        if (f?.secretRef?.name === SECRET_NAME) secret.add(ns);
      }
    }
  }
  const inFile = (kind: string, name: string, ns: string) => objects.some((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === ns);
  return {
    namespaces: [...namespaces].sort(),
    configMapIn: [...cm].filter((ns) => !inFile('ConfigMap', CONFIGMAP_NAME, ns)).sort(),
    secretIn: [...secret].filter((ns) => !inFile('Secret', SECRET_NAME, ns)).sort(),
  };
}

const ORDER = ['Namespace', 'CustomResourceDefinition', 'ServiceAccount', 'Secret', 'ConfigMap', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Service'];

/** Apply order: what others need first (namespaces, accounts, config, RBAC), workloads last; file order otherwise. */
export function applyOrder(objects: KubeObject[]): KubeObject[] {
  const rank = (o: KubeObject) => {
    const i = ORDER.indexOf(o.kind);
    return i >= 0 ? i : isWorkload(o) ? ORDER.length + 1 : ORDER.length;
  };
  return objects.map((o, i) => ({ o, i })).sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i).map((x) => x.o);
}

/**
 * The hollow nodes a workload asks for: replicas (default 1), 1 for a Pod, undefined for a
 * DaemonSet (as many as the workers cluster has schedulable nodes).
 */
export function desiredReplicas(o: KubeObject): number | undefined {
  if (o.kind === 'Pod') return 1;
  if (o.kind === 'DaemonSet') return undefined;
  const r = (o as any).spec?.replicas;
  return typeof r === 'number' ? r : 1;
}
