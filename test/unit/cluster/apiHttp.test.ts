// ApiHttp against a real local HTTPS server that asks for a client certificate: a certificate
// rotated on disk (as cert-manager or an exec plugin renewal does) is used by the next request,
// on a new connection, and the old keep-alive agent goes once nothing runs on it; a watch open
// on the old identity is not cut by the rotation.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';
import { ApiHttp } from '../../../src/cluster/http';
import { until } from './until';
import { genCert } from '../selfSignedCert';

describe('ApiHttp: a rotated client certificate', () => {
  let tmp: string;
  let server: https.Server;
  let port: number;
  const open = new Set<Socket>();
  /** The held watch's response, ended by the test. */
  let held: import('node:http').ServerResponse | undefined;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kubemark-apihttp-'));
    const srv = genCert(tmp, 'server');
    server = https.createServer({ cert: srv.cert, key: srv.key, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const cn = (req.socket as TLSSocket).getPeerCertificate()?.subject?.CN ?? '';
      if (req.url?.startsWith('/watch')) {
        held = res;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write(JSON.stringify({ type: 'ADDED', object: { cn } }) + '\n');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ cn }));
    });
    server.on('secureConnection', (s) => {
      open.add(s);
      s.on('close', () => open.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
    fs.writeFileSync(path.join(tmp, 'ca.crt'), srv.cert);
  });

  after(async () => {
    held?.end();
    for (const s of open) s.destroy();
    await new Promise((r) => server.close(r));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the next request presents the new certificate on a new connection; the old agent goes once its watch ends', async () => {
    const a = genCert(tmp, 'client-a');
    const b = genCert(tmp, 'client-b');
    const certFile = path.join(tmp, 'client.crt');
    const keyFile = path.join(tmp, 'client.key');
    fs.writeFileSync(certFile, a.cert);
    fs.writeFileSync(keyFile, a.key);
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `https://127.0.0.1:${port}`, caFile: path.join(tmp, 'ca.crt'), skipTLSVerify: false }],
      users: [{ name: 'u', certFile, keyFile }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const api = new ApiHttp(kc);
    try {
      assert.deepEqual(await api.request('GET', '/one'), { cn: 'client-a' });
      assert.deepEqual(await api.request('GET', '/two'), { cn: 'client-a' }, 'same identity: same agent');
      assert.equal(open.size, 1, 'one keep-alive connection');
      assert.equal(api.liveAgents, 1);

      // A watch on the old identity stays open across the rotation.
      const events: string[] = [];
      let watchError: unknown;
      let watchClosed = false;
      const watch = api.stream('/watch', {}, {
        onOpen: () => undefined,
        onData: (chunk: Buffer) => events.push(chunk.toString()),
        onClose: (err?: unknown) => {
          watchClosed = true;
          watchError = err;
        },
      });
      await until('the watch event', () => events.length > 0);
      assert.match(events[0] ?? '', /client-a/);
      // The watch holds the first connection: this request opens a second one, idle afterwards.
      assert.deepEqual(await api.request('GET', '/two-b'), { cn: 'client-a' });
      assert.equal(open.size, 2);

      fs.writeFileSync(certFile, b.cert);
      fs.writeFileSync(keyFile, b.key);
      assert.deepEqual(await api.request('GET', '/three'), { cn: 'client-b' }, 'the rotated certificate is presented');
      assert.equal(api.liveAgents, 2, 'the old agent stays while its watch runs');
      assert.equal(watchClosed, false, 'the rotation does not cut the watch');

      // Three connections for a moment (the watch's, the idle one, the new identity's): the idle
      // one of the old identity is closed at the rotation.
      await until('the old identity\'s idle connection to close', () => open.size === 2);

      held?.end();
      held = undefined;
      await until('the watch to end', () => watchClosed);
      assert.equal(watchError, undefined);
      // No further request is needed: the watch's connection closes when the watch ends.
      await until('the old agent to go once nothing runs on it', () => api.liveAgents === 1);
      await until('only the new identity\'s connection to be left', () => open.size === 1);
      watch.abort();
      assert.deepEqual(await api.request('GET', '/four'), { cn: 'client-b' });
    } finally {
      api.dispose();
    }
    await until('no connection after dispose', () => open.size === 0);
    await assert.rejects(api.request('GET', '/five'), /closed/, 'a disposed session makes no new connection');
    assert.equal(open.size, 0);
  });
});
