// Turns what the API client throws into a message that says what to do next. No credentials:
// only the server URL, the context name and the permission.
import { KubemarkError } from '../core/errors';
import { displayUrl, redact } from '../core/redact';

export interface ErrorContext {
  context: string;
  server?: string;
  /** What we were doing, e.g. "list pods in namespace kubemark". */
  action?: string;
}

function statusOf(err: any): number | undefined {
  return err?.code ?? err?.statusCode ?? err?.response?.statusCode ?? err?.body?.code;
}

function bodyMessage(err: any): string | undefined {
  const b = err?.body;
  if (typeof b === 'string') {
    try {
      return JSON.parse(b).message;
    } catch {
      return b.slice(0, 300);
    }
  }
  return b?.message;
}

const NETWORK = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN|socket hang up|network|timeout/i;
const TLS = /certificate|self[- ]signed|UNABLE_TO_VERIFY|CERT_|DEPTH_ZERO|ERR_TLS|x509/i;

export function classify(err: unknown, ctx: ErrorContext): KubemarkError {
  if (err instanceof KubemarkError) return err;
  const e = err as any;
  const status = typeof statusOf(e) === 'number' ? statusOf(e) : undefined;
  const text = `${e?.message ?? ''} ${e?.code ?? ''} ${e?.cause?.code ?? ''} ${e?.cause?.message ?? ''}`;
  const where = `${ctx.context}${ctx.server ? ` (${displayUrl(ctx.server)})` : ''}`;
  const detail = redact(`${ctx.action ? `while trying to ${ctx.action}: ` : ''}${bodyMessage(e) ?? e?.message ?? String(e)}`);
  if (status === 401) {
    return new KubemarkError(`The credentials of context ${where} were rejected (401 Unauthorized). Refresh them in your kubeconfig (token or client certificate expired?), then Refresh.`, detail);
  }
  if (status === 403) {
    const msg = bodyMessage(e) ?? '';
    const m = /cannot (\w+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]+)"| at the cluster scope)?/.exec(msg);
    const permission = m ? `${m[1]} ${m[2]}${m[3] ? `.${m[3]}` : ''}${m[4] ? ` in namespace ${m[4]}` : ' at cluster scope'}` : ctx.action ?? 'this operation';
    return new KubemarkError(`Context ${where} lacks the permission to ${permission} (403 Forbidden). Ask a cluster admin for a Role or ClusterRole that grants it, or use another context.`, detail);
  }
  if (status === 404) {
    return new KubemarkError(`Not found in ${where}${ctx.action ? ` while trying to ${ctx.action}` : ''}. Check the namespace and that the object exists, then retry.`, detail);
  }
  if (status === 409) {
    return new KubemarkError(`Conflict in ${where}${ctx.action ? ` while trying to ${ctx.action}` : ''}: someone else changed the object. Retry; the command converges.`, detail);
  }
  if (status === 422 || status === 400) {
    return new KubemarkError(`${where} rejected the request${ctx.action ? ` to ${ctx.action}` : ''}: ${bodyMessage(e) ?? 'invalid object'}. Fix the manifest and retry.`, detail);
  }
  if (TLS.test(text)) {
    return new KubemarkError(`TLS to ${where} failed: the server's certificate is not trusted by the certificate authority in your kubeconfig. Check certificate-authority-data for this cluster.`, detail);
  }
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : '';
  if (code.startsWith('HPE_')) {
    // The server answered, but not in HTTP a client can read (a proxy or another service on that
    // address): followStream.ts's HttpProtocolError, node:http's parser errors (HPE_…).
    return new KubemarkError(`${where} answered${ctx.action ? ` while trying to ${ctx.action}` : ''} with something that is not readable HTTP. Check that the server in your kubeconfig is the apiserver itself, not a proxy or another service, then retry.`, detail);
  }
  if (NETWORK.test(text) || status === undefined) {
    return new KubemarkError(`Cannot reach ${where}: ${shortNetwork(text)}. Check that the cluster is running and the server address in your kubeconfig is right, then Refresh.`, detail);
  }
  return new KubemarkError(`${where} answered ${status}${ctx.action ? ` while trying to ${ctx.action}` : ''}: ${bodyMessage(e) ?? e?.message}. See the Kubemark output for details.`, detail);
}

function shortNetwork(text: string): string {
  const m = /(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN)/.exec(text);
  switch (m?.[1]) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'ETIMEDOUT':
      return 'the connection timed out';
    case 'EHOSTUNREACH':
      return 'the host is unreachable';
    case 'ECONNRESET':
      return 'the connection was reset';
    default:
      return 'no answer';
  }
}

/**
 * A 2xx answer to a list that is not a Kubernetes list (a proxy's login page, an HTML error page,
 * another API behind the same address): the cluster answers, but not as an apiserver.
 */
export function notAList(err: unknown, ctx: ErrorContext & { path: string }): KubemarkError {
  const where = `${ctx.context}${ctx.server ? ` (${displayUrl(ctx.server)})` : ''}`;
  const reason = redact(err instanceof Error ? err.message : String(err));
  return new KubemarkError(
    `${where} answered GET ${ctx.path} with something that is not a Kubernetes list (${reason.slice(0, 120)}). Check that the server in your kubeconfig is the apiserver itself, not a proxy or a login page, then Refresh.`,
    `${ctx.action ? `while trying to ${ctx.action}: ` : ''}${reason}`,
  );
}
