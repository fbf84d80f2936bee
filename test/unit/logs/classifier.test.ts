import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ERROR_CATALOGUE,
  LogClassifier,
  LogFilter,
  LogFormatter,
  NOISE_CATALOGUE,
  formatCount,
  formatSummary,
  parseExtraPatterns,
} from '../../../src/core/logs';

// Tests run from out/test/unit/logs/*.js (bundled) or from the sources; find the repo root.
function fixture(name: string): string {
  const candidates = [join(process.cwd(), 'test/fixtures/logs', name), join(__dirname, '../../../../test/fixtures/logs', name)];
  for (const c of candidates) {
    try {
      return readFileSync(c, 'utf8');
    } catch {
      // next
    }
  }
  throw new Error(`fixture ${name} not found`);
}

const K = (sev: string, msg: string) => `${sev}1125 16:48:49.123456   12345 file.go:123] ${msg}`;

// One realistic line per noise entry.
const NOISE_SAMPLES: Record<string, string[]> = {
  'kube-mark-drop': [
    K('E', '"Failed to ensure that nat chain KUBE-MARK-DROP exists" err="exit status 3"'),
    K('E', 'Failed to ensure that nat chain KUBE-MARK-DROP exists: error creating chain "KUBE-MARK-DROP": executable file not found in $PATH'),
  ],
  'eviction-summary-stats': [
    K('E', '"Eviction manager: failed to get summary stats" err="failed to get root cgroup stats: failed to get cgroup stats for \\"/\\": unexpected number of containers: 0"'),
    K('E', 'eviction manager: failed to get summary stats: failed to get root cgroup stats: unexpected number of containers: 0'),
  ],
  'eviction-housekeeping': [K('I', '"Eviction manager: synchronize housekeeping"'), K('I', 'eviction manager: synchronize housekeeping')],
  'image-fs-capacity-zero': [K('E', 'ImageFS stats: invalid capacity 0 on image filesystem')],
  'image-gc-failed': [
    K('E', 'Image garbage collection failed once. Stats initialization may not have completed yet: invalid capacity 0 on image filesystem'),
    // Real v1.37.2 hollow-kubelet lines from the local lab:
    K('E', '"Image garbage collection failed multiple times in a row" err="imageFs information is unavailable"'),
  ],
  'eviction-imagefs': [
    K('E', '"Eviction manager: failed to get HasDedicatedImageFs" err="imagefs device is not found"'),
    K('E', '"Eviction manager: failed to synchronize" err="eviction manager: failed to get HasDedicatedImageFs: imagefs device is not found"'),
  ],
  'no-volume-plugin': [K('E', '"Error processing volume" err="failed to get Plugin from volumeSpec for volume \\"x\\" err=no volume plugin matched"')],
  'system-container-stats': [
    K('E', 'Failed to get system container stats for "/kubelet": unknown container "/kubelet"'),
    K('E', '"Failed to get system container stats" err="unknown container" containerName="/kubelet"'),
  ],
};

const ERROR_SAMPLES: Record<string, string> = {
  'containerd-socket-missing': K('E', '"ListImages with filter from image service failed" err="rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing: dial unix /run/containerd/containerd.sock: connect: no such file or directory\\""'),
  'cri-version-skew': K('E', '"Failed to pull image" err="rpc error: code = Unimplemented desc = unknown service: runtime.v1alpha2.ImageService"'),
  'positional-arguments': 'Error: kubemark does not take any arguments, got [test-cluster]',
  panic: 'panic: runtime error: invalid memory address or nil pointer dereference',
  'go-fatal-error': 'fatal error: concurrent map writes',
  'tls-unknown-authority': K('E', 'Get "https://m:6443/api": tls: failed to verify certificate: x509: certificate signed by unknown authority'),
  'loopback-apiserver': K('E', 'Get "https://127.0.0.1:6443/api/v1/nodes": dial tcp 127.0.0.1:6443: connect: connection refused'),
  'klog-error': K('E', '"Unable to register node with API server" err="context deadline exceeded"'),
  'klog-fatal': K('F', 'Failed to run HollowKubelet: boom'),
};

