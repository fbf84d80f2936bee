// Verdicts from recorded statuses, events and log lines (message formats from the Kubernetes
// sources: kube-scheduler, kubelet volume plugins and node status, kubemark, cobra/pflag).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ContainerEvidence,
  EventEvidence,
  EvidenceBundle,
  PodEvidence,
  diagnose,
  errorLines,
  findManifestLine,
  kubeconfigSecretRefs,
  kubeconfigServer,
  renderDiagnosisMarkdown,
} from '../../../src/core/diagnosis';

const NOW = Date.parse('2026-12-01T10:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

function container(name: string, over: Partial<ContainerEvidence> = {}): ContainerEvidence {
  return { name, image: 'registry.example.com/kubemark:v1.37.2', ready: true, restartCount: 0, state: { kind: 'running', startedAt: ago(300) }, ...over };
}

function pod(over: Partial<PodEvidence> = {}): PodEvidence {
  return {
    namespace: 'kubemark',
    name: 'hollow-node-0',
    phase: 'Running',
    nodeName: 'worker-1',
    createdAt: ago(600),
    conditions: [{ type: 'Ready', status: 'True' }],
    containers: [container('hollow-kubelet'), container('hollow-proxy')],
    requests: { cpuMilli: 60, memoryBytes: 200 * 2 ** 20 },
    owner: { kind: 'StatefulSet', name: 'hollow-node' },
    ...over,
  };
}

function event(reason: string, message: string, over: Partial<EventEvidence> = {}): EventEvidence {
  return { object: 'Pod/hollow-node-0', type: 'Warning', reason, message, count: 1, lastSeen: ago(10), ...over };
}

const readyNode = { name: 'hollow-node-0', exists: true, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }], taints: [] };
const noNode = { name: 'hollow-node-0', exists: false, conditions: [], taints: [] };
const goodSecret = { namespace: 'kubemark', name: 'kubeconfig', exists: true, keys: ['kubelet.kubeconfig', 'kubeproxy.kubeconfig'], expectedKeys: ['kubelet.kubeconfig', 'kubeproxy.kubeconfig'], server: 'https://10.0.0.1:6443' };

function bundle(over: Partial<EvidenceBundle> = {}): EvidenceBundle {
  return {
    target: { kind: 'pod', namespace: 'kubemark', name: 'hollow-node-0' },
    now: NOW,
    pod: pod(),
    podEvents: [],
    ownerEvents: [],
    logs: [],
    mastersNode: noNode,
    secret: goodSecret,
    problems: [],
    ...over,
  };
}

const KLOG = (sev: string, file: string, msg: string) => `${sev}1201 09:59:50.123456       1 ${file}] ${msg}`;

