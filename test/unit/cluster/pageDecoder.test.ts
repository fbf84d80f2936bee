// List pages read on the list worker (the real out/dist/listWorker.js thread): the same records
// as reading them on this thread, errors with their reason, and no page lost to a worker that is
// missing, dies, ends idle or is disposed while it holds pages.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PageDecoder } from '../../../src/cluster/pageDecoder';
import { DecodedPage, PageShape, decodePage } from '../../../src/cluster/pageShapes';
import { slimNode, slimPod, slimWorkload } from '../../../src/cluster/records';
import { parseSelector } from '../../../src/cluster/hollow';
import { findWorkerScript } from '../../../src/cluster/workerScripts';
import { until } from './until';
import { spawnSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A Node as a hollow kubelet registers it (the fields the apiserver sends, shortened: about 1.6 KB of JSON). */
function node(i: number, hollow = true): unknown {
  const name = `hollow-node-${i}`;
  return {
    metadata: {
      name,
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resourceVersion: String(1000 + i),
      creationTimestamp: '2026-12-01T10:00:00Z',
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', zone: `z${i % 3}` },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
      managedFields: [{ manager: 'kubelet', operation: 'Update', apiVersion: 'v1', time: '2026-12-01T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { 'f:conditions': {} } } }],
    },
    spec: { podCIDR: `10.${i % 250}.0.0/24`, ...(i % 7 === 0 ? { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }], unschedulable: true } : {}) },
    status: {
      capacity: { cpu: '1', memory: '3840Mi', pods: '110', 'ephemeral-storage': '10Gi' },
      allocatable: { cpu: '1', memory: '3840Mi', pods: '110' },
      conditions: [
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: '2026-12-01T10:00:00Z', reason: 'KubeletHasSufficientMemory' },
        { type: 'DiskPressure', status: 'False', lastHeartbeatTime: '2026-12-01T10:00:00Z', reason: 'KubeletHasNoDiskPressure' },
        { type: 'PIDPressure', status: 'False', lastHeartbeatTime: '2026-12-01T10:00:00Z', reason: 'KubeletHasSufficientPID' },
        i % 5 === 0
          ? { type: 'Ready', status: 'Unknown', lastHeartbeatTime: '2026-12-01T10:00:00Z', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }
          : { type: 'Ready', status: 'True', lastHeartbeatTime: '2026-12-01T10:00:00Z', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      addresses: [{ type: 'InternalIP', address: `10.0.${i >> 8}.${i & 255}` }, { type: 'Hostname', address: name }],
      nodeInfo: { kubeletVersion: 'v1.37.2', containerRuntimeVersion: hollow ? 'fakeRuntime://0.1.0' : 'containerd://1.7.2', osImage: 'Debian', architecture: 'amd64' },
      images: [{ names: ['registry.k8s.io/pause:3.10'], sizeBytes: 100 }],
    },
  };
}

function pod(i: number, opts: { hollow?: boolean; labels?: Record<string, string> } = {}): unknown {
  const args = opts.hollow === false ? ['--v=2'] : ['--morph=kubelet', `--name=hollow-${i}`];
  return {
    metadata: { name: `hollow-node-${i}`, namespace: 'kubemark', uid: `u${i}`, labels: { app: 'hollow-node', ...opts.labels }, ownerReferences: [{ kind: 'StatefulSet', name: 'hollow-node', controller: true }], creationTimestamp: '2026-12-01T10:00:00Z' },
    spec: { nodeName: 'worker-1', containers: [{ name: 'hollow-kubelet', image: 'kubemark', args }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'hollow-kubelet', ready: true, restartCount: i % 3, state: { running: {} } }] },
  };
}

const list = (items: unknown[], metadata: Record<string, string> = {}) => Buffer.from(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata, items }));
const NODE: PageShape = { kind: 'node' };
const nodesPage = (n: number) => list(Array.from({ length: n }, (_, i) => node(i, i % 11 !== 0)), { resourceVersion: '4242', continue: 'next-token' });

/** The suites, except in the child process of the exit test (which runs only its page). */
const suites = process.env.PAGE_DECODER_CHILD ? ((() => undefined) as unknown as typeof describe) : describe;