describe('noise catalogue', () => {
  test('every noise entry has a sample, is matched and counted', () => {
    assert.deepEqual(Object.keys(NOISE_SAMPLES).sort(), NOISE_CATALOGUE.map((e) => e.id).sort());
    const c = new LogClassifier();
    for (const [id, lines] of Object.entries(NOISE_SAMPLES)) {
      for (const line of lines) {
        const r = c.classify(line, 'p/c');
        assert.equal(r.kind, 'noise', line);
        assert.equal(r.patternId, id, line);
        assert.equal(r.hint, undefined);
      }
    }
    const s = c.summary();
    for (const [id, lines] of Object.entries(NOISE_SAMPLES)) {
      assert.equal(s.byPattern.find((p) => p.id === id)?.count, lines.length, id);
    }
    const total = Object.values(NOISE_SAMPLES).flat().length;
    assert.equal(s.suppressed, total);
    assert.equal(s.linesSeen, total);
    assert.equal(s.errors, 0);
    assert.equal(s.passed, 0);
  });

  test('entries are well formed: unique ids, every pattern matches its own description literal', () => {
    const ids = [...NOISE_CATALOGUE, ...ERROR_CATALOGUE].map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const e of [...NOISE_CATALOGUE, ...ERROR_CATALOGUE]) {
      assert.ok(e.literal && e.literal.length > 0, e.id);
      assert.ok(e.source.length > 0 && e.description.length > 0, e.id);
      if (e.kind === 'error') assert.ok(e.hint && e.hint.length > 10, e.id);
    }
  });
});

describe('error catalogue', () => {
  test('each error is flagged with its hint', () => {
    const c = new LogClassifier();
    for (const [id, line] of Object.entries(ERROR_SAMPLES)) {
      c.endSource(); // leave any panic trace mode
      const r = c.classify(line);
      assert.equal(r.kind, 'error', line);
      assert.equal(r.patternId, id, line);
      assert.ok(r.hint && r.hint.length > 0, id);
      assert.equal(r.continuation, false);
    }
    assert.match(c.classify(ERROR_SAMPLES['containerd-socket-missing'] as string).hint ?? '', /--use-host-image-service=false/);
  });

  test('errors win over noise in the same line', () => {
    const c = new LogClassifier();
    const line = K('E', 'Failed to get system container stats for "/": dial unix /run/containerd/containerd.sock: connect: no such file or directory');
    assert.equal(c.classify(line).patternId, 'containerd-socket-missing');
  });

  test('containerd.sock without "no such file" is not the missing-mount error', () => {
    const c = new LogClassifier();
    assert.equal(c.classify(K('I', 'Using /run/containerd/containerd.sock')).kind, 'pass');
    assert.equal(c.classify(K('E', 'dial unix /run/containerd/containerd.sock: permission denied')).patternId, 'klog-error');
  });

  test('connection refused on a non-loopback address is a plain klog error', () => {
    const c = new LogClassifier();
    assert.equal(c.classify(K('E', 'dial tcp 10.0.0.1:6443: connect: connection refused')).patternId, 'klog-error');
    assert.equal(c.classify(K('E', 'dial tcp [::1]:6443: connect: connection refused')).patternId, 'loopback-apiserver');
  });

  test('I and W lines pass; lines with kubectl --timestamps / --prefix prefixes keep their severity', () => {
    const c = new LogClassifier();
    assert.equal(c.classify(K('I', 'hello')).kind, 'pass');
    assert.equal(c.classify(K('W', 'careful')).kind, 'pass');
    assert.equal(c.classify('Error without klog header').kind, 'pass');
    assert.equal(c.classify('2026-11-25T16:48:49.123456789Z ' + K('E', 'boom')).patternId, 'klog-error');
    assert.equal(c.classify('2026-11-25T16:48:49.123456789Z ' + K('I', 'Eviction manager: synchronize housekeeping')).kind, 'noise');
    assert.equal(c.classify('[pod/hollow-node-0/hollow-kubelet] ' + K('F', 'boom')).patternId, 'klog-fatal');
    assert.equal(c.classify('[pod/hollow-node-0/hollow-kubelet] 2026-11-25T16:48:49.123Z ' + K('E', 'boom')).patternId, 'klog-error');
  });

  test('the goroutine trace after a panic stays visible, per source, until the next klog line', () => {
    const f = new LogFilter();
    const trace = [
      'panic: runtime error: invalid memory address or nil pointer dereference',
      '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x1c5a3b2]',
      '',
      'goroutine 214 [running]:',
      'k8s.io/kubernetes/pkg/proxy/healthcheck.(*ProxierHealthServer).SyncNode(0x0, 0xc000a1e008)',
      '\tk8s.io/kubernetes/pkg/proxy/healthcheck/proxier_health.go:138 +0x2c',
      // a line that would be noise outside a trace
      'no volume plugin matched',
    ];
    const a = f.push(trace.join('\n') + '\n', 'proxy-0/hollow-proxy');
    // Another source interleaves normal noise: not affected by the trace.
    const b = f.push(NOISE_SAMPLES['kube-mark-drop']?.[0] + '\n', 'node-1/hollow-kubelet');
    const after = f.push(K('I', 'restarted') + '\n', 'proxy-0/hollow-proxy');
    assert.equal(a.length, trace.length);
    assert.equal(a[0]?.kind, 'error');
    assert.equal(a[0]?.patternId, 'panic');
    assert.equal(a[0]?.continuation, false);
    for (const c of a.slice(1)) {
      assert.equal(c.kind, 'error');
      assert.equal(c.continuation, true);
    }
    assert.equal(a[4]?.patternId, 'proxy-healthz-syncnode-panic');
    assert.match(a[4]?.hint ?? '', /133526/);
    assert.equal(a[1]?.hint, undefined);
    assert.equal(b[0]?.kind, 'noise');
    assert.equal(after[0]?.kind, 'pass');
    const s = f.summary();
    assert.equal(s.errors, 1);
    assert.equal(s.traceLines, trace.length - 1);
    assert.equal(s.linesSeen, s.errors + s.suppressed + s.passed + s.traceLines);
  });
});

