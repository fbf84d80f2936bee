// Bad input at scale (issue 8, item 8): a corpus of broken manifests and 10,000 generated and
// mutated ones (fast-check) through the rules engine and the lint CLI. No exception; every finding
// and every fix inside the text; each document linted well within budget (200 ms: the figures are
// printed, and only a document 10× over fails the test).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { Finding, LintOptions, applyEdits, lint } from '../../../src/core/rules';
import { main } from '../../../src/cli/kubemarkLint';
import { generateHollowNodeManifest, withDefaults } from '../../../src/core/manifest';
import { GENERATED, SEED, SEED_FLAT, brokenCorpus } from './brokenCorpus';

const BUDGET_MS = 200;
const root = join(__dirname, '..', '..', '..', '..');
const RUNS = Number(process.env.KUBEMARK_FUZZ_RUNS ?? 10_000);
const FC_SEED = Number(process.env.KUBEMARK_FUZZ_SEED ?? 20261201);

/** Lines of a text as the findings count them (\n only; a \r stays in its line). */
function lineLengths(text: string): number[] {
  return text.split('\n').map((l) => l.length);
}

/** Every range (finding and fix edits) lies inside the text, start before end. */
function assertInside(text: string, findings: Finding[], what: string): void {
  const lengths = lineLengths(text);
  const inside = (p: { line: number; character: number }) => Number.isInteger(p.line) && Number.isInteger(p.character) && p.line >= 0 && p.line < lengths.length && p.character >= 0 && p.character <= lengths[p.line]!;
  const ordered = (r: Finding['range']) => r.start.line < r.end.line || (r.start.line === r.end.line && r.start.character <= r.end.character);
  for (const f of findings) {
    assert.ok(inside(f.range.start) && inside(f.range.end) && ordered(f.range), `${what}: ${f.ruleId} at ${JSON.stringify(f.range)} is outside the text (${lengths.length} lines)`);
    assert.ok(typeof f.message === 'string' && f.message.length > 10, `${what}: ${f.ruleId} has a message`);
    for (const e of f.fix?.edits ?? []) assert.ok(inside(e.range.start) && inside(e.range.end) && ordered(e.range), `${what}: fix of ${f.ruleId} edits outside the text`);
  }
}

function timed(text: string, options?: LintOptions): { findings: Finding[]; ms: number } {
  const t0 = performance.now();
  const findings = lint(text, options);
  return { findings, ms: performance.now() - t0 };
}

function figures(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return `n=${s.length} mean=${(s.reduce((a, b) => a + b, 0) / s.length).toFixed(2)} ms p50=${at(0.5).toFixed(2)} p99=${at(0.99).toFixed(2)} max=${s[s.length - 1]!.toFixed(2)} ms`;
}

