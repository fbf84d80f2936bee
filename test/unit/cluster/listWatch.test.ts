// The informer against a scripted fake of the list and watch functions: every test asserts how
// many watches are open, counted by the fake (what the server would see) and by the informer.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ListWatch, ListPage, WatchHandlers } from '../../../src/cluster/listWatch';
import { MastersState, decodedLister } from '../../../src/cluster/state';
import { ClusterSession } from '../../../src/cluster/session';
import { KubemarkError } from '../../../src/core/errors';
import { until } from './until';
import { PageDecoder } from '../../../src/cluster/pageDecoder';
import { DecodedPage, PageShape, decodePage } from '../../../src/cluster/pageShapes';

/**
 * Pages read on this thread in the turn they arrive, as the scripted lists expect (PageDecoder
 * itself, its worker and its fallback, is tested in pageDecoder.test.ts).
 */
const HERE = { decode: async (bytes: Uint8Array, shape: PageShape) => decodePage(Buffer.from(bytes).toString('utf8'), shape) } as unknown as PageDecoder;

interface PendingList {
  params: { limit: number; _continue?: string };
  resolve(p: ListPage): void;
  reject(e: unknown): void;
  signal: AbortSignal;
}

interface FakeWatch {
  path: string;
  query: Record<string, unknown>;
  h: WatchHandlers;
  aborted: boolean;
  closed: boolean;
}

class FakeServer {
  readonly lists: PendingList[] = [];
  readonly watches: FakeWatch[] = [];

  /** Watches the server holds open: neither aborted by the client nor closed. */
  get open(): number {
    return this.watches.filter((w) => !w.aborted && !w.closed).length;
  }

  get last(): FakeWatch {
    return this.watches[this.watches.length - 1]!;
  }

  list = (params: { limit: number; _continue?: string }, signal: AbortSignal): Promise<ListPage> =>
    new Promise((resolve, reject) => this.lists.push({ params, resolve, reject, signal }));

  watch = (path: string, query: Record<string, unknown>, h: WatchHandlers) => {
    const w: FakeWatch = { path, query, h, aborted: false, closed: false };
    this.watches.push(w);
    return { abort: () => void (w.aborted = true) };
  };

  /** The server ends watch w (err undefined: its timeout). */
  close(w: FakeWatch, err?: unknown): void {
    w.closed = true;
    w.h.onClose(err);
  }
}

const node = (name: string, rv: string, ready = true) => ({ metadata: { name, resourceVersion: rv }, status: { ready } });
const page = (rv: string, ...items: unknown[]): ListPage => ({ items, metadata: { resourceVersion: rv } });

function informer(server: FakeServer, options: { initialBackoffMs?: number } = {}) {
  return new ListWatch<{ name: string; ready: boolean }>({
    path: '/api/v1/nodes',
    list: server.list,
    watch: server.watch,
    slim: (o) => ({ name: o.metadata.name, ready: o.status.ready }),
    explain: (err) => new KubemarkError(`explained: ${(err as Error)?.message ?? err}`),
  }, { initialBackoffMs: options.initialBackoffMs ?? 5, maxBackoffMs: 20 });
}

