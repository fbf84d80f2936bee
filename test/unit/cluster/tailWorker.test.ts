// Tail Logs on its worker thread (src/cluster/tailWorker.ts + dist/logWorker.js): a real worker
// thread following real HTTP log streams from a local server (127.0.0.1, a port of its own),
// with the extension host's side only answering credential requests and forwarding pod records.
// What reaches the sink after noise, resets, a replaced pod, a credential failure, a crash of
// the worker and a stop.
import { describe, test, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { WorkerTailSession, WorkerTailSource } from '../../../src/cluster/tailWorker';
import { Pods, TARGET, lines, running, ts } from './tailFixtures';
import { PortableRequest } from '../../../src/cluster/httpStream';
import { KubemarkError } from '../../../src/core/errors';
import { until as untilWithin } from './until';

/** Worker threads start and stop here: a longer deadline. */
const until = (what: string, f: () => boolean, ms = 10_000): Promise<void> => untilWithin(what, f, ms, 5);

interface LogRequest {
  pod: string;
  query: URLSearchParams;
  authorization: string | undefined;
  res: http.ServerResponse;
}

/** A log endpoint whose answers the test writes: each request waits in `requests`. */
class LogServer {
  readonly requests: LogRequest[] = [];
  private readonly server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(url.pathname);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.flushHeaders();
    this.requests.push({ pod: m[2]!, query: url.searchParams, authorization: req.headers.authorization, res });
  });
  port = 0;

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  connections(): Promise<number> {
    return new Promise((r, j) => this.server.getConnections((e, n) => (e ? j(e) : r(n))));
  }

  get last(): LogRequest {
    return this.requests[this.requests.length - 1]!;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** The extension host's side of a session: request options with a fresh token each time. */
class Source implements WorkerTailSource {
  readonly context = 'workers';
  calls = 0;
  /** When each call came (performance.now()). */
  readonly callTimes: number[] = [];
  fail: Error | undefined;
  /** Answer with an https request whose client key is not a key (request() throws at once). */
  badKey = false;
  constructor(private readonly logs: LogServer) {}
  get server(): string {
    return `http://127.0.0.1:${this.logs.port}`;
  }
  readonly http = {
    portable: async (method: string, path: string, query?: Record<string, string | number | boolean | undefined>): Promise<PortableRequest> => {
      this.calls++;
      this.callTimes.push(performance.now());
      if (this.fail) throw this.fail;
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) q.set(k, String(v));
      if (this.badKey) return { protocol: 'https:', hostname: '127.0.0.1', port: this.logs.port, path: `${path}?${q}`, method, headers: {}, tls: { key: Buffer.from('not a key'), cert: Buffer.from('not a cert') } };
      return { protocol: 'http:', hostname: '127.0.0.1', port: this.logs.port, path: `${path}?${q}`, method, headers: { Authorization: `Bearer token-${this.calls}` }, tls: {} };
    },
  };
  explain(err: unknown, action: string): Error {
    return err instanceof KubemarkError ? err : new KubemarkError(`Cannot reach workers while trying to ${action}: ${(err as Error).message}`);
  }
}

const NOISE = 'E1201 10:00:01.000000   7 eviction_manager.go:282] "Eviction manager: failed to get summary stats" err="x"';