describe('the broken-manifest corpus', () => {
  const corpus = brokenCorpus();

  test(`has at least 50 cases of every kind the issue names (${corpus.length})`, () => {
    assert.ok(corpus.length >= 50);
    for (const kind of ['truncated', 'binary', '5mb', 'nested', 'alias', 'tabs', 'duplicate', 'types', 'list', 'docs']) {
      assert.ok(corpus.some((c) => c.name.startsWith(kind)), kind);
    }
    assert.ok(corpus.some((c) => c.text.length >= 5 * 1024 * 1024), 'a 5 MB one');
  });

  test('through the rules engine: no exception, findings inside the text, timed', (t) => {
    const small: number[] = [];
    const big: string[] = [];
    for (const c of corpus) {
      let r: { findings: Finding[]; ms: number };
      try {
        r = timed(c.text);
      } catch (e) {
        assert.fail(`${c.name}: lint threw ${(e as Error).stack}`);
      }
      assertInside(c.text, r.findings, c.name);
      // Per document: a file of many documents gets the budget once per document.
      const documents = Math.max(1, (c.text.match(/^---/gm) ?? []).length + 1);
      const perDoc = r.ms / documents;
      assert.ok(perDoc < BUDGET_MS * 10, `${c.name}: ${perDoc.toFixed(0)} ms a document, more than 10× the ${BUDGET_MS} ms budget`);
      if (c.big) big.push(`${c.name} ${(c.text.length / 1024 / 1024).toFixed(1)} MB ${documents} doc(s): ${r.ms.toFixed(0)} ms (${perDoc.toFixed(1)} ms a document)`);
      else small.push(perDoc);
    }
    t.diagnostic(`corpus, small cases: ${figures(small)}`);
    for (const b of big) t.diagnostic(`corpus, big case: ${b}`);
    console.log(`# corpus small cases: ${figures(small)}\n${big.map((b) => `# corpus big case: ${b}`).join('\n')}`);
  });

  test('what some of them give', () => {
    const by = (name: string) => lint(corpus.find((c) => c.name === name)!.text);
    // The alias bomb is never expanded: nothing to say, and fast.
    assert.deepEqual(by('alias-billion-laughs'), []);
    // 200,000 nested braces are refused up front with one finding.
    const deep = by('nested-flow-200k');
    assert.deepEqual(deep.map((f) => f.ruleId), ['yaml-syntax']);
    assert.match(deep[0]!.message, /nest more than 1000 levels deep/);
    // Tabs for indentation are YAML errors at their lines, not a crash.
    assert.ok(by('tabs-indent').every((f) => f.ruleId === 'yaml-syntax'));
    // Duplicate keys are syntax errors (the yaml package's uniqueKeys).
    assert.ok(by('duplicate-top-level').some((f) => f.ruleId === 'yaml-syntax' && /unique/i.test(f.message)));
    // A template: one finding, not a cascade.
    assert.equal(by('templated').filter((f) => f.ruleId === 'template-placeholder').length, 1);
    // JSON and YAML documents in one file are both checked.
    assert.ok(by('docs-json-and-yaml').some((f) => f.ruleId === 'argument-with-space'));
  });

  test('through the lint CLI (the bin entry): exit 0 or 1, never a crash, lines in the files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubemark-broken-'));
    try {
      const files = corpus.filter((c) => !c.big).map((c) => {
        const f = join(dir, `${c.name}.yaml`);
        writeFileSync(f, c.text, 'latin1');
        return f;
      });
      const r = spawnSync(process.execPath, [join(root, 'bin', 'kubemark-lint.js'), ...files], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr.slice(0, 2000)}`);
      assert.equal(r.stderr, '');
      const lines = r.stdout.split('\n').filter(Boolean);
      assert.ok(lines.length > corpus.length, `${lines.length} findings`);
      const texts = new Map(files.map((f) => [f, readFileSync(f, 'utf8').split('\n')]));
      for (const l of lines) {
        const m = /^(.+?\.yaml):(\d+):(\d+): (error|warning|info): (.+) \[([a-z-]+)\]$/s.exec(l);
        assert.ok(m, `malformed line: ${l.slice(0, 300)}`);
        const text = texts.get(m[1]!)!;
        assert.ok(Number(m[2]) >= 1 && Number(m[2]) <= text.length, l.slice(0, 200));
      }
      assert.ok(readdirSync(dir).length === files.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---- property-based: generated and mutated manifests ----

const TRICKY_ARGS = [
  '-v', '-v=4', '-v4', '-vmodule=x=2', '--v', '--v 4', '-h', '--help', '--version', '--version=raw', '--', '-', '', ' ', '$(X)', '$(NODE_NAME)', '$$(X)', '${X}', '{{x}}', '##x##',
  '--housekeeping-interval', '--housekeeping-interval=10s', '--docker-only=maybe', '--docker-only', '--referenced-reset-interval=-1', '--jitter-factor=1e309',
  '--node-labels=', '--node-labels=a', '--node-labels=a=1,a=2,', '--node-labels=,,,', '--register-with-taints=', '--register-with-taints=k:NoSchedule,k:NoSchedule',
  '--register-with-taints=a=b=c:X:Y', '--register-with-taints=,', '--extended-resources=x', '--extended-resources=a=1,a=2', '--kube-api-content-type=', '--kube-api-content-type=--kube-api-content-type=x',
  '--kubeconfig=/x $(CONTENT_TYPE)', '--name', '--name=', '--name=$(', '--name=$()', '--morph', '--morph=', '--morph=kublet', '--morph=proxy', '--api-server-port=x', '--alsologtostderr', '--log_dir=/x',
  '--max-pods=0x1F', '--max-pods=1_000', '--kube-api-qps=NaN', '--node-status-update-frequency=2s', '"--quoted"', "'single'", 'a b c', '--a=b=c=d', '-----', '--=', '--=x', '\t--v=2', '--v=2\n--v=3',
];
const SNIPPETS = [
  '\n', '\t', ' ', ':', ': ', '- ', '#', ' #', '---\n', '...\n', '"', "'", '[', ']', '{', '}', ',', '&a ', '*a', '!!str ', '!x ', '|\n', '>-\n', '? ', '%YAML 1.2\n',
  '{{v}}', '${V}', '##v##', '$(V)', '\ufeff', '\r', '\r\n', '\0', '😀', '\u202e', 'kind: List\n', 'kind: Pod\n', 'apiVersion: v1\n', 'replicas: 3\n', 'replicas: x\n',
  '# kubemark-lint-disable-next-line\n', '# kubemark-lint-disable unknown-flag\n', '# kubemark-lint-disable nope\n', '<<: *a\n', 'command: ["/kubemark", "--morph=kubelet"]\n',
  'env: []\n', 'env:\n- name: X\n', 'envFrom: []\n', 'image: k8s.gcr.io/kubemark:v1.25.0\n', 'tolerations: []\n',
];
const SCALARS = ['1', 'true', 'null', '~', '[]', '{}', '""', '"x y"', '{{a}}', '$(X)', '&a x', '*a', '!!binary aGk=', '|', '>-', '-1', '0x1F', '1e9', '.inf', "'q'", '[a, {b: c}]', 'kubemark', '--morph=kubelet'];

const BASES: string[] = (() => {
  const realWorld = join(root, 'test', 'fixtures', 'real-world');
  const opts = [
    {},
    { replicas: 5000, namespace: 'perf', name: 'hollow' },
    { imageService: 'containerd' as const, contentType: 'application/json', logVerbosity: 4 },
    { nodeLabels: { zone: 'a', 'x/y': 'z' }, taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' as const }], extendedResources: { 'nvidia.com/gpu': '8' } },
  ];
  return [
    SEED,
    SEED_FLAT,
    GENERATED,
    ...opts.map((o) => generateHollowNodeManifest(withDefaults({ image: 'k8s.gcr.io/kubemark:v1.25.3', ...o })).yaml),
    ...readdirSync(realWorld).map((f) => readFileSync(join(realWorld, f), 'utf8')),
    ...brokenCorpus().filter((c) => !c.big && c.text.length < 200_000).map((c) => c.text),
  ];
})();

type Mutation = (text: string) => string;

const pos = (text: string, n: number) => (text.length === 0 ? 0 : n % (text.length + 1));
const lineOp = (fn: (lines: string[], i: number) => void) => (n: number) => (text: string) => {
  const lines = text.split('\n');
  fn(lines, n % lines.length);
  return lines.join('\n');
};

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((n) => (t: string) => t.slice(0, pos(t, n))),
  fc.nat().map(lineOp((l, i) => l.splice(i, 1))),
  fc.nat().map(lineOp((l, i) => l.splice(i, 0, l[i]!))),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => lineOp((l, i) => { const j = b % l.length; [l[i], l[j]] = [l[j]!, l[i]!]; })(a)),
  fc.tuple(fc.nat(), fc.integer({ min: -6, max: 6 })).map(([n, d]) => lineOp((l, i) => { l[i] = d >= 0 ? ' '.repeat(d) + l[i] : l[i]!.replace(new RegExp(`^ {0,${-d}}`), ''); })(n)),
  fc.nat().map(lineOp((l, i) => { l[i] = l[i]!.replace(/^( *)/, (m) => '\t'.repeat(Math.ceil(m.length / 2))); })),
  fc.tuple(fc.nat(), fc.constantFrom(...SNIPPETS)).map(([n, s]) => (t: string) => t.slice(0, pos(t, n)) + s + t.slice(pos(t, n))),
  fc.tuple(fc.nat(), fc.string({ unit: 'binary', maxLength: 12 })).map(([n, s]) => (t: string) => t.slice(0, pos(t, n)) + s + t.slice(pos(t, n))),
  fc.tuple(fc.nat(), fc.constantFrom(...SCALARS)).map(([n, s]) => (t: string) => {
    // Replace the value of the n-th "key: value" line.
    const lines = t.split('\n');
    const idx = lines.map((l, i) => (/^\s*[\w.-]+: \S/.test(l) ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) return t;
    const i = idx[n % idx.length]!;
    lines[i] = lines[i]!.replace(/^(\s*[\w.-]+: ).*$/, `$1${s}`);
    return lines.join('\n');
  }),
  fc.tuple(fc.nat(), fc.constantFrom(...TRICKY_ARGS), fc.boolean()).map(([n, a, quoted]) => (t: string) => {
    // Insert an argument after the n-th sequence item that looks like a flag, or into a script.
    const lines = t.split('\n');
    const idx = lines.map((l, i) => (/^\s*- "?--/.test(l) || /--morph/.test(l) ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) return t;
    const i = idx[n % idx.length]!;
    const line = lines[i]!;
    if (/^\s*- "?--/.test(line)) lines.splice(i + 1, 0, `${line.replace(/- .*$/, '- ')}${quoted ? JSON.stringify(a) : a}`);
    else lines[i] = line.replace('--morph', `${a} --morph`);
    return lines.join('\n');
  }),
  fc.constantFrom(...BASES).map((other) => (t: string) => `${t}\n---\n${other}`),
  fc.tuple(fc.nat(), fc.nat({ max: 200 })).map(([n, len]) => (t: string) => { const s = pos(t, n); return t.slice(0, s) + t.slice(s + len); }),
);

const options: fc.Arbitrary<LintOptions> = fc.record(
  {
    extraFlags: fc.array(fc.constantFrom('node-status-update-frequency:duration', 'x', 'bad decl:::', 'v:int', 'morph', 'a:taints', '', 'n:labels'), { maxLength: 3 }),
    mastersVersion: fc.constantFrom('v1.30.0', 'v1.34.2', 'v1.38.2', 'garbage', '1.41', ''),
  },
  { requiredKeys: [] },
);

describe('property: 10,000 generated and mutated manifests', () => {
  test(`${RUNS} runs through the rules engine (every fifth with a quick fix applied, every tenth through the lint CLI)`, (t) => {
    const ms: number[] = [];
    const forCli: string[] = [];
    let worst = { ms: 0, size: 0 };
    fc.assert(
      fc.property(fc.constantFrom(...BASES), fc.array(mutation, { maxLength: 6 }), options, (base, mutations, opts) => {
        const text = mutations.reduce((acc, m) => m(acc), base);
        const r = timed(text, opts);
        assertInside(text, r.findings, 'generated');
        const documents = Math.max(1, (text.match(/^---/gm) ?? []).length + 1);
        const perDoc = r.ms / documents;
        ms.push(perDoc);
        if (perDoc > worst.ms) worst = { ms: perDoc, size: text.length };
        assert.ok(perDoc < BUDGET_MS * 10, `${perDoc.toFixed(0)} ms for a document (budget ${BUDGET_MS} ms)`);
        if (ms.length % 10 === 0) forCli.push(text);
        // A quick fix applied to broken text gives text the rules still handle.
        const fixable = r.findings.find((f) => f.fix);
        if (fixable && ms.length % 5 === 0) {
          const fixed = applyEdits(text, fixable.fix!.edits);
          assertInside(fixed, lint(fixed, opts), `after the fix "${fixable.fix!.title}"`);
        }
      }),
      { numRuns: RUNS, seed: FC_SEED, endOnFailure: true },
    );
    const line = `property, per document: ${figures(ms)} (worst: ${worst.ms.toFixed(1)} ms on ${worst.size} characters; fast-check seed ${FC_SEED})`;
    t.diagnostic(line);
    console.log(`# ${line}`);

    // The CLI, in-process, on every tenth text written to a file.
    const dir = mkdtempSync(join(tmpdir(), 'kubemark-fuzz-'));
    try {
      const files = forCli.map((text, i) => {
        const f = join(dir, `m${i}.yaml`);
        writeFileSync(f, text);
        return f;
      });
      const out: string[] = [];
      const err: string[] = [];
      const code = main(files, (s) => out.push(s), (s) => err.push(s));
      assert.ok(code === 0 || code === 1, `exit ${code}: ${err.slice(0, 3).join('\n')}`);
      assert.deepEqual(err, []);
      for (const l of out) assert.match(l, /^.+\.yaml:\d+:\d+: (error|warning|info): [\s\S]+ \[[a-z-]+\]$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
