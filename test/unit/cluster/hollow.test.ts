import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { hollowNodeNameOf, isHollowPod, isHollowWorkload, matchesSelector, morphOf, parseSelector } from '../../../src/cluster/hollow';
import { NodeRecord, PodRecord, WorkloadRecord, slimNode, slimPod, slimWorkload } from '../../../src/cluster/records';
import { groupHollowPods, ownerDescription, splitHollow, statusText } from '../../../src/cluster/viewModel';
import { Change } from '../../../src/cluster/listWatch';
import { waitForInstanceNodes, contentTypeValueFor, preflightOptions } from '../../../src/cluster/deployManifest';
import { InformerSet } from '../../../src/cluster/state';
import { applyOrder, desiredReplicas, instanceOf, needsOf, splitManifest, withOurLabels } from '../../../src/core/manifest';
import { workloadLines as lensLines } from '../../../src/core/manifest/lenses';

/** Small typed builders with defaults. */
function rawPod(name: string, o: { ns?: string; command?: string[]; args?: string[]; labels?: Record<string, string>; owner?: { kind: string; name: string }; env?: unknown[] } = {}) {
  return {
    metadata: { name, namespace: o.ns ?? 'kubemark', uid: `uid-${name}`, labels: o.labels ?? {}, ...(o.owner ? { ownerReferences: [{ ...o.owner, uid: `uid-${o.owner.name}`, controller: true }] } : {}) },
    spec: { containers: [{ name: 'hollow-kubelet', image: 'registry.k8s.io/kubemark:v1.37.2', command: o.command ?? ['/kubemark'], args: o.args ?? [], env: o.env ?? [] }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'hollow-kubelet', ready: true, restartCount: 0, state: { running: {} } }] },
  };
}
function pod(name: string, o: Partial<PodRecord> = {}): PodRecord {
  return { name, uid: `uid-${name}`, namespace: 'kubemark', phase: 'Running', status: 'Running', readyContainers: 1, containers: [{ name: 'hollow-kubelet', ready: true, restarts: 0, state: 'Running' }], restarts: 0, created: '', deleting: false, ...o };
}
function workload(kind: string, name: string, o: Partial<WorkloadRecord> = {}): WorkloadRecord {
  return { kind, name, namespace: 'kubemark', uid: `uid-${name}`, desired: 2, ready: 2, current: 2, selector: {}, managedByUs: false, ...o };
}
function node(name: string, o: Partial<NodeRecord> = {}): NodeRecord {
  return { name, uid: `uid-${name}`, rv: '1', hollow: true, condition: 'Ready', kubeletVersion: 'v1.37.2', capacity: {}, labels: {}, taints: [], created: '', unschedulable: false, ...o };
}