describe('verdicts', () => {
  test('ready: Node Ready and Lease fresh', () => {
    const d = diagnose(bundle({ mastersNode: readyNode, lease: { renewTime: '2026-12-01T09:59:55.123456Z', durationSeconds: 40 } }));
    assert.equal(d.code, 'ready');
    assert.match(d.evidence.map((e) => e.text).join('\n'), /Lease renewed 5 s ago/);
  });

  test('unschedulable-resources: FailedScheduling says how much is missing', () => {
    const d = diagnose(
      bundle({
        pod: pod({ phase: 'Pending', nodeName: undefined, requests: { cpuMilli: 64_000, memoryBytes: 100 * 2 ** 20 }, conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] }),
        podEvents: [event('FailedScheduling', '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.', { count: 4 })],
        workersCapacity: { nodes: 3, largestFree: { cpuMilli: 31_900, memoryBytes: 127 * 2 ** 30 }, largestAllocatable: { cpuMilli: 32_000, memoryBytes: 128 * 2 ** 30 } },
      }),
    );
    assert.equal(d.code, 'unschedulable-resources');
    assert.match(d.verdict, /32\.1 CPU of cpu missing \(the pod requests 64 CPU; the roomiest of 3 workers nodes has 31\.9 CPU free\)/);
    assert.match(d.nextStep, /Lower .* requests to cpu ≤ 31\.9 CPU per pod/);
    assert.match(d.evidence[0]!.text, /FailedScheduling \(×4\): 0\/3 nodes are available: 3 Insufficient cpu/);
  });

  test('unschedulable-resources for memory without capacity evidence still names the resource', () => {
    const d = diagnose(
      bundle({
        pod: pod({ phase: 'Pending', nodeName: undefined, requests: { cpuMilli: 40, memoryBytes: 512 * 2 ** 30 } }),
        podEvents: [event('FailedScheduling', '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.')],
      }),
    );
    assert.equal(d.code, 'unschedulable-resources');
    assert.match(d.verdict, /3 nodes lack memory for a request of 512Gi/);
  });

  test('unschedulable (not resources): taints', () => {
    const d = diagnose(
      bundle({
        pod: pod({ phase: 'Pending', nodeName: undefined }),
        podEvents: [event('FailedScheduling', "0/3 nodes are available: 3 node(s) had untolerated taint {dedicated: infra}. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")],
      }),
    );
    assert.equal(d.code, 'unschedulable');
    assert.match(d.verdict, /untolerated taint/);
  });

  test('secret-key-missing: kubelet FailedMount with items', () => {
    const d = diagnose(
      bundle({
        pod: pod({ phase: 'Pending', containers: [container('hollow-kubelet', { ready: false, state: { kind: 'waiting', reason: 'ContainerCreating' } })] }),
        podEvents: [event('FailedMount', 'MountVolume.SetUp failed for volume "kubeconfig-volume" : references non-existent secret key: kubelet.kubeconfig', { count: 7 })],
        secret: { ...goodSecret, keys: ['kubeconfig'], expectedKeys: ['kubelet.kubeconfig'] },
      }),
    );
    assert.equal(d.code, 'secret-key-missing');
    assert.match(d.verdict, /Secret kubemark\/kubeconfig has no key kubelet\.kubeconfig/);
    assert.deepEqual(d.actions?.map((a) => a.id), ['scaffold']);
    assert.deepEqual(d.actions?.[0]?.args, { namespace: 'kubemark' });
  });

  test('secret-key-missing: CreateContainerConfigError from an env secretKeyRef', () => {
    const d = diagnose(bundle({ secret: undefined, podEvents: [event('Failed', 'Error: couldn\'t find key kubelet.kubeconfig in Secret kubemark/kubeconfig')] }));
    assert.equal(d.code, 'secret-key-missing');
    assert.match(d.verdict, /no key kubelet\.kubeconfig/);
  });

  test('secret-key-missing: whole-Secret mount, the file is missing and kubemark says so', () => {
    const d = diagnose(
      bundle({
        secret: { ...goodSecret, keys: ['config'], expectedKeys: ['kubelet.kubeconfig', 'kubeproxy.kubeconfig'] },
        logs: [{ container: 'hollow-kubelet', lines: ['Error: Failed to create a ClientConfig, error: error while loading kubeconfig from file /kubeconfig/kubelet.kubeconfig: open /kubeconfig/kubelet.kubeconfig: no such file or directory. Exiting'] }],
      }),
    );
    assert.equal(d.code, 'secret-key-missing');
    assert.match(d.verdict, /no key kubelet\.kubeconfig, kubeproxy\.kubeconfig/);
    assert.ok(d.evidence.some((e) => e.source === 'log' && /error while loading kubeconfig/.test(e.text)));
  });

  test('secret-missing', () => {
    const d = diagnose(bundle({ secret: { ...goodSecret, exists: false, keys: [] }, podEvents: [event('FailedMount', 'MountVolume.SetUp failed for volume "kubeconfig-volume" : secret "kubeconfig" not found')] }));
    assert.equal(d.code, 'secret-missing');
    assert.equal(d.actions?.[0]?.id, 'scaffold');
  });

  test('bad-arguments: positional argument, linked to the manifest line', () => {
    const manifest = ['spec:', '  containers:', '  - name: hollow-kubelet', '    args:', '    - --morph=kubelet', '    - $(CONTENT_TYPE)', '    - --v=2'].join('\n');
    const d = diagnose(
      bundle({
        pod: pod({ containers: [container('hollow-kubelet', { restartCount: 3, argv: ['/kubemark', '--morph=kubelet', '$(CONTENT_TYPE)', '--v=2'] })] }),
        logs: [{ container: 'hollow-kubelet', lines: ['Error: "kubemark" does not take any arguments, got ["application/vnd.kubernetes.protobuf"]'] }],
        manifest: { uri: 'file:///w/hollow.yaml', text: manifest },
      }),
    );
    assert.equal(d.code, 'bad-arguments');
    assert.match(d.verdict, /got "application\/vnd\.kubernetes\.protobuf"/);
    assert.deepEqual(d.evidence[0]?.location, { uri: 'file:///w/hollow.yaml', line: 5, character: 6 });
    assert.deepEqual(d.actions?.[0], { id: 'openManifestLine', title: 'Open the manifest at line 6', args: { uri: 'file:///w/hollow.yaml', line: 5, character: 6 } });
  });

  test('bad-arguments: unknown flag, the exact flag not a prefix', () => {
    const manifest = '    - --kubelet-port=10250\n    - --kubelet-portx=1\n';
    const d = diagnose(bundle({ logs: [{ container: 'hollow-kubelet', lines: ['Error: unknown flag: --kubelet-portx', 'Usage:', '  kubemark [flags]'] }], manifest: { uri: 'untitled:1', text: manifest } }));
    assert.equal(d.code, 'bad-arguments');
    assert.match(d.verdict, /does not know the flag --kubelet-portx/);
    assert.equal(d.evidence[0]?.location?.line, 1);
  });

  test('image-service-unavailable offers --use-host-image-service=false', () => {
    const d = diagnose(
      bundle({
        logs: [
          {
            container: 'hollow-kubelet',
            previous: true,
            lines: [
              KLOG('I', 'hollow_node.go:148', 'Version: v1.37.2'),
              'Error: Failed to init image service, error: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial unix /run/containerd/containerd.sock: connect: no such file or directory"',
            ],
          },
        ],
      }),
    );
    assert.equal(d.code, 'image-service-unavailable');
    assert.equal(d.actions?.[0]?.id, 'setUseHostImageServiceFalse');
    assert.deepEqual(d.actions?.[0]?.args, { pod: 'kubemark/hollow-node-0', container: 'hollow-kubelet', owner: 'StatefulSet/hollow-node' });
  });

  test('masters-unreachable shows the server the Secret points at', () => {
    const d = diagnose(
      bundle({
        secret: { ...goodSecret, server: 'https://10.0.0.9:6443' },
        logs: [
          {
            container: 'hollow-kubelet',
            lines: [KLOG('E', 'kubelet_node_status.go:107', '"Unable to register node with API server" err="Post \\"https://10.0.0.9:6443/api/v1/nodes\\": dial tcp 10.0.0.9:6443: connect: connection refused" node="hollow-node-0"')],
          },
        ],
      }),
    );
    assert.equal(d.code, 'masters-unreachable');
    assert.match(d.verdict, /cannot reach the masters apiserver at https:\/\/10\.0\.0\.9:6443: connection refused/);
    assert.ok(d.evidence.some((e) => e.source === 'secret' && /10\.0\.0\.9/.test(e.text)));
  });

  test('masters-unreachable although a later "Error getting node … not found" line says nothing about reachability', () => {
    const d = diagnose(
      bundle({
        logs: [
          {
            container: 'hollow-kubelet',
            lines: [
              KLOG('E', 'kubelet_node_status.go:107', '"Unable to register node with API server" err="Post \\"https://10.0.0.1:6443/api/v1/nodes\\": dial tcp 10.0.0.1:6443: connect: no route to host" node="hollow-node-0"'),
              KLOG('E', 'kubelet.go:3202', '"Error getting node" err="node \\"hollow-node-0\\" not found"'),
            ],
          },
        ],
      }),
    );
    assert.equal(d.code, 'masters-unreachable');
    assert.match(d.verdict, /no route to the host/);
    // Only "not found" lines: not a reachability verdict.
    const quiet = diagnose(bundle({ logs: [{ container: 'hollow-kubelet', lines: [KLOG('E', 'kubelet.go:3202', '"Error getting node" err="node \\"hollow-node-0\\" not found"')] }] }));
    assert.equal(quiet.code, 'node-missing');
  });

  test('masters-unreachable with a timeout, server taken from the log when the Secret was not read', () => {
    const d = diagnose(
      bundle({
        secret: undefined,
        logs: [{ container: 'hollow-kubelet', lines: [KLOG('E', 'kubelet_node_status.go:107', '"Unable to register node with API server" err="Post \\"https://masters.example:6443/api/v1/nodes\\": dial tcp 192.0.2.7:6443: i/o timeout" node="hollow-node-0"')] }],
      }),
    );
    assert.equal(d.code, 'masters-unreachable');
    assert.match(d.verdict, /at https:\/\/masters\.example:6443: the connection timed out/);
  });

  test('masters-rejected on an unknown CA', () => {
    const d = diagnose(bundle({ logs: [{ container: 'hollow-kubelet', lines: [KLOG('E', 'kubelet_node_status.go:107', '"Unable to register node with API server" err="Post \\"https://10.0.0.1:6443/api/v1/nodes\\": tls: failed to verify certificate: x509: certificate signed by unknown authority" node="hollow-node-0"')] }] }));
    assert.equal(d.code, 'masters-rejected');
  });

  test('heartbeat-stale: the node registered, the Lease is old', () => {
    const d = diagnose(
      bundle({
        mastersNode: { ...readyNode, conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }] },
        lease: { renewTime: '2026-12-01T09:57:00.000000Z', durationSeconds: 40 },
      }),
    );
    assert.equal(d.code, 'heartbeat-stale');
    assert.match(d.verdict, /Lease renewed 3 min ago/);
  });

  test('heartbeat-stale with the pod gone offers deleting the Node', () => {
    const d = diagnose(bundle({ target: { kind: 'node', namespace: 'kubemark', name: 'hollow-node-0' }, pod: undefined, mastersNode: readyNode, lease: { renewTime: ago(90), durationSeconds: 40 } }));
    assert.equal(d.code, 'heartbeat-stale');
    assert.match(d.verdict, /pod kubemark\/hollow-node-0 is gone/);
    assert.equal(d.actions?.[0]?.id, 'deleteNode');
  });

  test('a Ready condition with a stale Lease is not ready', () => {
    const d = diagnose(bundle({ mastersNode: readyNode, lease: { renewTime: ago(45), durationSeconds: 40 } }));
    assert.equal(d.code, 'heartbeat-stale');
  });

  test('image-pull from a recorded status (ImagePullBackOff) and its events', () => {
    const d = diagnose(
      bundle({
        pod: pod({
          phase: 'Pending',
          containers: [
            container('hollow-kubelet', { image: 'registry.example.com/kubemark:v9.9.9', ready: false, state: { kind: 'waiting', reason: 'ImagePullBackOff', message: 'Back-off pulling image "registry.example.com/kubemark:v9.9.9"' } }),
            container('hollow-proxy', { image: 'registry.example.com/kubemark:v9.9.9', ready: false, state: { kind: 'waiting', reason: 'ErrImagePull', message: 'rpc error: code = NotFound desc = failed to pull and unpack image "registry.example.com/kubemark:v9.9.9": failed to resolve reference "registry.example.com/kubemark:v9.9.9": registry.example.com/kubemark:v9.9.9: not found' } }),
          ],
        }),
        podEvents: [
          event('Failed', 'Failed to pull image "registry.example.com/kubemark:v9.9.9": rpc error: code = NotFound desc = failed to pull and unpack image "registry.example.com/kubemark:v9.9.9": failed to resolve reference "registry.example.com/kubemark:v9.9.9": registry.example.com/kubemark:v9.9.9: not found', { lastSeen: ago(30) }),
          event('Failed', 'Error: ErrImagePull', { lastSeen: ago(30) }),
          event('BackOff', 'Back-off pulling image "registry.example.com/kubemark:v9.9.9"', { type: 'Normal', lastSeen: ago(5) }),
          event('Failed', 'Error: ImagePullBackOff', { lastSeen: ago(5) }),
        ],
      }),
    );
    assert.equal(d.code, 'image-pull');
    assert.match(d.verdict, /registry\.example\.com\/kubemark:v9\.9\.9 cannot be pulled: the image or tag does not exist/);
  });

  test('crash-loop: restarts with the last exit reason', () => {
    const d = diagnose(
      bundle({
        pod: pod({
          containers: [
            container('hollow-kubelet', { ready: false, restartCount: 6, state: { kind: 'waiting', reason: 'CrashLoopBackOff', message: 'back-off 2m40s restarting failed container=hollow-kubelet pod=hollow-node-0_kubemark(0b1c)' }, lastState: { kind: 'terminated', reason: 'OOMKilled', exitCode: 137 } }),
            container('hollow-proxy'),
          ],
        }),
        podEvents: [event('BackOff', 'Back-off restarting failed container hollow-kubelet in pod hollow-node-0_kubemark(0b1c-22)', { count: 25 })],
      }),
    );
    assert.equal(d.code, 'crash-loop');
    assert.match(d.verdict, /hollow-kubelet restarted 6 times \(last exit: OOMKilled, exit code 137\)/);
  });

  test('crash-loop seen only in events (the lab reports restarts as events)', () => {
    const d = diagnose(bundle({ podEvents: [event('BackOff', 'Back-off 8s restarting failed container hollow-kubelet in pod hollow-node-0 (exited with code 2)', { count: 3 })] }));
    assert.equal(d.code, 'crash-loop');
    assert.match(d.verdict, /hollow-kubelet keeps restarting \(back-off ×3, last exit code 2\)/);
  });

  test('not-run: the workers node refused the pod (the lab: a namespace it was not told about), the event says what to do', () => {
    const msg = 'kubemark-lab runs hollow-node pods only in namespaces it set up: label namespace perf with app.kubernetes.io/managed-by=kubemark-workbench';
    const d = diagnose(bundle({ pod: pod({ namespace: 'perf' }), podEvents: [event('NotRun', msg)] }));
    assert.equal(d.code, 'not-run');
    assert.match(d.nextStep, /label namespace perf with app\.kubernetes\.io\/managed-by=kubemark-workbench/);
    assert.match(d.evidence[0]!.text, /Warning NotRun/);
    // Registered anyway (an older event): not this verdict.
    assert.notEqual(diagnose(bundle({ mastersNode: readyNode, podEvents: [event('NotRun', msg)] })).code, 'not-run');
    // A Normal event of that reason is not a refusal.
    assert.equal(diagnose(bundle({ podEvents: [event('NotRun', msg, { type: 'Normal' })] })).code, 'node-missing');
    // Fixed since: a container started after the event (the namespace was labelled): the real cause shows.
    const started = diagnose(bundle({ pod: pod({ namespace: 'perf', containers: [container('hollow-kubelet', { state: { kind: 'running', startedAt: ago(5) } })] }), podEvents: [event('NotRun', msg, { lastSeen: ago(60) })] }));
    assert.equal(started.code, 'node-missing');
  });

  test('node-missing: running pod, no Node, nothing in the logs', () => {
    const d = diagnose(bundle({ logs: [{ container: 'hollow-kubelet', lines: [KLOG('I', 'hollow_node.go:148', 'Version: v1.37.2')] }] }));
    assert.equal(d.code, 'node-missing');
    assert.match(d.verdict, /no Node hollow-node-0 registered in the masters cluster\./);
  });

  test('pod-missing and unknown', () => {
    assert.equal(diagnose(bundle({ pod: undefined })).code, 'pod-missing');
    const u = diagnose(bundle({ mastersNode: undefined, problems: ['masters: 403 on nodes'] }));
    assert.equal(u.code, 'unknown');
    assert.match(u.nextStep, /access problems/);
  });

  test('a specific cause wins over the crash loop it causes', () => {
    const d = diagnose(
      bundle({
        pod: pod({ containers: [container('hollow-kubelet', { restartCount: 4, state: { kind: 'waiting', reason: 'CrashLoopBackOff' }, lastState: { kind: 'terminated', reason: 'Error', exitCode: 1 } })] }),
        logs: [{ container: 'hollow-kubelet', previous: true, lines: ['Error: unknown flag: --bogus'] }],
      }),
    );
    assert.equal(d.code, 'bad-arguments');
  });
});

