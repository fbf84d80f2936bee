// A log follow read straight off its socket: the GET written by hand, the HTTP/1.1 answer
// (status line, headers, chunked or sized or close-delimited body) read here, byte by byte.
//
// Why not node:http: an apiserver sends a followed log as one HTTP chunk a line, so 50 pods at
// 1,000 lines/s are 50,000 chunks a second. With node:http each chunk also goes through the
// parser's callbacks, an IncomingMessage stream and its 'data' event; a plain client reading
// those streams used ~113 ms of CPU a second on this machine, against ~40 ms for the same TLS
// sockets read here (a throwaway client on bench/tailWorker.ts's HTTPS streams; the bench's own
// rows are in docs/benchmarks.md). Only the log worker's follows use it: requests, lists and
// watches stay on node:http.
//
// No @kubernetes/client-node, no vscode: the log worker bundles this file. The request is made
// of what the extension host applied (PortableRequest); it holds credentials and never goes to
// a log or a message (an invalid header is named, its value is not).
import * as net from 'node:net';
import * as tls from 'node:tls';
import { PortableRequest, PortableTls, StreamHandle, StreamHandlers, bodyError, resetError } from './httpStream';
import { sameTls } from './tlsAgents';

/** A longer head, chunk-size line or trailer is not an apiserver's: the answer is refused. */
const MAX_HEAD = 64 * 1024;
const MAX_LINE = 4 * 1024;
/** What is kept of an error answer's body (its Status message). */
const MAX_ERROR_BODY = 1024 * 1024;

/** An answer that is not HTTP/1.1 as this reader knows it (errors.ts words it for the user). */
export class HttpProtocolError extends Error {
  readonly code = 'HPE_INVALID';
  constructor(what: string) {
    super(`The server's answer is not readable HTTP/1.1 (${what})`);
    this.name = 'HttpProtocolError';
  }
}

function protocolError(what: string): HttpProtocolError {
  return new HttpProtocolError(what);
}

// As node:http checks them (its checkIsHttpToken and checkInvalidHeaderChar).
const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const INVALID_PATH = /[^\u0021-\u00ff]/;

function headerError(code: string, message: string): Error {
  return Object.assign(new TypeError(message), { code });
}

/**
 * The request's head. Throws, as node:http does, for a header name that is not a token or a
 * value with a line break (a credential plugin's output): the message names the header only.
 */
export function requestHead(p: PortableRequest): string {
  if (!TOKEN.test(p.method)) throw headerError('ERR_INVALID_HTTP_TOKEN', 'Method must be a valid HTTP token');
  if (INVALID_PATH.test(p.path)) throw headerError('ERR_UNESCAPED_CHARACTERS', 'Request path contains unescaped characters');
  const lines: string[] = [];
  let host = false;
  for (const [name, value] of Object.entries(p.headers)) {
    if (!TOKEN.test(name)) throw headerError('ERR_INVALID_HTTP_TOKEN', `Header name must be a valid HTTP token ["${name}"]`);
    const lower = name.toLowerCase();
    // This reader reads one answer and closes: the framing headers are its own.
    if (lower === 'connection' || lower === 'content-length' || lower === 'transfer-encoding') continue;
    if (lower === 'host') host = true;
    for (const v of Array.isArray(value) ? value : [value]) {
      const text = String(v);
      if (INVALID_VALUE.test(text)) throw headerError('ERR_INVALID_CHAR', `Invalid character in header content ["${name}"]`);
      lines.push(`${name}: ${text}`);
    }
  }
  if (!host) {
    const name = p.hostname.includes(':') ? `[${p.hostname}]` : p.hostname;
    const usual = p.protocol === 'https:' ? 443 : 80;
    lines.unshift(`Host: ${Number(p.port) === usual ? name : `${name}:${p.port}`}`);
  }
  return [`${p.method} ${p.path} HTTP/1.1`, ...lines, 'Connection: close', '', ''].join('\r\n');
}

export interface ResponseEvents {
  /** The final head (1xx answers are skipped). */
  head(status: number, headers: ReadonlyMap<string, string>): void;
  /** Bytes of the body, as they come (a view of the socket's buffer, not a copy). */
  body(bytes: Buffer): void;
  /** The body is complete (the last chunk and trailers, the sized body, or the close). */
  complete(): void;
}