describe('discovery: which pods are hollow nodes', () => {
  test('--morph in exec form, in one shell string, and as two arguments; proxy too', () => {
    assert.equal(isHollowPod(rawPod('a', { args: ['--morph=kubelet', '--name=$(NODE_NAME)'] })), true);
    assert.equal(isHollowPod(rawPod('b', { command: ['/bin/sh', '-c', '/kubemark --morph=proxy --name=$(NODE_NAME) --v=2'] })), true);
    assert.equal(isHollowPod(rawPod('c', { command: ['/kubemark', '--morph', 'kubelet'] })), true);
    assert.equal(morphOf({ command: ['/go-runner', '/kubemark', '--morph', 'proxy'] }), 'proxy');
  });

  test('other pods are not, even when named like one', () => {
    assert.equal(isHollowPod(rawPod('hollow-node-0', { command: ['nginx'] })), false);
    assert.equal(isHollowPod(rawPod('x', { args: ['--morph=scheduler'] })), false);
    assert.equal(isHollowPod({ metadata: { name: 'y' } }), false);
  });

  test('a configured label selector adds pods that do not show --morph (a wrapper script)', () => {
    const sel = parseSelector('app=hollow-node, tier in (sim,test), !legacy');
    const wrapped = rawPod('w', { command: ['/run.sh'], labels: { app: 'hollow-node', tier: 'sim' } });
    assert.equal(isHollowPod(wrapped), false);
    assert.equal(isHollowPod(wrapped, sel), true);
    assert.equal(isHollowPod(rawPod('l', { command: ['/run.sh'], labels: { app: 'hollow-node', tier: 'sim', legacy: '1' } }), sel), false);
    assert.equal(matchesSelector({ a: '1' }, parseSelector('a!=2')), true);
    assert.equal(matchesSelector({ a: '2' }, parseSelector('a!=2')), false);
    assert.equal(matchesSelector({ a: '2' }, []), false, 'an empty selector selects nothing');
    assert.throws(() => parseSelector('a=b,,c'), /Empty requirement/);
    assert.throws(() => parseSelector('a b'), /Cannot read "a b"/);
  });

  test('a workload is one when its pod template is', () => {
    assert.equal(isHollowWorkload({ spec: { template: { spec: rawPod('t', { args: ['--morph=kubelet'] }).spec } } }), true);
    assert.equal(isHollowWorkload({ spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx' }] } } } }), false);
  });

  test('the node name from --name: $(VAR) through env (fieldRef metadata.name, a literal), the default, or unknown', () => {
    const env = [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'PREFIX', value: 'sim' }];
    assert.equal(hollowNodeNameOf(rawPod('hn-rc-x7k2p', { args: ['--morph=kubelet', '--name=$(NODE_NAME)'], env })), 'hn-rc-x7k2p');
    assert.equal(hollowNodeNameOf(rawPod('p', { args: ['--morph=kubelet', '--name', '$(PREFIX)-$(NODE_NAME)'], env })), 'sim-p');
    assert.equal(hollowNodeNameOf(rawPod('p', { command: ['sh', '-c', '/kubemark --morph=kubelet --name=$NODE_NAME'], env })), 'p');
    assert.equal(hollowNodeNameOf(rawPod('p', { args: ['--morph=kubelet'] })), 'fake-node');
    assert.equal(hollowNodeNameOf(rawPod('p', { args: ['--morph=kubelet', '--name=$(FROM_CM)'], env: [{ name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'x', key: 'y' } } }] })), undefined);
    assert.equal(hollowNodeNameOf(rawPod('p', { args: ['--morph=proxy', '--name=$(NODE_NAME)'], env })), undefined, 'only the kubelet registers a node');
  });

  test('slim records carry owner kind, node name and our instance label', () => {
    const r = slimPod(rawPod('hn-1', { args: ['--morph=kubelet', '--name=$(NODE_NAME)'], env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }], owner: { kind: 'ReplicationController', name: 'hn' }, labels: { 'kubemark-workbench/instance': 'ns.hn' } }));
    assert.equal(r.ownerKind, 'ReplicationController');
    assert.equal(r.ownerName, 'hn');
    assert.equal(r.hollowName, 'hn-1');
    assert.equal(r.instance, 'ns.hn');
    const ds = slimWorkload('DaemonSet')({ metadata: { name: 'd', namespace: 'n', uid: 'u' }, status: { desiredNumberScheduled: 3, numberReady: 1, currentNumberScheduled: 2 } });
    assert.deepEqual([ds.kind, ds.desired, ds.ready, ds.current], ['DaemonSet', 3, 1, 2]);
    const rs = slimWorkload('ReplicaSet')({ metadata: { name: 'dep-abc', namespace: 'n', ownerReferences: [{ kind: 'Deployment', name: 'dep', controller: true }] }, spec: { replicas: 4 } });
    assert.deepEqual(rs.owner, { kind: 'Deployment', name: 'dep' });
  });
});

