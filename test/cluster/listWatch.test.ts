// The list-watch against a real apiserver: a watch from a resourceVersion the server no longer
// has ends in 410 Gone, and the list-watch lists afresh instead of failing.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ListWatch } from '../../src/cluster/listWatch';
import { slimNode } from '../../src/cluster/records';
import { MastersState, rawLister } from '../../src/cluster/state';
import { PageDecoder } from '../../src/cluster/pageDecoder';
import type { NodeRecord } from '../../src/cluster/records';
import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import { join } from 'node:path';
import { LAB_DIR, labKubeConfig, sessions, waitFor, describeWithLab } from './lab';

/**
 * Compacts the lab's etcd up to its current revision through etcd's JSON gateway, so that an
 * old resourceVersion is really gone (a young etcd still has revision 1, and the apiserver then
 * serves a watch from it instead of answering 410).
 */
async function compactEtcd(): Promise<void> {
  const lab = JSON.parse(readFileSync(join(LAB_DIR, 'lab.json'), 'utf8')) as { ports: { etcd: number } };
  // etcd takes only clients with a certificate of the lab's etcd CA.
  const pki = join(LAB_DIR, 'pki', 'etcd');
  const tls = { ca: readFileSync(join(pki, 'ca.crt')), cert: readFileSync(join(pki, 'labctl-client.crt')), key: readFileSync(join(pki, 'labctl-client.key')) };
  const post = (path: string, body: unknown) => new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: lab.ports.etcd, path: `/v3/kv/${path}`, method: 'POST', ...tls }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
  const range = await post('range', { key: Buffer.from('/').toString('base64') });
  const revision = Number((JSON.parse(range.text) as { header: { revision: string } }).header.revision);
  const compacted = await post('compaction', { revision, physical: true });
  assert.equal(compacted.status, 200, `etcd compaction failed: ${compacted.status} ${compacted.text}`);
}

describeWithLab('list-watch', () => {
  const { masters } = sessions();
  const name = `listwatch-${Date.now()}`;

  after(async () => {
    await masters.core.deleteNamespacedEvent({ namespace: 'default', name }).catch(() => undefined);
  });

  // Events are served from etcd, not from the apiserver's watch cache: after a compaction, a
  // watch from an old resourceVersion is answered with 410 Gone, as for any resource whose
  // history has rolled out of the cache on a busy cluster.
  test('410 Gone on the watch brings a fresh list, and later changes still arrive', async () => {
    await compactEtcd();
    let lists = 0;
    const watch = new ListWatch({
      path: '/api/v1/namespaces/default/events',
      watch: masters.watch,
      list: async (p, signal) => {
        lists++;
        const page = await rawLister(masters, '/api/v1/namespaces/default/events')(p, signal);
        // The first list claims a resourceVersion that is compacted away: the watch gets 410.
        if (lists === 1) page.metadata = { ...page.metadata, resourceVersion: '1' };
        return page;
      },
      slim: (e: { metadata?: { name?: string }; reason?: string }) => ({ name: e.metadata?.name ?? '', reason: e.reason ?? '' }),
      explain: (err) => masters.explain(err, 'list events'),
    });
    watch.start();
    try {
      await waitFor('a second list after 410 Gone', () => lists >= 2, 30_000);
      assert.equal(watch.state, 'ready');
      await masters.core.createNamespacedEvent({
        namespace: 'default',
        body: { metadata: { name }, involvedObject: { kind: 'Node', name: 'x' }, reason: 'ListWatchTest', message: 'test', type: 'Normal' },
      });
      await waitFor('the new event through the watch', () => watch.items.get(`default/${name}`)?.reason === 'ListWatchTest', 30_000);
      await masters.core.deleteNamespacedEvent({ namespace: 'default', name });
      await waitFor('its deletion through the watch', () => !watch.items.has(`default/${name}`), 30_000);
      assert.equal(lists, 2, 'no further relists once the watch runs');
    } finally {
      watch.stop();
    }
  });

  test('the masters state reads the node list on the list worker, page by page, into the records of a plain GET', async () => {
    const { ClusterSession } = await import('../../src/cluster/session');
    const decoder = new PageDecoder();
    // Five nodes of its own (the lab may have none at this point), deleted afterwards.
    const mine = Array.from({ length: 5 }, (_, i) => `lw-decoder-${Date.now()}-${i}`);
    for (const name of mine) await masters.core.createNode({ body: { metadata: { name, labels: { 'kubemark-workbench-test': 'list-worker' } } } });
    // The state owns (and disposes) its session.
    const state = new MastersState(new ClusterSession(labKubeConfig(), masters.context), { pageDecoder: decoder, listWatch: { pageSize: 2 } });
    try {
      await state.start();
      await waitFor('the nodes listed', () => state.nodes.state === 'ready', 60_000);
      for (const name of mine) assert.ok(state.nodes.items.has(name), `${name} listed`);
      // The same nodes as a plain GET (waited for: a hollow node may come or go meanwhile).
      const ids = (rs: Iterable<NodeRecord>) => [...rs].map((r) => `${r.name} ${r.uid} ${r.hollow} ${r.kubeletVersion}`).sort().join('\n');
      let raw = '';
      await waitFor('the informer and a plain GET to agree', async () => {
        raw = ids((await masters.http.request<{ items: unknown[] }>('GET', '/api/v1/nodes')).items.map(slimNode));
        return ids(state.nodes.items.values()) === raw;
      }, 30_000);
      assert.ok(decoder.stats.offThread >= Math.ceil(raw.split('\n').length / 2), `pages read on the worker: ${JSON.stringify(decoder.stats)}`);
      assert.equal(decoder.stats.inThread, 0);
      assert.equal(decoder.stats.workerFailures, 0);
    } finally {
      state.dispose();
      decoder.dispose();
      for (const name of mine) await masters.core.deleteNode({ name }).catch(() => undefined);
    }
  });

  test('an unreachable server puts the list-watch in an error state with the next step, and it keeps retrying', async () => {
    const { ClusterSession } = await import('../../src/cluster/session');
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
      users: [{ name: 'u', token: 'x' }],
      contexts: [{ name: 'down', cluster: 'c', user: 'u' }],
      currentContext: 'down',
    });
    const down = new ClusterSession(kc, 'down');
    let lists = 0;
    const watch = new ListWatch({
      path: '/api/v1/nodes',
      watch: down.watch,
      list: (p, signal) => {
        lists++;
        return rawLister(down, '/api/v1/nodes')(p, signal);
      },
      slim: slimNode,
      explain: (err) => down.explain(err, 'list nodes'),
    }, { initialBackoffMs: 500 });
    watch.start();
    try {
      await waitFor('the error state', () => watch.state === 'error', 10_000);
      assert.match(watch.error!.message, /Cannot reach down \(https:\/\/127\.0\.0\.1:1\): connection refused/);
      await waitFor('a retry after the backoff', () => lists >= 2, 10_000);
    } finally {
      watch.stop();
    }
  });
});
