import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { applyEdits, lint, looksLikeKubemark, Finding, RULES, ruleList } from '../../../src/core/rules';
import { generateHollowNodeManifest, withDefaults, HollowNodeOptions } from '../../../src/core/manifest';

const IMAGE = 'registry.example.com/kubemark:v1.34.1';

/** A correct, generated manifest (with its Secret) to break one thing at a time. */
function manifest(options: Partial<HollowNodeOptions> = {}): string {
  return generateHollowNodeManifest(withDefaults({ image: IMAGE, mastersKubeconfig: 'apiVersion: v1\nkind: Config\n', ...options })).yaml;
}

function replaceOnce(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `fixture lacks ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

const PROXY_ARGV = '          command:\n            - /kubemark\n          args:\n            - "--morph=proxy"\n            - "--name=$(NODE_NAME)"\n            - "--kubeconfig=/kubeconfig/kubeproxy.kubeconfig"\n            - "--kube-api-content-type=$(CONTENT_TYPE)"\n            - "--v=2"\n';
const shellProxy = (tail: string) => `          command:\n            - /bin/sh\n            - -c\n            - /kubemark --morph=proxy --name=$(NODE_NAME) --kubeconfig=/kubeconfig/kubeproxy.kubeconfig ${tail}\n`;

const ids = (fs: Finding[]) => fs.map((f) => f.ruleId);
const only = (text: string, rule: string) => lint(text).filter((f) => f.ruleId === rule);
const at = (text: string, f: Finding) => text.split('\n')[f.range.start.line]!.slice(f.range.start.character, f.range.end.character);

/** Applies the finding's fix and checks the rule no longer fires and the YAML still parses. */
function fixAndRecheck(text: string, rule: string): string {
  const f = only(text, rule)[0];
  assert.ok(f, `expected ${rule}`);
  assert.ok(f.fix, `${rule} should offer a fix`);
  const fixed = applyEdits(text, f.fix.edits);
  for (const d of parseAllDocuments(fixed) as unknown as Array<{ errors: unknown[] }>) assert.deepEqual(d.errors, []);
  assert.equal(only(fixed, rule).length, only(text, rule).length - 1, `fix for ${rule} did not remove it:\n${fixed}`);
  return fixed;
}

describe('generated manifests lint clean', () => {
  const combos: Array<Partial<HollowNodeOptions>> = [
    {},
    { replicas: 0 },
    { replicas: 5000, namespace: 'perf-test', name: 'hollow' },
    { imageService: 'containerd' },
    { contentType: 'application/json', logVerbosity: 4, maxPods: 30 },
    { nodeLabels: { 'node.kubernetes.io/instance-type': 'fake-8', zone: 'a' }, taints: [{ key: 'kubemark', value: 'true', effect: 'NoSchedule' }, { key: 'gpu', effect: 'NoExecute' }] },
    { extendedResources: { 'nvidia.com/gpu': '8', 'rdma/hca': '1' } },
    { mastersKubeconfig: undefined },
    { kubelet: { requests: { cpu: '100m', memory: '200Mi' }, limits: { memory: '300Mi' } } },
  ];
  for (const c of combos) {
    test(JSON.stringify(c), () => assert.deepEqual(lint(manifest(c)), []));
  }
});

describe('flags', () => {
  test('a misspelt flag is unknown, with the fix to the real one', () => {
    const text = replaceOnce(manifest(), '--max-pods=110', '--max-pod=110');
    const [f] = only(text, 'unknown-flag');
    assert.equal(at(text, f!), '"--max-pod=110"');
    assert.match(f!.message, /did you mean --max-pods\?/);
    assert.match(fixAndRecheck(text, 'unknown-flag'), /- "--max-pods=110"/);
  });

  test('a misspelt --morph value', () => {
    const text = replaceOnce(manifest(), '--morph=kubelet', '--morph=kublet');
    const [f] = only(text, 'invalid-flag-value');
    assert.match(f!.message, /did you mean kubelet/);
    fixAndRecheck(text, 'invalid-flag-value');
  });

  test('no --morph at all', () => {
    const text = replaceOnce(manifest(), '            - "--morph=proxy"\n', '');
    assert.deepEqual(ids(lint(text)), ['morph-missing']);
  });

  for (const [flag, bad] of [
    ['--extended-resources=nvidia.com/gpu=8', '--extended-resources=nvidia.com/gpu=eight'],
    ['--extended-resources=nvidia.com/gpu=8', '--extended-resources=nvidia.com/gpu'],
    ['--register-with-taints=k=v:NoSchedule', '--register-with-taints=k=v:NoSchedul'],
    ['--register-with-taints=k=v:NoSchedule', '--register-with-taints=k=v'],
    ['--node-labels=zone=a', '--node-labels=zone=a b'],
    ['--max-pods=110', '--max-pods=many'],
  ] as const) {
    test(`malformed ${bad}`, () => {
      const text = replaceOnce(manifest({ extendedResources: { 'nvidia.com/gpu': '8' }, taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }], nodeLabels: { zone: 'a' } }), flag, bad);
      const fs = lint(text);
      assert.deepEqual(ids(fs), ['invalid-flag-value']);
      assert.equal(at(text, fs[0]!), `"${bad}"`);
    });
  }

  test('a bool flag with its value as a separate argument is a positional argument', () => {
    const text = replaceOnce(manifest(), '- "--use-host-image-service=false"\n', '- "--use-host-image-service"\n            - "false"\n');
    const fs = only(text, 'positional-argument');
    assert.equal(fs.length, 1);
    assert.match(fs[0]!.message, /write --use-host-image-service=false/);
    assert.match(fixAndRecheck(text, 'positional-argument'), /- "--use-host-image-service=false"\n/);
  });

  test('one-dash flags', () => {
    const text = replaceOnce(manifest(), '--max-pods=110', '-max-pods=110');
    assert.deepEqual(ids(lint(text)), ['single-dash-flag']);
    assert.match(fixAndRecheck(text, 'single-dash-flag'), /- "--max-pods=110"/);
    // -vmodule is not -v with the value "module=…": pflag would take it so, and fail.
    const vmodule = replaceOnce(manifest(), '--v=2', '-vmodule=hollow*=4');
    assert.deepEqual(ids(lint(vmodule)), ['single-dash-flag']);
  });

  test('flow-style args keep their style when fixed', () => {
    const text = replaceOnce(manifest(), 'command:\n            - /kubemark\n          args:', 'command: ["/kubemark", "$(CONTENT_TYPE)"]\n          args:');
    const fixed = fixAndRecheck(text, 'positional-argument');
    assert.match(fixed, /command: \["\/kubemark", "--kube-api-content-type=\$\(CONTENT_TYPE\)"\]/);
  });

  test('a stray word in a shell command is removed by the fix', () => {
    const text = replaceOnce(manifest(), PROXY_ARGV, shellProxy('test-cluster'));
    const [f] = only(text, 'positional-argument');
    assert.equal(at(text, f!), 'test-cluster');
    assert.match(fixAndRecheck(text, 'positional-argument'), /- \/kubemark --morph=proxy --name=\$\(NODE_NAME\) --kubeconfig=\/kubeconfig\/kubeproxy.kubeconfig\n/);
  });
});

describe('kubeconfig and image service mounts', () => {
  test('--kubeconfig outside every mount', () => {
    const text = replaceOnce(manifest(), '--kubeconfig=/kubeconfig/kubelet.kubeconfig', '--kubeconfig=/etc/kubernetes/kubelet.conf');
    const [f] = only(text, 'kubeconfig-not-mounted');
    assert.match(f!.message, /outside every volume mounted in this container \(\/kubeconfig\)/);
  });

  test('--kubeconfig at a key the Secret in the file does not have', () => {
    const text = replaceOnce(manifest(), '--kubeconfig=/kubeconfig/kubelet.kubeconfig', '--kubeconfig=/kubeconfig/config');
    const [f] = only(text, 'kubeconfig-key-missing');
    assert.match(f!.message, /key "config" of Secret "kubeconfig", which has only "kubelet.kubeconfig", "kubeproxy.kubeconfig"/);
    assert.match(fixAndRecheck(text, 'kubeconfig-key-missing'), /--kubeconfig=\/kubeconfig\/kubelet.kubeconfig/);
  });

  test("kubemark's default --kubeconfig is checked when the flag is left out", () => {
    const text = replaceOnce(manifest(), '            - "--kubeconfig=/kubeconfig/kubeproxy.kubeconfig"\n', '');
    const [f] = only(text, 'kubeconfig-key-missing');
    assert.match(f!.message, /default --kubeconfig=\/kubeconfig\/kubeconfig/);
  });

  test('host image service without /run/containerd, fixed with the fake image service', () => {
    const text = replaceOnce(manifest(), '            - "--use-host-image-service=false"\n', '');
    assert.deepEqual(ids(lint(text)), ['host-image-service-unmounted']);
    fixAndRecheck(text, 'host-image-service-unmounted');
  });

  test('explicit --use-host-image-service=true without the mount', () => {
    const text = replaceOnce(manifest(), '--use-host-image-service=false', '--use-host-image-service=true');
    fixAndRecheck(text, 'host-image-service-unmounted');
  });
});

describe('pod spec', () => {
  test('podManagementPolicy missing or OrderedReady', () => {
    const missing = replaceOnce(manifest(), '  podManagementPolicy: Parallel\n', '');
    assert.deepEqual(ids(lint(missing)), ['pod-management-policy']);
    fixAndRecheck(missing, 'pod-management-policy');
    const ordered = replaceOnce(manifest(), 'podManagementPolicy: Parallel', 'podManagementPolicy: OrderedReady');
    fixAndRecheck(ordered, 'pod-management-policy');
  });

  test('no tolerations', () => {
    const text = manifest().replace(/\n {6}tolerations:\n(.|\n)*$/, '\n');
    assert.deepEqual(ids(lint(text)), ['missing-noexecute-tolerations']);
    fixAndRecheck(text, 'missing-noexecute-tolerations');
  });

  test('one toleration of two', () => {
    const text = replaceOnce(manifest(), '        - key: node.kubernetes.io/not-ready\n          operator: Exists\n          effect: NoExecute\n', '');
    const [f] = only(text, 'missing-noexecute-tolerations');
    assert.match(f!.message, /node.kubernetes.io\/not-ready/);
    fixAndRecheck(text, 'missing-noexecute-tolerations');
  });

  test('no inotify init container', () => {
    const text = manifest().replace(/ {6}initContainers:\n( {8}.*\n)+/, '');
    assert.deepEqual(ids(lint(text)), ['missing-inotify-init']);
    fixAndRecheck(text, 'missing-inotify-init');
  });

  test('no requests', () => {
    const text = manifest().replace(/ {10}resources:\n {12}requests:\n {14}cpu: 20m\n {14}memory: 100Mi\n/, '');
    const [f] = only(text, 'missing-requests');
    assert.match(f!.message, /"hollow-proxy"/);
    assert.match(fixAndRecheck(text, 'missing-requests'), /cpu: 20m/);
  });
});

describe('API versions, images, output, content type', () => {
  test('removed API versions get the current one', () => {
    for (const [from, to] of [
      ['apiVersion: apps/v1\nkind: StatefulSet', 'apiVersion: apps/v1beta2\nkind: StatefulSet'],
      ['apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n', 'apiVersion: rbac.authorization.k8s.io/v1alpha1\nkind: ClusterRole\n'],
    ] as const) {
      const text = replaceOnce(manifest(), from, to);
      fixAndRecheck(text, 'removed-api-version');
    }
    const deploy = 'apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: x\n';
    assert.match(only(deploy, 'removed-api-version')[0]!.message, /Use apps\/v1/);
  });

  test('image missing, placeholder, without tag, latest', () => {
    assert.deepEqual(ids(lint(manifest({ image: 'registry.example.com/kubemark' }))), ['image-untagged', 'image-untagged']);
    assert.deepEqual(ids(lint(manifest({ image: 'kubemark:latest' }))), ['image-latest', 'image-latest']);
    assert.deepEqual(ids(lint(manifest({ image: '<your-image>' }))), ['image-placeholder', 'image-placeholder']);
    const noImage = replaceOnce(manifest(), `          image: ${IMAGE}\n${PROXY_ARGV}`, PROXY_ARGV);
    assert.deepEqual(ids(lint(noImage)), ['image-missing']);
  });

  test('stdout thrown away in a shell command', () => {
    const text = replaceOnce(manifest(), PROXY_ARGV, shellProxy('>/dev/null 2>&1').replace('/bin/sh', 'sh').replace('- /kubemark', '- exec /kubemark'));
    const [f] = only(text, 'output-discarded');
    assert.equal(at(text, f!), '>/dev/null');
    fixAndRecheck(text, 'output-discarded');
  });

  test('content.type in node-configmap', () => {
    const text = replaceOnce(manifest(), 'content.type: application/vnd.kubernetes.protobuf', 'content.type: test-cluster');
    assert.deepEqual(ids(lint(text)), ['invalid-content-type']);
    fixAndRecheck(text, 'invalid-content-type');
  });
});

describe('workload forms', () => {
  const containers = `
      containers:
      - name: hollow-kubelet
        image: ${IMAGE}
        command: ["/kubemark", "--morph=kubelet", "--name=$(NODE_NAME)", "--use-host-image-service=false", "stray"]
`;
  const pod = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: hollow\nspec:\n${containers.replace(/^ {4}/gm, '')}`;
  const rc = `apiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: hollow-node\nspec:\n  replicas: 2\n  template:\n    metadata:\n      labels:\n        name: hollow-node\n    spec:${containers}`;
  const deploy = rc.replace('apiVersion: v1\nkind: ReplicationController', 'apiVersion: apps/v1\nkind: Deployment');
  for (const [form, text] of [['Pod', pod], ['ReplicationController', rc], ['Deployment', deploy]] as const) {
    test(form, () => {
      const fs = lint(text);
      assert.ok(ids(fs).includes('positional-argument'), ids(fs).join());
      assert.ok(ids(fs).includes('missing-inotify-init'));
      assert.ok(ids(fs).includes('missing-noexecute-tolerations'));
      assert.ok(ids(fs).includes('kubeconfig-not-mounted'));
      assert.equal(at(text, fs.find((f) => f.ruleId === 'positional-argument')!), '"stray"');
      assert.ok(!ids(fs).includes('pod-management-policy'));
    });
  }
});

describe('syntax and scope', () => {
  test('a YAML syntax error is reported at its line', () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\nspec: {}\n';
    const fs = lint(text);
    assert.ok(fs.length > 0 && fs.every((f) => f.ruleId === 'yaml-syntax'));
    assert.ok(fs.some((f) => f.range.start.line >= 3));
  });

  test('unrelated YAML is not kubemark and gets no findings', () => {
    const text = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n';
    assert.equal(looksLikeKubemark(text), false);
    assert.deepEqual(lint(text), []);
    assert.equal(looksLikeKubemark(manifest()), true);
    assert.equal(looksLikeKubemark('key: kubemark\n'), false);
  });

  test('every rule in the catalogue has a severity and title', () => {
    for (const r of ruleList()) {
      assert.ok(['error', 'warning', 'info'].includes(r.severity));
      assert.ok(r.title.length > 0);
    }
    assert.ok(Object.keys(RULES).length >= 20);
  });
});
