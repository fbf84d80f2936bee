import { child, nodeEnd, nodeStart } from '../ast';
import { Check } from '../context';

const RBAC = 'rbac.authorization.k8s.io';

/** Removed group versions → the current one for a kind (undefined when the kind itself is gone). */
function currentVersion(apiVersion: string, kind: string | undefined): { to?: string; removedIn: string } | undefined {
  if (apiVersion === `${RBAC}/v1beta1` || apiVersion === `${RBAC}/v1alpha1`) return { to: `${RBAC}/v1`, removedIn: apiVersion.endsWith('v1beta1') ? '1.22' : '1.20' };
  if (/^apps\/v1beta[12]$/.test(apiVersion)) return { to: 'apps/v1', removedIn: '1.16' };
  if (apiVersion === 'extensions/v1beta1') {
    switch (kind) {
      case 'Deployment':
      case 'DaemonSet':
      case 'ReplicaSet':
        return { to: 'apps/v1', removedIn: '1.16' };
      case 'Ingress':
        return { to: 'networking.k8s.io/v1', removedIn: '1.22' };
      case 'NetworkPolicy':
        return { to: 'networking.k8s.io/v1', removedIn: '1.16' };
      default:
        return { removedIn: '1.22' };
    }
  }
  if (apiVersion === 'batch/v1beta1' && kind === 'CronJob') return { to: 'batch/v1', removedIn: '1.25' };
  if (apiVersion === 'policy/v1beta1' && kind === 'PodDisruptionBudget') return { to: 'policy/v1', removedIn: '1.25' };
  return undefined;
}

export const checkApiVersion: Check = (ctx, d) => {
  if (!d.apiVersion) return;
  const r = currentVersion(d.apiVersion, d.kind);
  if (!r) return;
  const value = child(d.root, 'apiVersion');
  const [s, e] = [nodeStart(value), nodeEnd(value)];
  const what = `${d.apiVersion}${d.kind ? ` ${d.kind}` : ''}`;
  if (!r.to) {
    ctx.report('removed-api-version', s, e, `${what} was removed in Kubernetes ${r.removedIn}; current clusters reject it. Move this object to its current API group.`);
    return;
  }
  ctx.report(
    'removed-api-version',
    s,
    e,
    `${what} was removed in Kubernetes ${r.removedIn}: current clusters reject it. Use ${r.to}.`,
    { title: `Change apiVersion to ${r.to}`, edits: [ctx.src.edit(s, e, r.to)] },
  );
};