describe('grouping: namespace → owner → pods', () => {
  test('StatefulSet, ReplicationController, Deployment (through its ReplicaSet), DaemonSet, bare pods, across namespaces', () => {
    const workloads = [
      workload('StatefulSet', 'hollow-node'),
      workload('ReplicationController', 'hollow-rc', { namespace: 'perf' }),
      workload('Deployment', 'dep', { namespace: 'perf' }),
      workload('ReplicaSet', 'dep-7f9', { namespace: 'perf', owner: { kind: 'Deployment', name: 'dep' } }),
      workload('DaemonSet', 'ds', { namespace: 'perf', desired: 3 }),
      workload('StatefulSet', 'empty', { desired: 0, ready: 0, current: 0 }),
    ];
    const pods = [
      pod('hollow-node-1', { ownerName: 'hollow-node', ownerKind: 'StatefulSet' }),
      pod('hollow-node-0', { ownerName: 'hollow-node', ownerKind: 'StatefulSet' }),
      pod('hollow-rc-abcde', { namespace: 'perf', ownerName: 'hollow-rc', ownerKind: 'ReplicationController' }),
      pod('dep-7f9-x1', { namespace: 'perf', ownerName: 'dep-7f9', ownerKind: 'ReplicaSet' }),
      pod('ds-q', { namespace: 'perf', ownerName: 'ds', ownerKind: 'DaemonSet' }),
      pod('machine-0', { namespace: 'capi' }),
      pod('job-pod', { namespace: 'capi', ownerName: 'j', ownerKind: 'Job' }),
    ];
    const g = groupHollowPods(pods, workloads, ['watched-empty']);
    assert.deepEqual(g.map((n) => [n.namespace, n.pods]), [['capi', 2], ['kubemark', 2], ['perf', 3], ['watched-empty', 0]]);
    const perf = g.find((n) => n.namespace === 'perf')!;
    assert.deepEqual(perf.owners.map((o) => `${o.kind}/${o.name}:${o.pods.map((p) => p.name).join(',')}`), [
      'ReplicationController/hollow-rc:hollow-rc-abcde',
      'Deployment/dep:dep-7f9-x1',
      'DaemonSet/ds:ds-q',
    ]);
    const kubemark = g.find((n) => n.namespace === 'kubemark')!;
    assert.deepEqual(kubemark.owners.map((o) => o.name), ['empty', 'hollow-node'], 'a StatefulSet scaled to 0 still shows');
    const capi = g.find((n) => n.namespace === 'capi')!;
    assert.deepEqual(capi.owners.map((o) => [o.kind, o.name]), [['Job', 'j'], [undefined, 'bare pods']], 'bare pods last');
    assert.equal(ownerDescription(capi.owners[1]!), 'no controller · 1/1 ready');
    assert.equal(ownerDescription(perf.owners[0]!), 'ReplicationController · 2/2 ready');
  });
});

describe('masters: hollow nodes apart from other nodes', () => {
  test('split by NodeRecord.hollow; the status bar counts hollow nodes only', () => {
    const nodes = [node('hn-0'), node('hn-1', { condition: 'NotReady' }), node('control-plane', { hollow: false }), node('kwok-0', { hollow: false })];
    const s = splitHollow(nodes);
    assert.deepEqual(s.hollow.map((n) => n.name), ['hn-0', 'hn-1']);
    assert.deepEqual(s.other.map((n) => n.name), ['control-plane', 'kwok-0']);
    assert.equal(statusText(nodes), 'Kubemark: 1/2 Ready');
    assert.equal(statusText([node('real', { hollow: false })]), undefined);
  });

  test('isHollowNode reads the fake runtime a hollow kubelet reports (the lab\'s v1.37.2 hollow nodes: "fakeRuntime://0.1.0")', () => {
    const info = (containerRuntimeVersion: string) => slimNode({ metadata: { name: 'n' }, status: { nodeInfo: { containerRuntimeVersion } } }).hollow;
    assert.equal(info('fakeRuntime://0.1.0'), true);
    assert.equal(info('containerd://1.7.2'), false);
    assert.equal(info('kwok-v0.8.0'), false);
    assert.equal(info(''), false);
  });
});

const RC = `apiVersion: v1
kind: ReplicationController
metadata:
  name: hollow-node
  namespace: perf
spec:
  replicas: 2
  selector:
    name: hollow-node
  template:
    metadata:
      labels:
        name: hollow-node
    spec:
      containers:
      - name: hollow-kubelet
        image: registry.k8s.io/kubemark:v1.37.2
        command: ["/kubemark", "--morph=kubelet", "--name=$(NODE_NAME)", "$(CONTENT_TYPE)"]
        env:
        - name: NODE_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        - name: CONTENT_TYPE
          valueFrom: {configMapKeyRef: {name: node-configmap, key: content.type}}
        volumeMounts: [{name: kubeconfig-volume, mountPath: /kubeconfig}]
        resources: {requests: {cpu: 40m, memory: 100Mi}}
      volumes:
      - name: kubeconfig-volume
        secret: {secretName: kubeconfig}
`;

