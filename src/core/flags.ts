// The hollow-node flag table: one source for the manifest generator, the rules and the docs.
// Facts from kubernetes cmd/kubemark/app/hollow_node.go (addFlags), and the FLAG: lines a
// v1.37.2 hollow node logs at start, which list every flag its command line accepts.

export type Morph = 'kubelet' | 'proxy';
export const MORPHS: readonly Morph[] = ['kubelet', 'proxy'];

export type FlagKind = 'string' | 'int' | 'uint' | 'float' | 'bool' | 'duration' | 'morph' | 'labels' | 'resources' | 'taints' | 'contentType';

export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  readonly default?: string;
  readonly description: string;
  /** Set when the flag is accepted but does nothing. */
  readonly noEffect?: string;
  /** The flag may be given without a value (pflag NoOptDefVal: booleans, --version). */
  readonly optionalValue?: boolean;
  /** One-letter form (pflag gives one-letter Go flags one): -v=4, -v 4, -v4. */
  readonly shorthand?: string;
  /** Where it comes from, when not kubemark's own addFlags. */
  readonly origin?: 'klog' | 'cadvisor' | 'cobra' | 'setting';
  /**
   * The first Kubernetes minor whose kubemark registers it, when older ones in v1.33–v1.37 do
   * not (src/core/kubemark-flags.sources.json, from scripts/kubemark-flag-sources.mjs).
   */
  readonly sinceMinor?: number;
  /** Why older kubemark lacks it (said in the finding). */
  readonly sinceWhy?: string;
}

export const CONTENT_TYPES = ['application/vnd.kubernetes.protobuf', 'application/json'] as const;
export const DEFAULT_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

const CADVISOR = "cAdvisor flag: accepted, ignored by the hollow kubelet's fake cAdvisor.";
const cadvisor = (name: string, kind: FlagKind, def: string, extra: Partial<FlagSpec> = {}): FlagSpec =>
  ({ name, kind, default: def, description: CADVISOR, origin: 'cadvisor', ...(kind === 'bool' ? { optionalValue: true } : {}), ...extra });
// Registered by cAdvisor's lib module (v0.60, Kubernetes 1.37) only: cAdvisor v0.52–v0.56
// (Kubernetes 1.33–1.36) has no such flags, so those kubemark images exit with "unknown flag".
const CADVISOR_LIB = { sinceMinor: 37, sinceWhy: 'cAdvisor added it in v0.60, first used by Kubernetes 1.37 (1.33–1.36 use cAdvisor v0.52–v0.56)' };

/**
 * Every flag kubemark v1.37 accepts, and with sinceMinor the ones older releases lack. Checked
 * against src/core/kubemark-flags.v1.37.json, printed by lab/cmd/kubemark-flags from kubemark's
 * real flag set (test/unit/rules/flagTable.test.ts), and against v1.33–v1.36's sources in
 * src/core/kubemark-flags.sources.json (test/unit/rules/flagSources.test.ts).
 */
