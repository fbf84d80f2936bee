// Tail Logs on a worker thread (issue 11): the extension host side of src/cluster/logWorker.ts.
// This thread keeps what must stay here (the kubeconfig's credentials, which it applies to each
// stream's request as it opens, so an exec plugin's fresh token is used; the pod informer,
// whose records of the targets it forwards when they change) and writes what the worker posts
// (text, counts) to the sink. Nothing of the log bytes is read on this thread. No vscode.
import { Worker } from 'node:worker_threads';
import { access } from 'node:fs';
import { findWorkerScript } from './workerScripts';
import { LogFilter, LogFilterSummary, formatSummary } from '../core/logs';
import { redact } from '../core/redact';
import type { PatternProblem } from '../core/logs/noise';
import { KubemarkError } from '../core/errors';
import type { PodRecord } from './records';
import type { PortableRequest } from './httpStream';
import { LogTarget, PodLookup, TailOptions, TailRun, TailSink } from './tailSession';
import { FromWorker, LogWorkerInit, ToWorker, toPortableError } from './logWorkerProtocol';

/** What a worker-backed run needs of a cluster session. */
export interface WorkerTailSource {
  readonly context: string;
  readonly server?: string;
  readonly http: { portable(method: string, path: string, query?: Record<string, string | number | boolean | undefined>): Promise<PortableRequest> };
  explain(err: unknown, action: string): Error;
}

/** How long a stop waits for the worker's last lines before ending it anyway. */
const STOP_GRACE_MS = 5_000;
/** How long a stream waits for its credentials (a hung exec plugin) before it fails and retries. */
const CREDENTIALS_TIMEOUT_MS = 30_000;

/** "pod/container" of a log request, as the notes name a source. */
function sourceOf(path: string, query: Record<string, unknown>): string {
  const pod = /\/pods\/([^/]+)\/log$/.exec(path)?.[1];
  return `${pod ? decodeURIComponent(pod) : path}/${String(query.container ?? '')}`;
}

/**
 * The promise, or a rejection after ms. The work itself goes on (a credential plugin is not
 * killed); ApiHttp shares one application of the credentials among its callers, so a retry
 * waits on the same plugin run instead of starting another.
 */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KubemarkError(`Getting the credentials took more than ${Math.round(ms / 1000)} s (a credential plugin that does not answer, or waits for a login?)`)), ms);
    (timer as { unref?: () => void }).unref?.();
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** dist/logWorker.js: beside this bundle (dist/cluster.js), or the test build's copy. */
export function logWorkerScript(): string {
  const script = findWorkerScript('logWorker.js');
  if (script) return script;
  throw new KubemarkError('The log reader (dist/logWorker.js) is missing from the extension: reinstall Kubemark Workbench, or run "npm run build" in its folder.');
}

const keyOf = (t: LogTarget) => `${t.namespace}/${t.pod}`;

let poolWarmed = false;
function warmThreadPool(file: string): void {
  if (poolWarmed) return;
  poolWarmed = true;
  access(file, () => undefined);
}

export class WorkerTailSession implements TailRun {
  private worker: Worker | undefined;
  private readonly problemsOf: readonly PatternProblem[];
  private last: LogFilterSummary;
  private open = 0;
  private stopping = false;
  private finished = false;
  private podSub: { dispose(): void } | undefined;
  private readonly posted = new Map<string, string>();
  private stopTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly credentialsTimeoutMs: number;
  private resolveDone!: () => void;
  readonly done = new Promise<void>((r) => (this.resolveDone = r));

  constructor(
    readonly session: WorkerTailSource,
    readonly targets: LogTarget[],
    private readonly sink: TailSink,
    private readonly pods: PodLookup | undefined,
    private readonly options: TailOptions = {},
  ) {
    this.credentialsTimeoutMs = options.credentialsTimeoutMs ?? CREDENTIALS_TIMEOUT_MS;
    // The pattern problems (for a warning now) and the zero counts; this filter reads no line.
    const local = new LogFilter({ extraPatterns: options.extraPatterns ?? [], emitNoise: false });
    this.problemsOf = local.problems;
    this.last = local.summary();
  }

  get context(): string {
    return this.session.context;
  }

  get problems(): readonly PatternProblem[] {
    return this.problemsOf;
  }

  get isStopped(): boolean {
    return this.stopping;
  }

