// The fast path of LogFilter (byte chunks: literal prefilter, message cache) must give exactly
// the results of the line-by-line path: same lines, same kinds, same counts per pattern.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ClassifiedLine, LogFilter, LogFilterOptions, NOISE_CATALOGUE } from '../../../src/core/logs';
import { LiteralScanner, Occurrences } from '../../../src/core/logs/literalScan';
import { generateLogBuffer } from '../../../bench/genLogs';

function run(data: Buffer, opts: LogFilterOptions, chunk: number, sources = 1): { lines: ClassifiedLine[]; summary: ReturnType<LogFilter['summary']> } {
  const f = new LogFilter(opts);
  const lines: ClassifiedLine[] = [];
  const per = Math.ceil(data.length / sources);
  const offsets = Array.from({ length: sources }, (_, i) => i * per);
  let active = true;
  while (active) {
    active = false;
    for (let s = 0; s < sources; s++) {
      const start = offsets[s] as number;
      const end = Math.min((s + 1) * per, data.length, start + chunk);
      if (start >= end) continue;
      active = true;
      f.write(data.subarray(start, end), sources > 1 ? `pod-${s}/c` : undefined, (c) => lines.push(c));
      offsets[s] = end;
    }
  }
  lines.push(...f.flush());
  return { lines, summary: f.summary() };
}

function same(data: Buffer, opts: LogFilterOptions, chunk: number, sources = 1): ReturnType<typeof run> {
  const fast = run(data, { ...opts, fast: true }, chunk, sources);
  const slow = run(data, { ...opts, fast: false }, chunk, sources);
  assert.deepEqual(fast.summary, slow.summary);
  assert.equal(fast.lines.length, slow.lines.length);
  for (let i = 0; i < fast.lines.length; i++) assert.deepEqual(fast.lines[i], slow.lines[i], `line ${i}`);
  return fast;
}

/** A klog line of severity sev. */
const K = (sev: string, msg: string) => `${sev}1125 16:48:49.123456   12345 file.go:123] ${msg}`;

const generated = generateLogBuffer({ bytes: 3 * 1024 * 1024, seed: 7, errors: 0.01, panics: 4 });

describe('fast path of LogFilter', () => {
  test('same counts and lines as the slow path on the benchmark generator output', () => {
    const r = same(generated, { emitNoise: false }, 64 * 1024);
    // The generated file has what the benchmark claims: ~80 % noise, errors, panic traces.
    assert.ok(r.summary.suppressed / r.summary.linesSeen > 0.75, `noise share ${r.summary.suppressed / r.summary.linesSeen}`);
    assert.ok(r.summary.errors > 50);
    assert.ok(r.summary.traceLines >= 4 * 9);
    for (const e of NOISE_CATALOGUE) assert.ok(r.summary.byPattern.some((p) => p.id === e.id && p.count > 0), `${e.id} counted`);
  });

  test('same results with noise lines emitted, odd chunk sizes and interleaved sources', () => {
    const part = generated.subarray(0, 600 * 1024);
    same(part, { emitNoise: true }, 4093, 3);
    same(part, { emitNoise: false }, 257, 2);
    same(part, { emitNoise: false }, 1 << 20, 1);
  });

  test('same results with extra patterns: substrings, regexes with and without a literal', () => {
    const part = generated.subarray(0, 800 * 1024);
    same(part, { extraPatterns: ['SyncLoop ADD', '/Fake runtime: pod (started|stopped)/', '/status=\\{"phase":"Run/i', 'pod'] }, 16 * 1024);
    same(part, { extraPatterns: ['/^I\\d{4} /'] }, 16 * 1024);
  });

  test('CRLF, non-ASCII, kubectl prefixes, long lines and a lone CR', () => {
      const lines = [
      K('E', '"Eviction manager: failed to get summary stats" err="x"'),
      K('I', 'pod "wéb-0" started ✓'),
      K('E', 'pod "wéb-0": no volume plugin matched'),
      `[pod/hollow-node-1/hollow-kubelet] 2026-11-25T16:48:49.123456789Z ${K('E', 'Image garbage collection failed once: invalid capacity 0 on image filesystem')}`,
      K('E', 'invalid capacity 0 on image filesystem; Image garbage collection failed once'),
      K('E', 'Image garbage collection failed twice: invalid capacity 0 on image filesystem'),
      K('E', 'KUBE-MARK-DROP without the prefix'),
      K('E', 'Failed to ensure that \r KUBE-MARK-DROP, a CR between them'),
      K('E', `long ${'x'.repeat(300)} no volume plugin matched`),
      K('E', 'a lone \r CR: Failed to get system container stats'),
      K('E', 'eviction manager: failed to get summary stats and containerd.sock: no such file or directory'),
      'panic: boom',
      'goroutine 1 [running]:',
      K('I', 'back to normal'),
    ];
    const text = lines.join('\r\n') + '\r\n';
    const data = Buffer.from(text.repeat(20), 'utf8');
    for (const chunk of [7, 100, 1000, data.length]) {
      same(data, { emitNoise: true }, chunk);
      same(data, { emitNoise: true, maxLineLength: 120 }, chunk);
    }
  });
});