describe('manifest splitting and labels', () => {
  test('multi-document files and kind: List are flattened, in order; objects without a namespace get the default', () => {
    const text = `# leading comment\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: perf}\n---\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ServiceAccount\n  metadata: {name: kubemark}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: node-configmap, namespace: perf}\n  data: {content.type: ""}\n---\n${RC}`;
    const objs = splitManifest(text, 'kubemark');
    assert.deepEqual(objs.map((o) => `${o.kind}:${o.metadata.namespace ?? '-'}/${o.metadata.name}`), ['Namespace:-/perf', 'ServiceAccount:kubemark/kubemark', 'ConfigMap:perf/node-configmap', 'ReplicationController:perf/hollow-node']);
  });

  test('bad input names its document', () => {
    assert.throws(() => splitManifest('apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n'), /has no metadata.name/);
    assert.throws(() => splitManifest('- a\n- b\n'), /not a Kubernetes object/);
    assert.throws(() => splitManifest('apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nkind: [\n'), /YAML syntax error in document 2/);
    assert.throws(() => splitManifest('# nothing\n'), /no Kubernetes objects/);
  });

  test('our labels on every object and on pod templates; the input is unchanged; selectors untouched', () => {
    const objs = splitManifest(RC);
    const before = JSON.stringify(objs);
    const instance = instanceOf(objs);
    assert.equal(instance, 'perf.hollow-node');
    const [rc] = withOurLabels(objs, instance) as any[];
    assert.equal(rc.metadata.labels['app.kubernetes.io/managed-by'], 'kubemark-workbench');
    assert.equal(rc.metadata.labels['kubemark-workbench/instance'], 'perf.hollow-node');
    assert.deepEqual(rc.spec.template.metadata.labels, { name: 'hollow-node', 'app.kubernetes.io/managed-by': 'kubemark-workbench', 'kubemark-workbench/instance': 'perf.hollow-node' });
    assert.deepEqual(rc.spec.selector, { name: 'hollow-node' });
    assert.equal(JSON.stringify(objs), before);
  });

  test('what the file relies on but does not hold; the ConfigMap value for $(CONTENT_TYPE) as its own argument is empty', () => {
    const objs = splitManifest(RC);
    assert.deepEqual(needsOf(objs), { namespaces: ['perf'], configMapIn: ['perf'], secretIn: ['perf'] });
    assert.equal(contentTypeValueFor(objs), '');
    const flagForm = splitManifest(RC.replace('"$(CONTENT_TYPE)"', '"--kube-api-content-type=$(CONTENT_TYPE)"'));
    assert.equal(contentTypeValueFor(flagForm), 'application/vnd.kubernetes.protobuf');
    const withCm = splitManifest(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: node-configmap, namespace: perf}\n---\n${RC}`);
    assert.deepEqual(needsOf(withCm).configMapIn, []);
    assert.equal(desiredReplicas(objs[0]!), 2);
    const o = preflightOptions(objs, 2);
    assert.deepEqual([o.image, o.namespace, o.name, o.kubelet.requests.cpu], ['registry.k8s.io/kubemark:v1.37.2', 'perf', 'hollow-node', '40m']);
  });

  test('apply order: namespaces, accounts, config and RBAC before workloads', () => {
    const objs = splitManifest(`${RC}---\napiVersion: v1\nkind: Secret\nmetadata: {name: kubeconfig, namespace: perf}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: perf}\n`);
    assert.deepEqual(applyOrder(objs).map((o) => o.kind), ['Namespace', 'Secret', 'ReplicationController']);
  });

  test('the CodeLens lines: above each hollow-node workload, none on other YAML', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: node-configmap}\n---\n${RC}`;
    assert.deepEqual(lensLines(text), [4]);
    assert.deepEqual(lensLines('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: web, image: nginx}]\n'), []);
  });
});