  summary(): LogFilterSummary {
    return this.last;
  }

  openStreams(): number {
    return this.finished ? 0 : this.open;
  }

  /** The targets' pod records that changed since last posted (all of them the first time). */
  private podRecords(): Record<string, PodRecord | null> | undefined {
    if (!this.pods) return undefined;
    const out: Record<string, PodRecord | null> = {};
    let changed = false;
    for (const t of this.targets) {
      const k = keyOf(t);
      const r = this.pods.get(t.namespace, t.pod) ?? null;
      const text = JSON.stringify(r);
      if (this.posted.get(k) === text) continue;
      this.posted.set(k, text);
      out[k] = r;
      changed = true;
    }
    return changed ? out : undefined;
  }

  start(): this {
    // The plain-data options go to the worker as they are; the callbacks and the credentials'
    // deadline stay on this side.
    const { onCounts: _onCounts, credentialsTimeoutMs: _credentials, now: _now, extraPatterns, scrollbackLines, ...plain } = this.options;
    const init: LogWorkerInit = {
      context: this.session.context,
      ...(this.session.server ? { server: this.session.server } : {}),
      targets: this.targets,
      options: {
        ...plain,
        extraPatterns: extraPatterns ?? [],
        // The worker cuts the view back only if this side can replace the text.
        ...(scrollbackLines !== undefined && this.sink.replace ? { scrollbackLines } : {}),
      },
      pods: this.pods ? (this.podRecords() ?? {}) : null,
    };
    const script = logWorkerScript();
    // libuv's thread pool is created by its first user, and new threads inherit the creating
    // thread's nice value: make sure it is made here (nice 0), not by the worker (nice 10).
    warmThreadPool(script);
    const worker = new Worker(script, { workerData: init, name: 'kubemark-logs' });
    this.worker = worker;
    worker.on('message', (m: FromWorker) => this.received(m));
    worker.on('error', (err) => this.ended(`the log reader failed: ${err.message}`));
    worker.on('exit', (code) => this.ended(`the log reader stopped unexpectedly (exit code ${code})`));
    this.podSub = this.pods?.onChange(() => {
      const records = this.podRecords();
      if (records) this.send({ t: 'pods', records });
    });
    return this;
  }

  private send(m: ToWorker): void {
    if (!this.finished) this.worker?.postMessage(m);
  }

  private received(m: FromWorker): void {
    if (this.finished) return;
    switch (m.t) {
      case 'request?': {
        if (this.stopping) break;
        const what = `follow logs of ${sourceOf(m.path, m.query)}`;
        void within(this.session.http.portable('GET', m.path, m.query), this.credentialsTimeoutMs).then(
          (request) => this.send({ t: 'request', id: m.id, request }),
          (err) => this.send({ t: 'request', id: m.id, error: toPortableError(this.session.explain(err, what)) }),
        );
        break;
      }
      case 'append':
        this.sink.append(m.text);
        break;
      case 'clear':
        this.sink.clear?.();
        break;
      case 'replace':
        this.sink.replace?.(m.text);
        break;
      case 'counts':
        this.last = m.summary;
        this.open = m.open;
        this.options.onCounts?.(m.summary);
        break;
      case 'stopped':
        this.last = m.summary;
        this.finish();
        break;
    }
  }

  /** The worker ended without being asked (an exception, a crash) or did not stop in time: say so, with the counts it sent. */
  private ended(why: string): void {
    if (this.finished) return;
    this.sink.append(`── ${formatSummary(this.last)}`);
    if (!this.stopping) this.sink.append(`── ${redact(why)}. Run "Kubemark: Tail Logs" again to follow these logs.`);
    else this.sink.append(`── stopped (${redact(why)})`);
    this.stopping = true;
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.open = 0;
    if (this.stopTimer) clearTimeout(this.stopTimer);
    this.podSub?.dispose();
    const w = this.worker;
    this.worker = undefined;
    void w?.terminate();
    this.options.onCounts?.(this.last);
    this.resolveDone();
  }

  /** Asks the worker to end its streams and write its last lines and summary; done resolves after. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    if (!this.worker) return this.finish();
    this.send({ t: 'stop' });
    this.stopTimer = setTimeout(() => this.ended('the log reader did not stop in time'), STOP_GRACE_MS);
    (this.stopTimer as { unref?: () => void }).unref?.();
  }
}
