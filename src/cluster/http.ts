// Raw HTTPS to an apiserver, authenticated by client-node's KubeConfig (tokens, client
// certificates, exec plugins), for what the typed clients do not give: a watch or log stream
// whose open, bytes, reset and close are all seen; requests with a deadline; JSON without the
// typed ObjectSerializer. No vscode.
import * as https from 'node:https';
import * as http from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { PortableRequest, StreamHandle, StreamHandlers, bodyError, openStream, requestOptions } from './httpStream';
import { TlsAgents } from './tlsAgents';

export { HttpError, StreamHandle, StreamHandlers } from './httpStream';
export type { PortableRequest } from './httpStream';

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Fails with ETIMEDOUT when no complete answer came in this long. */
  timeoutMs?: number;
}

export class ApiHttp {
  private readonly agents = new TlsAgents();
  private applying: Promise<Readonly<https.RequestOptions>> | undefined;
  private readonly server: URL;

  constructor(private readonly kc: KubeConfig) {
    const server = kc.getCurrentCluster()?.server;
    if (!server) throw new Error('The kubeconfig context has no cluster server.');
    this.server = new URL(server);
  }

  /**
   * The request with the credentials applied (a fresh token from an exec plugin each time), as
   * plain data that can be posted to a worker thread. It holds credentials: never log it.
   */
  async portable(method: string, path: string, query?: RequestOptions['query']): Promise<PortableRequest> {
    const url = new URL(this.server.pathname.replace(/\/$/, '') + path, this.server);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const opts = await this.credentials();
    const headers: Record<string, string | number | string[]> = { ...((opts.headers ?? {}) as Record<string, string | number | string[]>), Accept: 'application/json' };
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    return {
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || (url.protocol === 'https:' ? 443 : 80),
      path: url.pathname + url.search,
      method,
      headers,
      tls: {
        ...(opts.ca ? { ca: opts.ca } : {}),
        ...(opts.cert ? { cert: opts.cert } : {}),
        ...(opts.key ? { key: opts.key } : {}),
        ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
        ...(opts.servername ? { servername: opts.servername } : {}),
      },
    };
  }

  /**
   * The kubeconfig's credentials applied to empty options. One application at a time: callers
   * that come while one is under way share it, so a slow or hung exec plugin runs once, not once
   * per stream waiting on it. Read only (each caller copies what it uses).
   */
  private credentials(): Promise<Readonly<https.RequestOptions>> {
    if (!this.applying) {
      const opts: https.RequestOptions = {};
      this.applying = this.kc.applyToHTTPSOptions(opts).then(() => opts);
      const clear = () => {
        this.applying = undefined;
      };
      this.applying.then(clear, clear);
    }
    return this.applying;
  }

  /**
   * Request options with the credentials applied, on the session's keep-alive agent for their TLS
   * identity: a client certificate rotated on disk or by an exec plugin gets a new agent (and new
   * connections); the old one goes once its watches and streams have ended.
   */
  private async options(method: string, path: string, query?: RequestOptions['query']): Promise<https.RequestOptions> {
    const p = await this.portable(method, path, query);
    return requestOptions(p, p.protocol === 'https:' ? this.agents.for(p.tls) : undefined);
  }

  /** Keep-alive agents alive (the current one, and old ones still carrying requests). For tests. */
  get liveAgents(): number {
    return this.agents.live;
  }

  private transport(o: https.RequestOptions): typeof https | typeof http {
    return o.protocol === 'http:' ? http : https;
  }

  /** One request; resolves with the parsed JSON body, rejects with HttpError or the network error. */
  async request<T = unknown>(method: string, path: string, ro: RequestOptions = {}): Promise<T> {
    const bytes = await this.requestBytes(method, path, ro);
    const text = bytes.toString('utf8');
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      return text as T; // not JSON: the text
    }
  }

  /**
   * One request; resolves with the body's bytes (a 2xx answer), rejects with HttpError (its
   * Status message) or the network error. For a caller that reads the body elsewhere: a list
   * page decoded on the list worker (src/cluster/pageDecoder.ts).
   */
  async requestBytes(method: string, path: string, ro: RequestOptions = {}): Promise<Buffer> {
    const o = await this.options(method, path, ro.query);
    const payload = ro.body === undefined ? undefined : Buffer.from(typeof ro.body === 'string' ? ro.body : JSON.stringify(ro.body));
    if (payload) o.headers = { ...o.headers, 'Content-Type': ro.contentType ?? 'application/json', 'Content-Length': payload.length };
    return new Promise<Buffer>((resolve, reject) => {
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
          const bytes = Buffer.concat(chunks);
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) return done(() => reject(bodyError(status, bytes.toString('utf8'))));
          done(() => resolve(bytes));
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
    return openStream(this.options('GET', path, query), h);
  }

  dispose(): void {
    this.agents.dispose();
  }
}