type State = 'head' | 'size' | 'data' | 'dataEnd' | 'trailers' | 'sized' | 'untilClose' | 'done';

/**
 * Reads one HTTP/1.1 answer from the bytes of a socket. feed() throws a protocol error for what
 * it cannot read; the caller then ends the connection. Events run inside feed(); stop() from one
 * of them ends the reading at once: no event runs after it.
 */
export class ResponseReader {
  private state: State = 'head';
  private stopped = false;
  /** An unfinished head or line, kept until its end comes. */
  private held: Buffer | undefined;
  /** Bytes left in the current chunk, or in a sized body. */
  private left = 0;

  constructor(private readonly ev: ResponseEvents) {}

  /** Reads no more: later bytes are ignored, no event runs. */
  stop(): void {
    this.stopped = true;
    this.state = 'done';
    this.held = undefined;
  }

  feed(chunk: Buffer): void {
    let b = chunk;
    /** Where the end of the head may be, in b (not again in what was searched before). */
    let headFrom = 0;
    if (this.held) {
      const held = this.held;
      this.held = undefined;
      if (this.state !== 'head') {
        // A line split across reads: finish it from the start of this chunk, without copying the rest.
        const e = chunk.indexOf(10);
        if (e >= 0 && e + 1 < chunk.length) {
          this.feed(Buffer.concat([held, chunk.subarray(0, e + 1)]));
          this.feed(chunk.subarray(e + 1));
          return;
        }
      } else {
        headFrom = Math.max(0, held.length - 3);
      }
      b = Buffer.concat([held, chunk]);
    }
    let p = 0;
    while (p < b.length && !this.stopped) {
      switch (this.state) {
        case 'done':
          return; // bytes after the answer: this reader's caller closes the connection
        case 'head': {
          const e = b.indexOf('\r\n\r\n', Math.max(p, headFrom), 'latin1');
          if (e < 0) return this.hold(b, p, MAX_HEAD, 'a head longer than 64 KiB');
          const text = b.toString('latin1', p, e);
          p = e + 4;
          headFrom = 0;
          this.head(text);
          break;
        }
        case 'size': {
          const e = b.indexOf(10, p);
          if (e < 0) return this.hold(b, p, MAX_LINE, 'a chunk-size line longer than 4 KiB');
          this.left = chunkSize(b, p, e);
          p = e + 1;
          this.state = this.left === 0 ? 'trailers' : 'data';
          break;
        }
        case 'data': {
          const take = Math.min(this.left, b.length - p);
          const bytes = b.subarray(p, p + take);
          p += take;
          this.left -= take;
          if (this.left === 0) this.state = 'dataEnd';
          this.ev.body(bytes);
          break;
        }
        case 'dataEnd': {
          // The CRLF after a chunk's data (a bare LF is taken too).
          const e = b.indexOf(10, p);
          if (e < 0) return this.hold(b, p, 1, 'no line end after a chunk');
          if (e - p > 1 || (e - p === 1 && b[p] !== 13)) throw protocolError('bytes after a chunk');
          p = e + 1;
          this.state = 'size';
          break;
        }
        case 'trailers': {
          const e = b.indexOf(10, p);
          if (e < 0) return this.hold(b, p, MAX_HEAD, 'trailers longer than 64 KiB');
          const empty = e === p || (e === p + 1 && b[p] === 13);
          p = e + 1;
          if (empty) this.finish();
          break;
        }
        case 'sized': {
          const take = Math.min(this.left, b.length - p);
          const bytes = b.subarray(p, p + take);
          p += take;
          this.left -= take;
          this.ev.body(bytes);
          if (this.left === 0) this.finish();
          break;
        }
        case 'untilClose':
          this.ev.body(p === 0 ? b : b.subarray(p));
          return;
      }
    }
  }

  /** The server closed the connection: true if the answer is complete (a body read until the close is, now). */
  closed(): boolean {
    if (this.state === 'untilClose') this.finish();
    return this.state === 'done';
  }

  private finish(): void {
    if (this.stopped) return;
    this.state = 'done';
    this.ev.complete();
  }

