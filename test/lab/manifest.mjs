// The hollow-node manifest the lab test applies to the workers cluster.
// Today: the fixture (same shape as the extension's generateHollowNodeManifest).
// To switch to the foundation's generator, replace the body of hollowNodeManifest().
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'hollow-nodes.yaml');

/**
 * @param {{replicas: number, mastersKubeconfig: string, image?: string, nodeLabels?: Record<string,string>}} o
 * @returns {string} multi-document YAML
 */
export function hollowNodeManifest(o) {
  const labels = Object.entries(o.nodeLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  return readFileSync(FIXTURE, 'utf8')
    .replaceAll('__REPLICAS__', String(o.replicas))
    .replaceAll('__IMAGE__', o.image ?? 'registry.k8s.io/kubemark:v1.37.2')
    .replaceAll('__MASTERS_KUBECONFIG_B64__', Buffer.from(o.mastersKubeconfig, 'utf8').toString('base64'))
    .replaceAll('__NODE_LABELS__', labels || 'kubemark-lab/hollow=true');
}