/** A worker script of its own (a temporary file): its body runs on each message `m`. */
function stub(onMessage: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubemark-listworker-'));
  const file = join(dir, 'stub.js');
  writeFileSync(file, `require('node:worker_threads').parentPort.on('message', (m) => { ${onMessage} });\n`);
  return file;
}

function script(): string {
  const s = findWorkerScript('listWorker.js');
  assert.ok(s, 'out/dist/listWorker.js is built by npm run compile-tests');
  return s;
}

suites('decodePage (pageShapes.ts, the code both threads run)', () => {
  test('nodes: every item kept, slimmed as slimNode, with the list metadata', () => {
    const items = [node(1), node(5, false)];
    const page = decodePage(list(items, { resourceVersion: '7', continue: 'c' }).toString(), NODE);
    assert.deepEqual(page, { keys: ['hollow-node-1', 'hollow-node-5'], records: items.map(slimNode), resourceVersion: '7', continue: 'c' });
  });

  test('hollow pods: only pods running kubemark, or matching the selector, are kept', () => {
    const items = [pod(1), pod(2, { hollow: false }), pod(3, { hollow: false, labels: { tier: 'fake' } })];
    const none = decodePage(list(items).toString(), { kind: 'hollowPod', selector: [] });
    assert.deepEqual(none.keys, ['kubemark/hollow-node-1']);
    assert.deepEqual(none.records, [slimPod(items[0])]);
    const sel = decodePage(list(items).toString(), { kind: 'hollowPod', selector: parseSelector('tier=fake') });
    assert.deepEqual(sel.keys, ['kubemark/hollow-node-1', 'kubemark/hollow-node-3']);
    assert.equal(sel.resourceVersion, undefined);
    assert.equal(sel.continue, undefined);
  });

  test('workloads: the kind is the shape\'s, only hollow templates are kept', () => {
    const sts = (name: string, args: string[]) => ({ metadata: { name, namespace: 'kubemark', uid: name }, spec: { replicas: 3, selector: { matchLabels: { app: name } }, template: { spec: { containers: [{ name: 'c', args }] } } }, status: { readyReplicas: 2, replicas: 3 } });
    const items = [sts('hollow', ['--morph=kubelet']), sts('web', [])];
    const page = decodePage(list(items).toString(), { kind: 'hollowWorkload', owner: 'StatefulSet', selector: [] });
    assert.deepEqual(page.keys, ['kubemark/hollow']);
    assert.deepEqual(page.records, [slimWorkload('StatefulSet')(items[0])]);
  });

  test('node Leases: a renew time each (ms), 0 when there is none', () => {
    const lease = (name: string, renewTime?: string) => ({ metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, ...(renewTime ? { renewTime } : {}) } });
    const page = decodePage(list([lease('n1', '2026-12-01T10:00:00.123456Z'), lease('n2')]).toString(), { kind: 'leaseRenewTime' });
    assert.deepEqual(page.keys, ['kube-node-lease/n1', 'kube-node-lease/n2']);
    assert.deepEqual(page.records, [Date.parse('2026-12-01T10:00:00.123Z'), 0]);
  });

  test('an empty list (items null) is a page of nothing; an answer that is not a list throws with its kind', () => {
    assert.deepEqual(decodePage('{"kind":"NodeList","metadata":{"resourceVersion":"3"},"items":null}', NODE), { keys: [], records: [], resourceVersion: '3' });
    assert.throws(() => decodePage('{"kind":"Status","status":"Failure"}', NODE), /not a list \(kind Status\)/);
    assert.throws(() => decodePage('{"items":{"a":1}}', NODE), /not a list/);
    assert.throws(() => decodePage('<html>proxy login</html>', NODE), SyntaxError);
  });
});

