// The log worker: one Tail Logs run (TailSession: its follows, the filter, the formatting) on a
// worker thread, so that the extension host's thread never parses, filters or formats log
// bytes (issue 11: 50 pods at 1,000 lines/s each saturated it). The extension host keeps the
// credentials and the pod informer: it answers each stream's request for its (fresh) request
// options, and posts the targets' pod records when they change. This thread posts the text
// to show and the counts. Built as dist/logWorker.js; no vscode, no @kubernetes/client-node.
import { parentPort, workerData } from 'node:worker_threads';
import * as os from 'node:os';
import { PodLookup, TailSession, TailSource } from './tailSession';
import { PodRecord } from './records';
import { StreamHandle, StreamHandlers } from './httpStream';
import { SecureContexts, openFollow } from './followStream';
import { classify } from './errors';
import { FromWorker, LogWorkerInit, ToWorker, fromPortableError } from './logWorkerProtocol';

const port = parentPort;
if (!port) throw new Error('logWorker.js runs only as a worker thread');
const init = workerData as LogWorkerInit;

// Reading logs is background work: when the cores are busy, the extension host's own thread
// (the editor's responsiveness) goes first. On Linux, setpriority(PRIO_PROCESS, 0) applies to
// the calling thread only, so this lowers this worker and nothing else; elsewhere it would
// lower the whole extension host, so it is not done there.
if (process.platform === 'linux') {
  try {
    os.setPriority(0, Math.max(os.getPriority(0), 10));
  } catch {
    // not allowed (a sandbox): run at the normal priority
  }
}

function post(m: FromWorker): void {
  port!.postMessage(m);
}

/** The targets' pod records, as last posted by the extension host. */
class PodMirror implements PodLookup {
  private readonly listeners = new Set<() => void>();
  constructor(private records: Record<string, PodRecord | null>) {}
  get(namespace: string, pod: string): PodRecord | undefined {
    return this.records[`${namespace}/${pod}`] ?? undefined;
  }
  onChange(listener: () => void) {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }
  update(records: Record<string, PodRecord | null>): void {
    this.records = { ...this.records, ...records };
    for (const l of [...this.listeners]) l();
  }
}

/**
 * One TLS context per identity: a rotated client certificate gets a new one. Each follow has a
 * connection of its own, read off its socket (followStream.ts: node:http's per-chunk work was
 * most of this thread's time, as an apiserver sends a log line a chunk).
 */
const contexts = new SecureContexts();

let nextId = 1;
const waiting = new Map<number, (m: Extract<ToWorker, { t: 'request' }>) => void>();

const source: TailSource = {
  context: init.context,
  http: {
    stream(path, query, h: StreamHandlers): StreamHandle {
      const id = nextId++;
      let aborted = false;
      let inner: StreamHandle | undefined;
      waiting.set(id, (m) => {
        if (aborted) return;
        if (!m.request) return h.onClose(fromPortableError(m.error ?? { message: 'no request options' }));
        inner = openFollow(m.request, h, contexts);
      });
      post({ t: 'request?', id, path, query });
      return {
        abort() {
          aborted = true;
          waiting.delete(id);
          inner?.abort();
        },
      };
    },
  },
  explain: (err, action) => classify(err, { context: init.context, ...(init.server ? { server: init.server } : {}), action }),
};

const pods = init.pods ? new PodMirror(init.pods) : undefined;
const tail = new TailSession(source, init.targets, {
  append: (text) => post({ t: 'append', text }),
  clear: () => post({ t: 'clear' }),
  replace: (text) => post({ t: 'replace', text }),
}, pods, {
  ...init.options,
  onCounts: (summary) => post({ t: 'counts', summary, open: tail.openStreams() }),
});

port.on('message', (m: ToWorker) => {
  if (m.t === 'request') {
    const f = waiting.get(m.id);
    waiting.delete(m.id);
    f?.(m);
  } else if (m.t === 'pods') {
    pods?.update(m.records);
  } else if (m.t === 'stop') {
    tail.stop();
    contexts.dispose();
    post({ t: 'stopped', summary: tail.summary() });
  }
});

tail.start();