/** Lets promise callbacks run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('ListWatch: a small informer', () => {
  test('list then watch from the list resourceVersion; events change the store', async () => {
    const s = new FakeServer();
    const lw = informer(s);
    lw.start();
    assert.equal(s.lists.length, 1);
    s.lists[0]!.resolve(page('10', node('a', '9')));
    await settle();
    assert.equal(lw.state, 'ready');
    assert.equal(s.open, 1);
    assert.equal(lw.openWatches, 1);
    assert.equal(s.last.query.resourceVersion, '10');
    s.last.h.onEvent('ADDED', node('b', '11'));
    s.last.h.onEvent('DELETED', node('a', '12'));
    assert.deepEqual([...lw.items.keys()], ['b']);
    lw.dispose();
    assert.equal(s.open, 0);
    assert.equal(lw.openWatches, 0);
  });

  test('listSlim: pages read elsewhere (the list worker) fill the store as they are, then the watch keeps and slims events here', async () => {
    const s = new FakeServer();
    const asked: Array<{ limit: number; _continue?: string }> = [];
    const pages: DecodedPage<{ name: string; ready: boolean }>[] = [
      { keys: ['a', 'b'], records: [{ name: 'a', ready: true }, { name: 'b', ready: false }], resourceVersion: '20', continue: 'tok' },
      { keys: ['c'], records: [{ name: 'c', ready: true }], resourceVersion: '21' },
    ];
    const lw = new ListWatch<{ name: string; ready: boolean }>({
      path: '/api/v1/nodes',
      listSlim: async (p) => {
        asked.push(p);
        return pages.shift()!;
      },
      watch: s.watch,
      slim: (o) => ({ name: o.metadata.name, ready: o.status.ready }),
      keep: (o) => o.metadata.name !== 'skip',
      explain: (err) => new KubemarkError(String(err)),
    }, { pageSize: 2 });
    lw.start();
    await until('the list', () => lw.state === 'ready');
    assert.deepEqual(asked, [{ limit: 2 }, { limit: 2, _continue: 'tok' }]);
    assert.deepEqual([...lw.items.entries()], [['a', { name: 'a', ready: true }], ['b', { name: 'b', ready: false }], ['c', { name: 'c', ready: true }]]);
    assert.equal(s.last.query.resourceVersion, '21', 'the watch starts from the last page\'s resourceVersion');
    s.last.h.onEvent('MODIFIED', node('b', '22'));
    s.last.h.onEvent('ADDED', node('skip', '23'));
    assert.deepEqual(lw.items.get('b'), { name: 'b', ready: true });
    assert.equal(lw.items.has('skip'), false);
    lw.dispose();
  });

  test('listSlim: a Refresh while a page is being read drops that page; the new list alone fills the store', async () => {
    const s = new FakeServer();
    const calls: Array<{ signal: AbortSignal; resolve(p: DecodedPage<string>): void; reject(e: unknown): void }> = [];
    const lw = new ListWatch<string>({
      path: '/api/v1/nodes',
      listSlim: (_p, signal) => new Promise((resolve, reject) => calls.push({ signal, resolve, reject })),
      watch: s.watch,
      slim: (o) => o.metadata.name,
      explain: (err) => new KubemarkError(String(err)),
    });
    lw.start();
    await until('the first list', () => calls.length === 1);
    lw.restart();
    assert.equal(calls[0]!.signal.aborted, true, 'the first list is aborted');
    await until('the second list', () => calls.length === 2);
    calls[1]!.resolve({ keys: ['new'], records: ['new'], resourceVersion: '6' });
    await until('ready', () => lw.state === 'ready');
    // The first page's answer comes last (a decoder that ignores the abort): it must not count.
    calls[0]!.resolve({ keys: ['old'], records: ['old'], resourceVersion: '5' });
    await settle();
    await settle();
    assert.deepEqual([...lw.items.keys()], ['new']);
    assert.equal(s.watches.length, 1, 'no second watch (from the stale page\'s resourceVersion)');
    assert.equal(s.open, 1, 'one watch');
    assert.equal(s.last.query.resourceVersion, '6');
    lw.dispose();
  });

  test('listSlim: a page that cannot be read puts the store in error through explain, and the list is retried after the backoff', async () => {
    const s = new FakeServer();
    let calls = 0;
    const failures: string[] = [];
    const lw = new ListWatch<string>({
      path: '/api/v1/nodes',
      listSlim: async () => {
        calls++;
        if (calls === 1) throw new Error('not a list (kind Status)');
        return { keys: ['a'], records: ['a'], resourceVersion: '9' };
      },
      watch: s.watch,
      slim: (o) => o.metadata.name,
      explain: (err) => new KubemarkError(`explained: ${(err as Error).message}`),
    }, { initialBackoffMs: 5, onFailure: (e) => failures.push(e.message) });
    lw.start();
    await until('the error state', () => lw.state === 'error');
    assert.equal(lw.error?.message, 'explained: not a list (kind Status)');
    await until('the retry', () => lw.state === 'ready');
    assert.equal(calls, 2);
    assert.deepEqual(failures, ['explained: not a list (kind Status)']);
    assert.deepEqual([...lw.items.keys()], ['a']);
    lw.dispose();
  });

  test('decodedLister: a 2xx answer that is not a list says so (not "cannot reach"); an abort stays an abort', async () => {
    let body = '<html><body>Sign in to the proxy</body></html>';
    const session = {
      context: 'corp',
      server: 'https://k8s.example.com',
      http: { requestBytes: async () => Buffer.from(body) },
    } as unknown as ClusterSession;
    const decoder = new PageDecoder({ script: null });
    const lister = decodedLister<unknown>(session, '/api/v1/nodes', { kind: 'node' }, () => decoder);
    await assert.rejects(lister.listSlim!({ limit: 500 }, new AbortController().signal), (err: Error) =>
      err instanceof KubemarkError && /^corp \(https:\/\/k8s\.example\.com\) answered GET \/api\/v1\/nodes with something that is not a Kubernetes list \(.*JSON.*\)\. Check that the server in your kubeconfig is the apiserver itself/.test(err.message));
    body = '{"kind":"NodeList","metadata":{"resourceVersion":"4"},"items":[{"metadata":{"name":"n1"}}]}';
    const page = await lister.listSlim!({ limit: 500 }, new AbortController().signal);
    assert.deepEqual(page.keys, ['n1']);
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(lister.listSlim!({ limit: 500 }, abort.signal), (err: Error) => err.name === 'AbortError');
  });

  test('decodedLister: an HTTP error and a bug in slimming are thrown as they are (for explain), not as "not a list"', async () => {
    const forbidden = Object.assign(new Error('Forbidden'), { statusCode: 403 });
    let fail: unknown = forbidden;
    const session = {
      context: 'corp',
      server: 'https://k8s.example.com',
      http: {
        requestBytes: async () => {
          if (fail) throw fail;
          return Buffer.from('{"kind":"PodList","items":[{"metadata":{"name":"p"},"spec":{"containers":7}}]}');
        },
      },
    } as unknown as ClusterSession;
    const lister = decodedLister<unknown>(session, '/api/v1/pods', { kind: 'hollowPod', selector: [] }, () => new PageDecoder({ script: null }));
    await assert.rejects(lister.listSlim!({ limit: 500 }, new AbortController().signal), (err: unknown) => err === forbidden);
    fail = undefined;
    // containers: 7 is not a list: slimming fails with a TypeError, which is not the server's fault.
    await assert.rejects(lister.listSlim!({ limit: 500 }, new AbortController().signal), (err: Error) => err instanceof TypeError && !(err instanceof KubemarkError));
  });

  test('a spec with neither list nor listSlim is refused', () => {
    assert.throws(() => new ListWatch({ path: '/x', watch: new FakeServer().watch, slim: (o) => o, explain: (e) => new KubemarkError(String(e)) }), /neither list nor listSlim/);
  });

  test('keysVersion moves when a key is added or removed, not when a record changes', async () => {
    const s = new FakeServer();
    const lw = informer(s);
    lw.start();
    s.lists[0]!.resolve(page('10', node('a', '9')));
    await settle();
    const afterList = lw.keysVersion;
    assert.ok(afterList > 0, 'the list counts');
    s.last.h.onEvent('MODIFIED', node('a', '11', false));
    assert.equal(lw.keysVersion, afterList, 'a changed record keeps the version');
    s.last.h.onEvent('ADDED', node('b', '12'));
    assert.equal(lw.keysVersion, afterList + 1);
    s.last.h.onEvent('DELETED', node('a', '13'));
    assert.equal(lw.keysVersion, afterList + 2);
    s.last.h.onEvent('DELETED', node('a', '14'));
    assert.equal(lw.keysVersion, afterList + 2, 'deleting what is not there changes nothing');
    lw.dispose();
  });

  test('refresh during the list: the stale list never acts, one watch afterwards', async () => {
    const s = new FakeServer();
    const lw = informer(s);
    lw.start();
    lw.restart();
    assert.equal(s.lists.length, 2);
    assert.ok(s.lists[0]!.signal.aborted, 'the first list is cancelled');
    s.lists[1]!.resolve(page('20', node('new', '20')));
    await settle();
    s.lists[0]!.resolve(page('5', node('stale', '5')));
    await settle();
    assert.deepEqual([...lw.items.keys()], ['new']);
    assert.equal(s.watches.length, 1, 'only the current list opens a watch');
    assert.equal(s.open, 1);
    assert.equal(lw.openWatches, 1);
    lw.dispose();
  });

  test('a big page is slimmed over several turns: other callbacks run between its slices, and a restart meanwhile stops it', async () => {
    const s = new FakeServer();
    let slims = 0;
    const lw = new ListWatch<{ name: string }>({
      path: '/api/v1/nodes',
      list: s.list,
      watch: s.watch,
      slim: (o) => (slims++, { name: o.metadata.name }),
      explain: (err) => new KubemarkError(String(err)),
    });
    const slimmed: number[] = [];
    // A callback queued in each turn records how many objects were slimmed by then.
    let ticking = true;
    const tick = () => {
      slimmed.push(slims);
      if (ticking) setImmediate(tick);
    };
    lw.start();
    const big = Array.from({ length: 250 }, (_, i) => node(`n${i}`, String(i)));
    setImmediate(tick);
    s.lists[0]!.resolve(page('300', ...big));
    await until('the list is in', () => lw.state === 'ready');
    ticking = false;
    assert.equal(lw.items.size, 250);
    assert.equal(slims, 250);
    const between = slimmed.filter((n) => n > 0 && n < 250);
    assert.ok(between.length >= 2, `other callbacks ran between the slices (seen at ${slimmed.join(', ')})`);
    assert.ok(between.every((n) => n % 100 === 0), `the page is cut in slices of 100 (seen at ${slimmed.join(', ')})`);
    assert.equal(s.watches.length, 1);

    // A restart while a big page is being slimmed: that list stops at its next slice; it never
    // fills the store or opens a watch.
    lw.restart();
    s.lists[1]!.resolve(page('400', ...big.map((n) => node(`old-${n.metadata.name}`, '400'))));
    await settle(); // the stale page has arrived; its first slice waits for the next turn
    const slimsAtRestart = slims;
    lw.restart();
    s.lists[2]!.resolve(page('500', node('fresh', '500')));
    await until('the last list is in', () => lw.state === 'ready' && lw.items.has('fresh'));
    // Had the stale list gone on, its three slices would have run in the next three turns
    // (turns of the event loop, not a time).
    for (let i = 0; i < 3; i++) await settle();
    assert.equal(slims, slimsAtRestart + 1, 'after the restart only the fresh page is slimmed');
    assert.deepEqual([...lw.items.keys()], ['fresh']);
    assert.equal(s.watches.length, 2, 'the first list opened a watch, then only the last list did');
    assert.equal(s.open, 1);
    lw.dispose();
  });

  test('refresh during the watch: the old watch is aborted, its late callbacks are ignored', async () => {
    const s = new FakeServer();
    const lw = informer(s);
    lw.start();
    s.lists[0]!.resolve(page('1'));
    await settle();
    const first = s.last;
    lw.restart();
    assert.ok(first.aborted, 'the old watch is aborted');
    assert.equal(s.open, 0, 'nothing open while the new list runs');
    s.lists[1]!.resolve(page('2', node('x', '2')));
    await settle();
    assert.equal(s.open, 1);
    // The aborted stream still delivers what was in flight, then its AbortError: neither acts.
    first.h.onEvent('ADDED', node('ghost', '3'));
    first.h.onClose(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }));
    await settle();
    assert.deepEqual([...lw.items.keys()], ['x']);
    assert.equal(s.watches.length, 2, 'an abort is not a clean end: no resume');
    assert.equal(s.open, 1);
    assert.equal(lw.openWatches, 1);
    lw.dispose();
  });

  test('a server timeout resumes at once from the last resourceVersion, without a list', async () => {
    const s = new FakeServer();
    const lw = informer(s);
    lw.start();
    s.lists[0]!.resolve(page('1'));
    await settle();
    s.last.h.onEvent('ADDED', node('a', '7'));
    s.close(s.last);
    assert.equal(s.lists.length, 1);
    assert.equal(s.watches.length, 2);
    assert.equal(s.last.query.resourceVersion, '7');
    assert.equal(s.open, 1);
    assert.equal(lw.openWatches, 1);
    assert.equal(lw.state, 'ready');
    lw.dispose();
  });

  test('an error: error state with the explanation, retry after the backoff from the last resourceVersion', async () => {
    const s = new FakeServer();
    const failures: string[] = [];
    const lw = new ListWatch({
      path: '/x', list: s.list, watch: s.watch, slim: (o: any) => o.metadata.name,
      explain: (e) => new KubemarkError(`explained: ${(e as Error).message}`),
    }, { initialBackoffMs: 5, onFailure: (e) => failures.push(e.message) });
    lw.start();
    s.lists[0]!.resolve(page('3'));
    await settle();
    s.close(s.last, Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    assert.equal(lw.state, 'error');
    assert.equal(lw.error?.message, 'explained: socket hang up');
    assert.deepEqual(failures, ['explained: socket hang up'], 'the owner is told (it re-probes)');
    assert.equal(s.open, 0);
    assert.equal(lw.openWatches, 0);
    await until('the retry', () => s.watches.length === 2);
    assert.equal(s.last.query.resourceVersion, '3');
    assert.equal(s.lists.length, 1, 'no relist for a plain error');
    assert.equal(s.open, 1);
    lw.dispose();
  });

  test('a server that accepts every watch and drops it at once: the delay keeps growing, and resets after an event', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const s = new FakeServer();
    const lw = new ListWatch({
      path: '/x', list: s.list, watch: s.watch, slim: (o: any) => o.metadata.name,
      explain: (e) => new KubemarkError(String(e)),
    }, { initialBackoffMs: 100, maxBackoffMs: 800 });
    lw.start();
    s.lists[0]!.resolve(page('3'));
    await settle();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = s.watches.length;
      s.last.h.onOpen?.();
      assert.equal(lw.state, 'ready', 'an open watch is ready');
      s.close(s.last); // clean, no event, at once
      let waited = 0;
      while (s.watches.length === before) { t.mock.timers.tick(50); waited += 50; if (waited > 5000) assert.fail('no retry'); }
      delays.push(waited);
    }
    assert.deepEqual(delays, [100, 200, 400, 800, 800], 'the open did not reset the backoff');
    // A watch that delivers an event proves the server is fine: the next drop retries after the initial delay.
    s.last.h.onOpen?.();
    s.last.h.onEvent('ADDED', { metadata: { name: 'a', resourceVersion: '9' } });
    const before = s.watches.length;
    s.close(s.last, Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    let waited = 0;
    while (s.watches.length === before) { t.mock.timers.tick(50); waited += 50; if (waited > 5000) assert.fail('no retry'); }
    assert.equal(waited, 100);
    lw.dispose();
  });

  test('disposal tells the listeners once (a wait on the store ends), then nothing more', async () => {
    const s = new FakeServer();
    const lw = informer(s);
    lw.start();
    s.lists[0]!.resolve(page('1'));
    await settle();
    const seen: string[] = [];
    lw.onChange((c) => seen.push(`${c.type}:${lw.isDisposed}`));
    lw.dispose();
    lw.dispose();
    assert.deepEqual(seen, ['state:true']);
  });

  test('a watch ERROR event other than 410, then a clean close: an error, a relist after the backoff, never a tight loop', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const s = new FakeServer();
    const lw = new ListWatch({
      path: '/x', list: s.list, watch: s.watch, slim: (o: any) => o.metadata.name,
      explain: (e) => new KubemarkError(`explained: ${(e as Error).message}`),
    }, { initialBackoffMs: 100, maxBackoffMs: 800 });
    lw.start();
    s.lists[0]!.resolve(page('3'));
    await settle();
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      s.last.h.onOpen();
      s.last.h.onEvent('ERROR', { code: 504, message: 'Too large resource version' });
      const lists = s.lists.length;
      s.close(s.last);
      assert.equal(lw.state, 'error');
      assert.match(lw.error!.message, /Too large resource version/);
      assert.equal(s.watches.length, i + 1, 'no watch at once');
      let waited = 0;
      while (s.lists.length === lists) { t.mock.timers.tick(50); waited += 50; if (waited > 5000) assert.fail('no relist'); }
      delays.push(waited);
      s.lists.at(-1)!.resolve(page(String(10 + i)));
      await settle();
    }
    assert.deepEqual(delays, [100, 100, 100], 'each relist succeeded, so the backoff starts again from the initial delay');
    assert.equal(s.watches.length, 4);
    lw.dispose();
  });

  test('410 Gone relists, then watches from the new list', async () => {
    const s = new FakeServer();
    const lw = informer(s);
    lw.start();
    s.lists[0]!.resolve(page('3', node('a', '3')));
    await settle();
    s.last.h.onEvent('ERROR', { code: 410, reason: 'Expired' });
    s.close(s.last);
    assert.equal(s.lists.length, 2);
    assert.equal(s.open, 0);
    s.lists[1]!.resolve(page('50', node('b', '50')));
    await settle();
    assert.deepEqual([...lw.items.keys()], ['b']);
    assert.equal(s.last.query.resourceVersion, '50');
    assert.equal(s.open, 1);
    // A 410 status on the watch request itself does the same.
    s.close(s.last, Object.assign(new Error('Gone'), { statusCode: 410 }));
    assert.equal(s.lists.length, 3);
    lw.dispose();
  });

  test('recovery with bookmarks only: ready again when the watch opens, no object event needed', async () => {
    const s = new FakeServer();
    const lw = informer(s);
    lw.start();
    s.lists[0]!.resolve(page('3'));
    await settle();
    s.close(s.last, new Error('ECONNREFUSED'));
    assert.equal(lw.state, 'error');
    await until('the retry', () => s.watches.length === 2);
    assert.equal(lw.state, 'error', 'still in error until the server answers');
    s.last.h.onOpen();
    assert.equal(lw.state, 'ready');
    assert.equal(lw.error, undefined);
    // And a bookmark alone (a server that opens lazily) also says the watch is healthy.
    s.close(s.last, new Error('ECONNRESET'));
    await until('the second retry', () => s.watches.length === 3);
    s.last.h.onEvent('BOOKMARK', { metadata: { resourceVersion: '99' } });
    assert.equal(lw.state, 'ready');
    assert.equal(lw.items.size, 0);
    s.close(s.last);
    assert.equal(s.last.query.resourceVersion, '99', 'resumes from the bookmark');
    assert.equal(s.open, 1);
    lw.dispose();
  });

  test('reconnect() replaces a watch that may sit on a dead connection, and skips the backoff', async () => {
    const s = new FakeServer();
    const lw = informer(s, { initialBackoffMs: 60_000 });
    lw.start();
    s.lists[0]!.resolve(page('3'));
    await settle();
    const first = s.last;
    lw.reconnect();
    assert.ok(first.aborted);
    assert.equal(s.open, 1);
    s.close(s.last, new Error('ECONNREFUSED'));
    assert.equal(s.open, 0);
    lw.reconnect(); // the probe says the server is back: no 60 s wait
    assert.equal(s.open, 1);
    assert.equal(s.last.query.resourceVersion, '3');
    lw.dispose();
  });

  test('disposal is final: nothing acts or opens afterwards', async () => {
    const s = new FakeServer();
    const lw = informer(s);
    lw.start();
    lw.dispose();
    s.lists[0]!.resolve(page('1', node('a', '1')));
    await settle();
    lw.start();
    lw.restart();
    lw.reconnect();
    assert.equal(s.watches.length, 0);
    assert.equal(lw.items.size, 0);
    assert.equal(lw.openWatches, 0);
  });

  test('a watch that fails before watch() returns leaves nothing open', async () => {
    const s = new FakeServer();
    const lw = new ListWatch({
      path: '/x', list: s.list, slim: (o: any) => o, explain: (e) => new KubemarkError(String(e)),
      watch: (_path, _query, h) => {
        h.onClose(new Error('ECONNREFUSED'));
        return { abort: () => undefined };
      },
    }, { initialBackoffMs: 60_000 });
    lw.start();
    s.lists[0]!.resolve(page('1'));
    await settle();
    assert.equal(lw.state, 'error');
    assert.equal(lw.openWatches, 0);
    lw.dispose();
  });
});

/** A session whose version probe and list/watch are scripted. */
function fakeSession(server: FakeServer) {
  const versions: Array<{ resolve(v: unknown): void; reject(e: unknown): void }> = [];
  let auto: 'ok' | 'fail' | undefined;
  const session = {
    context: 'fake',
    server: 'https://fake',
    http: {
      request: (_m: string, _p: string, o: { query: { limit: number; continue?: string }; signal: AbortSignal }) => server.list({ limit: o.query.limit }, o.signal),
      // The nodes' pages, as bytes for the page decoder (on this thread in these tests: see below).
      requestBytes: async (_m: string, _p: string, o: { query: { limit: number; continue?: string }; signal: AbortSignal }) => Buffer.from(JSON.stringify(await server.list({ limit: o.query.limit }, o.signal))),
    },
    watch: server.watch,
    version: () => {
      if (auto === 'ok') return Promise.resolve({ gitVersion: 'v1.37.2', major: '1', minor: '37' });
      if (auto === 'fail') return Promise.reject(new KubemarkError('Cannot reach fake: connection refused.'));
      return new Promise((resolve, reject) => versions.push({ resolve, reject }));
    },
    explain: (err: unknown) => new KubemarkError(String(err)),
    dispose: () => undefined,
  };
  return { session: session as unknown as ClusterSession, versions, setAuto: (a: 'ok' | 'fail' | undefined) => (auto = a) };
}