describe("Deploy This Manifest's wait", () => {
  class FakeStore<R> {
    readonly items = new Map<string, R>();
    state = 'ready' as const;
    error = undefined;
    private ls = new Set<(c: Change<R>) => void>();
    onChange(l: (c: Change<R>) => void) { this.ls.add(l); return { dispose: () => this.ls.delete(l) }; }
    set(key: string, value: R) { const old = this.items.get(key); this.items.set(key, value); for (const l of this.ls) l({ type: 'upsert', key, old, value }); }
    get listeners() { return this.ls.size; }
    isDisposed = false;
    close() { this.isDisposed = true; for (const l of [...this.ls]) l({ type: 'state' }); }
  }

  test('the node store closes under the wait (the selection changed): it ends at once, saying what was applied stays', async () => {
    const pods = new FakeStore<PodRecord>();
    const nodes = new FakeStore<NodeRecord>();
    const done = waitForInstanceNodes([pods], nodes as any, 'x', 2, false, 60_000, () => undefined);
    nodes.close();
    await assert.rejects(done, /Stopped waiting at 0\/2 fake nodes Ready: the masters cluster's node watch was closed.*What was applied stays/);
    assert.equal(pods.listeners + nodes.listeners, 0, 'listeners removed');
  });

  test('a pod store closes under the wait: it ends at once too', async () => {
    const pods = new FakeStore<PodRecord>();
    const nodes = new FakeStore<NodeRecord>();
    const done = waitForInstanceNodes([pods], nodes as any, 'x', 1, false, 60_000, () => undefined);
    pods.close();
    await assert.rejects(done, /the workers cluster's pod watch was closed/);
  });

  test('follows the pods of our instance to their nodes until all are Ready; ignores other pods and nodes', async () => {
    const pods = new FakeStore<PodRecord>();
    const nodes = new FakeStore<NodeRecord>();
    pods.set('perf/other', pod('other', { namespace: 'perf', hollowName: 'other' }));
    const seen: string[] = [];
    const done = waitForInstanceNodes([pods], nodes as any, 'perf.hn', 2, false, 5000, (m) => seen.push(m));
    pods.set('perf/hn-a', pod('hn-a', { namespace: 'perf', instance: 'perf.hn', hollowName: 'hn-a' }));
    nodes.set('hn-a', node('hn-a'));
    nodes.set('other', node('other'));
    pods.set('perf/hn-b', pod('hn-b', { namespace: 'perf', instance: 'perf.hn', hollowName: 'hn-b' }));
    nodes.set('hn-b', node('hn-b', { condition: 'NotReady' }));
    nodes.set('hn-b', node('hn-b', { hollow: false }));
    assert.deepEqual(seen.at(-1), '1/2 fake nodes Ready', 'a Ready node no hollow kubelet registered is not counted');
    nodes.set('hn-b', node('hn-b'));
    const r = await done;
    assert.deepEqual(r, { ready: 2, desired: 2, nodes: ['hn-a', 'hn-b'] });
    assert.deepEqual(seen, ['0/2 fake nodes Ready', '1/2 fake nodes Ready', '2/2 fake nodes Ready']);
    assert.equal(pods.listeners + nodes.listeners, 0, 'listeners removed');
  });

  test('times out saying how far it got', async () => {
    const pods = new FakeStore<PodRecord>();
    const nodes = new FakeStore<NodeRecord>();
    pods.set('perf/hn-a', pod('hn-a', { namespace: 'perf', instance: 'x', hollowName: 'hn-a' }));
    await assert.rejects(waitForInstanceNodes([pods], nodes as any, 'x', 2, false, 50, () => undefined), /Only 0 of 2 fake nodes turned Ready in 0 s \(1 hollow-node pods seen\)/);
  });
});

describe('InformerSet: several informers as one store', () => {
  test('replace() clears, and members feed items and changes', () => {
    const set = new InformerSet<string>();
    const events: string[] = [];
    set.onChange((c) => events.push(c.type));
    set.replace([]);
    assert.equal(set.state, 'ready');
    assert.deepEqual(events, ['reset']);
    assert.equal(set.items.size, 0);
    set.dispose();
    assert.equal(set.isDisposed, true);
  });
});
