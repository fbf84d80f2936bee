import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { NodeRecord, PodRecord, countByCondition, naturalCompare, slimNode, slimPod, slimPresence, slimStatefulSet } from '../../../src/cluster/records';
import { NameOrder, PAGE_SIZE, naturalKey, sortEntriesByName, age, byCondition, capacitySummary, nodeDescription, nodesWithCondition, paginate, podDescription, podHealth, sortByName, statusText } from '../../../src/cluster/viewModel';

/** Small typed builders with defaults. */
function node(name: string, o: Partial<NodeRecord> = {}): NodeRecord {
  return { name, uid: `uid-${name}`, rv: '1', hollow: true, condition: 'Ready', kubeletVersion: 'v1.37.2', capacity: { cpu: '1', memory: '3840Mi', pods: '110' }, labels: {}, taints: [], created: '2026-11-25T16:00:00Z', unschedulable: false, ...o };
}
function pod(name: string, o: Partial<PodRecord> = {}): PodRecord {
  return {
    name, uid: `uid-${name}`, namespace: 'kubemark', phase: 'Running', status: 'Running', readyContainers: 2,
    containers: [{ name: 'hollow-kubelet', ready: true, restarts: 0, state: 'Running' }, { name: 'hollow-proxy', ready: true, restarts: 0, state: 'Running' }],
    restarts: 0, created: '2026-11-25T16:00:00Z', deleting: false, ownerName: 'hollow-node', ...o,
  };
}

describe('slim records keep only what the tree shows', () => {
  test('a node', () => {
    const r = slimNode({
      metadata: { name: 'hollow-node-7', uid: 'u-7', resourceVersion: '42', creationTimestamp: new Date('2026-11-25T16:00:00Z'), labels: { 'kubernetes.io/hostname': 'x', 'kubernetes.io/os': 'linux', pool: 'a' }, annotations: { big: 'x'.repeat(10_000) } },
      spec: { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }, { key: 'gpu', effect: 'NoExecute' }] },
      status: { conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'False', reason: 'KubeletNotReady' }], capacity: { cpu: '1', 'nvidia.com/gpu': '8' }, nodeInfo: { kubeletVersion: 'v1.37.2', containerRuntimeVersion: 'fakeRuntime://0.1.0' }, images: [{ names: ['a'] }] },
    });
    assert.deepEqual(r, {
      name: 'hollow-node-7', uid: 'u-7', rv: '42', hollow: true, condition: 'NotReady', reason: 'KubeletNotReady', kubeletVersion: 'v1.37.2', capacity: { cpu: '1', 'nvidia.com/gpu': '8' },
      labels: { pool: 'a' }, taints: ['k=v:NoSchedule', 'gpu:NoExecute'], created: '2026-11-25T16:00:00.000Z', unschedulable: false,
    });
    assert.equal(slimNode({ metadata: { name: 'n' }, status: {} }).condition, 'Unknown');
    // Real kubelets and KWOK nodes are not hollow.
    for (const rt of ['containerd://1.7.2', 'cri-o://1.30.0', 'docker://24.0.0', 'kwok-v0.8.0', '']) {
      assert.equal(slimNode({ metadata: { name: 'n' }, status: { nodeInfo: { containerRuntimeVersion: rt } } }).hollow, false, rt);
    }
    assert.ok(JSON.stringify(r).length < 500);
  });

  test('a pod in CrashLoopBackOff, and one terminating', () => {
    const r = slimPod({
      metadata: { name: 'hollow-node-1', namespace: 'kubemark', ownerReferences: [{ controller: true, name: 'hollow-node', kind: 'StatefulSet' }] },
      spec: { nodeName: 'kwok-0', containers: [{ name: 'hollow-kubelet' }, { name: 'hollow-proxy' }] },
      status: { phase: 'Running', containerStatuses: [
        { name: 'hollow-kubelet', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } },
        { name: 'hollow-proxy', ready: true, restartCount: 0, state: { running: {} } },
      ] },
    });
    assert.equal(r.status, 'CrashLoopBackOff');
    assert.equal(r.restarts, 4);
    assert.equal(r.readyContainers, 1);
    assert.equal(r.ownerName, 'hollow-node');
    assert.equal(podHealth(r), 'failed');
    const t = slimPod({ metadata: { name: 'p', deletionTimestamp: '2026-11-25T16:00:00Z' }, spec: { containers: [] }, status: { phase: 'Running' } });
    assert.equal(t.status, 'Terminating');
    assert.equal(podHealth(t), 'progress');
  });

  test('statefulset and presence records; a Secret keeps keys, never values', () => {
    assert.deepEqual(slimStatefulSet({ metadata: { name: 'hollow-node', namespace: 'kubemark', labels: { 'app.kubernetes.io/managed-by': 'kubemark-workbench' } }, spec: { replicas: 5, selector: { matchLabels: { name: 'hollow-node' } } }, status: { readyReplicas: 3, replicas: 5 } }), {
      kind: 'StatefulSet', name: 'hollow-node', namespace: 'kubemark', uid: '', desired: 5, ready: 3, current: 5, selector: { name: 'hollow-node' }, managedByUs: true,
    });
    const secret = slimPresence({ metadata: { name: 'kubeconfig' }, data: { 'kubelet.kubeconfig': 'c2VjcmV0', 'kubeproxy.kubeconfig': 'c2VjcmV0' } });
    assert.deepEqual(secret, { name: 'kubeconfig', keys: ['kubelet.kubeconfig', 'kubeproxy.kubeconfig'], managedByUs: false });
    assert.doesNotMatch(JSON.stringify(secret), /c2VjcmV0/);
  });
});

