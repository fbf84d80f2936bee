// Lists a collection with raw paged GETs: client-node's KubeConfig for the server and the
// credentials (applyToHTTPSOptions: CA, client certificate, token, exec plugins, proxy agent),
// node's https for the bytes and JSON.parse for each page. It skips the typed API's
// ObjectSerializer, which copies every object into class instances before the caller slims it.
// Measured against the typed list and `kubectl get --raw` by `npm run bench:lab` (bench/lab.ts).
import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export interface RawListOptions {
  /**
   * Objects per page (`limit`), default 500. With `query: { resourceVersion: '0' }` the apiserver
   * answers from its watch cache in one page whatever the limit (as client-go's first list does).
   */
  pageSize?: number;
  signal?: AbortSignal;
  /** More query parameters for every page: fieldSelector, labelSelector, ... */
  query?: Record<string, string>;
}

/** One page: its objects as the apiserver sent them, and the list's resourceVersion. */
export interface RawListPage<T = unknown> {
  items: T[];
  /** resourceVersion of the list (the same on every page); start the watch from the last one. */
  resourceVersion: string;
}

/** A non-2xx answer, with the apiserver's Status reason (410 Expired: the continue token is too old, list again). */
export class RawListError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly reason: string | undefined,
  ) {
    super(message);
    this.name = 'RawListError';
  }
}

/**
 * Every page of `path` (e.g. `/api/v1/nodes`) on the current cluster of `kc`, following the
 * continue token. The credentials are resolved once per listing.
 */
export async function* listAllRaw<T = unknown>(kc: KubeConfig, path: string, options: RawListOptions = {}): AsyncGenerator<RawListPage<T>> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('The kubeconfig has no current cluster: select a context first.');
  const base = new URL(cluster.server.replace(/\/+$/, '') + path);
  const requestOptions: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(requestOptions);
  // client-node makes a new agent without keep-alive: one TLS handshake per page. A plain agent
  // (no proxy) is remade with keep-alive for the pages of this listing.
  const made = requestOptions.agent;
  const agent = made instanceof https.Agent && made.constructor === https.Agent ? new https.Agent({ ...(made as https.Agent & { options: https.AgentOptions }).options, keepAlive: true }) : undefined;
  if (agent) requestOptions.agent = agent;
  const pageSize = options.pageSize ?? 500;
  let cont: string | undefined;
  try {
    do {
      const url = new URL(base);
      for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
      url.searchParams.set('limit', String(pageSize));
      if (cont) {
        // The apiserver refuses a resourceVersion together with a continue token.
        url.searchParams.delete('resourceVersion');
        url.searchParams.delete('resourceVersionMatch');
        url.searchParams.set('continue', cont);
      }
      const body = await get(url, requestOptions, options.signal);
      const list = JSON.parse(body) as { items?: T[] | null; metadata?: { resourceVersion?: string; continue?: string } };
      yield { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' };
      cont = list.metadata?.continue || undefined;
    } while (cont);
  } finally {
    agent?.destroy();
  }
}

function get(url: URL, options: https.RequestOptions, signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'http:' ? http.request : https.request;
    const req = request(url, { ...options, ...(signal ? { signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) return resolve(text);
        let reason: string | undefined;
        let message = `${res.statusMessage ?? ''}`.trim();
        try {
          const status = JSON.parse(text) as { reason?: string; message?: string };
          reason = status.reason;
          if (status.message) message = status.message;
        } catch {
          // not a Status object
        }
        reject(new RawListError(`GET ${url.pathname} failed with HTTP ${code}${message ? `: ${message}` : ''}`, code, reason));
      });
    });
    req.on('error', reject);
    req.end();
  });
}
