// The hollow-node flag table: one source for the manifest generator, the rules and the docs.
// Facts from kubernetes cmd/kubemark/app/hollow_node.go (addFlags), and the FLAG: lines a
// v1.37.2 hollow node logs at start, which list every flag its command line accepts.

export type Morph = 'kubelet' | 'proxy';
export const MORPHS: readonly Morph[] = ['kubelet', 'proxy'];

export type FlagKind = 'string' | 'int' | 'float' | 'bool' | 'duration' | 'morph' | 'labels' | 'resources' | 'taints' | 'contentType';

export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  readonly default?: string;
  readonly description: string;
  /** Set when the flag is accepted but does nothing. */
  readonly noEffect?: string;
  /** The flag may be given without a value (pflag NoOptDefVal). */
  readonly optionalValue?: boolean;
}

export const CONTENT_TYPES = ['application/vnd.kubernetes.protobuf', 'application/json'] as const;
export const DEFAULT_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

export const HOLLOW_NODE_FLAGS: readonly FlagSpec[] = [
  { name: 'morph', kind: 'morph', description: 'Which hollow component to run: kubelet or proxy (required).' },
  { name: 'name', kind: 'string', default: 'fake-node', description: 'Name of the fake Node; use the pod name, $(NODE_NAME).' },
  { name: 'kubeconfig', kind: 'string', default: '/kubeconfig/kubeconfig', description: 'Path to the kubeconfig of the masters cluster.' },
  { name: 'bootstrap-kubeconfig', kind: 'string', description: 'Path to a bootstrap kubeconfig (TLS bootstrapping).' },
  { name: 'cert-dir', kind: 'string', default: '/etc/srv/', description: 'Directory for bootstrapped certificates.' },
  { name: 'kubelet-port', kind: 'int', default: '10250', description: 'Port of the hollow kubelet.' },
  { name: 'kubelet-read-only-port', kind: 'int', default: '10255', description: 'Read-only port of the hollow kubelet.' },
  { name: 'api-server-port', kind: 'int', default: '443', description: 'Port on which the API server listens (unused by current kubemark).' },
  { name: 'kube-api-content-type', kind: 'contentType', default: DEFAULT_CONTENT_TYPE, description: 'Content type of requests sent to the masters apiserver.' },
  { name: 'kube-api-qps', kind: 'float', default: '10', description: 'QPS to the masters apiserver.' },
  { name: 'kube-api-burst', kind: 'int', default: '20', description: 'Burst to the masters apiserver.' },
  { name: 'node-labels', kind: 'labels', description: 'Extra node labels, key=value,key=value.' },
  { name: 'register-with-taints', kind: 'taints', description: 'Taints to register with, key=value:Effect,...' },
  { name: 'max-pods', kind: 'int', default: '110', description: 'Pods the hollow kubelet accepts.' },
  { name: 'extended-resources', kind: 'resources', description: 'Extended resources, name=quantity,... (Kubernetes 1.22+).' },
  { name: 'use-host-image-service', kind: 'bool', default: 'true', description: 'Use the host containerd image service (needs /run/containerd mounted); false uses a fake one.' },
  { name: 'use-real-proxier', kind: 'bool', default: 'true', description: 'Deprecated.', noEffect: 'has no effect in current kubemark' },
  { name: 'proxier-sync-period', kind: 'duration', default: '30s', description: 'Deprecated.', noEffect: 'has no effect in current kubemark' },
  { name: 'proxier-min-sync-period', kind: 'duration', default: '0s', description: 'Deprecated.', noEffect: 'has no effect in current kubemark' },
  // Logging flags kubemark's command line has (component-base cli.Run).
  { name: 'v', kind: 'int', default: '0', description: 'Log verbosity.' },
  { name: 'vmodule', kind: 'string', description: 'Per-file log verbosity.' },
  { name: 'log-flush-frequency', kind: 'duration', default: '5s', description: 'How often logs are flushed.' },
  { name: 'version', kind: 'string', optionalValue: true, description: 'Print the version and exit.' },
  { name: 'help', kind: 'bool', description: 'Print help and exit.' },
  // cAdvisor's flags, registered on Go's flag.CommandLine and so accepted; the fake cAdvisor ignores them.
  ...[
    'allow-dynamic-housekeeping', 'application-metrics-count-limit', 'boot-id-file', 'container-hints', 'containerd',
    'containerd-env-metadata-whitelist', 'containerd-namespace', 'crio-client-timeout', 'disable-root-cgroup-stats',
    'docker-only', 'enable-load-reader', 'event-storage-age-limit', 'event-storage-event-limit',
    'global-housekeeping-interval', 'housekeeping-interval', 'initial-splay-factor', 'jitter-factor',
    'log-cadvisor-usage', 'machine-id-file', 'max-housekeeping-interval', 'referenced-reset-interval',
    'storage-driver-buffer-duration', 'storage-driver-db', 'storage-driver-host', 'storage-driver-password',
    'storage-driver-secure', 'storage-driver-table', 'storage-driver-user', 'update-machine-info-interval',
  ].map((name): FlagSpec => ({ name, kind: 'string', optionalValue: true, description: "cAdvisor flag: accepted, ignored by the hollow kubelet's fake cAdvisor." })),
];