describe('extra patterns', () => {
  test('substrings and /regex/flags suppress and count', () => {
    const c = new LogClassifier({ extraPatterns: ['SyncLoop ADD', '/Fake runtime: pod (started|stopped)/', '/WATCH ended/i'] });
    assert.deepEqual(c.problems, []);
    assert.equal(c.classify(K('I', '"SyncLoop ADD" source="api"')).patternId, 'extra-1');
    assert.equal(c.classify(K('I', 'Fake runtime: pod stopped')).patternId, 'extra-2');
    assert.equal(c.classify(K('W', 'watch ENDED with error')).patternId, 'extra-3');
    assert.equal(c.classify(K('I', 'Fake runtime: pod created')).kind, 'pass');
    const s = c.summary();
    assert.equal(s.suppressed, 3);
    assert.equal(s.byPattern.find((p) => p.id === 'extra-2')?.description, '/Fake runtime: pod (started|stopped)/');
  });

  test('a regex that is just literal text still matches', () => {
    const c = new LogClassifier({ extraPatterns: ['/Attempting to register node/'] });
    assert.equal(c.classify(K('I', '"Attempting to register node" node="x"')).kind, 'noise');
  });

  test('extra patterns do not hide real errors', () => {
    const c = new LogClassifier({ extraPatterns: ['/.+sock/'] });
    assert.equal(c.classify(ERROR_SAMPLES['containerd-socket-missing'] as string).kind, 'error');
  });

  test('invalid regex, empty pattern, match-everything and non-strings are reported, not thrown', () => {
    const { entries, problems } = parseExtraPatterns(['/([a-z/', '', '/.*/', 42, 'ok', 'ok', '/x/zz']);
    assert.deepEqual(entries.map((e) => e.description), ['ok']);
    assert.deepEqual(problems.map((p) => p.index), [0, 1, 2, 3, 6]);
    assert.match(problems[0]?.message ?? '', /invalid regular expression/);
    assert.match(problems[2]?.message ?? '', /empty string/);
    const f = new LogFilter({ extraPatterns: ['/([a-z/'] });
    assert.equal(f.problems.length, 1);
    assert.equal(f.push('I1125 x\n')[0]?.kind, 'pass');
  });

  test('g and y flags are dropped (no lastIndex state between lines)', () => {
    const c = new LogClassifier({ extraPatterns: ['/needle/gy'] });
    assert.equal(c.classify('needle').kind, 'noise');
    assert.equal(c.classify('needle').kind, 'noise');
    assert.equal(c.classify('a needle').kind, 'noise');
  });
});

