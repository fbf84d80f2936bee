// Reads an apiserver's Prometheus /metrics text for the dashboard's latency panels, with the
// context's own credentials (through client-node's KubeConfig). A 401/403 is reported as such so
// the dashboard can show its "no permission" state instead of an error.
import * as https from 'node:https';
import * as http from 'node:http';
import { ClusterSession } from './session';

export type MetricsRead = { ok: true; text: string } | { ok: false; status: number | undefined; message: string };

/** At most this much of /metrics is read (a large apiserver writes a few MB). */
export const MAX_METRICS_BYTES = 64 * 2 ** 20;

export async function readApiserverMetrics(session: ClusterSession, timeoutMs = 10_000): Promise<MetricsRead> {
  let url: URL;
  try {
    url = new URL('/metrics', session.server);
  } catch {
    return { ok: false, status: undefined, message: `the server address of context ${session.context} is not a URL` };
  }
  const opts: https.RequestOptions = { method: 'GET', headers: { Accept: 'text/plain' } };
  await session.kc.applyToHTTPSOptions(opts);
  const lib = url.protocol === 'http:' ? http : https;
  return new Promise<MetricsRead>((resolve) => {
    const req = lib.request(url, { ...opts, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_METRICS_BYTES) {
          req.destroy();
          resolve({ ok: false, status: undefined, message: `/metrics is larger than ${MAX_METRICS_BYTES / 2 ** 20} MB` });
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status === 200) resolve({ ok: true, text: body });
        else if (status === 401 || status === 403) {
          let message = body.slice(0, 300);
          try {
            message = JSON.parse(body).message ?? message;
          } catch {
            // plain text body
          }
          resolve({ ok: false, status, message: `${status === 403 ? 'forbidden' : 'unauthorized'}: ${message}` });
        } else resolve({ ok: false, status, message: `${session.server}/metrics answered ${status}` });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${session.server}/metrics within ${timeoutMs / 1000} s`)));
    req.on('error', (err) => resolve({ ok: false, status: undefined, message: session.explain(err, 'read /metrics').message }));
    req.end();
  });
}
