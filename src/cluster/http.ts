// Raw HTTPS to an apiserver, authenticated by client-node's KubeConfig (tokens, client
// certificates, exec plugins), for what the typed clients do not give: a watch or log stream
// whose open, bytes, reset and close are all seen; requests with a deadline; JSON without the
// typed ObjectSerializer. No vscode.
import * as https from 'node:https';
import * as http from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';

export class HttpError extends Error {
  constructor(readonly statusCode: number, readonly body: unknown, message: string) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Fails with ETIMEDOUT when no complete answer came in this long. */
  timeoutMs?: number;
}

export interface StreamHandlers {
  /** The server answered 200: the stream is open. */
  onOpen?(): void;
  onData(chunk: Buffer): void;
  /** Exactly once, unless abort() was called first: undefined for a clean end, else the error. */
  onClose(err?: unknown): void;
}

export interface StreamHandle {
  /** Ends the stream; no callback runs after it. */
  abort(): void;
}

export class ApiHttp {
  private agent: https.Agent | undefined;
  private readonly server: URL;

  constructor(private readonly kc: KubeConfig) {
    const server = kc.getCurrentCluster()?.server;
    if (!server) throw new Error('The kubeconfig context has no cluster server.');
    this.server = new URL(server);
  }

  /** Request options with the credentials applied and one keep-alive agent per session. */
  private async options(method: string, path: string, query?: RequestOptions['query']): Promise<https.RequestOptions> {
    const url = new URL(this.server.pathname.replace(/\/$/, '') + path, this.server);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const opts: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    if (!this.agent) {
      this.agent = new https.Agent({
        keepAlive: true,
        ...(opts.ca ? { ca: opts.ca } : {}),
        ...(opts.cert ? { cert: opts.cert } : {}),
        ...(opts.key ? { key: opts.key } : {}),
        ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
        ...(opts.servername ? { servername: opts.servername } : {}),
      });
    }
    const headers: http.OutgoingHttpHeaders = { ...((opts.headers ?? {}) as http.OutgoingHttpHeaders), Accept: 'application/json' };
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    return {
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || (url.protocol === 'https:' ? 443 : 80),
      path: url.pathname + url.search,
      method,
      headers,
      agent: url.protocol === 'https:' ? this.agent : undefined,
    };
  }

  private transport(o: https.RequestOptions): typeof https | typeof http {
    return o.protocol === 'http:' ? http : https;
  }

  /** One request; resolves with the parsed JSON body, rejects with HttpError or the network error. */
  async request<T = unknown>(method: string, path: string, ro: RequestOptions = {}): Promise<T> {
    const o = await this.options(method, path, ro.query);
    const payload = ro.body === undefined ? undefined : Buffer.from(typeof ro.body === 'string' ? ro.body : JSON.stringify(ro.body));
    if (payload) o.headers = { ...o.headers, 'Content-Type': ro.contentType ?? 'application/json', 'Content-Length': payload.length };
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const done = (f: () => void) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        ro.signal?.removeEventListener('abort', onAbort);
        f();
      };
      const req = this.transport(o).request(o, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => done(() => reject(err)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: keep the text
          }
          if (status >= 200 && status < 300) done(() => resolve(body as T));
          else done(() => reject(new HttpError(status, body, (body as { message?: string } | undefined)?.message ?? `HTTP ${status}`)));
        });
      });
      const onAbort = () => {
        req.destroy();
        done(() => reject(Object.assign(new Error('The request was aborted'), { name: 'AbortError' })));
      };
      const timer = ro.timeoutMs
        ? setTimeout(() => {
            req.destroy();
            done(() => reject(Object.assign(new Error(`No answer within ${Math.round(ro.timeoutMs! / 1000)} s (ETIMEDOUT)`), { code: 'ETIMEDOUT' })));
          }, ro.timeoutMs)
        : undefined;
      if (ro.signal?.aborted) return onAbort();
      ro.signal?.addEventListener('abort', onAbort);
      req.on('error', (err) => done(() => reject(err)));
      if (payload) req.write(payload);
      req.end();
    });
  }

  /**
   * A long-running GET (watch, log follow). Every way it can end is reported once through
   * onClose: the server closing (clean end), a reset or a TLS error (error), a non-200 answer
   * (HttpError). abort() ends it without any callback.
   */
  stream(path: string, query: RequestOptions['query'], h: StreamHandlers): StreamHandle {
    let aborted = false;
    let closed = false;
    let req: http.ClientRequest | undefined;
    const close = (err?: unknown) => {
      if (aborted || closed) return;
      closed = true;
      req?.destroy();
      h.onClose(err);
    };
    void this.options('GET', path, query).then(
      (o) => {
        if (aborted) return;
        req = this.transport(o).request(o, (res) => {
          const status = res.statusCode ?? 0;
          if (status !== 200) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let body: unknown = text;
              try {
                body = JSON.parse(text);
              } catch {
                // keep text
              }
              close(new HttpError(status, body, (body as { message?: string } | undefined)?.message ?? `HTTP ${status}`));
            });
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
          res.on('aborted', () => close(Object.assign(new Error('The connection was reset (ECONNRESET)'), { code: 'ECONNRESET' })));
          res.on('close', () => {
            if (!res.complete) close(Object.assign(new Error('The connection was reset (ECONNRESET)'), { code: 'ECONNRESET' }));
            else close();
          });
        });
        req.on('error', (err) => close(err));
        req.end();
      },
      (err) => close(err),
    );
    return {
      abort() {
        if (aborted) return;
        aborted = true;
        req?.destroy();
      },
    };
  }

  dispose(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }
}
