// The lint CLI on manifests collected from public sources (test/fixtures/real-world/, each names
// its source at the top): upstream templates of several releases, cluster-api-provider-kubemark's
// Pod, public repositories. Every finding is pinned with its place, severity and rule, and each was
// checked by hand against kubemark's source (v1.33–v1.37).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/kubemarkLint';

const root = join(__dirname, '..', '..', '..');
const dir = join(root, 'test', 'fixtures', 'real-world');

/** "LINE:COL SEVERITY RULE", 1-based, from the CLI's output lines. */
function findings(file: string, args: string[] = []): { exit: number; findings: string[]; lines: string[] } {
  const lines: string[] = [];
  const err: string[] = [];
  const exit = main([...args, join(dir, file)], (s) => lines.push(s), (s) => err.push(s));
  assert.deepEqual(err, []);
  return {
    exit,
    lines,
    findings: lines.map((l) => {
      const m = /^.+:(\d+):(\d+): (error|warning|info): .+ \[([a-z-]+)\]$/.exec(l);
      assert.ok(m, l);
      return `${m[1]}:${m[2]} ${m[3]} ${m[4]}`;
    }),
  };
}

const EXPECTED: Record<string, { exit: number; findings: string[] }> = {
  'arktos-template.yaml': {
    exit: 1,
    findings: [
      '11:5 error template-placeholder',
      '24:16 warning image-untagged',
      '61:21 warning host-image-service-unmounted',
      '61:37 error unknown-flag',
      '61:72 error unknown-flag',
      '61:199 warning positional-argument',
      '61:215 error removed-log-flag',
      '89:125 warning positional-argument',
      '89:141 error removed-log-flag',
      '101:16 warning retired-registry',
      '106:7 info missing-noexecute-tolerations',
    ],
  },
  'capk-machine-pod.yaml': {
    exit: 0,
    findings: [
      '14:3 warning missing-inotify-init',
      '20:7 warning host-image-service-unmounted',
      '34:3 warning missing-noexecute-tolerations',
    ],
  },
  'upstream-hollow-node-iks.yaml': {
    exit: 1,
    findings: [
      '23:16 warning image-untagged',
      '34:7 warning missing-noexecute-tolerations',
      '50:21 warning host-image-service-unmounted',
      '50:101 warning positional-argument',
      '50:117 error removed-log-flag',
      '78:55 info flag-no-effect',
      '78:126 warning positional-argument',
      '78:142 error removed-log-flag',
      '90:16 warning retired-registry',
    ],
  },
  'upstream-template-content-type.yaml': {
    exit: 1,
    findings: [
      '11:5 error template-placeholder',
      '24:16 warning image-untagged',
      '50:11 warning host-image-service-unmounted',
      '53:11 warning positional-argument',
      '54:11 error removed-log-flag',
      '55:11 error removed-log-flag',
      '88:11 warning positional-argument',
      '89:11 error removed-log-flag',
      '90:11 error removed-log-flag',
      '104:16 warning retired-registry',
      '109:7 info missing-noexecute-tolerations',
    ],
  },
  'upstream-template-go-runner.yaml': {
    exit: 1,
    findings: [
      '11:5 error template-placeholder',
      '103:7 info missing-noexecute-tolerations',
    ],
  },
  'upstream-template-json.yaml': {
    exit: 1,
    findings: [
      '14:15 error template-placeholder',
      '39:5 warning missing-inotify-init',
      '39:5 warning missing-noexecute-tolerations',
      '65:22 warning host-image-service-unmounted',
      '65:38 warning positional-argument',
    ],
  },
  'yunikorn-rc.yaml': {
    exit: 0,
    findings: [
      '46:11 warning host-image-service-unmounted',
      '49:11 warning removed-log-flag',
      '76:11 info flag-no-effect',
      '78:11 warning removed-log-flag',
    ],
  },
  'zjlab-gpu-statefulset.yaml': {
    exit: 0,
    findings: [
      '9:1 warning pod-management-policy',
      '32:7 warning missing-inotify-init',
      '94:7 info missing-noexecute-tolerations',
    ],
  },
  'zjlab-single.yaml': {
    exit: 0,
    findings: [
      '10:1 warning pod-management-policy',
      '106:7 info missing-noexecute-tolerations',
    ],
  },
  'zjlab-statefulset.yaml': {
    exit: 0,
    findings: [
      '9:1 warning pod-management-policy',
      '97:7 info missing-noexecute-tolerations',
    ],
  },
};

test('the corpus has at least 10 manifests, each naming its source at the top', () => {
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  assert.ok(files.length >= 10, `${files.length} manifests`);
  assert.deepEqual(files, Object.keys(EXPECTED).sort());
  for (const f of files) assert.match(readFileSync(join(dir, f), 'utf8'), /^# Source: [\w.-]+\/[\w.-]+ \S+ at\s*(\n# )?commit\s*(\n# )?[0-9a-f]{40}/, f);
});

for (const [file, expected] of Object.entries(EXPECTED)) {
  test(`${file}: the pinned findings`, () => {
    const r = findings(file);
    assert.deepEqual({ exit: r.exit, findings: r.findings }, expected);
  });
}

test('what the corpus shows about kubemark\'s source', () => {
  // Upstream's templates are templates: one finding says so, no cascade of YAML errors.
  for (const f of ['upstream-template-go-runner.yaml', 'upstream-template-content-type.yaml', 'upstream-template-json.yaml', 'arktos-template.yaml']) {
    const r = findings(f);
    assert.equal(r.findings.filter((x) => x.endsWith('template-placeholder')).length, 1, f);
    assert.ok(!r.findings.some((x) => x.endsWith('yaml-syntax')), f);
  }
  // A 1.20 image still takes --alsologtostderr: a warning that 1.26+ breaks, not an error.
  const yunikorn = findings('yunikorn-rc.yaml');
  assert.equal(yunikorn.exit, 0);
  assert.match(yunikorn.lines.find((l) => l.includes('[removed-log-flag]'))!, /This image \(1\.20\.10\) still accepts it, but the manifest breaks on kubemark 1\.26 and later/);
  // Upstream's unreachable-only toleration (900 s) is info, not a warning.
  assert.match(findings('upstream-template-go-runner.yaml').lines.at(-1)!, /: info: .*on purpose/);
  // The shell's own ${VAR} in arktos' sh -c script is not a template placeholder; its fork flags are
  // unknown to upstream kubemark, and accepted once declared.
  const arktos = findings('arktos-template.yaml', ['--extra-flag', 'tenant-servers,resource-server']);
  assert.ok(!arktos.lines.some((l) => l.includes('${TENANT_SERVERS}') && l.includes('template-placeholder')));
  assert.ok(!arktos.findings.some((x) => x.endsWith('unknown-flag')));
  // cluster-api-provider-kubemark passes "" for absent flags: kubemark ignores empty arguments.
  assert.ok(!findings('capk-machine-pod.yaml').findings.some((x) => x.endsWith('positional-argument')));
});

test('the bin entry on the whole folder: exit 1 (errors in some), one line per finding', () => {
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(dir, f));
  const r = spawnSync(process.execPath, [join(root, 'bin', 'kubemark-lint.js'), ...files], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  const total = Object.values(EXPECTED).reduce((n, e) => n + e.findings.length, 0);
  assert.equal(r.stdout.trim().split('\n').length, total);
});
