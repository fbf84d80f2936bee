// A long-running GET (watch, log follow) on request options that are already complete, and the
// request options in a form that crosses to a worker thread. No @kubernetes/client-node here:
// the log worker (src/cluster/logWorker.ts) bundles this file. No vscode.
import * as https from 'node:https';
import * as http from 'node:http';

export class HttpError extends Error {
  constructor(readonly statusCode: number, readonly body: unknown, message: string) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface StreamHandlers {
  /** The server answered 200: the stream is open. */
  onOpen?(): void;
  /**
   * Body bytes. The chunk is the receiver's from then on (the log follower moves lines within it):
   * a producer never reuses or reads it again.
   */
  onData(chunk: Buffer): void;
  /** Exactly once, unless abort() was called first: undefined for a clean end, else the error. */
  onClose(err?: unknown): void;
}

export interface StreamHandle {
  /** Ends the stream; no callback runs after it. */
  abort(): void;
}

/** TLS material of a request, as the agent takes it. */
export interface PortableTls {
  ca?: https.AgentOptions['ca'];
  cert?: https.AgentOptions['cert'];
  key?: https.AgentOptions['key'];
  rejectUnauthorized?: boolean;
  servername?: string;
}

/**
 * A request with its credentials applied, made only of plain data (strings, numbers, Buffers),
 * so that it can be posted to a worker thread. It holds credentials: it never goes to a log.
 */
export interface PortableRequest {
  protocol: string;
  hostname: string;
  port: number | string;
  path: string;
  method: string;
  headers: Record<string, string | number | string[]>;
  tls: PortableTls;
}

function transport(o: https.RequestOptions): typeof https | typeof http {
  return o.protocol === 'http:' ? http : https;
}

/** A connection cut before its answer was complete (a reset, or a close inside a body). */
export function resetError(): Error {
  return Object.assign(new Error('The connection was reset (ECONNRESET)'), { code: 'ECONNRESET' });
}

export function bodyError(status: number, text: string): HttpError {
  // An empty body is no body (errors.ts then words the status itself).
  let body: unknown = text.trim() ? text : undefined;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return new HttpError(status, body, (body as { message?: string } | undefined)?.message ?? `HTTP ${status}`);
}

/** A keep-alive agent for a request's TLS material. */
export function agentFor(tls: PortableTls): https.Agent {
  return new https.Agent({
    keepAlive: true,
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.cert ? { cert: tls.cert } : {}),
    ...(tls.key ? { key: tls.key } : {}),
    ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
    ...(tls.servername ? { servername: tls.servername } : {}),
  });
}

/** Node request options for a portable request, on the given agent (https only). */
export function requestOptions(p: PortableRequest, agent: https.Agent | undefined): https.RequestOptions {
  return {
    protocol: p.protocol,
    hostname: p.hostname,
    port: p.port,
    path: p.path,
    method: p.method,
    headers: p.headers,
    agent: p.protocol === 'https:' ? agent : undefined,
  };
}

/**
 * Opens a long-running GET. Every way it can end is reported once through onClose: the server
 * closing (clean end), a reset or a TLS error (error), a non-200 answer (HttpError). abort()
 * ends it without any callback.
 */
export function openStream(o: https.RequestOptions | Promise<https.RequestOptions>, h: StreamHandlers): StreamHandle {
  let aborted = false;
  let closed = false;
  let req: http.ClientRequest | undefined;
  const close = (err?: unknown) => {
    if (aborted || closed) return;
    closed = true;
    req?.destroy();
    h.onClose(err);
  };
  const start = (o: https.RequestOptions) => {
    if (aborted) return;
    // request() throws at once for some bad input (a malformed key or CA, a header value with a
    // line break from a credential plugin): that is this stream's error, not the caller's.
    try {
      req = transport(o).request(o, (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => close(bodyError(status, Buffer.concat(chunks).toString('utf8'))));
          res.on('error', (err) => close(err));
          return;
        }
        res.socket?.setKeepAlive(true, 15_000);
        if (!aborted) h.onOpen?.();
        res.on('data', (c: Buffer) => {
          if (!aborted && !closed) h.onData(c);
        });
        res.on('end', () => close());
        res.on('error', (err) => close(err));
        // A reset socket may only say 'aborted'/'close' without 'end'.
        res.on('aborted', () => close(resetError()));
        res.on('close', () => {
          if (!res.complete) close(resetError());
          else close();
        });
      });
      req.on('error', (err) => close(err));
      req.end();
    } catch (err) {
      close(err);
    }
  };
  void Promise.resolve(o).then(start, (err) => close(err));
  return {
    abort() {
      if (aborted) return;
      aborted = true;
      req?.destroy();
    },
  };
}
