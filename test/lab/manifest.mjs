// The hollow-node manifest the lab test applies to the workers cluster: the extension's own
// generator (src/core/manifest, bundled as dist/core.js by `npm run build`), so the lab runs
// exactly what "Kubemark: Deploy Hollow Nodes" applies.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CORE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'core.js');

/**
 * @param {{replicas: number, mastersKubeconfig: string, image?: string, nodeLabels?: Record<string,string>}} o
 * @returns {string} multi-document YAML
 */
export function hollowNodeManifest(o) {
  if (!existsSync(CORE)) throw new Error(`${CORE} is missing: run npm run build first`);
  const core = createRequire(import.meta.url)(CORE);
  const { yaml } = core.generateHollowNodeManifest(core.withDefaults({
    image: o.image ?? 'registry.k8s.io/kubemark:v1.37.2',
    replicas: o.replicas,
    mastersKubeconfig: o.mastersKubeconfig,
    nodeLabels: o.nodeLabels ?? {},
    extendedResources: { 'nvidia.com/gpu': '8' },
  }));
  const problems = core.lint(yaml);
  if (problems.length > 0) throw new Error(`the generated manifest does not lint clean: ${JSON.stringify(problems)}`);
  return yaml;
}
