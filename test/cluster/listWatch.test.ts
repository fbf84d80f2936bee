// The list-watch against a real apiserver: a watch from a resourceVersion the server no longer
// has ends in 410 Gone, and the list-watch lists afresh instead of failing.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ListWatch } from '../../src/cluster/listWatch';
import { slimNode } from '../../src/cluster/records';
import { sessions, waitFor } from './lab';

describe('list-watch', () => {
  const { masters } = sessions();
  const name = `listwatch-${Date.now()}`;

  after(async () => {
    await masters.core.deleteNode({ name }).catch(() => undefined);
  });

  test('410 Gone on the watch brings a fresh list, and later changes still arrive', async () => {
    let lists = 0;
    const watch = new ListWatch(masters.watch, {
      path: '/api/v1/nodes',
      list: async (p) => {
        lists++;
        const page = await masters.core.listNode(p);
        // The first list claims a resourceVersion long compacted away: the watch gets 410.
        if (lists === 1) page.metadata = { ...page.metadata, resourceVersion: '1' };
        return page;
      },
      slim: slimNode,
      explain: (err) => masters.explain(err, 'list nodes'),
    });
    watch.start();
    try {
      await waitFor('a second list after 410 Gone', () => lists >= 2, 30_000);
      assert.equal(watch.state, 'ready');
      await masters.core.createNode({ body: { metadata: { name } } });
      await waitFor('the new node through the watch', () => watch.items.has(name), 30_000);
      await masters.core.deleteNode({ name });
      await waitFor('its deletion through the watch', () => !watch.items.has(name), 30_000);
      assert.equal(lists, 2, 'no further relists once the watch runs');
    } finally {
      watch.stop();
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
    const watch = new ListWatch(down.watch, {
      path: '/api/v1/nodes',
      list: (p) => {
        lists++;
        return down.core.listNode(p);
      },
      slim: slimNode,
      explain: (err) => down.explain(err, 'list nodes'),
    });
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