describe('cluster state: probes and informers together', () => {
  test('disposed while the version probe is in flight: its informers never start', async () => {
    const s = new FakeServer();
    const f = fakeSession(s);
    const state = new MastersState(f.session, { pageDecoder: HERE, listWatch: { initialBackoffMs: 5 } });
    const started = state.start();
    state.dispose();
    f.versions[0]!.resolve({ gitVersion: 'v1.37.2', major: '1', minor: '37' });
    await started;
    await settle();
    assert.equal(s.lists.length, 0);
    assert.equal(s.watches.length, 0);
    assert.equal(state.openWatches(), 0);
  });

  test('20 refreshes in a second: one watch per kind afterwards', async () => {
    const s = new FakeServer();
    const f = fakeSession(s);
    f.setAuto('ok');
    const state = new MastersState(f.session, { pageDecoder: HERE, probeMs: 60_000, listWatch: { initialBackoffMs: 5 } });
    await state.start();
    s.lists[0]!.resolve(page('1'));
    await settle();
    const refreshes: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      refreshes.push(state.refresh());
      await settle();
      // Some lists answer while later refreshes are already running.
      if (i % 3 === 0) for (const l of s.lists) l.resolve(page(String(10 + i)));
    }
    await Promise.all(refreshes);
    for (const l of s.lists) l.resolve(page('100', node('n', '100')));
    await settle();
    assert.equal(s.open, 1, 'the server sees one node watch');
    assert.equal(state.openWatches(), 1);
    assert.equal(state.nodes.state, 'ready');
    state.dispose();
    assert.equal(s.open, 0);
  });

  test('an outage: a failed watch re-probes; when the server answers again the informers reconnect without Refresh', async () => {
    const s = new FakeServer();
    const f = fakeSession(s);
    f.setAuto('ok');
    const state = new MastersState(f.session, { pageDecoder: HERE, probeMs: 60_000, probeErrorMs: 5, listWatch: { initialBackoffMs: 60_000 } });
    await state.start();
    s.lists[0]!.resolve(page('1', node('a', '1')));
    await settle();
    assert.equal(state.reach.state, 'reachable');
    f.setAuto('fail');
    s.close(s.last, new Error('ECONNRESET'));
    await until('the probe to see the outage', () => state.reach.state === 'error');
    assert.equal(state.openWatches(), 0);
    assert.equal(state.nodes.items.size, 1, 'what was known is kept');
    f.setAuto('ok');
    await until('reachable again', () => state.reach.state === 'reachable');
    assert.equal(state.openWatches(), 1, 'reconnected at once, not after the 60 s backoff');
    assert.equal(s.open, 1);
    s.last.h.onOpen();
    assert.equal(state.nodes.state, 'ready');
    state.dispose();
  });
});
