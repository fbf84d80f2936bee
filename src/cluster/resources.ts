// Where each kind the extension deletes or scales lives in the API, and the two requests that
// must carry a guard: a delete with preconditions (the object we showed, not one created or
// changed since) and a scale that names our field manager. No vscode.
import { FIELD_MANAGER, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../core/manifest/options';
import { HttpError } from './http';
import { ClusterSession } from './session';

export interface Kind {
  kind: string;
  apiVersion: string;
  plural: string;
  namespaced: boolean;
  scalable?: boolean;
}

export const KINDS: Record<string, Kind> = {
  StatefulSet: { kind: 'StatefulSet', apiVersion: 'apps/v1', plural: 'statefulsets', namespaced: true, scalable: true },
  ReplicationController: { kind: 'ReplicationController', apiVersion: 'v1', plural: 'replicationcontrollers', namespaced: true, scalable: true },
  Deployment: { kind: 'Deployment', apiVersion: 'apps/v1', plural: 'deployments', namespaced: true, scalable: true },
  ReplicaSet: { kind: 'ReplicaSet', apiVersion: 'apps/v1', plural: 'replicasets', namespaced: true, scalable: true },
  DaemonSet: { kind: 'DaemonSet', apiVersion: 'apps/v1', plural: 'daemonsets', namespaced: true },
  Pod: { kind: 'Pod', apiVersion: 'v1', plural: 'pods', namespaced: true },
  Service: { kind: 'Service', apiVersion: 'v1', plural: 'services', namespaced: true },
  ServiceAccount: { kind: 'ServiceAccount', apiVersion: 'v1', plural: 'serviceaccounts', namespaced: true },
  ConfigMap: { kind: 'ConfigMap', apiVersion: 'v1', plural: 'configmaps', namespaced: true },
  Secret: { kind: 'Secret', apiVersion: 'v1', plural: 'secrets', namespaced: true },
  Role: { kind: 'Role', apiVersion: 'rbac.authorization.k8s.io/v1', plural: 'roles', namespaced: true },
  RoleBinding: { kind: 'RoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', plural: 'rolebindings', namespaced: true },
  ClusterRole: { kind: 'ClusterRole', apiVersion: 'rbac.authorization.k8s.io/v1', plural: 'clusterroles', namespaced: false },
  ClusterRoleBinding: { kind: 'ClusterRoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', plural: 'clusterrolebindings', namespaced: false },
  Namespace: { kind: 'Namespace', apiVersion: 'v1', plural: 'namespaces', namespaced: false },
  Node: { kind: 'Node', apiVersion: 'v1', plural: 'nodes', namespaced: false },
};

export function kindOf(kind: string): Kind | undefined {
  return KINDS[kind];
}

/** /api/v1/namespaces/ns/pods, /apis/apps/v1/namespaces/ns/statefulsets/name, … */
export function resourcePath(k: Kind, namespace?: string, name?: string): string {
  const base = k.apiVersion.includes('/') ? `/apis/${k.apiVersion}` : `/api/${k.apiVersion}`;
  const ns = k.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${k.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

/** An object as the destructive commands see it: enough to show it and to delete exactly it. */
export interface ObjectRef {
  kind: string;
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion?: string;
}

export function describeRef(r: Pick<ObjectRef, 'kind' | 'name' | 'namespace'>): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

/** True when we made it: our managed-by label, or our field manager applied it. */
export function createdByUs(o: any): boolean {
  if (o?.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE) return true;
  return (o?.metadata?.managedFields ?? []).some((f: any) => f?.manager === FIELD_MANAGER && f?.operation === 'Apply');
}

export function refOf(kind: string, o: any): ObjectRef {
  return { kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}), uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion };
}

export type DeleteOutcome = 'deleted' | 'gone' | 'changed';

/**
 * Deletes exactly the object that was listed: the uid must match (not a new object of the same
 * name), and with `sameVersion` the resourceVersion too (not one that changed since).
 */
export async function deleteExactly(session: ClusterSession, r: ObjectRef, opts: { sameVersion?: boolean; propagation?: 'Background' | 'Foreground' } = {}): Promise<DeleteOutcome> {
  const k = kindOf(r.kind);
  if (!k) throw new Error(`Unknown kind ${r.kind}`);
  const preconditions: Record<string, string> = { uid: r.uid };
  if (opts.sameVersion && r.resourceVersion) preconditions.resourceVersion = r.resourceVersion;
  try {
    await session.http.request('DELETE', resourcePath(k, r.namespace, r.name), {
      body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: opts.propagation ?? 'Background', preconditions },
      timeoutMs: 30_000,
    });
    return 'deleted';
  } catch (err) {
    if (err instanceof HttpError && err.statusCode === 404) return 'gone';
    if (err instanceof HttpError && err.statusCode === 409) return 'changed';
    throw session.explain(err, `delete ${describeRef(r)}`);
  }
}

/** Sets replicas through the scale subresource, as our field manager. */
export async function scaleTo(session: ClusterSession, kind: string, namespace: string, name: string, replicas: number): Promise<void> {
  const k = kindOf(kind);
  if (!k?.scalable) throw new Error(`${kind} cannot be scaled`);
  try {
    await session.http.request('PATCH', `${resourcePath(k, namespace, name)}/scale`, {
      query: { fieldManager: FIELD_MANAGER },
      body: { spec: { replicas } },
      contentType: 'application/merge-patch+json',
      timeoutMs: 30_000,
    });
  } catch (err) {
    throw session.explain(err, `scale ${kind.toLowerCase()} ${namespace}/${name}`);
  }
}

/** Every item of a list, page by page. */
export async function listAll(session: ClusterSession, path: string, query: Record<string, string> = {}, what = `list ${path}`): Promise<any[]> {
  const out: any[] = [];
  let cont: string | undefined;
  try {
    do {
      const page = await session.http.request<{ items: any[]; metadata?: { continue?: string } }>('GET', path, { query: { ...query, limit: 500, ...(cont ? { continue: cont } : {}) }, timeoutMs: 60_000 });
      out.push(...page.items);
      cont = page.metadata?.continue || undefined;
    } while (cont);
  } catch (err) {
    throw session.explain(err, what);
  }
  return out;
}
