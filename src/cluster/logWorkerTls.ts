// TLS material compared by value, and one keep-alive agent per TLS identity. In the log worker,
// what crosses the thread boundary is a new object each time (a Buffer arrives as a plain
// Uint8Array); in the extension host, each application of the kubeconfig reads the client
// certificate again, so a rotated one must get an agent of its own.
import type * as https from 'node:https';
import { agentFor, PortableTls } from './httpStream';

function bytesOf(v: ArrayBufferView): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Equal by value; a Buffer posted to a worker arrives as a plain Uint8Array. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) return bytesOf(a).equals(bytesOf(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  return a === b;
}

export function sameTls(a: PortableTls, b: PortableTls): boolean {
  return sameValue(a.ca, b.ca) && sameValue(a.cert, b.cert) && sameValue(a.key, b.key) && a.rejectUnauthorized === b.rejectUnauthorized && a.servername === b.servername;
}


/**
 * One keep-alive agent for the current TLS identity (CA, client certificate and key, ...),
 * compared by value. A changed identity (a rotated client certificate) gets a new agent; the one
 * before is destroyed once the requests it carries have ended, checked each time an agent is
 * asked for, and at dispose. Requests in flight on it (a watch, a log stream) are never cut.
 */
export class TlsAgents {
  private current: { tls: PortableTls; agent: https.Agent } | undefined;
  private readonly retired = new Set<https.Agent>();

  /** The agent for this identity. */
  for(tls: PortableTls): https.Agent {
    if (!this.current || !sameTls(this.current.tls, tls)) {
      if (this.current) this.retired.add(this.current.agent);
      this.current = { tls, agent: agentFor(tls) };
    }
    for (const a of this.retired) {
      if (activeSockets(a) > 0) continue;
      a.destroy();
      this.retired.delete(a);
    }
    return this.current.agent;
  }

  /** Agents made and not yet destroyed (the current one and those still carrying requests). */
  get live(): number {
    return (this.current ? 1 : 0) + this.retired.size;
  }

  dispose(): void {
    this.current?.agent.destroy();
    this.current = undefined;
    for (const a of this.retired) a.destroy();
    this.retired.clear();
  }
}

function activeSockets(a: https.Agent): number {
  return Object.values(a.sockets).reduce((n, list) => n + (list?.length ?? 0), 0);
}