/** klog flags removed from Kubernetes components in 1.26 (KEP-2845): kubemark exits with "unknown flag". */
export const REMOVED_LOG_FLAGS: readonly string[] = [
  'alsologtostderr', 'logtostderr', 'log-dir', 'log_dir', 'log-file', 'log_file', 'log-file-max-size',
  'log_file_max_size', 'skip-headers', 'skip_headers', 'skip-log-headers', 'skip_log_headers',
  'stderrthreshold', 'add-dir-header', 'add_dir_header', 'one-output', 'one_output',
];

const byName = new Map(HOLLOW_NODE_FLAGS.map((f) => [f.name, f]));

export function findFlag(name: string): FlagSpec | undefined {
  return byName.get(name);
}

/** The closest known flag name, when it is close enough to be a typo. */
export function suggestFlag(name: string): string | undefined {
  return closest(name, HOLLOW_NODE_FLAGS.map((f) => f.name).filter((n) => n.length > 2));
}

export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}

export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      // Adjacent transposition counts as one edit (Damerau, restricted).
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length]!;
}

const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;
const DURATION = /^[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$|^0$/;
export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

function isQualifiedName(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    const name = key.slice(slash + 1);
    return prefix.length > 0 && prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix) && LABEL_NAME.test(name);
  }
  return LABEL_NAME.test(key);
}

function isLabelValue(v: string): boolean {
  return v === '' || (v.length <= 63 && LABEL_NAME.test(v));
}

export function isQuantity(v: string): boolean {
  return QUANTITY.test(v);
}

/**
 * Checks a flag value against its kind. Returns a message that says what is wrong, or
 * undefined when the value is fine. Values holding $(VAR) references are not judged.
 */
export function checkFlagValue(spec: FlagSpec, value: string): string | undefined {
  if (/\$\([A-Za-z_][A-Za-z0-9_]*\)/.test(value)) return undefined;
  switch (spec.kind) {
    case 'int':
      return /^[+-]?\d+$/.test(value) ? undefined : `--${spec.name} takes a whole number, not "${value}".`;
    case 'float':
      return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(value) ? undefined : `--${spec.name} takes a number, not "${value}".`;
    case 'bool':
      return /^(true|false|1|0|t|f|TRUE|FALSE|True|False|T|F)$/.test(value) ? undefined : `--${spec.name} takes true or false, not "${value}".`;
    case 'duration':
      return DURATION.test(value) ? undefined : `--${spec.name} takes a duration such as 30s or 1m, not "${value}".`;
    case 'morph':
      if ((MORPHS as readonly string[]).includes(value)) return undefined;
      {
        const s = closest(value, MORPHS);
        return `Unknown --morph value "${value}": kubemark accepts kubelet or proxy${s ? ` (did you mean ${s}?)` : ''}.`;
      }
    case 'contentType':
      return (CONTENT_TYPES as readonly string[]).includes(value)
        ? undefined
        : `"${value}" is not a content type the apiserver speaks: use application/vnd.kubernetes.protobuf or application/json.`;
    case 'labels':
      return checkPairs(spec.name, value, (k, v) => {
        if (!isQualifiedName(k)) return `"${k}" is not a valid label key`;
        if (!isLabelValue(v)) return `"${v}" is not a valid label value (63 characters at most, alphanumerics, "-", "_", ".")`;
        return undefined;
      }, 'key=value,key=value');
    case 'resources':
      return checkPairs(spec.name, value, (k, v) => {
        if (!isQualifiedName(k)) return `"${k}" is not a valid resource name (for example nvidia.com/gpu)`;
        if (!isQuantity(v)) return `"${v}" is not a quantity (for example 8, 500m, 1Gi); kubemark panics on it`;
        return undefined;
      }, 'name=quantity,name=quantity (for example nvidia.com/gpu=8,rdma/hca=1)');
    case 'taints':
      return checkTaints(value);
    default:
      return undefined;
  }
}

function checkPairs(flag: string, value: string, check: (k: string, v: string) => string | undefined, form: string): string | undefined {
  if (value.trim() === '') return undefined;
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return `--${flag} wants ${form}; "${part}" has no "=".`;
    const problem = check(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    if (problem) return `--${flag}: ${problem}.`;
  }
  return undefined;
}

function checkTaints(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  for (const part of value.split(',')) {
    const colon = part.lastIndexOf(':');
    if (colon < 0) return `--register-with-taints wants key=value:Effect; "${part}" has no effect (NoSchedule, PreferNoSchedule or NoExecute).`;
    const effect = part.slice(colon + 1);
    if (!(TAINT_EFFECTS as readonly string[]).includes(effect)) {
      return `--register-with-taints: "${effect}" is not a taint effect; use NoSchedule, PreferNoSchedule or NoExecute.`;
    }
    const kv = part.slice(0, colon);
    const eq = kv.indexOf('=');
    const key = eq >= 0 ? kv.slice(0, eq) : kv;
    const val = eq >= 0 ? kv.slice(eq + 1) : '';
    if (!isQualifiedName(key)) return `--register-with-taints: "${key}" is not a valid taint key.`;
    if (!isLabelValue(val)) return `--register-with-taints: "${val}" is not a valid taint value.`;
  }
  return undefined;
}

/** Parses "a=1,b=2" into pairs; used by the generator and the tree. */
export function parsePairs(value: string): Array<[string, string]> {
  return value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? [p, ''] : [p.slice(0, eq).trim(), p.slice(eq + 1).trim()];
    });
}
