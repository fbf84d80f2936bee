// 5,000 Node objects in the masters apiserver (plain API objects, no kubelets): the masters
// state lists them in pages, keeps slim records, and follows status changes through its watch.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { MastersState } from '../../src/cluster/state';
import { countByCondition } from '../../src/cluster/records';
import { nodesWithCondition, paginate, statusText } from '../../src/cluster/viewModel';
import { sessions, waitFor, describeWithLab } from './lab';

const N = 5000;
const LABEL = 'kubemark-workbench.test/scale';

describeWithLab(`the masters state at ${N} nodes`, () => {
  const { masters } = sessions();
  const state = new MastersState(masters);

  after(async () => {
    state.dispose();
    await masters.core.deleteCollectionNode({ labelSelector: LABEL }).catch(() => undefined);
  });

  test(`lists ${N} nodes in pages, then follows changes`, { timeout: 600_000 }, async () => {
    const t0 = Date.now();
    const names = Array.from({ length: N }, (_, i) => `scale-node-${i}`);
    // Create them with a few requests in flight at a time, through the session's keep-alive
    // connections (client-node's CoreV1Api opens a new TLS connection for every request: 5,000
    // handshakes made this setup most of the test's time).
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < names.length) {
        const name = names[next++]!;
        await masters.http.request('POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { [LABEL]: 'yes' } }, spec: { unschedulable: true } }, timeoutMs: 60_000 });
      }
    }));
    const created = Date.now();
    await state.start();
    await waitFor(`${N} nodes in the state`, () => [...state.nodes.items.keys()].filter((k) => k.startsWith('scale-node-')).length === N, 120_000);
    const listed = Date.now();
    const ours = [...state.nodes.items.values()].filter((n) => n.name.startsWith('scale-node-'));
    // No kubelet posts a status: every node's condition is Unknown.
    assert.equal(countByCondition(ours).Unknown, N);
    const pages = paginate(nodesWithCondition(ours, 'Unknown'), (n) => n.name);
    assert.equal(pages.length, N / 100);
    assert.equal(pages[0]!.label, 'scale-node-0 … scale-node-99');

    // Ten nodes report Ready through the status subresource: the watch brings the change. Each
    // is recorded as the watch delivers it: the node lifecycle controller turns a node that stops
    // reporting Unknown again after the lab's 20 s grace, which a slow machine can reach before
    // the tenth is written. The controller also writes these nodes' status, so a write can meet
    // a conflict (409), and is then made again on the node as it is now.
    const seenReady = new Set<string>();
    const sub = state.nodes.onChange((c) => {
      if (c.type === 'upsert' && c.value.name.startsWith('scale-node-') && c.value.condition === 'Ready') seenReady.add(c.value.name);
    });
    try {
      for (const name of names.slice(0, 10)) {
        for (let attempt = 1; ; attempt++) {
          const node = await masters.core.readNode({ name });
          node.status = { ...node.status, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'test', lastHeartbeatTime: new Date(), lastTransitionTime: new Date() }] };
          try {
            await masters.core.replaceNodeStatus({ name, body: node });
            break;
          } catch (e) {
            if ((e as { code?: number }).code !== 409 || attempt === 5) throw e;
          }
        }
      }
      await waitFor('the 10 nodes seen Ready through the watch', () => seenReady.size >= 10, 60_000);
    } finally {
      sub.dispose();
    }
    assert.deepEqual([...seenReady].sort(), names.slice(0, 10).sort(), 'those ten, and no other node, were seen Ready');
    // The status bar's text for these records with the ten Ready (the live conditions may have
    // gone Unknown again since): a check of statusText on them, the watch was checked above.
    const plain = [...state.nodes.items.values()].filter((n) => n.name.startsWith('scale-node-'))
      .map((n) => (seenReady.has(n.name) ? { ...n, condition: 'Ready' as const } : n));
    // These are plain Node objects, not registered by hollow kubelets: the status bar does not count them.
    assert.equal(statusText(plain), undefined);
    assert.equal(statusText(plain.map((n) => ({ ...n, hollow: true }))), `Kubemark: 10/${N} Ready`);

    // On a loaded machine deleting 5,000 objects outlasts the apiserver's 60 s request timeout
    // (504); the deletion goes on server-side, and the watch below is what is asserted.
    await masters.core.deleteCollectionNode({ labelSelector: LABEL }).catch((e: { code?: number }) => {
      if (e.code !== 504) throw e;
    });
    await waitFor('the deletions through the watch', () => ![...state.nodes.items.keys()].some((k) => k.startsWith('scale-node-')), 120_000);
    console.log(`# scale: created ${N} nodes in ${((created - t0) / 1000).toFixed(1)} s, listed and slimmed in ${((listed - created) / 1000).toFixed(1)} s, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`);
  });
});
