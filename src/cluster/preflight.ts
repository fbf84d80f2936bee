// Checks before Deploy: can pods reach the masters server, does the image match it, may the
// user create what Deploy applies, and is there room in the workers cluster.
import { ClusterSession, ServerInfo } from './session';
import { HollowNodeOptions } from '../core/manifest';
import { imageTag } from '../core/rules/checks/image';
import { fmt, kubeletSkew, kubemarkAdvice, kubeVersionOfTag } from '../core/rules/version';
import { parseQuantity } from './quantity';
import { listAll } from './resources';
import type { V1Node, V1Pod } from '@kubernetes/client-node';

export type CheckLevel = 'ok' | 'warning' | 'error';

export interface PreflightCheck {
  id: string;
  level: CheckLevel;
  message: string;
}

/** "v1.34.1" from a tag like v1.34.1, 1.34.1 or v1.34.1-gke.100; undefined when not a version. */
export function versionOfTag(tag: string | undefined): { major: number; minor: number; patch: number } | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(tag ?? '');
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) } : undefined;
}

export function checkImageVersion(image: string, masters: ServerInfo): PreflightCheck {
  const tag = imageTag(image).tag;
  const want = kubeVersionOfTag(/^v?\d+\.\d+(\.\d+)?/.exec(masters.gitVersion)?.[0]);
  const have = kubeVersionOfTag(tag);
  if (!have || !want) {
    return { id: 'image-version', level: 'warning', message: `Cannot tell the Kubernetes version of image ${image}; the masters cluster runs ${masters.gitVersion}. Tag the kubemark image with the version it was built from. ${kubemarkAdvice(want)}` };
  }
  // The kubelet skew policy: up to three minors older than the apiserver, never newer.
  const skew = kubeletSkew(have, want);
  switch (skew.kind) {
    case 'same':
      return { id: 'image-version', level: 'ok', message: `Image ${image} matches the masters cluster (${masters.gitVersion}).` };
    case 'older-within':
      return { id: 'image-version', level: 'ok', message: `Image ${image} is ${skew.by} minor version${skew.by === 1 ? '' : 's'} older than the masters cluster (${masters.gitVersion}), within the kubelet skew policy.` };
    case 'newer':
      return { id: 'image-version', level: 'error', message: `Image ${image} (Kubernetes ${fmt(have)}) is newer than the masters cluster (${masters.gitVersion}): a kubelet may never be newer than its apiserver. ${kubemarkAdvice(want)}` };
    case 'older-beyond':
      return { id: 'image-version', level: 'warning', message: `Image ${image} (Kubernetes ${fmt(have)}) is ${skew.by} minor versions older than the masters cluster (${masters.gitVersion}), beyond the kubelet skew policy (3): the hollow kubelets may fail to register. ${kubemarkAdvice(want)}` };
  }
}

/** Recommended image for a masters version: the configured repository with the masters' tag. */
export function defaultImage(repository: string, masters: ServerInfo | undefined): string {
  const tag = masters ? /^v?\d+\.\d+\.\d+/.exec(masters.gitVersion)?.[0] : undefined;
  return repository ? `${repository}${tag ? `:${tag.startsWith('v') ? tag : `v${tag}`}` : ''}` : '';
}

