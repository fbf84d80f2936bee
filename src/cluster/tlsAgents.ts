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
 * compared by value. A changed identity (a rotated client certificate) gets a new agent. The one
 * before is retired, never destroyed under a request: its idle connections are closed at once,
 * and each of its connections is closed when the request on it (a watch, a log stream) ends, so
 * nothing is cut and nothing old stays open. After dispose() no agent is handed out.
 */
export class TlsAgents {
  private current: { tls: PortableTls; agent: https.Agent } | undefined;
  private readonly retired = new Set<https.Agent>();
  private disposed = false;

  /** The agent for this identity. */
  for(tls: PortableTls): https.Agent {
    if (this.disposed) throw new Error('The connection to the cluster was closed.');
    if (!this.current || !sameTls(this.current.tls, tls)) {
      // Made before the old one is retired: if making it throws, the old one stays current.
      const agent = agentFor(tls);
      if (this.current) this.retire(this.current.agent);
      this.current = { tls, agent };
    }
    return this.current.agent;
  }

  /** Agents alive: the current one and retired ones still carrying requests. */
  get live(): number {
    return (this.current ? 1 : 0) + this.retired.size;
  }

  dispose(): void {
    this.disposed = true;
    this.current?.agent.destroy();
    this.current = undefined;
    for (const a of this.retired) a.destroy();
    this.retired.clear();
  }

  private retire(a: https.Agent): void {
    this.retired.add(a);
    // The agent's own 'free' listener (installed first) has moved the socket to its free list.
    a.on('free', (socket: { destroy(): void }) => {
      socket.destroy();
      this.forgetIfIdle(a);
    });
    for (const list of Object.values(a.freeSockets)) for (const s of list ?? []) s.destroy();
    this.forgetIfIdle(a);
  }

  private forgetIfIdle(a: https.Agent): void {
    if (count(a.sockets) + count(a.requests) > 0) return;
    a.destroy();
    this.retired.delete(a);
  }
}

function count(byName: NodeJS.ReadOnlyDict<readonly unknown[]>): number {
  return Object.values(byName).reduce((n: number, list) => n + (list?.length ?? 0), 0);
}
