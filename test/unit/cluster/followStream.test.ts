// The log worker's follow client (src/cluster/followStream.ts): the HTTP/1.1 answer read off the
// socket (split at every byte, chunk extensions, trailers, sized and close-delimited bodies,
// what it refuses), the request head it writes, and follows against real local servers (HTTP,
// HTTPS with a client certificate, error answers, resets, abort, refused, bad input).
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddressInfo } from 'node:net';
import { ResponseReader, SecureContexts, openFollow, requestHead } from '../../../src/cluster/followStream';
import { HttpError, PortableRequest, StreamHandlers } from '../../../src/cluster/httpStream';
import { genCert } from '../selfSignedCert';
import { until } from './until';

interface Read {
  heads: number[];
  body: string;
  completes: number;
}

function reader(): { r: ResponseReader; got: Read } {
  const got: Read = { heads: [], body: '', completes: 0 };
  const r = new ResponseReader({
    head: (s) => got.heads.push(s),
    body: (b) => (got.body += b.toString('latin1')),
    complete: () => got.completes++,
  });
  return { r, got };
}

const CHUNKED =
  'HTTP/1.1 100 Continue\r\n\r\n' +
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '6\r\nline 1\r\n' +
  'B;ext=1\r\n\nline 2 é\n\r\n' +
  '1c \r\n' + 'x'.repeat(28) + '\r\n' +
  '0\r\nX-Trailer: yes\r\n\r\n';
const CHUNKED_BODY = `line 1\nline 2 ${Buffer.from('é').toString('latin1')}\n${'x'.repeat(28)}`;