  private hold(b: Buffer, p: number, max: number, what: string): void {
    if (b.length - p > max) throw protocolError(what);
    this.held = Buffer.from(b.subarray(p)); // a copy: a few bytes do not keep the socket's buffer alive
  }

  private head(text: string): void {
    const lines = text.split('\r\n');
    if (/[\r\n]/.test(lines[0] ?? '')) throw protocolError('a bare CR or LF in the head');
    const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0] ?? '');
    if (!m) throw protocolError('no HTTP/1.x status line');
    const status = Number(m[1]);
    // node:http answers a 101 it did not ask for by closing; this reader cannot read what follows.
    if (status === 101) throw protocolError('101 Switching Protocols to a request that asked for no upgrade');
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      // A bare CR or LF could hide a header: refused, as node:http does. A folded line (obsolete,
      // starting with a space) has no token for a name: refused below.
      if (/[\r\n]/.test(line)) throw protocolError('a bare CR or LF in the head');
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon) : '';
      if (!TOKEN.test(name)) throw protocolError('a header line without a valid name');
      const value = line.slice(colon + 1).trim();
      const key = name.toLowerCase();
      const before = headers.get(key);
      headers.set(key, before === undefined ? value : `${before}, ${value}`);
    }
    if (status >= 100 && status < 200) return; // 100 Continue and the like: the answer follows
    const te = headers.get('transfer-encoding');
    const cl = headers.get('content-length');
    let next: State;
    if (te !== undefined) {
      // Chunked as the last coding; any other coding is read until the close (RFC 9112 6.3).
      next = /(?:^|,)\s*chunked\s*$/i.test(te) ? 'size' : 'untilClose';
    } else if (cl !== undefined) {
      if (!/^\d{1,15}$/.test(cl)) throw protocolError('a Content-Length that is not one number');
      this.left = Number(cl);
      next = this.left === 0 ? 'done' : 'sized';
    } else {
      next = status === 204 || status === 304 ? 'done' : 'untilClose';
    }
    this.state = next === 'done' ? 'head' : next;
    this.ev.head(status, headers);
    if (next === 'done') this.finish();
  }
}

/** The size a chunk-size line [p, e) gives (hex digits, then any extension after ';'). */
function chunkSize(b: Buffer, p: number, e: number): number {
  let n = 0;
  let digits = 0;
  let i = p;
  for (; i < e; i++) {
    const c = b[i] as number;
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) break;
    n = n * 16 + d;
    digits++;
    if (n > 2 ** 48) throw protocolError('a chunk larger than 256 TiB');
  }
  if (digits === 0) throw protocolError('a chunk-size line with no size');
  // What may follow the digits: whitespace, an extension (';…'), the CR of the line end.
  for (; i < e; i++) {
    const c = b[i] as number;
    if (c === 59 /* ; */) return n;
    if (c !== 32 && c !== 9 && !(c === 13 && i === e - 1)) throw protocolError('a chunk-size line with other bytes');
  }
  return n;
}

/**
 * TLS contexts by identity (CA, client certificate and key), compared by value as TlsAgents does:
 * each follow reuses the context of its identity, and a rotated certificate gets a new one. The
 * last TLS session of each server is kept for the identity, so that 50 follows starting again
 * (after an apiserver restart) resume it instead of a full handshake each, as https.Agent did.
 * After dispose() none is handed out.
 */
export class SecureContexts {
  private current: { tls: PortableTls; context: tls.SecureContext; sessions: Map<string, Buffer> } | undefined;
  private disposed = false;

  for(t: PortableTls): tls.SecureContext {
    return this.entry(t).context;
  }

  /** The last session of this server for this identity, if any. */
  session(t: PortableTls, server: string): Buffer | undefined {
    return this.current && sameTls(this.current.tls, t) ? this.current.sessions.get(server) : undefined;
  }

  remember(t: PortableTls, server: string, session: Buffer): void {
    if (!this.current || !sameTls(this.current.tls, t)) return;
    if (this.current.sessions.size >= 16 && !this.current.sessions.has(server)) this.current.sessions.clear();
    this.current.sessions.set(server, session);
  }

  forget(t: PortableTls, server: string): void {
    if (this.current && sameTls(this.current.tls, t)) this.current.sessions.delete(server);
  }

  dispose(): void {
    this.disposed = true;
    this.current = undefined;
  }

