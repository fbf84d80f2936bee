// The two catalogues of hollow-node log lines: known noise (suppressed, but counted) and real
// errors (surfaced with a hint). Strings from docs/kubemark-primer.md "Known log noise" and the
// kubelet sources they come from. Each entry carries a cheap case-sensitive `literal` that must
// occur in the line; `pattern` (when a RegExp) is only run on lines that contain the literal.

export type PatternKind = 'noise' | 'error';

export interface PatternEntry {
  /** Stable id, shown in summaries (`800 × eviction-summary-stats`). */
  readonly id: string;
  readonly kind: PatternKind;
  readonly description: string;
  /** Substring (matched as is) or RegExp (confirmed after the literal pre-check). */
  readonly pattern: RegExp | string;
  /** Substring every matching line contains; the fast pre-check. Absent only for user regexes. */
  readonly literal?: string;
  /**
   * The same test as a RegExp `pattern`, for the byte fast path (fastFilter.ts): the pattern
   * matches a line exactly when some occurrence of `literal` is directly preceded by one of
   * `before` and followed by one of `after` (each list optional, ASCII); with `earlier`, the
   * pattern is `earlier.*?literal` (`earlier` somewhere before, no line terminator between).
   * Checked against the pattern by test/unit/logs/fastFilter.test.ts.
   */
  readonly around?: { readonly before?: readonly string[]; readonly after?: readonly string[]; readonly earlier?: string };
  /** Where the line comes from (component / source file) or who configured it. */
  readonly source: string;
  /** What to do about it (errors only). */
  readonly hint?: string;
}

export const NOISE_CATALOGUE: readonly PatternEntry[] = [
  {
    id: 'kube-mark-drop',
    kind: 'noise',
    description: 'Failed to ensure that nat chain KUBE-MARK-DROP exists (no iptables in the kubemark image)',
    literal: 'KUBE-MARK-DROP',
    // Lazy .*? : the same lines, found by scanning forward from the prefix instead of back from the end.
    pattern: /Failed to ensure that .*?KUBE-MARK-DROP/,
    around: { earlier: 'Failed to ensure that ' },
    source: 'hollow kubelet (kubelet_network_linux.go)',
  },
  {
    id: 'eviction-summary-stats',
    kind: 'noise',
    description: 'eviction manager: failed to get summary stats … unexpected number of containers: 0 (fake cAdvisor)',
    // "eviction manager:" in klog.Errorf days, "Eviction manager:" since structured logging.
    literal: 'viction manager: failed to get summary stats',
    pattern: /[Ee]viction manager: failed to get summary stats/,
    around: { before: ['E', 'e'] },
    source: 'hollow kubelet (eviction/eviction_manager.go)',
  },
  {
    id: 'eviction-housekeeping',
    kind: 'noise',
    description: 'eviction manager: synchronize housekeeping (V(3) heartbeat of the eviction loop)',
    literal: 'viction manager: synchronize housekeeping',
    pattern: /[Ee]viction manager: synchronize housekeeping/,
    around: { before: ['E', 'e'] },
    source: 'hollow kubelet (eviction/eviction_manager.go)',
  },
  {
    id: 'image-fs-capacity-zero',
    kind: 'noise',
    description: 'invalid capacity 0 on image filesystem (fake image filesystem stats)',
    literal: 'invalid capacity 0 on image filesystem',
    pattern: 'invalid capacity 0 on image filesystem',
    source: 'hollow kubelet (images/image_gc_manager.go)',
  },
  {
    id: 'image-gc-failed',
    kind: 'noise',
    description: 'Image garbage collection failed once / multiple times in a row (follows from the fake image filesystem)',
    literal: 'Image garbage collection failed',
    pattern: /Image garbage collection failed (once|multiple times)/,
    around: { after: [' once', ' multiple times'] },
    source: 'hollow kubelet (kubelet.go)',
  },
  {
    id: 'eviction-imagefs',
    kind: 'noise',
    // Seen every 10 s from each v1.37 hollow kubelet in the local lab: the fake cAdvisor has no image filesystem.
    description: 'Eviction manager: failed to get HasDedicatedImageFs … imagefs device is not found (fake cAdvisor)',
    literal: 'HasDedicatedImageFs',
    pattern: /[Ee]viction manager: failed to (get HasDedicatedImageFs|synchronize" err="eviction manager: failed to get HasDedicatedImageFs)/,
    // The second alternative contains "eviction manager: failed to get HasDedicatedImageFs".
    around: { before: ['Eviction manager: failed to get ', 'eviction manager: failed to get '] },
    source: 'hollow kubelet (eviction/eviction_manager.go), seen with v1.37',
  },
  {
    id: 'no-volume-plugin',
    kind: 'noise',
    description: 'no volume plugin matched (volumes are not mocked)',
    literal: 'no volume plugin matched',
    pattern: 'no volume plugin matched',
    source: 'hollow kubelet (volume/plugins.go)',
  },
  {
    id: 'system-container-stats',
    kind: 'noise',
    // "... stats for %q: %v" with klog.Errorf; "Failed to get system container stats" err=... with ErrorS.
    description: 'Failed to get system container stats for … (fake cAdvisor)',
    literal: 'Failed to get system container stats',
    pattern: 'Failed to get system container stats',
    source: 'hollow kubelet (stats/cadvisor_stats_provider.go)',
  },
];

