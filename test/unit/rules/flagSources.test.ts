// The flag table against kubemark's sources of v1.33–v1.36 (src/core/kubemark-flags.sources.json,
// written by scripts/kubemark-flag-sources.mjs from each release's import graph, no build): every
// flag a release lacks compared with v1.37 is marked in the table (sinceMinor), the rules report it
// for that release's images, and every other source difference was reviewed as not touching flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOLLOW_NODE_FLAGS } from '../../../src/core/flags';
import { lint } from '../../../src/core/rules';

interface Release {
  modules: Record<string, string>;
  globalFlags: { notInBaseline: Array<{ flag: string }>; notInThisRelease: Array<{ flag: string }>; changed: Array<{ flag: string }> };
  explicitSources: Record<string, 'identical' | 'differs'>;
}
const file = join(__dirname, '..', '..', '..', '..', 'src', 'core', 'kubemark-flags.sources.json');
const sources = JSON.parse(readFileSync(file, 'utf8')) as { baseline: { kubernetes: string }; baselineGlobalFlagsNotInTable: string[]; releases: Record<string, Release> };

const flagName = (key: string) => key.replace(/^(go|pflag):/, '').replace(/_/g, '-');
const minorOf = (v: string) => Number(/^v1\.(\d+)\./.exec(v)![1]);

/** Source differences read and found not to change any flag (see docs/kubemark-flags-by-version.md). */
const REVIEWED: Record<string, string> = {
  'k8s.io/component-base/cli/run.go#run': 'v1.33–v1.34 lack the race-detector log line (logRaceDetection); logs.AddFlags and the normalisation are the same',
  'k8s.io/component-base/logs/api/v1/options.go#apply': 'v1.33 calls diff.Diff where later ones call cmp.Diff, in an error message; no flag',
};

test('v1.33–v1.36 are all recorded, against the v1.37.2 baseline the table was generated from', () => {
  assert.equal(sources.baseline.kubernetes, 'v1.37.2');
  assert.deepEqual(Object.keys(sources.releases).map(minorOf), [33, 34, 35, 36]);
  assert.deepEqual(sources.baselineGlobalFlagsNotInTable, [], 'every flag the extraction finds in v1.37.2 is in the generated table (the extraction sees the real flags)');
});

for (const [version, r] of Object.entries(sources.releases)) {
  test(`${version}: no flag v1.37 lacks, no changed default, kubemark's own flag sources the same`, () => {
    assert.deepEqual(r.globalFlags.notInBaseline, [], 'a flag only this release registers would need a table row');
    assert.deepEqual(r.globalFlags.changed, []);
    for (const k of ['k8s.io/kubernetes/cmd/kubemark/app/hollow_node.go#addFlags', 'k8s.io/kubernetes/cmd/kubemark/app/hollow_node.go#NewHollowNodeCommand', 'k8s.io/component-base/logs/api/v1/options.go#AddFlags', 'k8s.io/klog/v2/klog.go#InitFlags']) {
      assert.equal(r.explicitSources[k], 'identical', k);
    }
    for (const [k, state] of Object.entries(r.explicitSources)) {
      if (state === 'differs') assert.ok(REVIEWED[k], `${version}: ${k} differs from v1.37.2 and was not reviewed: read explicitSourceDiffs in ${file}`);
    }
  });

  test(`${version}: every flag it lacks is marked in the table, and reported on its images`, () => {
    const minor = minorOf(version);
    for (const { flag } of r.globalFlags.notInThisRelease) {
      const spec = HOLLOW_NODE_FLAGS.find((f) => f.name === flagName(flag));
      assert.ok(spec, `${flag} is in the table`);
      assert.ok(spec.sinceMinor !== undefined && spec.sinceMinor > minor, `${spec.name}: sinceMinor ${spec.sinceMinor} must be above ${minor}`);
      const manifest = (tag: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: hollow}\nspec:\n  containers:\n  - name: kubelet\n    image: registry.k8s.io/kubemark:${tag}\n    command: ["/kubemark", "--morph=kubelet", "--name=hollow", "--${spec.name}=2"]\n`;
      const old = lint(manifest(`${version}`)).filter((f) => f.ruleId === 'unknown-flag');
      assert.equal(old.length, 1, `--${spec.name} on a ${version} image: ${JSON.stringify(old)}`);
      assert.match(old[0]!.message, new RegExp(`kubemark ${version.replace(/\./g, '\\.')} has no flag --${spec.name}: cAdvisor added it in v0\\.60`));
      assert.equal(old[0]!.severity, 'error');
      assert.ok(old[0]!.fix, 'with a fix that removes it');
      assert.deepEqual(lint(manifest('v1.37.2')).filter((f) => f.ruleId === 'unknown-flag'), [], `--${spec.name} on a v1.37.2 image is fine`);
    }
  });
}

test('no table row is marked newer than what the sources show', () => {
  for (const spec of HOLLOW_NODE_FLAGS.filter((f) => f.sinceMinor !== undefined)) {
    const lacking = Object.entries(sources.releases).filter(([, r]) => r.globalFlags.notInThisRelease.some((x) => flagName(x.flag) === spec.name)).map(([v]) => minorOf(v));
    assert.deepEqual(lacking.length ? Math.max(...lacking) + 1 : undefined, spec.sinceMinor, `${spec.name}: the first release that has it`);
  }
});

test('an image tag with no version (latest): a 1.37-only flag is a warning when the masters cluster is older, nothing when it is 1.37', () => {
  const manifest = `apiVersion: v1\nkind: Pod\nmetadata: {name: hollow}\nspec:\n  containers:\n  - name: kubelet\n    image: registry.k8s.io/kubemark:latest\n    command: ["/kubemark", "--morph=kubelet", "--name=hollow", "--jitter-factor=2"]\n`;
  const old = lint(manifest, { mastersVersion: 'v1.35.4' }).filter((f) => f.ruleId === 'unknown-flag');
  assert.equal(old.length, 1, JSON.stringify(old));
  assert.equal(old[0]!.severity, 'warning');
  assert.match(old[0]!.message, /--jitter-factor came in kubemark 1\.37; the image tag names no version and the masters cluster is 1\.35/);
  assert.deepEqual(lint(manifest, { mastersVersion: 'v1.37.2' }).filter((f) => f.ruleId === 'unknown-flag'), []);
  assert.deepEqual(lint(manifest).filter((f) => f.ruleId === 'unknown-flag'), [], 'no masters version: nothing to go on');
});
