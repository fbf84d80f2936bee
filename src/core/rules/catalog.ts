import { Severity } from './types';

export interface RuleInfo {
  id: string;
  severity: Severity;
  title: string;
  hasFix: boolean;
}

/** Every rule, once: the engine takes severities from here and the README lists it. */
export const RULES = {
  'yaml-syntax': { severity: 'error', title: 'YAML syntax error', hasFix: false },
  'template-placeholder': { severity: 'error', title: 'Template placeholders to fill in', hasFix: false },
  'flat-indentation': { severity: 'error', title: 'Manifest lost its indentation', hasFix: false },
  'removed-api-version': { severity: 'error', title: 'API version removed from Kubernetes', hasFix: true },
  'image-missing': { severity: 'error', title: 'Container has no image', hasFix: false },
  'image-placeholder': { severity: 'error', title: 'Image is a placeholder', hasFix: false },
  'image-untagged': { severity: 'warning', title: 'Image has no tag', hasFix: false },
  'image-latest': { severity: 'warning', title: 'Kubemark image tagged latest', hasFix: false },
  'positional-argument': { severity: 'error', title: 'Positional argument to kubemark', hasFix: true },
  'unknown-flag': { severity: 'error', title: 'Unknown hollow-node flag', hasFix: true },
  'removed-log-flag': { severity: 'error', title: 'klog flag removed in Kubernetes 1.26', hasFix: true },
  'single-dash-flag': { severity: 'error', title: 'Flag written with one dash', hasFix: true },
  'invalid-flag-value': { severity: 'error', title: 'Malformed flag value', hasFix: true },
  'morph-missing': { severity: 'error', title: 'No --morph', hasFix: false },
  'flag-no-effect': { severity: 'info', title: 'Flag has no effect', hasFix: true },
  'kubeconfig-not-mounted': { severity: 'error', title: '--kubeconfig outside every mounted volume', hasFix: false },
  'kubeconfig-key-missing': { severity: 'error', title: '--kubeconfig names a key the Secret lacks', hasFix: true },
  'host-image-service-unmounted': { severity: 'warning', title: 'Host image service without /run/containerd', hasFix: true },
  'output-discarded': { severity: 'warning', title: 'Logs thrown away', hasFix: true },
  'missing-inotify-init': { severity: 'warning', title: 'No inotify init container', hasFix: true },
  'missing-requests': { severity: 'warning', title: 'No resource requests', hasFix: true },
  'missing-noexecute-tolerations': { severity: 'warning', title: 'No NoExecute tolerations', hasFix: true },
  'pod-management-policy': { severity: 'warning', title: 'StatefulSet not Parallel', hasFix: true },
  'invalid-content-type': { severity: 'error', title: 'node-configmap content.type does not fit how it is used', hasFix: true },
  'constant-node-name': { severity: 'error', title: 'Every replica registers the same node', hasFix: true },
  'undefined-env-var': { severity: 'error', title: '$(VAR) the container does not define', hasFix: true },
  'argument-with-space': { severity: 'error', title: 'One argument holding a flag and more text', hasFix: true },
  'duplicate-flag-key': { severity: 'warning', title: 'Key given twice in a list flag', hasFix: true },
  'retired-registry': { severity: 'warning', title: 'Image from a retired registry', hasFix: true },
  'image-version-skew': { severity: 'warning', title: 'Kubemark image vs masters version (kubelet skew policy)', hasFix: false },
  'unknown-lint-rule': { severity: 'warning', title: 'Suppression comment names no rule', hasFix: false },
} as const satisfies Record<string, Omit<RuleInfo, 'id'>>;

export type RuleId = keyof typeof RULES;

export function ruleList(): RuleInfo[] {
  return Object.entries(RULES).map(([id, r]) => ({ id, ...r }));
}