/** Ids of entries with special handling in the classifier. */
export const PANIC_ID = 'panic';
export const GO_FATAL_ID = 'go-fatal-error';
export const KLOG_ERROR_ID = 'klog-error';
export const KLOG_FATAL_ID = 'klog-fatal';

/** Checked before the noise catalogue, in this order (a noise line naming a real cause is an error). */
export const ERROR_CATALOGUE: readonly PatternEntry[] = [
  {
    id: 'containerd-socket-missing',
    kind: 'error',
    description: 'dialing /run/containerd/containerd.sock: no such file or directory',
    literal: 'containerd.sock',
    pattern: /\/run\/containerd\/containerd\.sock.*no such file or directory/,
    source: 'hollow kubelet image service (--use-host-image-service)',
    hint: 'The hollow kubelet asks the node\'s containerd for images (--use-host-image-service defaults to true) but the socket is not mounted: mount /run/containerd as a hostPath volume or pass --use-host-image-service=false (kubernetes#115203).',
  },
  {
    id: 'cri-version-skew',
    kind: 'error',
    description: 'unknown service: runtime.v1alpha2.ImageService (CRI version skew)',
    literal: 'unknown service: runtime.v1alpha2.',
    pattern: /unknown service: runtime\.v1alpha2\.(?:Image|Runtime)Service/,
    source: 'hollow kubelet image service (--use-host-image-service)',
    hint: 'CRI version skew: the kubemark image speaks CRI v1alpha2, which the node\'s containerd no longer serves. Build the image from a Kubernetes release matching the masters cluster, or pass --use-host-image-service=false.',
  },
  {
    id: 'positional-arguments',
    kind: 'error',
    description: 'kubemark does not take any arguments',
    literal: 'does not take any arguments',
    pattern: 'does not take any arguments',
    source: 'kubemark (cmd/kubemark/app/hollow_node.go)',
    hint: 'kubemark rejects positional arguments: move a bare value such as $(CONTENT_TYPE) into a flag (--kube-api-content-type=...).',
  },
  {
    id: PANIC_ID,
    kind: 'error',
    description: 'Go panic (the goroutine trace that follows stays visible)',
    literal: 'panic:',
    pattern: 'panic:',
    source: 'hollow kubelet / hollow proxy',
    hint: 'The component crashed and will restart; read the goroutine trace below. Compare the image version with known bugs (e.g. the 1.31 hollow-proxy nil pointer, kubernetes#133526).',
  },
  {
    id: GO_FATAL_ID,
    kind: 'error',
    description: 'Go runtime fatal error (e.g. concurrent map writes)',
    literal: 'fatal error: ',
    pattern: /(?:^|Z )fatal error: /,
    source: 'Go runtime',
    hint: 'The Go runtime aborted the process; the trace below shows where. The container restarts.',
  },
  {
    id: 'tls-unknown-authority',
    kind: 'error',
    description: 'x509: certificate signed by unknown authority',
    literal: 'x509: certificate signed by unknown authority',
    pattern: 'x509: certificate signed by unknown authority',
    source: 'client-go (masters kubeconfig)',
    hint: 'The masters kubeconfig in Secret "kubeconfig" does not carry the CA of the masters apiserver: regenerate it with certificate-authority-data inlined from the masters context.',
  },
  {
    id: 'loopback-apiserver',
    kind: 'error',
    description: 'connection refused on a loopback address',
    literal: 'connect: connection refused',
    pattern: /(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost):\d+: connect: connection refused/,
    source: 'client-go (masters kubeconfig)',
    hint: 'The masters kubeconfig points at a loopback address, which inside a pod is the pod itself: use a server address the workers cluster can reach.',
  },
];