  private entry(t: PortableTls): { context: tls.SecureContext } {
    if (this.disposed) throw new Error('The connection to the cluster was closed.');
    if (!this.current || !sameTls(this.current.tls, t)) {
      const context = tls.createSecureContext({
        ...(t.ca ? { ca: t.ca } : {}),
        ...(t.cert ? { cert: t.cert } : {}),
        ...(t.key ? { key: t.key } : {}),
      });
      this.current = { tls: t, context, sessions: new Map() };
    }
    return this.current;
  }
}

/**
 * Opens a follow: the same contract as openStream (httpStream.ts). Every way it ends is reported
 * once through onClose, never from inside this call: the server ending the body (clean end), a
 * reset, a TLS or protocol error (error), a non-200 answer (HttpError with its Status). abort()
 * ends it without any callback.
 */
export function openFollow(p: PortableRequest, h: StreamHandlers, contexts: SecureContexts): StreamHandle {
  let aborted = false;
  let closed = false;
  let socket: net.Socket | undefined;
  let status = 0;
  const errorBody: Buffer[] = [];
  let errorBytes = 0;
  const close = (err?: unknown) => {
    if (aborted || closed) return;
    closed = true;
    reader.stop();
    socket?.destroy();
    h.onClose(err);
  };
  const reader = new ResponseReader({
    head: (s) => {
      status = s;
      if (s !== 200) return;
      socket?.setKeepAlive(true, 15_000);
      h.onOpen?.();
    },
    body: (bytes) => {
      if (status === 200) {
        if (!aborted && !closed) h.onData(bytes);
      } else if (errorBytes < MAX_ERROR_BODY) {
        errorBody.push(bytes);
        errorBytes += bytes.length;
      }
    },
    complete: () => close(status === 200 ? undefined : bodyError(status, Buffer.concat(errorBody).toString('utf8'))),
  });
  try {
    const head = requestHead(p);
    const port = Number(p.port);
    if (p.protocol === 'http:') {
      socket = net.connect({ host: p.hostname, port });
    } else if (p.protocol === 'https:') {
      // As https.Agent: SNI with a host name (not an IP), the certificate checked against the
      // kubeconfig's tls-server-name or else the host; rejectUnauthorized only when the
      // kubeconfig says (NODE_TLS_REJECT_UNAUTHORIZED applies otherwise); no ALPN.
      const servername = p.tls.servername ?? (net.isIP(p.hostname) ? undefined : p.hostname);
      const server = `${p.hostname}:${port}:${servername ?? ''}`;
      const secureContext = contexts.for(p.tls);
      const session = contexts.session(p.tls, server);
      const tlsSocket = tls.connect({
        host: p.hostname,
        port,
        secureContext,
        ...(servername ? { servername } : {}),
        ...(p.tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: p.tls.rejectUnauthorized } : {}),
        ...(session ? { session } : {}),
      });
      tlsSocket.on('session', (s: Buffer) => contexts.remember(p.tls, server, s));
      // As https.Agent: a session that ended in an error is not offered again.
      tlsSocket.once('error', () => contexts.forget(p.tls, server));
      socket = tlsSocket;
    } else {
      throw new Error(`A log follow over ${p.protocol} is not supported (http: or https: only)`);
    }
    socket.setNoDelay(true);
    socket.on('data', (b: Buffer) => {
      if (aborted || closed) return;
      try {
        reader.feed(b);
      } catch (err) {
        // An answer it cannot read ends the follow; an exception of a handler (a bug) is thrown
        // on, as node:http's 'data' event would (the worker then says the log reader failed).
        if (!(err instanceof HttpProtocolError)) throw err;
        close(err);
      }
    });
    socket.on('end', () => close(reader.closed() ? undefined : resetError()));
    socket.on('error', (err) => close(err));
    socket.on('close', () => close(reader.closed() ? undefined : resetError()));
    socket.write(head, 'latin1');
  } catch (err) {
    // Bad input (a malformed key or CA, a header value with a line break): this stream's error,
    // said as every other end is, after this call returns.
    setImmediate(() => close(err));
  }
  return {
    abort() {
      if (aborted) return;
      aborted = true;
      reader.stop();
      socket?.destroy();
    },
  };
}
