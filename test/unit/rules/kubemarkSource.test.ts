// Rules checked against kubemark's source, v1.33–v1.37 (issue 9 §4). Each example here was
// judged wrongly before: an error where kubemark runs fine, or silence where a test breaks.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { applyEdits, contentTypeConvention, lint, Finding, LintOptions } from '../../../src/core/rules';
import { generateHollowNodeManifest, withDefaults, HollowNodeOptions } from '../../../src/core/manifest';

const IMAGE = 'registry.example.com/kubemark:v1.34.1';

function manifest(options: Partial<HollowNodeOptions> = {}): string {
  return generateHollowNodeManifest(withDefaults({ image: IMAGE, mastersKubeconfig: 'apiVersion: v1\nkind: Config\n', ...options })).yaml;
}

function replaceOnce(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `fixture lacks ${JSON.stringify(from)}`);
  return text.replace(from, () => to);
}

const ids = (fs: Finding[]) => fs.map((f) => f.ruleId);
const only = (text: string, rule: string, o?: LintOptions) => lint(text, o).filter((f) => f.ruleId === rule);
const at = (text: string, f: Finding) => text.split('\n')[f.range.start.line]!.slice(f.range.start.character, f.range.end.character);

function fixAndRecheck(text: string, rule: string, o?: LintOptions): string {
  const f = only(text, rule, o)[0];
  assert.ok(f, `expected ${rule}`);
  assert.ok(f.fix, `${rule} should offer a fix`);
  const fixed = applyEdits(text, f.fix.edits);
  for (const d of parseAllDocuments(fixed) as unknown as Array<{ errors: unknown[] }>) assert.deepEqual(d.errors, []);
  assert.equal(only(fixed, rule, o).length, only(text, rule, o).length - 1, `fix for ${rule} did not remove it:\n${fixed}`);
  return fixed;
}

/** The kubelet container's args of the generated manifest, with `extra` added after --morph. */
const withKubeletArg = (extra: string, base = manifest()) => replaceOnce(base, '            - "--morph=kubelet"\n', `            - "--morph=kubelet"\n            - ${JSON.stringify(extra)}\n`);

/** A hollow-node workload in upstream's style: an RC, $(CONTENT_TYPE) as an argument of its own. */
function upstreamRc(o: { contentType?: string | undefined; replicas?: number; args?: string[]; image?: string; tolerations?: string } = {}): string {
  const args = o.args ?? ['--morph=kubelet', '--name=$(NODE_NAME)', '--kubeconfig=/kubeconfig/kubelet.kubeconfig', '--use-host-image-service=false', '$(CONTENT_TYPE)'];
  const cm = o.contentType === undefined ? '' : `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: node-configmap\n  namespace: kubemark\ndata:\n  content.type: ${JSON.stringify(o.contentType)}\n---\n`;
  return `${cm}apiVersion: v1
kind: Secret
metadata:
  name: kubeconfig
  namespace: kubemark
data:
  kubelet.kubeconfig: e30=
---
apiVersion: v1
kind: ReplicationController
metadata:
  name: hollow-node
  namespace: kubemark
spec:
  replicas: ${o.replicas ?? 3}
  selector:
    name: hollow-node
  template:
    metadata:
      labels:
        name: hollow-node
    spec:
      initContainers:
      - name: init-inotify-limit
        image: busybox:1.36
        command: ['sysctl', '-w', 'fs.inotify.max_user_instances=1000']
        securityContext:
          privileged: true
      volumes:
      - name: kubeconfig-volume
        secret:
          secretName: kubeconfig
      containers:
      - name: hollow-kubelet
        image: ${o.image ?? IMAGE}
        env:
        - name: CONTENT_TYPE
          valueFrom:
            configMapKeyRef:
              name: node-configmap
              key: content.type
        - name: NODE_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        command: [
${['/kubemark', ...args].map((a) => `          ${JSON.stringify(a)},`).join('\n')}
        ]
        volumeMounts:
        - name: kubeconfig-volume
          mountPath: /kubeconfig
          readOnly: true
        resources:
          requests:
            cpu: 40m
            memory: 100Mi
      tolerations:
${o.tolerations ?? '      - key: node.kubernetes.io/unreachable\n        operator: Exists\n        effect: NoExecute\n      - key: node.kubernetes.io/not-ready\n        operator: Exists\n        effect: NoExecute'}
`;
}