describe('fast path: one literal several times in a line', () => {
  // Lines joined with LF only (a CR would decide for the regex on its own), each as its own case
  // and all together, through both paths.
  const cases = [
    // `around` holds at the second occurrence only, at both, at the first only, at neither.
    K('E', 'KUBE-MARK-DROP first, then Failed to ensure that nat chain KUBE-MARK-DROP exists'),
    K('E', '"Failed to ensure that filter chain KUBE-MARK-DROP exists: error creating chain "KUBE-MARK-DROP"'),
    K('E', 'Image garbage collection failed once; Image garbage collection failed'),
    K('E', 'Image garbage collection failed, Image garbage collection failed multiple times'),
    K('E', 'KUBE-MARK-DROP twice KUBE-MARK-DROP and no prefix'),
    // The prefix at the very start of the line (no klog header), and only on the line before.
    'Failed to ensure that KUBE-MARK-DROP at the line start',
    'Failed to ensure that ',
    'KUBE-MARK-DROP right after a line that ends with the prefix',
    // A terminator between the last prefix and the literal, with an earlier prefix before it.
    'Failed to ensure that \r Failed to ensure that KUBE-MARK-DROP',
    'Failed to ensure that KUBE-MARK-DROP \u2028 KUBE-MARK-DROP',
    'Failed to ensure that \u2028 KUBE-MARK-DROP and KUBE-MARK-DROP',
    // Many occurrences (the slow path takes them) and one long line of them.
    K('E', `Failed to ensure that ${'KUBE-MARK-DROP '.repeat(20)}`),
    `${'KUBE-MARK-DROP '.repeat(4000)}`,
  ];
  test('same results as the slow path, line by line and all together', () => {
    for (const c of cases) for (const chunk of [13, 4096]) same(Buffer.from(`${c}\n`, 'utf8'), { emitNoise: true }, chunk);
    const all = Buffer.from(cases.join('\n') + '\n', 'utf8');
    for (const chunk of [7, 100, all.length]) same(all, { emitNoise: true }, chunk);
  });
});

describe('LiteralScanner', () => {
  test('finds every occurrence of short and long literals, overlapping ones too, sorted', () => {
    const lits = ['panic:', 'abcabcabcabcab', 'bcabcabcabcabca', 'no volume plugin matched', 'ü-literal-ünïcode'];
    const scanner = new LiteralScanner(lits);
    const text = 'xx abcabcabcabcabcabcabca panic: no volume plugin matched ü-literal-ünïcode panic:panic: '.repeat(3);
    const bytes = Buffer.from(text, 'utf8');
    const occ = new Occurrences();
    scanner.scan(bytes, 0, bytes.length, occ);
    const found = Array.from({ length: occ.length }, (_, i) => [occ.starts[i], occ.ids[i]]);
    const expected: [number, number][] = [];
    scanner.literals.forEach((l, id) => {
      const latin = bytes.toString('latin1');
      for (let p = latin.indexOf(l); p !== -1; p = latin.indexOf(l, p + 1)) expected.push([p, id]);
    });
    expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    found.sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
    assert.deepEqual(found, expected);
    for (let i = 1; i < occ.length; i++) assert.ok((occ.starts[i - 1] as number) <= (occ.starts[i] as number));
  });
});

describe('around: the byte stand-in for a catalogue regex', () => {
  test('says what the regex says, at every occurrence of the literal', () => {
    const holds = (e: (typeof NOISE_CATALOGUE)[number], line: string): boolean => {
      const a = e.around!;
      const lit = e.literal!;
      for (let p = line.indexOf(lit); p !== -1; p = line.indexOf(lit, p + 1)) {
        if (a.earlier !== undefined) {
          const e = a.earlier;
          const from = p - e.length >= 0 ? line.lastIndexOf(e, p - e.length) : -1;
          if (from === -1 || /[\r\u2028\u2029]/.test(line.slice(from + e.length, p))) continue;
        }
        const b = a.before === undefined || a.before.some((w) => p >= w.length && line.startsWith(w, p - w.length));
        const f = a.after === undefined || a.after.some((w) => line.startsWith(w, p + lit.length));
        if (b && f) return true;
      }
      return false;
    };
    const withAround = NOISE_CATALOGUE.filter((e) => e.around !== undefined);
    assert.ok(withAround.length >= 5);
    for (const e of withAround) {
      const lit = e.literal!;
      const pieces = ['', 'x', 'E', 'e', ' once', ' multiple times', ' twice', 'Eviction manager: failed to get ', 'eviction manager: failed to synchronize" err="eviction manager: failed to get ', 'Eviction manager: failed to get  ', 'viction manager: failed to get ',
        'Failed to ensure that ', 'Failed to ensure that nat chain ', 'Failed to ensure that \r ', 'Failed to ensure that é\u2028 ', 'Failed to ensure that é ', 'Failed to ensure tha', 'failed to ensure that '];
      let positives = 0;
      for (const pre of pieces) {
        for (const post of pieces) {
          for (const line of [`${pre}${lit}${post}`, `I1125 ${pre}${lit}${post} and ${lit}`, `${lit} ${pre}${lit}${post}`]) {
            const re = e.pattern as RegExp;
            assert.equal(holds(e, line), re.test(line), `${e.id}: ${JSON.stringify(line)}`);
            if (re.test(line)) positives++;
          }
        }
      }
      assert.ok(positives > 0, `${e.id}: some lines match`);
      // And through the filter: the fast path counts what the line-by-line path counts.
      const lines = pieces.flatMap((pre) => pieces.map((post) => `E1125 16:48:49.123456   7 f.go:1] ${pre}${lit}${post}`)).join('\n') + '\n';
      same(Buffer.from(lines.repeat(3)), { emitNoise: true }, 1 << 16);
    }
  });
});
