// listAllRaw (src/cluster/rawList.ts) against a real apiserver: every page in order, the same
// objects as the typed list, the query parameters on every page, errors with the status.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { listAllRaw, RawListError } from '../../src/cluster/rawList';
import { sessions } from './lab';

describe('listAllRaw', () => {
  const { masters } = sessions();
  const kc = masters.kc;
  const run = `rawlist-${Date.now()}`;
  const names = Array.from({ length: 7 }, (_, i) => `${run}-${i}`);
  const selector = { labelSelector: `kubemark-test=${run}` };

  before(async () => {
    for (const name of names) await masters.core.createNode({ body: { metadata: { name, labels: { 'kubemark-test': run } } } });
  });

  after(async () => {
    for (const name of names) await masters.core.deleteNode({ name }).catch(() => undefined);
  });

  test('pages of 3 give every node once, as the typed list does', async () => {
    const pages: string[][] = [];
    let rv = '';
    for await (const page of listAllRaw<{ metadata: { name: string } }>(kc, '/api/v1/nodes', { pageSize: 3, query: selector })) {
      pages.push(page.items.map((n) => n.metadata.name));
      assert.match(page.resourceVersion, /^\d+$/);
      rv = page.resourceVersion;
    }
    assert.deepEqual(pages.map((p) => p.length), [3, 3, 1]);
    const typed = await masters.core.listNode(selector);
    assert.deepEqual(pages.flat().sort(), typed.items.map((n) => n.metadata?.name).sort());
    assert.deepEqual(pages.flat().sort(), [...names].sort());
    assert.ok(rv.length > 0);
  });

  test('a path the server does not serve is a RawListError with the status code', async () => {
    const it = listAllRaw(kc, '/api/v1/nosuchresources');
    await assert.rejects(it.next(), (err: unknown) => err instanceof RawListError && err.statusCode === 404 && /HTTP 404/.test(err.message));
  });

  test('an aborted signal stops the listing', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(listAllRaw(kc, '/api/v1/nodes', { signal: ac.signal }).next(), /abort/i);
  });
});