describe('content.type in node-configmap (upstream convention: empty or the whole flag)', () => {
  test('$(CONTENT_TYPE) alone with content.type empty: kubemark ignores empty arguments', () => {
    assert.deepEqual(lint(upstreamRc({ contentType: '' })), []);
  });

  test('$(CONTENT_TYPE) alone with content.type the whole flag: fine on both sides', () => {
    assert.deepEqual(lint(upstreamRc({ contentType: '--kube-api-content-type=application/json' })), []);
  });

  test('$(CONTENT_TYPE) alone with a bare content type: an error, fixed by passing it as the flag value', () => {
    const text = upstreamRc({ contentType: 'application/json' });
    const [f] = only(text, 'positional-argument');
    assert.equal(f!.severity, 'error');
    assert.equal(at(text, f!), '"$(CONTENT_TYPE)"');
    assert.match(f!.message, /"application\/json", a bare content type/);
    const fixed = fixAndRecheck(text, 'positional-argument');
    assert.deepEqual(lint(fixed), []);
  });

  test('$(CONTENT_TYPE) alone, node-configmap not in the file: a warning that says what the value must be, no fix', () => {
    const [f] = only(upstreamRc(), 'positional-argument');
    assert.equal(f!.severity, 'warning');
    assert.match(f!.message, /empty or a whole flag/);
    assert.equal(f!.fix, undefined);
  });

  test('a whole-flag content.type used as --kube-api-content-type=$(CONTENT_TYPE) would be doubled: fixed to the bare type', () => {
    const text = replaceOnce(manifest(), 'content.type: application/vnd.kubernetes.protobuf', 'content.type: --kube-api-content-type=application/json');
    const [f] = only(text, 'invalid-content-type');
    assert.match(f!.message, /kubemark gets --kube-api-content-type=--kube-api-content-type=application\/json/);
    assert.match(fixAndRecheck(text, 'invalid-content-type'), /content\.type: application\/json\n/);
  });

  test('no quick fix ever writes --kube-api-content-type=--kube-api-content-type=', () => {
    for (const text of [
      upstreamRc({ contentType: '--kube-api-content-type=application/json' }),
      upstreamRc({ contentType: 'test-cluster' }),
      upstreamRc({ contentType: 'application/json' }),
      upstreamRc(),
      replaceOnce(manifest(), 'content.type: application/vnd.kubernetes.protobuf', 'content.type: --kube-api-content-type=application/json'),
      replaceOnce(manifest(), 'content.type: application/vnd.kubernetes.protobuf', 'content.type: test-cluster'),
    ]) {
      for (const f of lint(text)) {
        if (!f.fix) continue;
        assert.doesNotMatch(applyEdits(text, f.fix.edits), /--kube-api-content-type=(\$\(CONTENT_TYPE\)[^\n]*\n[\s\S]*content\.type: "?--kube-api|--kube-api-content-type)/, `${f.ruleId}: ${f.fix.title}`);
      }
    }
  });

  test('a bare word (the seed\'s test-cluster) used alone: an error at the argument and at the value, fixed to the whole flag', () => {
    const text = upstreamRc({ contentType: 'test-cluster' });
    assert.deepEqual(ids(lint(text)), ['invalid-content-type', 'positional-argument']);
    assert.match(fixAndRecheck(text, 'invalid-content-type'), /content\.type: --kube-api-content-type=application\/vnd\.kubernetes\.protobuf/);
  });
});

describe('flags as pflag parses them', () => {
  for (const v of ['-v=4', '-v4']) {
    test(`${v} is klog's -v shorthand`, () => assert.deepEqual(lint(replaceOnce(manifest(), '"--v=2"', `"${v}"`)), []));
  }

  test('-v 4 (value in the next argument) is the shorthand with its value', () => {
    assert.deepEqual(lint(replaceOnce(manifest(), '            - "--v=2"\n', '            - "-v"\n            - "4"\n')), []);
    const bad = replaceOnce(manifest(), '            - "--v=2"\n', '            - "-v"\n            - "four"\n');
    assert.deepEqual(ids(lint(bad)), ['invalid-flag-value']);
  });

  test('cAdvisor flags have their real types: a duration takes the next argument as its value', () => {
    assert.deepEqual(lint(replaceOnce(manifest(), '            - "--v=2"\n', '            - "--housekeeping-interval"\n            - "10s"\n')), []);
    assert.deepEqual(lint(withKubeletArg('--global-housekeeping-interval=2m')), []);
    assert.deepEqual(lint(withKubeletArg('--docker-only')), []);
  });

  test('a bare --housekeeping-interval and --docker-only=maybe make kubemark exit', () => {
    const bare = replaceOnce(manifest(), '"--v=2"', '"--housekeeping-interval"');
    const [f] = only(bare, 'invalid-flag-value');
    assert.match(f!.message, /--housekeeping-interval needs a value/);
    const [g] = only(withKubeletArg('--docker-only=maybe'), 'invalid-flag-value');
    assert.match(g!.message, /--docker-only takes true or false, not "maybe"/);
    assert.deepEqual(ids(lint(withKubeletArg('--application-metrics-count-limit=lots'))), ['invalid-flag-value']);
    assert.deepEqual(ids(lint(withKubeletArg('--referenced-reset-interval=-1'))), ['invalid-flag-value']);
  });

  test('--api-server-port is read by nothing: info, with a fix that removes it', () => {
    const text = withKubeletArg('--api-server-port=6443');
    const [f] = only(text, 'flag-no-effect');
    assert.equal(f!.severity, 'info');
    assert.match(f!.message, /read by nothing/);
    fixAndRecheck(text, 'flag-no-effect');
  });

  test('--node-labels=key (empty value) and a trailing comma are accepted, as cliflag.ConfigurationMap does', () => {
    assert.deepEqual(lint(withKubeletArg('--node-labels=gpu')), []);
    assert.deepEqual(lint(withKubeletArg('--node-labels=zone=a,gpu=,')), []);
    assert.deepEqual(ids(lint(withKubeletArg('--extended-resources=nvidia.com/gpu'))), ['invalid-flag-value'], 'an empty quantity still panics');
  });

  test('duplicate keys: the last label wins silently (warning); a taint twice is rejected (error)', () => {
    const labels = withKubeletArg('--node-labels=zone=a,gpu=true,zone=b');
    const [l] = only(labels, 'duplicate-flag-key');
    assert.equal(l!.severity, 'warning');
    assert.match(l!.message, /"zone" twice \("a", then "b"\)/);
    assert.match(fixAndRecheck(labels, 'duplicate-flag-key'), /- "--node-labels=gpu=true,zone=b"/);
    const taints = withKubeletArg('--register-with-taints=k=v:NoSchedule,k=w:NoSchedule,k=v:NoExecute');
    const [t] = only(taints, 'duplicate-flag-key');
    assert.equal(t!.severity, 'error');
    assert.match(fixAndRecheck(taints, 'duplicate-flag-key'), /- "--register-with-taints=k=v:NoSchedule,k=v:NoExecute"/);
  });

  test('one exec-form argument holding a flag, a space and more is split by the fix', () => {
    const text = replaceOnce(manifest(), '"--kubeconfig=/kubeconfig/kubelet.kubeconfig"', '"--kubeconfig=/kubeconfig/kubelet.kubeconfig --max-pods=50"');
    const [f] = only(text, 'argument-with-space');
    assert.match(f!.message, /kubemark reads --kubeconfig as "\/kubeconfig\/kubelet.kubeconfig --max-pods=50"/);
    const fixed = fixAndRecheck(text, 'argument-with-space');
    assert.match(fixed, / {12}- "--kubeconfig=\/kubeconfig\/kubelet.kubeconfig"\n {12}- "--max-pods=50"\n/);
    // The issue's example in a flow sequence.
    const flow = upstreamRc({ contentType: '', args: ['--morph=kubelet', '--name=$(NODE_NAME)', '--use-host-image-service=false', '--kubeconfig=/kubeconfig/kubelet.kubeconfig $(CONTENT_TYPE)'] });
    assert.deepEqual(ids(lint(flow)), ['argument-with-space']);
    assert.match(fixAndRecheck(flow, 'argument-with-space'), /"--kubeconfig=\/kubeconfig\/kubelet.kubeconfig", "\$\(CONTENT_TYPE\)",/);
  });

  test('removed klog flags: an error from 1.26 on, a warning on older images that says 1.26+ breaks', () => {
    const old = manifest({ image: 'registry.example.com/kubemark:v1.25.3' }).replace('"--v=2"', '"--logtostderr=false"');
    const [w] = only(old, 'removed-log-flag');
    assert.equal(w!.severity, 'warning');
    assert.match(w!.message, /This image \(v1.25.3\) still accepts it, but the manifest breaks on kubemark 1.26 and later/);
    const current = manifest({ image: 'registry.example.com/kubemark:v1.26.0' }).replace('"--v=2"', '"--logtostderr=false"');
    assert.equal(only(current, 'removed-log-flag')[0]!.severity, 'error');
  });
});

describe('new rules', () => {
  test('a multi-replica workload without --name: every replica is "fake-node"; fixed with the pod name', () => {
    const text = upstreamRc({ contentType: '', args: ['--morph=kubelet', '--kubeconfig=/kubeconfig/kubelet.kubeconfig', '--use-host-image-service=false'] });
    const [f] = only(text, 'constant-node-name');
    assert.match(f!.message, /default "fake-node". Each of the 3 replicas registers the same node/);
    assert.match(fixAndRecheck(text, 'constant-node-name'), /"--morph=kubelet", "--name=\$\(NODE_NAME\)",/);
    assert.deepEqual(only(upstreamRc({ contentType: '', replicas: 1, args: ['--morph=kubelet', '--use-host-image-service=false'] }), 'constant-node-name'), [], 'one replica is one node');
  });

  test('a constant --name, literally or through a literal env value', () => {
    const constant = replaceOnce(manifest(), '"--name=$(NODE_NAME)"', '"--name=hollow-node"');
    assert.equal(at(constant, only(constant, 'constant-node-name')[0]!), '"--name=hollow-node"');
    assert.match(fixAndRecheck(constant, 'constant-node-name'), /"--name=\$\(NODE_NAME\)"/);
    const literalEnv = replaceOnce(manifest(), '            - name: NODE_NAME\n              valueFrom:\n                fieldRef:\n                  fieldPath: metadata.name\n', '            - name: NODE_NAME\n              value: hollow\n');
    assert.equal(only(literalEnv, 'constant-node-name').length, 1);
    // The proxy's --name is the node it serves, not a registration: not reported.
    assert.equal(only(replaceOnce(manifest(), '"--morph=proxy"\n            - "--name=$(NODE_NAME)"', '"--morph=proxy"\n            - "--name=x"'), 'constant-node-name').length, 0);
  });

  test('$(VAR) with no such env var stays literal: the node would be named "$(POD_NAME)"', () => {
    const text = replaceOnce(manifest(), '"--name=$(NODE_NAME)"', '"--name=$(POD_NAME)"');
    const [f] = only(text, 'undefined-env-var');
    assert.equal(at(text, f!), '$(POD_NAME)');
    assert.match(f!.message, /the node is literally named "\$\(POD_NAME\)"/);
    // A typo gets its fix.
    const typo = replaceOnce(manifest(), '"--name=$(NODE_NAME)"', '"--name=$(NODE_NAM)"');
    assert.match(fixAndRecheck(typo, 'undefined-env-var'), /"--name=\$\(NODE_NAME\)"/);
    // $$(X) is an escape; envFrom may define anything; a lower-case $(hostname) in a script is the shell's.
    assert.deepEqual(only(replaceOnce(manifest(), '"--v=2"', '"--vmodule=$$(X)=2"'), 'undefined-env-var'), []);
  });

  test('images from retired registries get registry.k8s.io', () => {
    const text = manifest({ image: 'k8s.gcr.io/kubemark:v1.34.1' });
    const fs = only(text, 'retired-registry');
    assert.equal(fs.length, 2);
    assert.match(fs[0]!.message, /k8s.gcr.io is retired/);
    assert.match(fixAndRecheck(text, 'retired-registry'), /image: registry.k8s.io\/kubemark:v1.34.1/);
    const busybox = replaceOnce(manifest(), 'image: busybox:1.36', 'image: gcr.io/google_containers/busybox:1.27');
    assert.match(fixAndRecheck(busybox, 'retired-registry'), /image: registry.k8s.io\/busybox:1.27/);
    assert.equal(only(manifest({ image: 'staging-k8s.gcr.io/kubemark:v1.34.1' }), 'retired-registry').length, 2);
  });

  test('template placeholders: one finding, "fill in the template first", no YAML syntax cascade', () => {
    const text = replaceOnce(upstreamRc({ contentType: '' }), `image: ${IMAGE}`, 'image: {{kubemark_image_registry}}/kubemark:{{kubemark_image_tag}}').replace('replicas: 3', 'replicas: {{numreplicas}}');
    const fs = lint(text);
    assert.deepEqual(ids(fs), ['template-placeholder']);
    assert.match(fs[0]!.message, /fill in the template first/);
    assert.match(fs[0]!.message, /3 placeholders \(\{\{numreplicas\}\}, \{\{kubemark_image_registry\}\}, \{\{kubemark_image_tag\}\}\)/);
    assert.equal(at(text, fs[0]!), '{{numreplicas}}');
    // The rest is still checked.
    const withBug = text.replace('"--use-host-image-service=false",', '"--use-host-image-service=false",\n          "--alsologtostderr",');
    assert.deepEqual(ids(lint(withBug)), ['template-placeholder', 'removed-log-flag']);
    // ${VAR} (envsubst) too, but not the shell's own ${VAR} in an sh -c script.
    assert.deepEqual(ids(lint(text.replace(/\{\{(\w+)\}\}/g, '${$1}'))), ['template-placeholder']);
    const script = replaceOnce(manifest(), '          command:\n            - /kubemark\n          args:\n            - "--morph=kubelet"\n            - "--name=$(NODE_NAME)"', '          command:\n            - sh\n            - -c\n            - exec /kubemark --morph=kubelet --name=${NODE_NAME}\n          args:');
    assert.ok(!ids(lint(script)).includes('template-placeholder'), ids(lint(script)).join());
  });
});

describe('forks and suppressions', () => {
  test('kubemark.lint.extraFlags: a fork\'s flags, with optional types', () => {
    const text = withKubeletArg('--node-status-update-frequency=2s');
    assert.deepEqual(ids(lint(text)), ['unknown-flag']);
    assert.match(lint(text)[0]!.message, /kubemark.lint.extraFlags/);
    assert.deepEqual(lint(text, { extraFlags: ['node-status-update-frequency:duration'] }), []);
    assert.deepEqual(lint(text, { extraFlags: ['node-status-update-frequency'] }), []);
    assert.deepEqual(ids(lint(withKubeletArg('--node-status-update-frequency=often'), { extraFlags: ['node-status-update-frequency:duration'] })), ['invalid-flag-value']);
    // A typed extra flag takes the next argument as its value, like kubemark's own.
    assert.deepEqual(lint(replaceOnce(manifest(), '            - "--v=2"\n', '            - "--node-lease-duration-seconds"\n            - "40"\n'), { extraFlags: ['--node-lease-duration-seconds:int'] }), []);
  });

  test('# kubemark-lint-disable-next-line RULE and # kubemark-lint-disable RULE', () => {
    const text = replaceOnce(manifest(), '            - "--v=2"\n', '            # kubemark-lint-disable-next-line unknown-flag -- our fork has it\n            - "--node-status-update-frequency=2s"\n            - "--v=2"\n');
    assert.deepEqual(lint(text), []);
    const otherRule = text.replace('disable-next-line unknown-flag', 'disable-next-line image-latest');
    assert.deepEqual(ids(lint(otherRule)), ['unknown-flag']);
    const file = `# kubemark-lint-disable missing-requests, unknown-flag\n${withKubeletArg('--node-status-update-frequency=2s')}`;
    assert.deepEqual(lint(file), []);
    const all = `# kubemark-lint-disable\n${withKubeletArg('--node-status-update-frequency=2s')}`;
    assert.deepEqual(lint(all), []);
    const typo = `# kubemark-lint-disable unknown-flags\n${manifest()}`;
    const [f] = lint(typo);
    assert.equal(f!.ruleId, 'unknown-lint-rule');
    assert.match(f!.message, /no rule "unknown-flags"; did you mean unknown-flag\?/);
  });
});

describe('version skew (kubelet policy: up to three minors older than the apiserver, never newer)', () => {
  const skew = (image: string, masters: string) => only(manifest({ image }), 'image-version-skew', { mastersVersion: masters });

  test('newer than masters: error', () => {
    const [f] = skew('r/kubemark:v1.35.0', 'v1.34.2');
    assert.equal(f!.severity, 'error');
    assert.match(f!.message, /never be newer than its apiserver/);
  });

  test('older within the policy: info; beyond it: warning; same minor: nothing', () => {
    assert.equal(skew('r/kubemark:v1.31.4', 'v1.34.2')[0]!.severity, 'info');
    assert.equal(skew('r/kubemark:v1.30.0', 'v1.34.2')[0]!.severity, 'warning');
    assert.deepEqual(skew('r/kubemark:v1.34.0', 'v1.34.2'), []);
    assert.deepEqual(only(manifest({ image: 'r/kubemark:v1.30.0' }), 'image-version-skew'), [], 'no masters version, no skew finding');
    assert.deepEqual(skew('r/kubemark:1.0.1', 'v1.34.2'), [], 'an image\'s own numbering is not a Kubernetes version');
  });

  test('1.38+ masters: advice names the newest kubemark within skew, never make WHAT=cmd/kubemark', () => {
    const newest = skew('r/kubemark:v1.37.2', 'v1.39.0');
    assert.equal(newest[0]!.severity, 'info');
    assert.match(newest[0]!.message, /newest kubemark there is/);
    const old = skew('r/kubemark:v1.35.0', 'v1.38.1');
    assert.match(old[0]!.message, /removed from the kubernetes repository in 1.38/);
    assert.match(old[0]!.message, /v1.37 image/);
    const beyond = skew('r/kubemark:v1.37.0', 'v1.41.0');
    assert.equal(beyond[0]!.severity, 'warning');
    const placeholder = only(manifest({ image: 'xxxxxxxx' }), 'image-placeholder', { mastersVersion: 'v1.38.0' });
    for (const f of [...placeholder, ...old, ...beyond, ...newest]) assert.doesNotMatch(f.message, /make WHAT/);
    assert.match(only(manifest({ image: 'xxxxxxxx' }), 'image-placeholder', { mastersVersion: 'v1.36.0' })[0]!.message, /make WHAT=cmd\/kubemark in a v1.36 checkout/);
  });
});

describe('upstream\'s tolerations', () => {
  test('only unreachable, for 900 s, as upstream does on purpose: info, not a warning', () => {
    const text = upstreamRc({ contentType: '', tolerations: '      - key: "node.kubernetes.io/unreachable"\n        operator: "Exists"\n        effect: "NoExecute"\n        tolerationSeconds: 900' });
    const [f] = only(text, 'missing-noexecute-tolerations');
    assert.equal(f!.severity, 'info');
    assert.match(f!.message, /on purpose/);
    assert.deepEqual(ids(lint(text)), ['missing-noexecute-tolerations']);
  });
});

describe('kind: List and the content.type convention', () => {
  test('the items of a kind: List are checked like documents (kubectl get -o yaml writes these)', () => {
    const rc = upstreamRc({ contentType: 'application/json' }).split('---\n').map((d) => `- ${d.trim().split('\n').join('\n  ')}`).join('\n');
    const list = `apiVersion: v1\nkind: List\nitems:\n${rc}\n`;
    const [f] = only(list, 'positional-argument');
    assert.equal(f!.severity, 'error', 'the ConfigMap item is found by the workload item');
    assert.equal(at(list, f!), '"$(CONTENT_TYPE)"');
    assert.deepEqual(lint(fixAndRecheck(list, 'positional-argument')), []);
  });

  test('contentTypeConvention tells Deploy which content.type form a manifest needs', () => {
    assert.equal(contentTypeConvention(upstreamRc()), 'whole');
    assert.equal(contentTypeConvention(manifest()), 'value');
    assert.equal(contentTypeConvention('apiVersion: v1\nkind: Service\nmetadata: {name: x}\n'), undefined);
    assert.equal(contentTypeConvention(`${upstreamRc()}---\n${manifest()}`), 'both');
  });
});