describe('WorkerTailSession (a real worker thread, real HTTP streams)', () => {
  const servers: LogServer[] = [];
  const runs: WorkerTailSession[] = [];
  // A failed assertion leaves no worker thread running: every run is stopped at the end.
  afterEach(async () => {
    for (const r of runs.splice(0)) {
      r.stop();
      await r.done;
    }
  });
  after(async () => {
    for (const s of servers) await s.close();
  });

  async function setUp(pods: Pods | undefined, options = {}) {
    const logs = new LogServer();
    servers.push(logs);
    await logs.listen();
    const source = new Source(logs);
    const out: string[] = [];
    const run = new WorkerTailSession(source, TARGET, { append: (t) => out.push(...t.split('\n')) }, pods, { flushMs: 10, ...options }).start();
    runs.push(run);
    return { logs, source, out, run };
  }

  test('follows with the credentials this thread applied; noise is counted there, errors marked, the summary written at stop', async () => {
    const { logs, out, run } = await setUp(new Pods(running('u1')));
    await until('the request', () => logs.requests.length === 1);
    assert.equal(logs.last.authorization, 'Bearer token-1', 'the headers this thread made reach the server');
    assert.equal(logs.last.query.get('follow'), 'true');
    assert.equal(logs.last.query.get('timestamps'), 'true');
    assert.equal(logs.last.query.get('container'), 'hollow-kubelet');
    const noise = Array.from({ length: 40 }, (_, i) => `${ts(1, i + 1)} ${NOISE}\n`).join('');
    logs.last.res.write(`${noise}${ts(2)} I1201 kubelet started\n${ts(3)} E1201 10:00:03.000000   7 x.go:1] real trouble\n`);
    await until('the lines', () => lines(out).length === 3);
    assert.deepEqual(lines(out), [
      'I1201 kubelet started',
      '✖ E1201 10:00:03.000000   7 x.go:1] real trouble',
      '    ↳ klog-error: Error logged by the component that is not known kubemark noise: read it.',
    ]);
    await until('the counts', () => run.summary().suppressed === 40 && run.openStreams() === 1);
    assert.equal(run.summary().errors, 1);
    assert.equal(run.summary().byPattern.find((p) => p.id === 'eviction-summary-stats')?.count, 40);
    run.stop();
    assert.equal(run.isStopped, true);
    await run.done;
    assert.equal(out[out.length - 1], '── stopped');
    assert.ok(out.some((l) => /^── .*40 .*suppressed/.test(l) || /^── .*suppressed.*40/.test(l)), `the summary is written: ${out.join(' | ')}`);
    assert.equal(run.openStreams(), 0);
    await until('the server sees the stream end', () => logs.last.res.destroyed || logs.last.res.writableEnded || logs.last.res.closed);
    assert.ok(!out.join('\n').includes('token-'), 'no credential reaches the output');
  });

  test('a reset stream follows again with fresh credentials from the last timestamp: nothing lost, nothing doubled', async () => {
    const { logs, source, out, run } = await setUp(new Pods(running('u1')));
    await until('the request', () => logs.requests.length === 1);
    logs.last.res.write(`${ts(1, 5)} line one\n${ts(2, 100)} line two\n${ts(3, 7)} line thr`);
    await until('line two', () => lines(out).includes('line two'));
    logs.last.res.socket?.destroy();
    await until('a second request', () => logs.requests.length === 2);
    assert.equal(logs.last.query.get('sinceTime'), '2026-12-01T10:00:02Z');
    assert.equal(logs.last.authorization, 'Bearer token-2', 'each stream asks this thread for its credentials');
    assert.equal(source.calls, 2);
    logs.last.res.write(`${ts(2, 1)} earlier in that second\n${ts(2, 100)} line two\n${ts(3, 7)} line three\n${ts(4)} line four\n`);
    await until('line four', () => lines(out).includes('line four'));
    assert.deepEqual(lines(out), ['line one', 'line two', 'line three', 'line four']);
    assert.ok(out.some((l) => /hollow-node-0\/hollow-kubelet: .*following again/.test(l)), out.join('\n'));
    run.stop();
    await run.done;
  });

  test('pod records forwarded from this thread: a replaced pod is followed anew from its start', async () => {
    const pods = new Pods(running('u1'));
    const { logs, out, run } = await setUp(pods);
    await until('the request', () => logs.requests.length === 1);
    logs.last.res.write(`${ts(10)} old pod line\n`);
    await until('the old line', () => lines(out).includes('old pod line'));
    pods.set(undefined);
    await until('the note', () => out.some((l) => /pod gone; following again when it runs/.test(l)));
    pods.set(running('u2', '2026-12-01T10:01:00Z'));
    await until('the new pod followed', () => logs.requests.length === 2);
    assert.equal(logs.last.query.get('sinceTime'), '2026-12-01T10:01:00Z');
    logs.last.res.write(`${ts(3)} new pod line\n`);
    await until('the new pod line', () => lines(out).includes('new pod line'));
    assert.deepEqual(lines(out), ['old pod line', 'new pod line']);
    assert.equal(logs.requests.length, 2, 'nothing was opened while the pod was gone');
    run.stop();
    await run.done;
  });

  test('credentials that cannot be had (an exec plugin failing) are said, and retried', async () => {
    const logs = new LogServer();
    servers.push(logs);
    await logs.listen();
    const source = new Source(logs);
    source.fail = new KubemarkError('The exec credential plugin of context workers failed: token expired. Log in again, then Refresh.');
    const out: string[] = [];
    const message = /hollow-node-0\/hollow-kubelet: The exec credential plugin of context workers failed: token expired.*following again/;
    // The calls made when the message arrived: the worker sends it before it asks again, so this
    // does not depend on how soon the test looks (a stalled thread would see the retry too).
    let callsAtMessage: number | undefined;
    const append = (t: string) => {
      out.push(...t.split('\n'));
      if (callsAtMessage === undefined && message.test(t)) callsAtMessage = source.calls;
    };
    const run = new WorkerTailSession(source, TARGET, { append }, new Pods(running('u1')), { flushMs: 10 }).start();
    runs.push(run);
    await until('the message', () => out.some((l) => message.test(l)), 15_000);
    assert.equal(callsAtMessage, 1, 'one attempt, then a retry later');
    // Timers never fire early: a retry, if one came already, came after the back-off.
    if (source.callTimes.length > 1) assert.ok(source.callTimes[1]! - source.callTimes[0]! >= 450, `retried after ${(source.callTimes[1]! - source.callTimes[0]!).toFixed(0)} ms`);
    source.fail = undefined;
    await until('a request once the credentials work', () => logs.requests.length === 1, 15_000);
    logs.last.res.write(`${ts(1)} back\n`);
    await until('the line', () => lines(out).includes('back'));
    run.stop();
    await run.done;
  });

  test('the worker thread dying is said, the run ends, and its counts are kept', async () => {
    const { logs, out, run } = await setUp(new Pods(running('u1')));
    await until('the request', () => logs.requests.length === 1);
    logs.last.res.write(`${ts(1)} ${NOISE}\n${ts(2)} I1201 alive\n`);
    await until('the counts', () => run.summary().suppressed === 1 && lines(out).includes('I1201 alive'));
    await (run as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await run.done;
    assert.ok(out.some((l) => /── the log reader stopped unexpectedly .*Run "Kubemark: Tail Logs" again/.test(l)), out.join('\n'));
    assert.ok(out.some((l) => /^── .*1 .*suppressed|^── .*suppressed.*1/.test(l)), `the counts it sent are written: ${out.join(' | ')}`);
    assert.equal(run.summary().suppressed, 1);
    assert.equal(run.openStreams(), 0);
    assert.equal(run.isStopped, true);
  });

  test('a client key that is not a key (request() throws in the worker) is said, and the worker lives on', async () => {
    const { logs, source, out } = await setUp(new Pods(running('u1')));
    await until('the first request', () => logs.requests.length === 1);
    source.badKey = true;
    logs.last.res.socket?.destroy();
    await until('the bad request attempted', () => source.calls >= 2);
    await until('the note', () => out.filter((l) => /hollow-node-0\/hollow-kubelet: .*following again/.test(l)).length >= 1);
    source.badKey = false;
    await until('a request with good options', () => logs.requests.length === 2, 15_000);
    logs.last.res.write(`${ts(9)} still here\n`);
    await until('the line', () => lines(out).includes('still here'));
    assert.ok(!out.some((l) => /log reader (failed|stopped unexpectedly)/.test(l)), out.join('\n'));
  });

  test('stopped at once: done resolves, the worker thread exits, no connection stays open', async () => {
    const { logs, out, run } = await setUp(undefined);
    const worker = (run as unknown as { worker: { once(e: 'exit', f: (code: number) => void): void } }).worker;
    const exited = new Promise<number>((r) => worker.once('exit', r));
    await until('the request', () => logs.requests.length === 1);
    run.stop();
    await run.done;
    await exited;
    assert.equal(out[out.length - 1], '── stopped');
    const deadline = Date.now() + 5_000;
    while ((await logs.connections()) > 0) {
      if (Date.now() > deadline) assert.fail('a connection to the log server stayed open after the stop');
      await new Promise((r) => setTimeout(r, 5));
    }
  });
});

describe('log worker: TLS identity by value', () => {
  test('a Buffer and the Uint8Array it arrives as in a worker are the same key material', async () => {
    const { sameValue } = await import('../../../src/cluster/tlsAgents');
    const pem = Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const posted = structuredClone(pem);
    assert.equal(Buffer.isBuffer(posted), false, 'what crosses the boundary is no longer a Buffer');
    assert.ok(sameValue(pem, posted));
    assert.ok(sameValue([pem, 'x'], [posted, 'x']));
    assert.ok(!sameValue(pem, Buffer.from('other')));
    assert.ok(!sameValue(pem, undefined));
    assert.ok(sameValue(undefined, undefined));
  });
});

describe('credentials for the log worker', () => {
  test('one application of the kubeconfig at a time: streams waiting on a slow exec plugin share it', async () => {
    const { ApiHttp } = await import('../../../src/cluster/http');
    let applied = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const kc = {
      getCurrentCluster: () => ({ server: 'https://127.0.0.1:6443' }),
      applyToHTTPSOptions: async (o: { headers?: Record<string, string> }) => {
        applied++;
        await gate;
        o.headers = { Authorization: `Bearer token-${applied}` };
      },
    };
    const http = new ApiHttp(kc as never);
    const waiting = [1, 2, 3].map((i) => http.portable('GET', `/api/v1/namespaces/ns/pods/p${i}/log`, { follow: 'true' }));
    assert.equal(applied, 1, 'three streams, one plugin run');
    release();
    const requests = await Promise.all(waiting);
    assert.deepEqual(requests.map((r) => r.headers.Authorization), ['Bearer token-1', 'Bearer token-1', 'Bearer token-1']);
    assert.deepEqual(requests.map((r) => r.path), ['/api/v1/namespaces/ns/pods/p1/log?follow=true', '/api/v1/namespaces/ns/pods/p2/log?follow=true', '/api/v1/namespaces/ns/pods/p3/log?follow=true']);
    const later = await http.portable('GET', '/api/v1/nodes');
    assert.equal(applied, 2, 'a later request applies the kubeconfig again (a fresh token)');
    assert.equal(later.headers.Authorization, 'Bearer token-2');
    http.dispose();
  });

  test('a credential plugin that does not answer: the stream says so after the timeout and tries again', async () => {
    const logs = new LogServer();
    await logs.listen();
    const source = new Source(logs);
    let hang = true;
    const portable = source.http.portable;
    (source.http as { portable: typeof portable }).portable = (...a) => (hang ? new Promise<never>(() => undefined) : portable(...a));
    const out: string[] = [];
    const run = new WorkerTailSession(source, TARGET, { append: (t) => out.push(...t.split('\n')) }, new Pods(running('u1')), { flushMs: 10, credentialsTimeoutMs: 1000 }).start();
    try {
      await until('the note', () => out.some((l) => l === '── hollow-node-0/hollow-kubelet: Getting the credentials took more than 1 s (a credential plugin that does not answer, or waits for a login?); following again'), 15_000);
      hang = false;
      await until('a request once the plugin answers', () => logs.requests.length === 1, 15_000);
      logs.last.res.write(`${ts(1)} answered\n`);
      await until('the line', () => lines(out).includes('answered'));
    } finally {
      run.stop();
      await run.done;
      await logs.close();
    }
  });

  test('an error answer with an empty or blank body is worded by its status', async () => {
    const { bodyError } = await import('../../../src/cluster/httpStream');
    const { classify } = await import('../../../src/cluster/errors');
    for (const body of ['', ' \n']) {
      const msg = classify(bodyError(503, body), { context: 'workers', action: 'list pods' }).message;
      assert.doesNotMatch(msg, /: \s*\./, JSON.stringify(msg));
      assert.match(msg, /503/);
    }
  });
});
