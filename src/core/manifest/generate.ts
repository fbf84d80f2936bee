// Options → Kubernetes objects → multi-document YAML. Never imports vscode.
import { dump } from 'js-yaml';
import { checkFlagValue, findFlag } from '../flags';
import {
  CONFIGMAP_NAME,
  HollowNodeOptions,
  KUBELET_KUBECONFIG_KEY,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  PROXY_KUBECONFIG_KEY,
  SECRET_NAME,
  checkOptions,
} from './options';

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
};

export interface GeneratedManifest {
  objects: KubeObject[];
  yaml: string;
}

export class InvalidOptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join(' '));
    this.name = 'InvalidOptionsError';
  }
}

export function clusterRoleName(namespace: string): string {
  return namespace === 'kubemark' ? 'kubemark' : `kubemark-${namespace}`;
}

export function kubeletArgs(o: HollowNodeOptions): string[] {
  const args = [
    '--morph=kubelet',
    '--name=$(NODE_NAME)',
    `--kubeconfig=/kubeconfig/${KUBELET_KUBECONFIG_KEY}`,
    '--kube-api-content-type=$(CONTENT_TYPE)',
    `--max-pods=${o.maxPods}`,
  ];
  if (o.imageService === 'fake') args.push('--use-host-image-service=false');
  const labels = Object.entries(o.nodeLabels).map(([k, v]) => `${k}=${v}`).join(',');
  if (labels) args.push(`--node-labels=${labels}`);
  const taints = o.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(',');
  if (taints) args.push(`--register-with-taints=${taints}`);
  const resources = Object.entries(o.extendedResources).map(([k, v]) => `${k}=${v}`).join(',');
  if (resources) args.push(`--extended-resources=${resources}`);
  args.push(`--v=${o.logVerbosity}`);
  return args;
}

export function proxyArgs(o: HollowNodeOptions): string[] {
  return [
    '--morph=proxy',
    '--name=$(NODE_NAME)',
    `--kubeconfig=/kubeconfig/${PROXY_KUBECONFIG_KEY}`,
    '--kube-api-content-type=$(CONTENT_TYPE)',
    `--v=${o.logVerbosity}`,
  ];
}

/** Flag values in the generated args that the flag table rejects (labels, taints, resources typed by the user). */
function argProblems(args: string[]): string[] {
  const problems: string[] = [];
  for (const a of args) {
    const m = /^--([^=]+)=(.*)$/.exec(a);
    const spec = m && findFlag(m[1]!);
    const problem = spec && checkFlagValue(spec, m![2]!);
    if (problem) problems.push(problem);
  }
  return problems;
}

function resources(r: HollowNodeOptions['kubelet']): Record<string, unknown> {
  const out: Record<string, unknown> = { requests: { ...r.requests } };
  if (r.limits && Object.keys(r.limits).length > 0) out.limits = { ...r.limits };
  return out;
}

export function generateObjects(o: HollowNodeOptions): KubeObject[] {
  const kArgs = kubeletArgs(o);
  const pArgs = proxyArgs(o);
  const problems = [...checkOptions(o), ...argProblems(kArgs)];
  if (problems.length > 0) throw new InvalidOptionsError(problems);

  const ns = o.namespace;
  const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
  const podLabels = { name: o.name, ...labels };
  const env = [
    { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'CONTENT_TYPE', valueFrom: { configMapKeyRef: { name: CONFIGMAP_NAME, key: 'content.type' } } },
  ];
  const kubeconfigMount = { name: 'kubeconfig-volume', mountPath: '/kubeconfig', readOnly: true };
  const volumes: unknown[] = [{ name: 'kubeconfig-volume', secret: { secretName: SECRET_NAME } }];
  const kubeletMounts: unknown[] = [kubeconfigMount];
  if (o.imageService === 'containerd') {
    volumes.push({ name: 'containerd', hostPath: { path: '/run/containerd' } });
    kubeletMounts.push({ name: 'containerd', mountPath: '/run/containerd' });
  }

  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: CONFIGMAP_NAME, namespace: ns, labels },
      data: { 'content.type': o.contentType },
    },
  ];
  if (o.mastersKubeconfig !== undefined) {
    const encoded = Buffer.from(o.mastersKubeconfig, 'utf8').toString('base64');
    objects.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: SECRET_NAME, namespace: ns, labels },
      type: 'Opaque',
      data: { [KUBELET_KUBECONFIG_KEY]: encoded, [PROXY_KUBECONFIG_KEY]: encoded },
    });
  }
  const role = clusterRoleName(ns);
  objects.push(
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'kubemark', namespace: ns, labels } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: role, labels },
      rules: [
        { apiGroups: [''], resources: ['services', 'pods', 'nodes', 'endpoints'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch', 'update'] },
        { apiGroups: ['node.k8s.io'], resources: ['runtimeclasses'], verbs: ['get', 'list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: role, labels },
      subjects: [{ kind: 'ServiceAccount', name: 'kubemark', namespace: ns }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: o.name, namespace: ns, labels },
      spec: { clusterIP: 'None', selector: { name: o.name }, ports: [{ port: 10250, name: 'kubelet', protocol: 'TCP', targetPort: 10250 }] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: o.name, namespace: ns, labels },
      spec: {
        podManagementPolicy: 'Parallel',
        replicas: o.replicas,
        serviceName: o.name,
        selector: { matchLabels: { name: o.name } },
        template: {
          metadata: { labels: podLabels },
          spec: {
            serviceAccountName: 'kubemark',
            initContainers: [
              {
                name: 'init-inotify-limit',
                image: 'busybox:1.36',
                command: ['sysctl', '-w', 'fs.inotify.max_user_instances=1000'],
                securityContext: { privileged: true },
              },
            ],
            containers: [
              {
                name: 'hollow-kubelet',
                image: o.image,
                command: ['/kubemark'],
                args: kArgs,
                env,
                ports: [{ containerPort: 10250 }, { containerPort: 10255 }],
                volumeMounts: kubeletMounts,
                resources: resources(o.kubelet),
                securityContext: { privileged: true },
              },
              {
                name: 'hollow-proxy',
                image: o.image,
                command: ['/kubemark'],
                args: pArgs,
                env,
                volumeMounts: [kubeconfigMount],
                resources: resources(o.proxy),
              },
            ],
            volumes,
            tolerations: [
              { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
              { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
            ],
          },
        },
      },
    },
  );
  return objects;
}

export function toYaml(objects: KubeObject[], header?: string): string {
  const body = objects.map((obj) => dump(obj, { lineWidth: -1, noRefs: true, quotingType: '"' })).join('---\n');
  const comment = header ? header.split('\n').map((l) => (l ? `# ${l}` : '#')).join('\n') + '\n' : '';
  return comment + body;
}

export function generateHollowNodeManifest(o: HollowNodeOptions): GeneratedManifest {
  const objects = generateObjects(o);
  const header = [
    `Kubemark hollow nodes: ${o.replicas} × ${o.image} in namespace ${o.namespace}.`,
    'Generated by Kubemark Workbench. Apply to the WORKERS cluster; the fake nodes register in the masters',
    o.mastersKubeconfig === undefined
      ? 'cluster named by the kubeconfig Secret (create it with "Kubemark: Scaffold Config and Secret").'
      : 'cluster named by the kubeconfig Secret below (it holds credentials: do not commit this file).',
  ].join('\n');
  return { objects, yaml: toYaml(objects, header) };
}
