import { DEFAULT_CONTENT_TYPE, TAINT_EFFECTS } from '../flags';

export interface ResourceAmounts {
  cpu?: string;
  memory?: string;
}

export interface ContainerResources {
  requests: ResourceAmounts;
  limits?: ResourceAmounts;
}

export interface Taint {
  key: string;
  value?: string;
  effect: (typeof TAINT_EFFECTS)[number];
}

/** Everything the generator needs; `withDefaults` fills what is left out. */
export interface HollowNodeOptions {
  /** Full image reference with tag, e.g. registry.example.com/kubemark:v1.34.1. */
  image: string;
  replicas: number;
  namespace: string;
  /** StatefulSet, Service and pod-name prefix. */
  name: string;
  contentType: string;
  kubelet: ContainerResources;
  proxy: ContainerResources;
  nodeLabels: Record<string, string>;
  taints: Taint[];
  maxPods: number;
  /** name → quantity, e.g. { 'nvidia.com/gpu': '8' }. */
  extendedResources: Record<string, string>;
  /** 'fake': --use-host-image-service=false; 'containerd': mount /run/containerd from the host. */
  imageService: 'fake' | 'containerd';
  logVerbosity: number;
  /** Standalone masters kubeconfig (YAML text) for the Secret; no Secret is generated without it. */
  mastersKubeconfig?: string;
}

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'kubemark-workbench';
export const FIELD_MANAGER = 'kubemark-workbench';
/**
 * The field manager Deploy This Manifest applies with to an object of the file that existed
 * before and was not ours (e.g. the user's kubeconfig Secret): not FIELD_MANAGER and without our
 * labels, so that Tear Down (which plans from those) leaves it to its owner.
 */
export const EXISTING_FIELD_MANAGER = 'kubemark-workbench-existing';
/** Set by Deploy This Manifest on every object it applies (and on pod templates): which deploy made it. */
export const INSTANCE_LABEL = 'kubemark-workbench/instance';
export const CONFIGMAP_NAME = 'node-configmap';
export const SECRET_NAME = 'kubeconfig';
export const KUBELET_KUBECONFIG_KEY = 'kubelet.kubeconfig';
export const PROXY_KUBECONFIG_KEY = 'kubeproxy.kubeconfig';
export const DEFAULT_NAMESPACE = 'kubemark';
export const DEFAULT_NAME = 'hollow-node';

export function withDefaults(partial: Partial<HollowNodeOptions> & Pick<HollowNodeOptions, 'image'>): HollowNodeOptions {
  return {
    replicas: 3,
    namespace: DEFAULT_NAMESPACE,
    name: DEFAULT_NAME,
    contentType: DEFAULT_CONTENT_TYPE,
    // Defaults from test/kubemark/start-kubemark.sh.
    kubelet: { requests: { cpu: '40m', memory: '100Mi' } },
    proxy: { requests: { cpu: '20m', memory: '100Mi' } },
    nodeLabels: {},
    taints: [],
    maxPods: 110,
    extendedResources: {},
    imageService: 'fake',
    logVerbosity: 2,
    ...partial,
  };
}

/** Problems with the options themselves, each a sentence for the user. */
export function checkOptions(o: HollowNodeOptions): string[] {
  const problems: string[] = [];
  if (!o.image.trim()) problems.push('Give the kubemark image, for example registry.example.com/kubemark:v1.34.1.');
  if (!Number.isInteger(o.replicas) || o.replicas < 0) problems.push('Replicas must be a whole number, 0 or more.');
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(o.namespace) || o.namespace.length > 63) {
    problems.push(`"${o.namespace}" is not a valid namespace name (lower-case letters, digits and "-").`);
  }
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(o.name) || o.name.length > 52) {
    problems.push(`"${o.name}" is not a valid StatefulSet name for hollow nodes (lower-case letters, digits and "-", 52 at most).`);
  }
  if (!Number.isInteger(o.maxPods) || o.maxPods < 1) problems.push('Max pods must be a whole number, 1 or more.');
  if (!Number.isInteger(o.logVerbosity) || o.logVerbosity < 0) problems.push('Log verbosity must be a whole number, 0 or more.');
  return problems;
}
