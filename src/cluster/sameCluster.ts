// Workers = masters, against the clusters: reads each context's kube-system namespace UID (when
// allowed) and compares with the pure check. One GET per context.
import { ClusterIdentity, SameClusterResult, checkSameCluster } from '../core/diagnosis';
import { ClusterSession } from './session';

/** The server URL and, when readable, the kube-system namespace UID (a 403 or an outage leaves it out). */
export async function clusterIdentity(session: ClusterSession): Promise<ClusterIdentity> {
  try {
    const ns = await session.core.readNamespace({ name: 'kube-system' });
    return { server: session.server, ...(ns.metadata?.uid ? { kubeSystemUid: ns.metadata.uid } : {}) };
  } catch {
    return { server: session.server };
  }
}

export async function checkWorkersMasters(workers: ClusterSession, masters: ClusterSession): Promise<SameClusterResult> {
  const [w, m] = await Promise.all([clusterIdentity(workers), clusterIdentity(masters)]);
  return checkSameCluster(w, m);
}