const NEEDED: Array<{ group: string; resource: string; namespaced: boolean }> = [
  { group: '', resource: 'namespaces', namespaced: false },
  { group: '', resource: 'configmaps', namespaced: true },
  { group: '', resource: 'secrets', namespaced: true },
  { group: '', resource: 'serviceaccounts', namespaced: true },
  { group: '', resource: 'services', namespaced: true },
  { group: 'apps', resource: 'statefulsets', namespaced: true },
  { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', namespaced: false },
  { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', namespaced: false },
];

/** SelfSubjectAccessReviews for every verb and resource Deploy uses. */
export async function checkPermissions(workers: ClusterSession, namespace: string): Promise<PreflightCheck[]> {
  const reviews = NEEDED.flatMap((n) => (['create', 'patch'] as const).map((verb) => ({ ...n, verb })));
  const results = await Promise.all(
    reviews.map(async (r) => {
      try {
        const res = await workers.authz.createSelfSubjectAccessReview({
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { resourceAttributes: { group: r.group, resource: r.resource, verb: r.verb, ...(r.namespaced ? { namespace } : {}) } },
          },
        });
        return { r, allowed: Boolean(res.status?.allowed) };
      } catch (err) {
        throw workers.explain(err, 'check permissions (SelfSubjectAccessReview)');
      }
    }),
  );
  const denied = results.filter((x) => !x.allowed);
  if (denied.length === 0) return [{ id: 'permissions', level: 'ok', message: `You may create everything Deploy applies in ${workers.context}.` }];
  return denied.map(({ r }) => ({
    id: 'permissions',
    level: 'error' as const,
    message: `Context ${workers.context} may not ${r.verb} ${r.resource}${r.group ? `.${r.group}` : ''}${r.namespaced ? ` in namespace ${namespace}` : ' (cluster-wide)'}: ask a cluster admin to grant it.`,
  }));
}

/** Free allocatable CPU and memory in the workers cluster against what the hollow nodes request. */
export async function checkCapacity(workers: ClusterSession, o: HollowNodeOptions): Promise<PreflightCheck> {
  try {
    // Paged: a workers cluster may run many thousands of pods.
    const [nodeItems, podItems] = await Promise.all([
      listAll(workers, '/api/v1/nodes', {}, 'list nodes'),
      listAll(workers, '/api/v1/pods', { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' }, 'list pods in all namespaces'),
    ]);
    const nodes = { items: nodeItems as V1Node[] };
    const pods = { items: podItems as V1Pod[] };
    let cpu = 0;
    let mem = 0;
    for (const n of nodes.items) {
      if (n.spec?.unschedulable) continue;
      cpu += parseQuantity(n.status?.allocatable?.cpu ?? '0');
      mem += parseQuantity(n.status?.allocatable?.memory ?? '0');
    }
    for (const p of pods.items) {
      // Hollow-node pods of this StatefulSet are replaced by Deploy: they do not take room from themselves.
      if (p.metadata?.namespace === o.namespace && p.metadata?.name?.startsWith(`${o.name}-`)) continue;
      for (const c of p.spec?.containers ?? []) {
        cpu -= parseQuantity(c.resources?.requests?.cpu ?? '0');
        mem -= parseQuantity(c.resources?.requests?.memory ?? '0');
      }
    }
    const perCpu = parseQuantity(o.kubelet.requests.cpu ?? '0') + parseQuantity(o.proxy.requests.cpu ?? '0');
    const perMem = parseQuantity(o.kubelet.requests.memory ?? '0') + parseQuantity(o.proxy.requests.memory ?? '0');
    const fit = Math.floor(Math.min(perCpu > 0 ? cpu / perCpu : Infinity, perMem > 0 ? mem / perMem : Infinity));
    if (fit >= o.replicas) {
      return { id: 'capacity', level: 'ok', message: `The workers cluster has room for ${o.replicas} hollow nodes (${Number.isFinite(fit) ? `about ${fit}` : 'no limit'}).` };
    }
    return {
      id: 'capacity',
      level: 'warning',
      message: `The workers cluster has room for about ${Math.max(0, fit)} of ${o.replicas} hollow nodes (free: ${(cpu).toFixed(2)} CPU, ${(mem / 2 ** 30).toFixed(1)} GiB; each needs ${perCpu.toFixed(3)} CPU, ${(perMem / 2 ** 20).toFixed(0)} MiB). The rest will stay Pending: add workers nodes or lower the requests.`,
    };
  } catch (err) {
    return { id: 'capacity', level: 'warning', message: `Could not check the workers cluster's capacity: ${workers.explain(err, 'list nodes and pods').message}` };
  }
}