describe('view model', () => {
  test('5,000 nodes: grouped by condition and paged by 100, in natural order', () => {
    const nodes = Array.from({ length: 5000 }, (_, i) => node(`hollow-node-${i}`, { condition: i % 50 === 7 ? 'NotReady' : 'Ready' }));
    assert.deepEqual(countByCondition(nodes), { Ready: 4900, NotReady: 100, Unknown: 0 });
    const ready = nodesWithCondition(nodes, 'Ready');
    const pages = paginate(ready, (n) => n.name);
    assert.equal(pages.length, 49);
    assert.ok(pages.every((p) => p.items.length === PAGE_SIZE));
    assert.equal(pages[0]!.label, 'hollow-node-0 … hollow-node-101'); // 7 and 57 are NotReady
    assert.equal(pages[0]!.items[8]!.name, 'hollow-node-9'); // natural order: 9 before 10, with 7 skipped
    assert.equal(statusText(nodes), 'Kubemark: 4900/5000 Ready');
    assert.equal(statusText([]), undefined);
  });

  test('NameOrder: natural order, sorted again only when keys change; byCondition keeps that order', () => {
    const store = { items: new Map<string, NodeRecord>(), keysVersion: 0 };
    for (const n of ['hollow-node-10', 'hollow-node-2', 'hollow-node-1']) store.items.set(n, node(n));
    store.keysVersion++;
    const order = new NameOrder(store);
    assert.deepEqual(order.sorted().map((n) => n.name), ['hollow-node-1', 'hollow-node-2', 'hollow-node-10']);
    // A record changes (same key, same version): the new record, in the kept order.
    store.items.set('hollow-node-2', node('hollow-node-2', { condition: 'Unknown' }));
    const again = order.sorted();
    assert.equal(again[1]!.condition, 'Unknown');
    assert.deepEqual(byCondition(again).Ready.map((n) => n.name), ['hollow-node-1', 'hollow-node-10']);
    assert.deepEqual(byCondition(again).Unknown.map((n) => n.name), ['hollow-node-2']);
    // A key added and one removed: sorted again.
    store.items.set('hollow-node-3', node('hollow-node-3'));
    store.items.delete('hollow-node-10');
    store.keysVersion++;
    assert.deepEqual(order.sorted().map((n) => n.name), ['hollow-node-1', 'hollow-node-2', 'hollow-node-3']);
    // Without a keysVersion (a plain map), every call sorts.
    const plain = { items: new Map([['b-2', node('b-2')], ['b-10', node('b-10')]]) };
    const o2 = new NameOrder(plain);
    assert.deepEqual(o2.sorted().map((n) => n.name), ['b-2', 'b-10']);
    plain.items.set('b-1', node('b-1'));
    assert.deepEqual(o2.sorted().map((n) => n.name), ['b-1', 'b-2', 'b-10']);
  });

  test('naturalKey orders DNS names exactly as the collator; other names fall back to it', () => {
    // Seeded random names over the characters that matter: letters, digits (leading zeros too), '-', '.'.
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
    const alphabet = 'abz0019.-';
    const name = () => Array.from({ length: 1 + Math.floor(rnd() * 9) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
    for (let i = 0; i < 20000; i++) {
      const a = name();
      const b = name();
      const ka = naturalKey(a)!;
      const kb = naturalKey(b)!;
      assert.equal(Math.sign(ka < kb ? -1 : ka > kb ? 1 : 0), Math.sign(naturalCompare(a, b)), `${a} vs ${b}`);
    }
    assert.equal(naturalKey('Hollow-node-1'), undefined);
    assert.equal(naturalKey(`n-${'9'.repeat(21)}`), undefined);
    const mixed = ['b-10', 'B-2', 'b-2', 'a'].map((n) => [n, node(n)] as [string, NodeRecord]);
    assert.deepEqual(sortEntriesByName(mixed).map(([k]) => k), ['a', 'b-2', 'B-2', 'b-10'].sort((x, y) => x === y ? 0 : naturalCompare(x, y)));
    const many = Array.from({ length: 300 }, (_, i) => `hollow-node-${(i * 37) % 300}`).map((n) => [n, node(n)] as [string, NodeRecord]);
    assert.deepEqual(sortEntriesByName(many).map(([k]) => k), many.map(([k]) => k).sort(naturalCompare));
  });

  test('natural sort and pod descriptions', () => {
    assert.deepEqual(sortByName([pod('hollow-node-10'), pod('hollow-node-2'), pod('hollow-node-1')]).map((p) => p.name), ['hollow-node-1', 'hollow-node-2', 'hollow-node-10']);
    assert.ok(naturalCompare('a-2', 'a-10') < 0);
    // The shared collator orders exactly as localeCompare('en', { numeric: true }) did.
    const names = ['hollow-node-10', 'Hollow-node-9', 'hollow-node-9', 'hollow_node-1', 'node-a', 'node-B', 'node-b', 'kwok-worker-0', 'x-007', 'x-7', 'x-70', 'é-1', 'e-2', ''];
    const byLocale = [...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    assert.deepEqual([...names].sort(naturalCompare), byLocale);
    const now = Date.parse('2026-11-25T16:05:00Z');
    assert.equal(podDescription(pod('p'), now), 'Running · 2/2 · 5m');
    assert.equal(podDescription(pod('p', { restarts: 1, status: 'CrashLoopBackOff', readyContainers: 1 }), now), 'CrashLoopBackOff · 1/2 · 1 restart · 5m');
    assert.equal(age('2026-11-25T16:04:30Z', now), '30s');
    assert.equal(age('2026-11-23T16:05:00Z', now), '2d');
    assert.equal(podHealth(pod('p')), 'ok');
    assert.equal(podHealth(pod('p', { phase: 'Pending', status: 'Pending', readyContainers: 0 })), 'progress');
  });

  test('node details: capacity with extended resources, reason when not Ready', () => {
    const n = node('hollow-node-0', { capacity: { pods: '110', 'nvidia.com/gpu': '8', memory: '3840Mi', cpu: '1', 'hugepages-2Mi': '0', 'ephemeral-storage': '1Gi' } });
    assert.equal(capacitySummary(n), 'cpu 1 · memory 3840Mi · pods 110 · nvidia.com/gpu 8');
    assert.equal(nodeDescription(n), 'v1.37.2');
    assert.equal(nodeDescription(node('x', { condition: 'NotReady', reason: 'NodeStatusUnknown' })), 'v1.37.2 · NodeStatusUnknown');
  });
});