describe('pieces', () => {
  test('findManifestLine skips comments and prefixes', () => {
    const text = '# --foo=1\n- --foobar=2\n- "--foo=3"\n';
    assert.deepEqual(findManifestLine(text, ['--foo']), { line: 2, character: 3 });
    assert.equal(findManifestLine(text, ['--nope']), undefined);
  });

  test('kubeconfigSecretRefs: whole mount, items and shell form', () => {
    const spec = {
      containers: [
        { name: 'k', command: ['/kubemark'], args: ['--morph=kubelet', '--kubeconfig=/kubeconfig/kubelet.kubeconfig'], volumeMounts: [{ name: 'kc', mountPath: '/kubeconfig' }] },
        { name: 'p', command: ['sh', '-c', '/kubemark --morph=proxy --kubeconfig=/etc/kc/proxy $(X)'], volumeMounts: [{ name: 'items', mountPath: '/etc/kc/' }] },
      ],
      volumes: [
        { name: 'kc', secret: { secretName: 'kubeconfig' } },
        { name: 'items', secret: { secretName: 'other', items: [{ key: 'kubeproxy.kubeconfig', path: 'proxy' }] } },
      ],
    };
    assert.deepEqual(kubeconfigSecretRefs(spec), [
      { secret: 'kubeconfig', keys: ['kubelet.kubeconfig'] },
      { secret: 'other', keys: ['kubeproxy.kubeconfig'] },
    ]);
  });

  test('kubeconfigServer reads the current context only', () => {
    const kc = 'apiVersion: v1\nclusters:\n- name: a\n  cluster: {server: "https://a:6443"}\n- name: b\n  cluster: {server: "https://b:6443", certificate-authority-data: Zm9v}\ncontexts:\n- name: x\n  context: {cluster: b, user: u}\ncurrent-context: x\nusers:\n- name: u\n  user: {token: secret-token}\n';
    assert.equal(kubeconfigServer(kc), 'https://b:6443');
    assert.equal(kubeconfigServer(': not yaml ['), undefined);
  });

  test('errorLines: classifier errors and cobra "Error:" lines, noise dropped', () => {
    const errs = errorLines({ logs: [{ container: 'hollow-kubelet', lines: [KLOG('I', 'x.go:1', 'fine'), 'Error: unknown flag: --x', KLOG('E', 'x.go:2', '"Unable to register node with API server" err="boom"')] }] });
    assert.deepEqual(errs[0]?.lines.length, 2);
  });

  test('the markdown view has every section and no secret values', () => {
    const b = bundle({ podEvents: [event('BackOff', 'Back-off restarting failed container hollow-kubelet in pod hollow-node-0')] });
    const md = renderDiagnosisMarkdown(b, diagnose(b));
    for (const h of ['# Why isn\'t pod kubemark/hollow-node-0 Ready?', '**Verdict: `crash-loop`**', '## The pod', '## Events', '## Log errors', '## The Node in masters', '## The workers node', '## The kubeconfig Secret']) assert.ok(md.includes(h), h);
    assert.ok(!/secret-token/.test(md));
  });
});
