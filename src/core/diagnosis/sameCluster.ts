// Workers = masters: are the two contexts the same cluster? Then the masters' DaemonSets and
// other workloads land on the hollow nodes, and the cluster's own pods compete with the test.

export interface ClusterIdentity {
  /** The context's server URL. */
  server: string;
  /** metadata.uid of the kube-system namespace, when it could be read. */
  kubeSystemUid?: string;
}

export interface SameClusterResult {
  same: boolean;
  /** How it was decided. */
  by: 'kube-system-uid' | 'server' | 'none';
  /** One line for a tree row or a preflight check; empty when not the same. */
  message: string;
  /** The standard remedy, as lines (empty when not the same). */
  remedy: string[];
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Server URL in a comparable form: scheme://host:port/path, lower-case host, default port, no trailing slash. */
export function normalizeServer(server: string): string {
  const s = server.trim();
  let u: URL;
  try {
    u = new URL(/^[a-z]+:\/\//i.test(s) ? s : `https://${s}`);
  } catch {
    return s.toLowerCase().replace(/\/+$/, '');
  }
  const scheme = u.protocol.replace(/:$/, '').toLowerCase();
  let host = u.hostname.toLowerCase();
  if (LOOPBACK.has(host) || /^127\./.test(host)) host = 'loopback';
  const port = u.port || (scheme === 'http' ? '80' : '443');
  return `${scheme}://${host}:${port}${u.pathname.replace(/\/+$/, '')}`;
}

export const SAME_CLUSTER_REMEDY: readonly string[] = [
  'Use a separate cluster for the hollow-node pods (workers) and for the control plane under test (masters) when you can.',
  'Otherwise taint the hollow nodes when they register: add --register-with-taints=kubemark.io/hollow-node=true:NoSchedule to the hollow kubelet, so ordinary workloads stay off them and only test pods that tolerate the taint land there.',
  'Keep the cluster\'s DaemonSets off the hollow nodes: give them a nodeSelector or node affinity that excludes the hollow nodes (e.g. kubemark.io/hollow-node DoesNotExist), and do not give them a blanket "operator: Exists" toleration.',
  'Keep the hollow-node pods themselves off the hollow nodes: a nodeSelector on real workers nodes in the hollow-node StatefulSet.',
  'Size the control plane for both: the test load and the cluster\'s own pods share its apiserver, etcd and scheduler.',
];

export function checkSameCluster(workers: ClusterIdentity, masters: ClusterIdentity): SameClusterResult {
  const none = (by: SameClusterResult['by']): SameClusterResult => ({ same: false, by, message: '', remedy: [] });
  if (workers.kubeSystemUid && masters.kubeSystemUid) {
    if (workers.kubeSystemUid !== masters.kubeSystemUid) return none('kube-system-uid');
    return {
      same: true,
      by: 'kube-system-uid',
      message: `The workers and masters contexts are the same cluster (same kube-system namespace UID ${workers.kubeSystemUid}): the cluster's own workloads will land on the hollow nodes.`,
      remedy: [...SAME_CLUSTER_REMEDY],
    };
  }
  if (!workers.server || !masters.server) return none('none');
  if (normalizeServer(workers.server) !== normalizeServer(masters.server)) return none('server');
  return {
    same: true,
    by: 'server',
    message: `The workers and masters contexts point at the same server (${masters.server}): the cluster's own workloads will land on the hollow nodes.`,
    remedy: [...SAME_CLUSTER_REMEDY],
  };
}