export const HOLLOW_NODE_FLAGS: readonly FlagSpec[] = [
  { name: 'morph', kind: 'morph', default: '', description: 'Which hollow component to run: kubelet or proxy (required).' },
  { name: 'name', kind: 'string', default: 'fake-node', description: 'Name of the fake Node; use the pod name, $(NODE_NAME).' },
  { name: 'kubeconfig', kind: 'string', default: '/kubeconfig/kubeconfig', description: 'Path to the kubeconfig of the masters cluster.' },
  { name: 'bootstrap-kubeconfig', kind: 'string', default: '', description: 'Path to a bootstrap kubeconfig (TLS bootstrapping).' },
  { name: 'cert-dir', kind: 'string', default: '/etc/srv/', description: 'Directory for bootstrapped certificates.' },
  { name: 'kubelet-port', kind: 'int', default: '10250', description: 'Port of the hollow kubelet.' },
  { name: 'kubelet-read-only-port', kind: 'int', default: '10255', description: 'Read-only port of the hollow kubelet.' },
  { name: 'api-server-port', kind: 'int', default: '443', description: 'Port on which the API server listens: read by nothing.', noEffect: 'is read by nothing in kubemark (the server comes from --kubeconfig)' },
  { name: 'kube-api-content-type', kind: 'contentType', default: DEFAULT_CONTENT_TYPE, description: 'Content type of requests sent to the masters apiserver.' },
  { name: 'kube-api-qps', kind: 'float', default: '10', description: 'QPS to the masters apiserver.' },
  { name: 'kube-api-burst', kind: 'int', default: '20', description: 'Burst to the masters apiserver.' },
  { name: 'node-labels', kind: 'labels', default: '', description: 'Extra node labels, key=value,key=value (a key alone means an empty value).' },
  { name: 'register-with-taints', kind: 'taints', default: '', description: 'Taints to register with, key=value:Effect,...' },
  { name: 'max-pods', kind: 'int', default: '110', description: 'Pods the hollow kubelet accepts.' },
  { name: 'extended-resources', kind: 'resources', default: '', description: 'Extended resources, name=quantity,... (Kubernetes 1.22+).' },
  { name: 'use-host-image-service', kind: 'bool', default: 'true', optionalValue: true, description: 'Use the host containerd image service (needs /run/containerd mounted); false uses a fake one.' },
  { name: 'use-real-proxier', kind: 'bool', default: 'true', optionalValue: true, description: 'Deprecated.', noEffect: 'has no effect in current kubemark' },
  { name: 'proxier-sync-period', kind: 'duration', default: '30s', description: 'Deprecated.', noEffect: 'has no effect in current kubemark' },
  { name: 'proxier-min-sync-period', kind: 'duration', default: '0s', description: 'Deprecated.', noEffect: 'has no effect in current kubemark' },
  // Logging flags kubemark's command line has (component-base cli.Run), --version (verflag) and --help (cobra).
  { name: 'v', kind: 'int', default: '0', shorthand: 'v', origin: 'klog', description: 'Log verbosity.' },
  { name: 'vmodule', kind: 'string', default: '', origin: 'klog', description: 'Per-file log verbosity.' },
  { name: 'log-flush-frequency', kind: 'duration', default: '5s', origin: 'klog', description: 'How often logs are flushed.' },
  { name: 'version', kind: 'string', default: 'false', optionalValue: true, description: 'Print the version and exit.' },
  { name: 'help', kind: 'bool', default: 'false', shorthand: 'h', optionalValue: true, origin: 'cobra', description: 'Print help and exit.' },
  // cAdvisor's flags, registered on Go's flag.CommandLine and so accepted; the fake cAdvisor ignores them.
  cadvisor('allow-dynamic-housekeeping', 'bool', 'true'),
  cadvisor('application-metrics-count-limit', 'int', '100'),
  cadvisor('boot-id-file', 'string', '/proc/sys/kernel/random/boot_id'),
  cadvisor('container-hints', 'string', '/etc/cadvisor/container_hints.json'),
  cadvisor('containerd', 'string', '/run/containerd/containerd.sock'),
  cadvisor('containerd-env-metadata-whitelist', 'string', ''),
  cadvisor('containerd-namespace', 'string', 'k8s.io'),
  cadvisor('crio-client-timeout', 'duration', '0s'),
  cadvisor('disable-root-cgroup-stats', 'bool', 'false'),
  cadvisor('docker-only', 'bool', 'false'),
  cadvisor('enable-load-reader', 'bool', 'false'),
  cadvisor('event-storage-age-limit', 'string', 'default=0'),
  cadvisor('event-storage-event-limit', 'string', 'default=0'),
  cadvisor('global-housekeeping-interval', 'duration', '1m0s'),
  cadvisor('housekeeping-interval', 'duration', '10s'),
  cadvisor('initial-splay-factor', 'float', '1', CADVISOR_LIB),
  cadvisor('jitter-factor', 'float', '1', CADVISOR_LIB),
  cadvisor('log-cadvisor-usage', 'bool', 'false'),
  cadvisor('machine-id-file', 'string', '/etc/machine-id,/var/lib/dbus/machine-id'),
  cadvisor('max-housekeeping-interval', 'duration', '1m0s'),
  cadvisor('referenced-reset-interval', 'uint', '0'),
  cadvisor('storage-driver-buffer-duration', 'duration', '1m0s'),
  cadvisor('storage-driver-db', 'string', 'cadvisor'),
  cadvisor('storage-driver-host', 'string', 'localhost:8086'),
  cadvisor('storage-driver-password', 'string', 'root'),
  cadvisor('storage-driver-secure', 'bool', 'false'),
  cadvisor('storage-driver-table', 'string', 'stats'),
  cadvisor('storage-driver-user', 'string', 'root'),
  cadvisor('update-machine-info-interval', 'duration', '5m0s'),
];