suites('PageDecoder on the list worker thread', { timeout: 30_000 }, () => {
  test('a page of 500 nodes is read on the worker, with the same records as on this thread', async () => {
    const d = new PageDecoder({ script: script() });
    try {
      const bytes = nodesPage(500);
      assert.ok(bytes.length > 500_000, `page of ${bytes.length} bytes`);
      const page = await d.decode(bytes, NODE);
      assert.deepEqual(page, decodePage(bytes.toString(), NODE));
      assert.equal(page.records.length, 500);
      assert.deepEqual(d.stats, { offThread: 1, inThread: 0, workerStarts: 1, workerFailures: 0 });
      // The next pages use the same thread; pages in flight together each get their own answer.
      const [a, b] = await Promise.all([d.decode(list([node(1)], { resourceVersion: 'a' }), NODE), d.decode(list([node(2), node(3)], { resourceVersion: 'b' }), NODE)]);
      assert.deepEqual([a.keys, a.resourceVersion, b.keys, b.resourceVersion], [['hollow-node-1'], 'a', ['hollow-node-2', 'hollow-node-3'], 'b']);
      assert.deepEqual(d.stats, { offThread: 3, inThread: 0, workerStarts: 1, workerFailures: 0 });
    } finally {
      d.dispose();
    }
  });

  test('a page that is not JSON or not a list rejects with the reason, and the worker goes on', async () => {
    const d = new PageDecoder({ script: script() });
    try {
      await assert.rejects(d.decode(Buffer.from('<html>proxy login</html>'), NODE), (err: Error) => err instanceof Error && /JSON/.test(err.message));
      await assert.rejects(d.decode(Buffer.from('{"kind":"Status","status":"Failure"}'), NODE), /not a list \(kind Status\)/);
      const ok = await d.decode(nodesPage(3), NODE);
      assert.equal(ok.records.length, 3);
      assert.equal(d.stats.workerStarts, 1);
      assert.equal(d.stats.workerFailures, 0);
    } finally {
      d.dispose();
    }
  });

  test('a worker that dies holding pages: they go to a new worker, and nothing is read on this thread', async () => {
    const d = new PageDecoder({ script: script() });
    try {
      const bytes = nodesPage(200);
      const held = [d.decode(bytes, NODE), d.decode(nodesPage(2), NODE)];
      // Ended before it could read anything (it has not started yet): not asked, so a death.
      void (d as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      const [page, small] = await Promise.all(held);
      assert.deepEqual(page, decodePage(bytes.toString(), NODE));
      assert.equal(small!.records.length, 2);
      assert.deepEqual(d.stats, { offThread: 2, inThread: 0, workerStarts: 2, workerFailures: 1 });
    } finally {
      d.dispose();
    }
  });

  test('a worker that dies at every page: after three deaths in a row the held pages are read on this thread, and so are later ones', async () => {
    const d = new PageDecoder({ script: stub('process.exit(3)') });
    try {
      const bytes = nodesPage(20);
      const [page, small] = await Promise.all([d.decode(bytes, NODE), d.decode(nodesPage(2), NODE)]);
      assert.deepEqual(page, decodePage(bytes.toString(), NODE));
      assert.equal(small.records.length, 2);
      assert.deepEqual(d.stats, { offThread: 0, inThread: 2, workerStarts: 3, workerFailures: 3 });
      assert.equal(d.running, false);
      assert.equal((await d.decode(nodesPage(1), NODE)).records.length, 1);
      assert.deepEqual(d.stats, { offThread: 0, inThread: 3, workerStarts: 3, workerFailures: 3 }, 'no fourth worker');
    } finally {
      d.dispose();
    }
  });

  test('a worker that hangs (no answer within answerTimeoutMs) is ended like a dead one; after three, its pages are read here', async () => {
    const d = new PageDecoder({ script: stub(''), answerTimeoutMs: 100 }); // never answers
    try {
      const [a, b] = await Promise.all([d.decode(nodesPage(3), NODE), d.decode(nodesPage(1), NODE)]);
      assert.deepEqual([a.records.length, b.records.length], [3, 1]);
      assert.deepEqual(d.stats, { offThread: 0, inThread: 2, workerStarts: 3, workerFailures: 3 });
      assert.equal(d.running, false);
    } finally {
      d.dispose();
    }
  });

  test('a worker that answers within answerTimeoutMs is not taken for hung, however long it takes for all its pages', async () => {
    // 50 ms a page, 20 pages: about 1 s in all, twice the deadline, each answer well within it.
    const d = new PageDecoder({ script: stub(`
      const end = Date.now() + 50; while (Date.now() < end);
      require('node:worker_threads').parentPort.postMessage({ id: m.id, page: { keys: [], records: [] } });
    `), answerTimeoutMs: 500 });
    try {
      const started = Date.now();
      await Promise.all(Array.from({ length: 20 }, () => d.decode(nodesPage(1), NODE)));
      assert.ok(Date.now() - started > 500, 'the pages took longer than the deadline in all');
      assert.deepEqual(d.stats, { offThread: 20, inThread: 0, workerStarts: 1, workerFailures: 0 });
    } finally {
      d.dispose();
    }
  });

  test('no deadline runs while the worker holds no page (an idle worker is not taken for hung)', async () => {
    const d = new PageDecoder({ script: script(), answerTimeoutMs: 50, idleMs: 600_000 });
    try {
      await d.decode(nodesPage(2), NODE);
      assert.equal((d as unknown as { answerTimer: unknown }).answerTimer, undefined);
      assert.equal(d.running, true);
    } finally {
      d.dispose();
    }
  });

  test('a worker script that does not load: every page is read on this thread, and after three tries the worker is not started again', async () => {
    const d = new PageDecoder({ script: '/nonexistent/listWorker.js' });
    try {
      for (let i = 1; i <= 5; i++) {
        const page: DecodedPage = await d.decode(nodesPage(i), NODE);
        assert.equal(page.records.length, i);
      }
      assert.equal(d.stats.offThread, 0);
      assert.equal(d.stats.inThread, 5);
      assert.equal(d.stats.workerFailures, 3);
      assert.equal(d.running, false);
    } finally {
      d.dispose();
    }
  });

  test('no worker script (script null): pages are read on this thread', async () => {
    const d = new PageDecoder({ script: null });
    const page = await d.decode(nodesPage(4), NODE);
    assert.equal(page.records.length, 4);
    assert.deepEqual(d.stats, { offThread: 0, inThread: 1, workerStarts: 0, workerFailures: 0 });
    await assert.rejects(d.decode(Buffer.from('nope'), NODE), SyntaxError);
  });

  test('an error read on the worker keeps its name (SyntaxError for a body that is not JSON)', async () => {
    const d = new PageDecoder({ script: script() });
    try {
      await assert.rejects(d.decode(Buffer.from('<html>'), NODE), (err: Error) => err.name === 'SyntaxError');
      assert.equal(d.stats.inThread, 0);
    } finally {
      d.dispose();
    }
  });

  test('an idle worker ends after idleMs; the next page starts another', async () => {
    const d = new PageDecoder({ script: script(), idleMs: 50 });
    try {
      await d.decode(nodesPage(2), NODE);
      assert.equal(d.running, true);
      await until('the idle worker to end', () => !d.running, 10_000);
      await d.decode(nodesPage(2), NODE);
      assert.deepEqual(d.stats, { offThread: 2, inThread: 0, workerStarts: 2, workerFailures: 0 }, 'an idle end is not a failure');
    } finally {
      d.dispose();
    }
  });

  test('an aborted page rejects with AbortError at once, and its worker, left with nothing to do, ends idle', async () => {
    const d = new PageDecoder({ script: stub(''), idleMs: 50 }); // a worker that never answers
    try {
      const abort = new AbortController();
      const held = d.decode(nodesPage(5), NODE, abort.signal);
      assert.equal(d.running, true);
      abort.abort();
      await assert.rejects(held, (err: Error) => err.name === 'AbortError');
      await until('the idle worker to end', () => !d.running, 10_000);
      assert.deepEqual(d.stats, { offThread: 0, inThread: 0, workerStarts: 1, workerFailures: 0 });
      await assert.rejects(d.decode(nodesPage(1), NODE, abort.signal), (err: Error) => err.name === 'AbortError', 'an already aborted signal');
    } finally {
      d.dispose();
    }
  });

  test('dispose while the worker holds a page: the page rejects with AbortError; later pages are read on this thread, no worker starts again', async () => {
    const d = new PageDecoder({ script: script() });
    const held = d.decode<unknown>(nodesPage(50), NODE);
    d.dispose();
    await assert.rejects(held, (err: Error) => err.name === 'AbortError');
    assert.equal(d.running, false);
    assert.equal((await d.decode(nodesPage(1), NODE)).records.length, 1);
    assert.deepEqual(d.stats, { offThread: 0, inThread: 1, workerStarts: 1, workerFailures: 0 });
  });

  test('pages read on this thread: one per turn of the event loop, however many wait', async () => {
    const d = new PageDecoder({ script: null });
    const all = [d.decode(nodesPage(3), NODE), d.decode(nodesPage(3), NODE), d.decode(nodesPage(3), NODE)];
    await new Promise((r) => setImmediate(r));
    assert.equal(d.stats.inThread, 1);
    await new Promise((r) => setImmediate(r));
    assert.equal(d.stats.inThread, 2);
    await Promise.all(all);
    assert.equal(d.stats.inThread, 3);
  });

  test('a page aborted while it waits to be read on this thread is not read', async () => {
    const d = new PageDecoder({ script: null });
    const abort = new AbortController();
    const held = d.decode(nodesPage(3), NODE, abort.signal);
    abort.abort();
    await assert.rejects(held, (err: Error) => err.name === 'AbortError');
    await d.decode(nodesPage(1), NODE);
    assert.equal(d.stats.inThread, 1, 'only the second page was read');
  });

  test('the abort listener is removed once the page is answered or fails', async () => {
    const d = new PageDecoder({ script: script() });
    try {
      const abort = new AbortController();
      await d.decode(nodesPage(2), NODE, abort.signal);
      await assert.rejects(d.decode(Buffer.from('{}'), NODE, abort.signal), /not a list/);
      assert.equal(getEventListeners(abort.signal, 'abort').length, 0);
    } finally {
      d.dispose();
    }
  });

  test('a page that cannot be posted to the worker (a shape that cannot be cloned) is read here, and the worker is released', async () => {
    const d = new PageDecoder({ script: script(), idleMs: 50 });
    try {
      const odd = { kind: 'node', note: () => 1 } as unknown as PageShape;
      const page = await d.decode(nodesPage(2), odd);
      assert.equal(page.records.length, 2);
      assert.equal(d.stats.inThread, 1);
      await until('the idle worker to end', () => !d.running, 10_000);
    } finally {
      d.dispose();
    }
  });

  test('a reply that cannot be read (messageerror): that worker is ended and the page goes to a new one', async () => {
    const d = new PageDecoder({ script: script() });
    try {
      const held = d.decode(nodesPage(2), NODE);
      const first = (d as unknown as { worker: import('node:worker_threads').Worker }).worker;
      first.emit('messageerror', new Error('could not deserialize'));
      const exited = new Promise((r) => first.once('exit', r));
      assert.equal((await held).records.length, 2);
      await exited;
      assert.deepEqual(d.stats, { offThread: 1, inThread: 0, workerStarts: 2, workerFailures: 1 });
    } finally {
      d.dispose();
    }
  });

  test('a page that kills every worker (and only it): read here after three deaths in a row, while other pages went to the worker', async () => {
    const d = new PageDecoder({ script: stub(`
      if (Buffer.from(m.bytes).toString().includes('poison')) process.exit(4);
      require('node:worker_threads').parentPort.postMessage({ id: m.id, page: { keys: ['ok'], records: ['ok'] } });
    `) });
    try {
      assert.deepEqual((await d.decode(list([node(1)]), NODE)).keys, ['ok']);
      const poison = list([{ metadata: { name: 'poison' } }]);
      const [bad, good] = await Promise.all([d.decode(poison, NODE), d.decode(list([node(2)]), NODE)]);
      assert.deepEqual(bad.keys, ['poison'], 'the poison page, read here');
      assert.deepEqual(good.keys, ['hollow-node-2'], 'the page held with it, read here too after the third death');
      assert.deepEqual(d.stats, { offThread: 1, inThread: 2, workerStarts: 3, workerFailures: 3 });
    } finally {
      d.dispose();
    }
  });

  test('a plain Node process waits for a page on the worker, then exits on its own (no dispose)', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PAGE_DECODER_CHILD: '1' };
    delete env.NODE_TEST_CONTEXT;
    const child = spawnSync(process.execPath, [__filename], { env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(child.status, 0, `the child ended with ${child.status ?? child.signal}: ${child.stderr}`);
    assert.match(child.stdout, /^decoded 300 records, offThread 1$/m);
  });
});

// The child of "a plain Node process waits …": one page on the shared worker, then nothing keeps
// the process alive but what the decoder holds.
if (process.env.PAGE_DECODER_CHILD) {
  // A worker left running would keep this process alive for 10 minutes, past the test's 30 s.
  const d = new PageDecoder({ script: script(), idleMs: 600_000 });
  void d.decode(nodesPage(300), NODE).then((page) => console.log(`decoded ${page.records.length} records, offThread ${d.stats.offThread}`));
}