/** Lines of a panic trace that name a known bug. */
export const TRACE_CATALOGUE: readonly PatternEntry[] = [
  {
    id: 'proxy-healthz-syncnode-panic',
    kind: 'error',
    description: 'nil pointer in ProxierHealthServer.SyncNode (hollow proxy, Kubernetes 1.31)',
    literal: 'ProxierHealthServer).SyncNode',
    pattern: 'ProxierHealthServer).SyncNode',
    source: 'hollow proxy (pkg/proxy/healthcheck)',
    hint: 'Known hollow-proxy bug in Kubernetes 1.31 (kubernetes#133526): use a kubemark image from a release with the fix, or from another minor version.',
  },
];

/** Generic klog severities (after the catalogues). */
export const KLOG_ENTRIES: readonly PatternEntry[] = [
  {
    id: KLOG_FATAL_ID,
    kind: 'error',
    description: 'klog fatal (F) line',
    pattern: /^F\d{4} /,
    source: 'klog',
    hint: 'Fatal error: the component exits and the container restarts.',
  },
  {
    id: KLOG_ERROR_ID,
    kind: 'error',
    description: 'klog error (E) line not in the noise catalogue',
    pattern: /^E\d{4} /,
    source: 'klog',
    hint: 'Error logged by the component that is not known kubemark noise: read it.',
  },
];

export interface PatternProblem {
  /** Index in the user's list. */
  readonly index: number;
  readonly pattern: string;
  readonly message: string;
}

export interface ExtraPatterns {
  readonly entries: PatternEntry[];
  readonly problems: PatternProblem[];
}

const REGEX_FORM = /^\/(.+)\/([a-z]*)$/s;

/**
 * Parses user patterns (setting `kubemark.logs.extraNoisePatterns`): `/regex/flags` or a plain
 * substring. Problems (invalid regex, empty pattern, a regex matching every line) are returned,
 * never thrown; the offending pattern is skipped.
 */
export function parseExtraPatterns(specs: readonly unknown[] | undefined): ExtraPatterns {
  const entries: PatternEntry[] = [];
  const problems: PatternProblem[] = [];
  const seen = new Set<string>();
  (specs ?? []).forEach((spec, index) => {
    if (typeof spec !== 'string') {
      problems.push({ index, pattern: String(spec), message: 'not a string: ignored' });
      return;
    }
    if (spec.length === 0) {
      problems.push({ index, pattern: spec, message: 'empty pattern would hide every line: ignored' });
      return;
    }
    if (seen.has(spec)) return;
    seen.add(spec);
    const id = `extra-${entries.length + 1}`;
    const m = REGEX_FORM.exec(spec);
    if (!m) {
      entries.push({ id, kind: 'noise', description: spec, pattern: spec, literal: spec, source: 'setting kubemark.logs.extraNoisePatterns' });
      return;
    }
    const body = m[1] as string;
    // g and y make test() stateful (lastIndex): drop them.
    const flags = (m[2] as string).replace(/[gy]/g, '');
    let re: RegExp;
    try {
      re = new RegExp(body, flags);
    } catch (err) {
      problems.push({ index, pattern: spec, message: `invalid regular expression: ${(err as Error).message}` });
      return;
    }
    if (re.test('')) {
      problems.push({ index, pattern: spec, message: 'matches the empty string, so it would hide every line: ignored' });
      return;
    }
    const literal = flags.includes('i') ? undefined : requiredLiteral(body);
    entries.push({ id, kind: 'noise', description: spec, pattern: re, ...(literal ? { literal } : {}), source: 'setting kubemark.logs.extraNoisePatterns' });
  });
  return { entries, problems };
}

/** A regex body made only of plain characters is its own literal (fast path); otherwise none. */
function requiredLiteral(body: string): string | undefined {
  return /^[A-Za-z0-9 _:,'"=<>@#%&~`-]+$/.test(body) ? body : undefined;
}