describe('LogFilter on the synthetic fixture', () => {
  const text = fixture('hollow-kubelet.log')
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n');

  test('classification of the fixture', () => {
    const f = new LogFilter();
    const out = f.push(text, 'hollow-node-0/hollow-kubelet');
    out.push(...f.flush());
    const s = f.summary();
    const lines = text.split('\n').filter((l, i, all) => i < all.length - 1 || l !== '');
    assert.equal(s.linesSeen, lines.length);
    assert.equal(out.length, lines.length);
    const count = (id: string) => s.byPattern.find((p) => p.id === id)?.count ?? 0;
    assert.equal(count('kube-mark-drop'), 2);
    assert.equal(count('eviction-summary-stats'), 4);
    assert.equal(count('eviction-housekeeping'), 5);
    assert.equal(count('image-gc-failed'), 1);
    assert.equal(count('system-container-stats'), 3);
    assert.equal(count('no-volume-plugin'), 2);
    assert.equal(count('containerd-socket-missing'), 1);
    assert.equal(count('cri-version-skew'), 1);
    assert.equal(count('positional-arguments'), 1);
    assert.equal(count('panic'), 1);
    assert.equal(count('loopback-apiserver'), 1);
    assert.equal(count('tls-unknown-authority'), 1);
    assert.equal(count('klog-error'), 1);
    assert.equal(count('klog-fatal'), 1);
    assert.equal(count('proxy-healthz-syncnode-panic'), 1);
    assert.equal(s.suppressed, 17);
    assert.equal(s.errors, 8);
    assert.equal(s.traceLines, 7);
    assert.equal(s.passed, lines.length - 17 - 8 - 7);
    assert.deepEqual(s.bySource.map((x) => x.source), ['hollow-node-0/hollow-kubelet']);
    assert.equal(s.bySource[0]?.byPattern['kube-mark-drop'], 2);
  });

  test('same result for every chunk boundary (property-style)', () => {
    const ref = new LogFilter();
    const expected = [...ref.push(text), ...ref.flush()].map((c) => `${c.kind}:${c.patternId}:${c.continuation}:${c.line}`);
    const bytes = Buffer.from(text, 'utf8');
    for (let i = 0; i <= bytes.length; i += 7) {
      const f = new LogFilter();
      const got = [...f.push(bytes.subarray(0, i)), ...f.push(bytes.subarray(i)), ...f.flush()].map((c) => `${c.kind}:${c.patternId}:${c.continuation}:${c.line}`);
      assert.deepEqual(got, expected, `boundary ${i}`);
    }
  });

  test('CRLF input gives the same classification', () => {
    const f = new LogFilter();
    const crlf = [...f.push(text.replace(/\n/g, '\r\n')), ...f.flush()];
    const g = new LogFilter();
    const lf = [...g.push(text), ...g.flush()];
    assert.deepEqual(crlf.map((c) => [c.kind, c.patternId, c.line]), lf.map((c) => [c.kind, c.patternId, c.line]));
  });

  test('interleaved sources keep their own partial lines and counts', () => {
    const f = new LogFilter({ emitNoise: false });
    const noise = NOISE_SAMPLES['no-volume-plugin']?.[0] as string;
    const got = [
      ...f.push(noise.slice(0, 20), 'a/k'),
      ...f.push(K('I', 'hello from b') + '\n' + noise.slice(0, 5), 'b/k'),
      ...f.push(noise.slice(20) + '\n', 'a/k'),
      ...f.push(noise.slice(5) + '\n', 'b/k'),
    ];
    assert.deepEqual(got.map((c) => [c.kind, c.source]), [['pass', 'b/k']]);
    const s = f.summary();
    assert.equal(s.suppressed, 2);
    assert.deepEqual(s.bySource.map((x) => [x.source, x.suppressed, x.passed]), [['a/k', 1, 0], ['b/k', 1, 1]]);
  });

  test('flush of one source only', () => {
    const f = new LogFilter();
    f.push('partial a', 'a');
    f.push('partial b', 'b');
    assert.deepEqual(f.flush('a').map((c) => c.line), ['partial a']);
    assert.deepEqual(f.flush().map((c) => c.line), ['partial b']);
  });

  test('truncated lines are counted in the summary', () => {
    const f = new LogFilter({ maxLineLength: 100 });
    f.push('x'.repeat(1000) + '\nshort\n', 's');
    assert.equal(f.summary().truncatedLines, 1);
    f.flush();
    assert.equal(f.summary().truncatedLines, 1);
  });
});