/**
 * Flags some forks add (not upstream: upstream hard-codes 10 s status updates and 5 min
 * reports). Unknown to upstream kubemark; name them in kubemark.lint.extraFlags to accept them.
 */
export const FORK_FLAGS: readonly string[] = ['node-lease-duration-seconds', 'node-status-update-frequency', 'node-status-report-frequency'];

const EXTRA_KINDS: readonly FlagKind[] = ['string', 'int', 'uint', 'float', 'bool', 'duration', 'labels', 'resources', 'taints'];

/**
 * Parses extra flag declarations ("name" or "name:type", for forks of kubemark) into specs.
 * Returns the specs and a message per declaration it could not read.
 */
export function parseExtraFlags(decls: readonly unknown[]): { flags: FlagSpec[]; problems: string[] } {
  const flags: FlagSpec[] = [];
  const problems: string[] = [];
  for (const d of decls) {
    if (typeof d !== 'string') {
      problems.push(`${JSON.stringify(d)} is not a string: write "name" or "name:type".`);
      continue;
    }
    const m = /^\s*-{0,2}([A-Za-z0-9][A-Za-z0-9_.-]*)\s*(?::\s*([a-z]+)\s*)?$/.exec(d);
    if (!m) {
      problems.push(`"${d}" is not a flag declaration: write "name" or "name:type" (type one of ${EXTRA_KINDS.join(', ')}).`);
      continue;
    }
    const kind = (m[2] ?? 'string') as FlagKind;
    if (!EXTRA_KINDS.includes(kind)) {
      problems.push(`"${d}": unknown type "${m[2]}"; use one of ${EXTRA_KINDS.join(', ')}.`);
      continue;
    }
    // Without a type, any value (or none) is accepted.
    flags.push({ name: m[1]!.replace(/_/g, '-'), kind, origin: 'setting', description: 'Declared in kubemark.lint.extraFlags.', ...(m[2] === undefined || kind === 'bool' ? { optionalValue: true } : {}) });
  }
  return { flags, problems };
}

/** The flags one lint run knows: kubemark's, plus the user's extra ones. */
export class FlagTable {
  private readonly byName: Map<string, FlagSpec>;
  private readonly byShorthand: Map<string, FlagSpec>;

  constructor(readonly extra: readonly FlagSpec[] = []) {
    this.byName = new Map([...HOLLOW_NODE_FLAGS, ...extra].map((f) => [f.name, f]));
    this.byShorthand = new Map(HOLLOW_NODE_FLAGS.filter((f) => f.shorthand).map((f) => [f.shorthand!, f]));
  }

  find(name: string): FlagSpec | undefined {
    return this.byName.get(name);
  }

  shorthand(letter: string): FlagSpec | undefined {
    return this.byShorthand.get(letter);
  }

  private candidates: string[] | undefined;
  private readonly suggestions = new Map<string, string | undefined>();

  /** The closest known flag name, when it is close enough to be a typo. */
  suggest(name: string): string | undefined {
    if (this.suggestions.has(name)) return this.suggestions.get(name);
    this.candidates ??= [...this.byName.keys()].filter((n) => n.length > 2);
    const s = closest(name, this.candidates);
    if (this.suggestions.size < 10_000) this.suggestions.set(name, s);
    return s;
  }

  /** Whether the flag never takes the next argument as its value (pflag: bool-like, or unknown: it fails first). */
  takesNoSeparateValue(name: string): boolean {
    const spec = this.find(name);
    return !spec || spec.kind === 'bool' || spec.optionalValue === true;
  }
}

export const DEFAULT_FLAGS = new FlagTable();