describe('ResponseReader: an HTTP/1.1 answer off a socket', () => {
  test('a chunked answer split at every byte reads the same: one head (the 1xx skipped), the body, one end', () => {
    const bytes = Buffer.from(CHUNKED, 'utf8');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { r, got } = reader();
      r.feed(bytes.subarray(0, cut));
      r.feed(bytes.subarray(cut));
      assert.deepEqual(got, { heads: [200], body: CHUNKED_BODY, completes: 1 }, `cut at ${cut}`);
    }
    const { r, got } = reader();
    for (let i = 0; i < bytes.length; i++) r.feed(bytes.subarray(i, i + 1));
    assert.deepEqual(got, { heads: [200], body: CHUNKED_BODY, completes: 1 }, 'a byte at a time');
  });

  test('a sized body ends at its length; Content-Length 0 and 204 end with the head; bytes after the answer are ignored', () => {
    const { r, got } = reader();
    r.feed(Buffer.from('HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nabc'));
    assert.equal(got.completes, 0);
    r.feed(Buffer.from('deHTTP/1.1 200 OK\r\n\r\n'));
    assert.deepEqual(got, { heads: [403], body: 'abcde', completes: 1 });
    for (const head of ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 'HTTP/1.1 204 No Content\r\n\r\n']) {
      const x = reader();
      x.r.feed(Buffer.from(head));
      assert.equal(x.got.completes, 1, head);
      assert.ok(x.r.closed(), 'complete: a close after it is no reset');
    }
  });

  test('a body with neither length nor chunking is read until the close, which completes it', () => {
    const { r, got } = reader();
    r.feed(Buffer.from('HTTP/1.0 500 Internal Server Error\r\n\r\nsome'));
    r.feed(Buffer.from(' text'));
    assert.equal(got.completes, 0);
    assert.equal(r.closed(), true);
    assert.deepEqual(got, { heads: [500], body: 'some text', completes: 1 });
  });

  test('a close inside a chunked or sized body, or before the head, is not a complete answer', () => {
    for (const partial of ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab', 'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab', 'HTTP/1.1 200 O']) {
      const { r, got } = reader();
      r.feed(Buffer.from(partial));
      assert.equal(r.closed(), false, partial);
      assert.equal(got.completes, 0);
    }
  });

  test('what it cannot read is refused with a protocol error', () => {
    const bad = [
      'SSH-2.0-OpenSSH_9.6\r\n\r\n',
      'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3x\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1234567890abc\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n',
      `HTTP/1.1 200 OK\r\nX: ${'y'.repeat(70_000)}`,
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'1'.repeat(5000)}`,
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Type: x\nTransfer-Encoding: chunked\r\n\r\n',
      'HTTP/1.1 200 OK\nTransfer-Encoding: chunked\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\n\r\n',
      'HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n',
    ];
    for (const text of bad) {
      const { r } = reader();
      assert.throws(() => r.feed(Buffer.from(text)), (e: NodeJS.ErrnoException) => e.code === 'HPE_INVALID' && /not readable HTTP\/1\.1/.test(e.message), text.slice(0, 60));
    }
  });

  test('Transfer-Encoding wins over Content-Length; leading zeros of a chunk size are no digits too many', () => {
    const { r, got } = reader();
    r.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n00000000000003\r\nabc\r\n0\r\n\r\n'));
    assert.deepEqual(got, { heads: [200], body: 'abc', completes: 1 });
  });

  test('stop() from an event ends the reading: no event after it', () => {
    let bodies = 0;
    let completes = 0;
    const r: ResponseReader = new ResponseReader({
      head: () => undefined,
      body: () => {
        bodies++;
        r.stop();
      },
      complete: () => completes++,
    });
    r.feed(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n'));
    assert.equal(bodies, 1);
    assert.equal(completes, 0);
  });
});

function portable(port: number, over: Partial<PortableRequest> = {}): PortableRequest {
  return { protocol: 'http:', hostname: '127.0.0.1', port, path: '/api/v1/namespaces/ns/pods/p/log?follow=true', method: 'GET', headers: { Authorization: 'Bearer secret-token', Accept: 'application/json' }, tls: {}, ...over };
}

describe('requestHead', () => {
  test('the request line, Host (port unless the usual one, IPv6 in brackets), every header value, and Connection: close', () => {
    const head = requestHead(portable(6443, { headers: { Authorization: 'Bearer t', 'Impersonate-Group': ['a', 'b'], Connection: 'keep-alive' } }));
    assert.equal(head, 'GET /api/v1/namespaces/ns/pods/p/log?follow=true HTTP/1.1\r\nHost: 127.0.0.1:6443\r\nAuthorization: Bearer t\r\nImpersonate-Group: a\r\nImpersonate-Group: b\r\nConnection: close\r\n\r\n');
    assert.match(requestHead(portable(443, { protocol: 'https:', hostname: '::1', headers: {} })), /\r\nHost: \[::1\]\r\n/);
    assert.match(requestHead(portable(80, { headers: { host: 'api.example' } })), /^GET [^\r]*\r\nhost: api\.example\r\nConnection: close\r\n\r\n$/);
  });

  test('a header value with a line break (a credential plugin\'s output) is refused, and the message names the header only', () => {
    assert.throws(() => requestHead(portable(1, { headers: { Authorization: 'Bearer secret\r\nX-Evil: 1' } })), (e: NodeJS.ErrnoException) => {
      assert.equal(e.code, 'ERR_INVALID_CHAR');
      assert.match(e.message, /Authorization/);
      assert.doesNotMatch(e.message, /secret|Evil/);
      return true;
    });
    assert.throws(() => requestHead(portable(1, { headers: { 'Bad Name': 'x' } })), (e: NodeJS.ErrnoException) => e.code === 'ERR_INVALID_HTTP_TOKEN');
    assert.throws(() => requestHead(portable(1, { path: '/a b' })), (e: NodeJS.ErrnoException) => e.code === 'ERR_UNESCAPED_CHARACTERS');
    assert.throws(() => requestHead(portable(1, { method: 'GE T' })), (e: NodeJS.ErrnoException) => e.code === 'ERR_INVALID_HTTP_TOKEN');
  });
});

/** One follow's callbacks, recorded. */
function recorder() {
  const r = { opened: 0, data: '', closes: [] as unknown[], inCall: false };
  const h: StreamHandlers = {
    onOpen: () => r.opened++,
    onData: (b) => (r.data += b.toString('utf8')),
    onClose: (err) => {
      assert.equal(r.inCall, false, 'onClose never runs inside openFollow()');
      r.closes.push(err ?? 'clean');
    },
  };
  return { r, h };
}

const follow = (p: PortableRequest, h: StreamHandlers, contexts = new SecureContexts()) => openFollow(p, h, contexts);

describe('openFollow against real local servers', () => {
  const servers: (http.Server | net.Server)[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'kubemark-follow-'));
  after(async () => {
    for (const s of servers) {
      (s as http.Server).closeAllConnections?.();
      await new Promise((r) => s.close(() => r(undefined)));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function listen<S extends http.Server | net.Server>(s: S): Promise<number> {
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return (s.address() as AddressInfo).port;
  }

  test('HTTP: the request as written, onOpen, the body, a clean end after the last chunk', async () => {
    let seen: http.IncomingHttpHeaders | undefined;
    let url = '';
    const port = await listen(http.createServer((req, res) => {
      seen = req.headers;
      url = req.url ?? '';
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('2026-12-02T05:00:00.000000001Z one\n');
      setImmediate(() => res.end('2026-12-02T05:00:00.000000002Z two\n'));
    }));
    const { r, h } = recorder();
    r.inCall = true;
    follow(portable(port), h);
    r.inCall = false;
    await until('the end', () => r.closes.length === 1);
    assert.equal(r.opened, 1);
    assert.equal(r.data, '2026-12-02T05:00:00.000000001Z one\n2026-12-02T05:00:00.000000002Z two\n');
    assert.deepEqual(r.closes, ['clean']);
    assert.equal(url, '/api/v1/namespaces/ns/pods/p/log?follow=true');
    assert.equal(seen?.authorization, 'Bearer secret-token');
    assert.equal(seen?.host, `127.0.0.1:${port}`);
  });

  test('an error answer (sized or chunked) is an HttpError with its Status message; no onOpen, no data', async () => {
    const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'pods "p" is forbidden: User "u" cannot get resource "pods/log"', reason: 'Forbidden', code: 403 };
    let chunked = false;
    const port = await listen(http.createServer((_req, res) => {
      res.writeHead(403, { 'Content-Type': 'application/json', ...(chunked ? {} : { 'Content-Length': Buffer.byteLength(JSON.stringify(status)) }) });
      res.end(JSON.stringify(status));
    }));
    for (const c of [false, true]) {
      chunked = c;
      const { r, h } = recorder();
      follow(portable(port), h);
      await until('the end', () => r.closes.length === 1);
      const err = r.closes[0] as HttpError;
      assert.ok(err instanceof HttpError, String(err));
      assert.equal(err.statusCode, 403);
      assert.match(err.message, /cannot get resource "pods\/log"/);
      assert.equal(r.opened, 0);
      assert.equal(r.data, '');
    }
  });

  test('a connection reset in the middle of a chunk is ECONNRESET, after the bytes that came', async () => {
    let socket: net.Socket | undefined;
    const port = await listen(net.createServer((s) => {
      s.once('data', () => {
        socket = s;
        s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n9\r\nefg');
      });
    }));
    const { r, h } = recorder();
    follow(portable(port), h);
    await until('the bytes before the reset', () => r.data === 'abcdefg');
    socket!.resetAndDestroy();
    await until('the end', () => r.closes.length === 1);
    assert.equal((r.closes[0] as NodeJS.ErrnoException).code, 'ECONNRESET');
    assert.equal(r.data, 'abcdefg');
  });

  test('a server that ends the connection inside a chunk is a reset, not a clean end', async () => {
    const port = await listen(net.createServer((s) => {
      s.once('data', () => s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nabc'));
    }));
    const { r, h } = recorder();
    follow(portable(port), h);
    await until('the end', () => r.closes.length === 1);
    assert.equal((r.closes[0] as NodeJS.ErrnoException).code, 'ECONNRESET');
  });

  test('an answer that is not HTTP ends the follow with a protocol error', async () => {
    const port = await listen(net.createServer((s) => s.once('data', () => s.write('SSH-2.0-OpenSSH_9.6\r\n\r\n'))));
    const { r, h } = recorder();
    follow(portable(port), h);
    await until('the end', () => r.closes.length === 1);
    assert.equal((r.closes[0] as NodeJS.ErrnoException).code, 'HPE_INVALID');
  });

  test('abort: no callback after it, and the server sees the connection close', async () => {
    let closedAtServer = false;
    let res: http.ServerResponse | undefined;
    const port = await listen(http.createServer((req, r) => {
      res = r;
      r.writeHead(200);
      r.write('first\n');
      req.socket.on('close', () => (closedAtServer = true));
    }));
    const { r, h } = recorder();
    const handle = follow(portable(port), h);
    await until('the first bytes', () => r.data === 'first\n');
    handle.abort();
    res?.write('after the abort\n');
    await until('the server sees the close', () => closedAtServer);
    assert.deepEqual(r.closes, []);
    assert.equal(r.data, 'first\n');
  });

  test('refused: ECONNREFUSED through onClose', async () => {
    const s = net.createServer();
    const port = await listen(s);
    await new Promise((r) => s.close(r));
    servers.splice(servers.indexOf(s), 1);
    const { r, h } = recorder();
    follow(portable(port), h);
    await until('the end', () => r.closes.length === 1);
    assert.equal((r.closes[0] as NodeJS.ErrnoException).code, 'ECONNREFUSED');
  });

  test('HTTPS with the server\'s CA and a client certificate it requires; another CA is refused', async () => {
    const server = genCert(dir, 'server');
    const client = genCert(dir, 'client');
    const other = genCert(dir, 'other');
    let peer = '';
    const port = await listen(https.createServer({ cert: server.cert, key: server.key, ca: client.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      peer = String((req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN ?? '');
      res.writeHead(200);
      res.end('over TLS\n');
    }));
    const contexts = new SecureContexts();
    const good = portable(port, { protocol: 'https:', tls: { ca: server.cert, cert: client.cert, key: client.key } });
    const a = recorder();
    follow(good, a.h, contexts);
    await until('the end', () => a.r.closes.length === 1);
    assert.deepEqual(a.r.closes, ['clean']);
    assert.equal(a.r.data, 'over TLS\n');
    assert.equal(peer, 'client', 'the client certificate was presented');
    assert.equal(contexts.for({ ...good.tls }), contexts.for(good.tls), 'one context for the same identity, by value');

    const b = recorder();
    follow(portable(port, { protocol: 'https:', tls: { ca: other.cert, cert: client.cert, key: client.key } }), b.h, contexts);
    await until('the end', () => b.r.closes.length === 1);
    assert.match(String((b.r.closes[0] as NodeJS.ErrnoException).code), /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
    assert.equal(b.r.opened, 0);
  });

  test('HTTPS name checks as https.Agent: a host name not in the certificate is refused; tls-server-name is used for SNI and the check; rejectUnauthorized: false accepts', async () => {
    const named = genCert(dir, 'named', 'DNS:api.test');
    const other = genCert(dir, 'other2');
    let sni: string | undefined;
    const port = await listen(https.createServer({ cert: named.cert, key: named.key }, (req, res) => {
      sni = (req.socket as import('node:tls').TLSSocket).servername || undefined;
      res.writeHead(200);
      res.end('named\n');
    }));
    // A name the certificate does not hold (tls-server-name other.test): refused.
    const a = recorder();
    follow(portable(port, { protocol: 'https:', tls: { ca: named.cert, servername: 'other.test' } }), a.h);
    await until('the end', () => a.r.closes.length === 1);
    assert.equal((a.r.closes[0] as NodeJS.ErrnoException).code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    // The kubeconfig's tls-server-name: the name sent (SNI) and checked, though the address is an IP.
    const b = recorder();
    follow(portable(port, { protocol: 'https:', tls: { ca: named.cert, servername: 'api.test' } }), b.h);
    await until('the end', () => b.r.closes.length === 1);
    assert.deepEqual(b.r.closes, ['clean']);
    assert.equal(sni, 'api.test');
    // An IP with no tls-server-name: no SNI, and the certificate (DNS:api.test only) does not name it.
    const c = recorder();
    const sniSeen: Array<string | false | null> = [];
    const onSecure = (sock: import('node:tls').TLSSocket) => sniSeen.push(sock.servername);
    (servers[servers.length - 1] as https.Server).on('secureConnection', onSecure);
    follow(portable(port, { protocol: 'https:', tls: { ca: named.cert } }), c.h);
    await until('the end', () => c.r.closes.length === 1);
    assert.equal((c.r.closes[0] as NodeJS.ErrnoException).code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    (servers[servers.length - 1] as https.Server).off('secureConnection', onSecure);
    assert.ok(sniSeen.every((x) => !x), `no SNI for an IP address (${JSON.stringify(sniSeen)})`);
    // insecure-skip-tls-verify: any certificate.
    const d = recorder();
    follow(portable(port, { protocol: 'https:', tls: { ca: other.cert, rejectUnauthorized: false } }), d.h);
    await until('the end', () => d.r.closes.length === 1);
    assert.deepEqual(d.r.closes, ['clean']);
    assert.equal(d.r.data, 'named\n');
  });

  test('a reconnect with the same identity resumes the TLS session', async () => {
    const server = genCert(dir, 'resume');
    const reused: boolean[] = [];
    const port = await listen(https.createServer({ cert: server.cert, key: server.key }, (req, res) => {
      reused.push((req.socket as import('node:tls').TLSSocket).isSessionReused());
      res.end('x\n');
    }));
    const contexts = new SecureContexts();
    for (let i = 0; i < 2; i++) {
      const { r, h } = recorder();
      follow(portable(port, { protocol: 'https:', tls: { ca: server.cert } }), h, contexts);
      await until('the end', () => r.closes.length === 1);
      assert.deepEqual(r.closes, ['clean']);
    }
    assert.deepEqual(reused, [false, true]);
  });

  test('the head goes out as latin1, as node:http writes it: é is one byte', async () => {
    let head: Buffer | undefined;
    const port = await listen(net.createServer((s) => {
      const parts: Buffer[] = [];
      s.on('data', (b: Buffer) => {
        parts.push(b);
        const all = Buffer.concat(parts);
        if (all.includes('\r\n\r\n')) {
          head = all;
          s.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
        }
      });
    }));
    const { r, h } = recorder();
    follow(portable(port, { headers: { 'X-Name': 'é' } }), h);
    await until('the end', () => r.closes.length === 1);
    assert.ok(head?.includes(Buffer.from('X-Name: \xe9\r\n', 'latin1')), head?.toString('latin1'));
  });

  test('an exception in a handler is thrown on (not taken for the server\'s error), and the follow is not closed by it', async () => {
    const port = await listen(http.createServer((_req, res) => {
      res.writeHead(200);
      res.write('boom\n');
    }));
    const thrown = new Promise<unknown>((resolve) => {
      const listeners = process.listeners('uncaughtException');
      process.removeAllListeners('uncaughtException');
      process.once('uncaughtException', (err) => {
        for (const l of listeners) process.on('uncaughtException', l);
        resolve(err);
      });
    });
    const closes: unknown[] = [];
    const handle = follow(portable(port), { onData: () => { throw new Error('a bug in the reader'); }, onClose: (e) => closes.push(e ?? 'clean') });
    const err = await thrown;
    assert.match(String((err as Error).message), /a bug in the reader/);
    assert.deepEqual(closes, [], 'not closed as if the server had failed');
    handle.abort();
  });

  test('bad input (a key that is not a key, a header with a line break) is said through onClose, after the call, with nothing sent', async () => {
    const accepted: number[] = [];
    const port = await listen(net.createServer((s) => {
      accepted.push(s.remotePort ?? -1);
      s.destroy();
    }));
    for (const p of [portable(port, { protocol: 'https:', tls: { key: Buffer.from('not a key'), cert: Buffer.from('not a cert') } }), portable(port, { headers: { Authorization: 'Bearer x\ny' } })]) {
      const { r, h } = recorder();
      r.inCall = true;
      follow(p, h);
      r.inCall = false;
      await until('the end', () => r.closes.length === 1);
      assert.ok(r.closes[0] instanceof Error);
    }
    // A probe connection of our own, made after: once the server has taken it, it would have
    // taken a stray one first. Only the probe's port may be there.
    const probe = net.connect(port, '127.0.0.1');
    probe.on('error', () => undefined);
    await new Promise((r) => probe.once('connect', r));
    await until('the probe taken', () => accepted.includes(probe.localPort ?? -2));
    assert.deepEqual(accepted, [probe.localPort], 'no connection but the probe');
    probe.destroy();
  });

  test('after dispose() no TLS context is handed out: a follow then ends with an error', async () => {
    const contexts = new SecureContexts();
    contexts.dispose();
    const { r, h } = recorder();
    follow(portable(1, { protocol: 'https:' }), h, contexts);
    await until('the end', () => r.closes.length === 1);
    assert.match(String((r.closes[0] as Error).message), /closed/);
  });
});