describe('formatting', () => {
  test('pass lines as is, source prefix when several sources, noise hidden', () => {
    const fmt = new LogFormatter({ showSource: true });
    const c = new LogClassifier();
    assert.equal(fmt.format(c.classify(K('I', 'hi'), 'pod-0/kubelet')), `[pod-0/kubelet] ${K('I', 'hi')}`);
    assert.equal(fmt.format(c.classify(NOISE_SAMPLES['kube-mark-drop']?.[0] as string, 'pod-0/kubelet')), undefined);
    assert.equal(new LogFormatter().format(c.classify(K('I', 'hi'), 'pod-0/kubelet')), K('I', 'hi'));
  });

  test('error lines are marked, the hint printed once per pattern', () => {
    const fmt = new LogFormatter();
    const c = new LogClassifier();
    const line = ERROR_SAMPLES['containerd-socket-missing'] as string;
    const first = fmt.format(c.classify(line)) ?? '';
    const second = fmt.format(c.classify(line)) ?? '';
    assert.ok(first.startsWith('✖ ' + line));
    assert.match(first, /\n {4}↳ containerd-socket-missing: .*--use-host-image-service=false/);
    assert.equal(second, '✖ ' + line);
    fmt.resetHints();
    assert.ok((fmt.format(c.classify(line)) ?? '').includes('↳'));
  });

  test('summary text', () => {
    const f = new LogFilter();
    const many = (line: string, n: number) => Array.from({ length: n }, () => line).join('\n') + '\n';
    f.push(many(NOISE_SAMPLES['eviction-summary-stats']?.[0] as string, 800));
    f.push(many(NOISE_SAMPLES['kube-mark-drop']?.[0] as string, 434));
    f.push(many(K('I', 'ok'), 3));
    f.push(many(ERROR_SAMPLES['klog-error'] as string, 2));
    const s = f.summary();
    assert.equal(s.suppressed, 1234);
    assert.equal(formatSummary(s), 'suppressed 1,234 lines: 800 × eviction-summary-stats, 434 × kube-mark-drop; 2 errors (2 × klog-error); 3 lines shown');
    assert.equal(formatSummary(s, { maxPatterns: 1 }), 'suppressed 1,234 lines: 800 × eviction-summary-stats, 1 more; 2 errors (2 × klog-error); 3 lines shown');
    assert.equal(formatSummary(new LogFilter().summary()), 'suppressed 0 lines; 0 errors; 0 lines shown');
  });

  test('formatCount', () => {
    assert.equal(formatCount(0), '0');
    assert.equal(formatCount(999), '999');
    assert.equal(formatCount(1000), '1,000');
    assert.equal(formatCount(1234567), '1,234,567');
  });
});