/** klog flags removed from Kubernetes components in 1.26 (KEP-2845): kubemark exits with "unknown flag". */
export const REMOVED_LOG_FLAGS: readonly string[] = [
  'alsologtostderr', 'logtostderr', 'log-dir', 'log_dir', 'log-file', 'log_file', 'log-file-max-size',
  'log_file_max_size', 'skip-headers', 'skip_headers', 'skip-log-headers', 'skip_log_headers',
  'stderrthreshold', 'add-dir-header', 'add_dir_header', 'one-output', 'one_output',
];

export function findFlag(name: string): FlagSpec | undefined {
  return DEFAULT_FLAGS.find(name);
}

/** The closest known flag name, when it is close enough to be a typo. */
export function suggestFlag(name: string): string | undefined {
  return DEFAULT_FLAGS.suggest(name);
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
// Go's time.ParseDuration.
const DURATION = /^[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$|^[+-]?0$/;
// Go's strconv.ParseInt/ParseUint with base 0 (pflag): decimal, 0x, 0o, 0b, underscores between digits.
const INT = /^[+-]?(0[xX](_?[0-9a-fA-F])+|0[bB](_?[01])+|0[oO]?(_?[0-7])+|[1-9](_?\d)*|0)$/;
const UINT = /^\+?(0[xX](_?[0-9a-fA-F])+|0[bB](_?[01])+|0[oO]?(_?[0-7])+|[1-9](_?\d)*|0)$/;
const FLOAT = /^[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|inf(inity)?|nan)$/i;
const BOOL = /^(true|false|1|0|t|f|TRUE|FALSE|True|False|T|F)$/;
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

/** A $(VAR) reference the kubelet expands: the value is not known until the pod runs. */
export function hasVarRef(value: string): boolean {
  return /\$\([A-Za-z_][A-Za-z0-9_]*\)/.test(value);
}

/**
 * Checks a flag value against its kind. Returns a message that says what is wrong, or
 * undefined when the value is fine. Values holding $(VAR) references are not judged.
 */
export function checkFlagValue(spec: FlagSpec, value: string): string | undefined {
  if (hasVarRef(value)) return undefined;
  switch (spec.kind) {
    case 'int':
      return INT.test(value) ? undefined : `--${spec.name} takes a whole number, not "${value}": kubemark exits with "invalid argument".`;
    case 'uint':
      return UINT.test(value) ? undefined : `--${spec.name} takes a whole number of 0 or more, not "${value}": kubemark exits with "invalid argument".`;
    case 'float':
      return FLOAT.test(value) ? undefined : `--${spec.name} takes a number, not "${value}": kubemark exits with "invalid argument".`;
    case 'bool':
      return BOOL.test(value) ? undefined : `--${spec.name} takes true or false, not "${value}": kubemark exits with "invalid argument".`;
    case 'duration':
      return DURATION.test(value) ? undefined : `--${spec.name} takes a duration such as 30s or 1m, not "${value}": kubemark exits with "invalid argument".`;
    case 'morph':
      if ((MORPHS as readonly string[]).includes(value)) return undefined;
      {
        const s = closest(value, MORPHS);
        return `Unknown --morph value "${value}": kubemark accepts kubelet or proxy${s ? ` (did you mean ${s}?)` : ''}.`;
      }
    case 'contentType':
      return value === '' || (CONTENT_TYPES as readonly string[]).includes(value)
        ? undefined
        : `"${value}" is not a content type the apiserver speaks: use application/vnd.kubernetes.protobuf or application/json.`;
    case 'labels':
      // cliflag.ConfigurationMap: empty items are skipped, a key alone means an empty value.
      for (const [k, v] of configurationMap(value)) {
        if (!isQualifiedName(k)) return `--${spec.name}: "${k}" is not a valid label key; the fake node is rejected by the apiserver.`;
        if (!isLabelValue(v)) return `--${spec.name}: "${v}" is not a valid label value (63 characters at most, alphanumerics, "-", "_", "."); the fake node is rejected by the apiserver.`;
      }
      return undefined;
    case 'resources':
      for (const [k, v, hasEq] of configurationMap(value)) {
        if (!hasEq) return `--${spec.name} wants name=quantity,name=quantity (for example nvidia.com/gpu=8,rdma/hca=1); "${k}" has no quantity, and kubemark panics on an empty one.`;
        if (!isQualifiedName(k)) return `--${spec.name}: "${k}" is not a valid resource name (for example nvidia.com/gpu).`;
        if (!isQuantity(v)) return `--${spec.name}: "${v}" is not a quantity (for example 8, 500m, 1Gi); kubemark panics on it.`;
      }
      return undefined;
    case 'taints':
      return checkTaints(value);
    default:
      return undefined;
  }
}

/** cliflag.ConfigurationMap's Set: split on ",", skip empty items, "k=v" or "k" (empty value), trimmed. */
export function configurationMap(value: string): Array<[string, string, boolean]> {
  const out: Array<[string, string, boolean]> = [];
  for (const part of value.split(',')) {
    if (part.length === 0) continue;
    const eq = part.indexOf('=');
    out.push(eq < 0 ? [part.trim(), '', false] : [part.slice(0, eq).trim(), part.slice(eq + 1).trim(), true]);
  }
  return out;
}

interface Taint {
  key: string;
  value: string;
  effect: string;
}

/** util/taints.ParseTaint for one item: key=value:Effect or key:Effect. A message when it is not one. */
function parseTaint(part: string): Taint | string {
  const parts = part.split(':');
  if (parts.length !== 2) {
    return parts.length === 1
      ? `--register-with-taints wants key=value:Effect; "${part}" has no effect (NoSchedule, PreferNoSchedule or NoExecute).`
      : `--register-with-taints: "${part}" has more than one ":"; write key=value:Effect.`;
  }
  const effect = parts[1]!;
  if (!(TAINT_EFFECTS as readonly string[]).includes(effect)) {
    return `--register-with-taints: "${effect}" is not a taint effect; use NoSchedule, PreferNoSchedule or NoExecute.`;
  }
  const kv = parts[0]!.split('=');
  if (kv.length > 2) return `--register-with-taints: "${parts[0]}" has more than one "="; write key=value:Effect.`;
  const [key, val = ''] = kv as [string, string?];
  if (!isQualifiedName(key)) return `--register-with-taints: "${key}" is not a valid taint key.`;
  if (!isLabelValue(val)) return `--register-with-taints: "${val}" is not a valid taint value.`;
  return { key, value: val, effect };
}

function taintItems(value: string): string[] {
  return value.split(',');
}

function checkTaints(value: string): string | undefined {
  if (value === '') return undefined;
  for (const part of taintItems(value)) {
    const t = parseTaint(part);
    if (typeof t === 'string') return t;
  }
  return undefined;
}

/**
 * Keys given twice in --node-labels, --extended-resources (the last wins) or
 * --register-with-taints (the same key and effect twice): each with what happens.
 */
export function duplicateKeys(spec: FlagSpec, value: string): Array<{ key: string; message: string; severity: 'error' | 'warning' }> {
  if (hasVarRef(value)) return [];
  const out: Array<{ key: string; message: string; severity: 'error' | 'warning' }> = [];
  if (spec.kind === 'labels' || spec.kind === 'resources') {
    const seen = new Map<string, string>();
    for (const [k, v] of configurationMap(value)) {
      const before = seen.get(k);
      if (before !== undefined) {
        out.push({ key: k, severity: 'warning', message: `--${spec.name} gives "${k}" twice (${JSON.stringify(before)}, then ${JSON.stringify(v)}): the last one wins silently. Keep one.` });
      }
      seen.set(k, v);
    }
  } else if (spec.kind === 'taints' && value !== '') {
    const seen = new Set<string>();
    for (const part of taintItems(value)) {
      const t = parseTaint(part);
      if (typeof t === 'string') continue;
      const id = `${t.key}:${t.effect}`;
      if (seen.has(id)) {
        out.push({ key: t.key, severity: 'error', message: `--register-with-taints gives the taint "${t.key}" with effect ${t.effect} twice: kubemark exits with "duplicated taints with the same key and effect" (taints must be unique by key and effect). Keep one.` });
      }
      seen.add(id);
    }
  }
  return out;
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
