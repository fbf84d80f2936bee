// Follows pods/log through the workers apiserver; each chunk goes to a callback with its source.
import { Writable } from 'node:stream';
import { ClusterSession } from './session';

export interface LogTarget {
  namespace: string;
  pod: string;
  container: string;
}

export interface LogFollower {
  /** Resolves when every stream has ended (pod gone, or stopped). */
  done: Promise<void>;
  stop(): void;
}

export function sourceName(t: LogTarget): string {
  return `${t.pod}/${t.container}`;
}

export function followLogs(
  session: ClusterSession,
  targets: LogTarget[],
  onChunk: (source: string, chunk: Buffer) => void,
  onEnd: (source: string, error?: Error) => void,
  options: { tailLines?: number; sinceSeconds?: number } = {},
): LogFollower {
  const controllers: AbortController[] = [];
  const enders: Array<() => void> = [];
  let stopped = false;
  const done = Promise.all(
    targets.map(
      (t) =>
        new Promise<void>((resolve) => {
          const source = sourceName(t);
          let ended = false;
          const end = (err?: Error) => {
            if (ended) return;
            ended = true;
            onEnd(source, stopped ? undefined : err);
            resolve();
          };
          // Aborting a follow does not always end the response stream: stop() ends it here.
          enders.push(() => end());
          const sink = new Writable({
            write(chunk: Buffer, _enc, cb) {
              onChunk(source, chunk);
              cb();
            },
            final(cb) {
              end();
              cb();
            },
          });
          session.log
            .log(t.namespace, t.pod, t.container, sink, (err: unknown) => end(err ? (session.explain(err, `follow logs of ${source}`) as Error) : undefined), {
              follow: true,
              ...(options.sinceSeconds !== undefined ? { sinceSeconds: options.sinceSeconds } : { tailLines: options.tailLines ?? 200 }),
            })
            .then((c) => {
              controllers.push(c);
              if (stopped) c.abort();
            })
            .catch((err: unknown) => end(session.explain(err, `follow logs of ${source}`)));
        }),
    ),
  ).then(() => undefined);
  return {
    done,
    stop() {
      stopped = true;
      for (const c of controllers) c.abort();
      for (const e of enders) e();
    },
  };
}

/**
 * Waits until the target's pod (the same one, or a new pod of the same name that its controller
 * recreated) runs the container again. Polls with a deadline; returns the pod's uid, or
 * undefined when it does not come back in time or `stopped()` turns true.
 */
export async function waitForContainerRunning(session: ClusterSession, t: LogTarget, timeoutMs: number, stopped: () => boolean): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (!stopped() && Date.now() < deadline) {
    try {
      const pod = await session.core.readNamespacedPod({ namespace: t.namespace, name: t.pod });
      const status = pod.status?.containerStatuses?.find((c) => c.name === t.container);
      if (!pod.metadata?.deletionTimestamp && pod.status?.phase === 'Running' && status?.state?.running) return pod.metadata?.uid ?? '';
    } catch {
      // Not there yet (deleted, being recreated): keep waiting until the deadline.
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return undefined;
}
