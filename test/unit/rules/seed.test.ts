import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { applyEdits, lint, Finding } from '../../../src/core/rules';

// Bundled into out/test/unit/rules/: the fixtures stay in the source tree.
const fixtures = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'manifests');
const read = (name: string) => readFileSync(join(fixtures, name), 'utf8');

/** "LINE:COL rule" with 1-based positions, as an editor shows them. */
const where = (f: Finding) => `${f.range.start.line + 1}:${f.range.start.character + 1} ${f.ruleId}`;

describe('the seed manifest, re-indented', () => {
  const text = read('seed-indented.yaml');
  const findings = lint(text);

  test('lists what a kubemark expert would, each at its line and column', () => {
    assert.deepEqual(findings.map(where), [
      '23:13 removed-api-version', // ClusterRole rbac v1beta1
      '38:13 removed-api-version', // ClusterRoleBinding rbac v1beta1
      '84:16 image-placeholder', // hollow-kubelet image: xxxxxxxxx
      '102:21 host-image-service-unmounted', // --morph=kubelet, no /run/containerd mount
      '102:101 positional-argument', // $(CONTENT_TYPE)
      '102:123 output-discarded', // 2>/dev/null
      '116:16 image-placeholder', // hollow-proxy image: xxxxxxxx
      '130:55 flag-no-effect', // --use-real-proxier=false
      '130:126 positional-argument', // $(CONTENT_TYPE)
      '130:142 removed-log-flag', // --alsologtostderr
      '130:166 output-discarded', // 2>/dev/null
    ]);
  });

  test('ranges cover exactly the offending text', () => {
    const lines = text.split('\n');
    const slice = (f: Finding) => lines[f.range.start.line]!.slice(f.range.start.character, f.range.end.character);
    const byRule = (id: string) => findings.filter((f) => f.ruleId === id).map(slice);
    assert.deepEqual(byRule('removed-api-version'), ['rbac.authorization.k8s.io/v1beta1', 'rbac.authorization.k8s.io/v1beta1']);
    assert.deepEqual(byRule('positional-argument'), ['$(CONTENT_TYPE)', '$(CONTENT_TYPE)']);
    assert.deepEqual(byRule('output-discarded'), ['2>/dev/null', '2>/dev/null']);
    assert.deepEqual(byRule('image-placeholder'), ['xxxxxxxxx', 'xxxxxxxx']);
    assert.deepEqual(byRule('removed-log-flag'), ['--alsologtostderr']);
  });

  test('severities: removed APIs, placeholders and removed flags are errors', () => {
    const errors = findings.filter((f) => f.severity === 'error').map((f) => f.ruleId);
    assert.deepEqual([...new Set(errors)].sort(), ['image-placeholder', 'removed-api-version', 'removed-log-flag']);
    assert.equal(findings.find((f) => f.ruleId === 'flag-no-effect')?.severity, 'info');
    // node-configmap is not in this file: $(CONTENT_TYPE) alone is fine when content.type is empty
    // or the whole flag (upstream's convention), so it is a warning that says which values work.
    const positional = findings.filter((f) => f.ruleId === 'positional-argument');
    assert.deepEqual(positional.map((f) => f.severity), ['warning', 'warning']);
    assert.match(positional[0]!.message, /ConfigMap node-configmap, which is not in this file/);
    assert.match(positional[0]!.message, /empty or a whole flag, such as --kube-api-content-type=application\/vnd\.kubernetes\.protobuf/);
    assert.equal(positional[0]!.fix, undefined, 'no fix: wrapping it could give --kube-api-content-type=--kube-api-content-type=…');
  });

  test('with the seed write-up\'s node-configmap (content.type: test-cluster) in the file, $(CONTENT_TYPE) is an error again', () => {
    const withConfigMap = `${text}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: node-configmap\n  namespace: kubemark\ndata:\n  content.type: test-cluster\n`;
    const fs = lint(withConfigMap);
    const positional = fs.filter((f) => f.ruleId === 'positional-argument');
    assert.deepEqual(positional.map((f) => f.severity), ['error', 'error']);
    assert.match(positional[0]!.message, /"test-cluster", a bare word/);
    const cm = fs.filter((f) => f.ruleId === 'invalid-content-type');
    assert.equal(cm.length, 1);
    // Used as an argument of its own, the fix makes it the whole flag, never a doubled one.
    assert.equal(cm[0]!.fix!.edits[0]!.newText, '--kube-api-content-type=application/vnd.kubernetes.protobuf');
    const fixed = applyEdits(withConfigMap, cm[0]!.fix!.edits);
    assert.deepEqual(lint(fixed).filter((f) => f.ruleId === 'positional-argument' || f.ruleId === 'invalid-content-type'), []);
    for (const f of lint(fixed)) for (const e of f.fix?.edits ?? []) assert.doesNotMatch(e.newText, /--kube-api-content-type=--kube-api-content-type/);
  });

  test('applying every fix leaves valid YAML with only the placeholder images and the content.type warnings', () => {
    let current = text;
    for (let round = 0; round < 10; round++) {
      const fixable = lint(current).find((f) => f.fix);
      if (!fixable) break;
      current = applyEdits(current, fixable.fix!.edits);
    }
    for (const doc of parseAllDocuments(current) as ReturnType<typeof parseAllDocuments> & unknown[]) {
      assert.deepEqual((doc as { errors: unknown[] }).errors, []);
    }
    assert.deepEqual(lint(current).map((f) => f.ruleId), ['image-placeholder', 'positional-argument', 'image-placeholder', 'positional-argument']);
    assert.match(current, /\/kubemark --morph=kubelet --use-host-image-service=false --name=\$\(NODE_NAME\) --kubeconfig=\/kubeconfig\/kubelet.kubeconfig \$\(CONTENT_TYPE\) --v=2\n/);
    assert.match(current, /apiVersion: rbac.authorization.k8s.io\/v1\nkind: ClusterRole\n/);
  });
});

describe('the seed manifest as copied, flat', () => {
  const findings = lint(read('seed-flat.yaml'));

  test('is recognised as having lost its indentation, once per document, and nothing else', () => {
    assert.deepEqual(findings.map(where), ['5:1 flat-indentation', '19:1 flat-indentation', '25:1 flat-indentation', '40:1 flat-indentation', '53:1 flat-indentation']);
    assert.match(findings[0]!.message, /lost its indentation/);
    assert.match(findings[0]!.message, /"name" on line 6 .* "metadata"/);
  });
});
