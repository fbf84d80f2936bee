// A small HTTPS client for the benchmarks' own calls to the lab's apiservers (creating objects,
// patching status, watching): client-node's KubeConfig for the server and credentials, keep-alive,
// JSON bodies. Not the extension's code path: the extension is what is measured.
import * as https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

export interface Kube {
  context: string;
  request<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; body: T }>;
  /** Watches path (a list path; query included) from resourceVersion; calls onEvent for each event; abort() ends it. */
  watch(path: string, onEvent: (type: string, obj: any) => void, onEnd?: (err?: unknown) => void): { abort(): void };
  close(): void;
}

export async function kube(kubeconfig: string, context: string): Promise<Kube> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  kc.setCurrentContext(context);
  const opts: https.RequestOptions = { headers: { Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 32, ca: opts.ca, cert: opts.cert, key: opts.key });
  const server = kc.getCurrentCluster()?.server ?? '';
  const headers = (opts.headers ?? {}) as Record<string, string>;
  return {
    context,
    request: (method, path, body, contentType = 'application/json') => new Promise((res, rej) => {
      const req = https.request(new URL(server + path), { ...opts, agent, method, headers: { ...headers, 'Content-Type': contentType } }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          res({ status: r.statusCode ?? 0, body: parsed as never });
        });
        r.on('error', rej);
      });
      req.on('error', rej);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    }),
    watch: (path, onEvent, onEnd) => {
      const sep = path.includes('?') ? '&' : '?';
      // Its own connection: a watch holds its socket for its whole life.
      const req = https.request(new URL(`${server}${path}${sep}watch=true`), { ...opts, agent: false, method: 'GET' }, (r) => {
        if (r.statusCode !== 200) {
          r.resume();
          onEnd?.(new Error(`watch ${path}: HTTP ${r.statusCode}`));
          return;
        }
        let rest = '';
        r.setEncoding('utf8');
        r.on('data', (s: string) => {
          rest += s;
          let nl: number;
          while ((nl = rest.indexOf('\n')) >= 0) {
            const line = rest.slice(0, nl);
            rest = rest.slice(nl + 1);
            if (!line.trim()) continue;
            const e = JSON.parse(line) as { type: string; object: unknown };
            onEvent(e.type, e.object);
          }
        });
        r.on('end', () => onEnd?.());
        r.on('error', (e) => onEnd?.(e));
      });
      req.on('error', (e) => onEnd?.(e));
      req.end();
      return { abort: () => req.destroy() };
    },
    close: () => agent.destroy(),
  };
}

/** Runs f over items with at most `width` at once. */
export async function parallel<T>(items: T[], width: number, f: (t: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await f(items[i] as T, i);
    }
  }));
}

/** Throws unless the status is one of `ok`, with the server's message. */
export function expectStatus(what: string, r: { status: number; body: unknown }, ok: number[]): void {
  if (!ok.includes(r.status)) throw new Error(`${what}: HTTP ${r.status} ${typeof r.body === 'object' ? (r.body as { message?: string })?.message ?? '' : String(r.body).slice(0, 200)}`);
}
