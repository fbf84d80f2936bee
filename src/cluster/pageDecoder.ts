// The extension host's side of the list worker (src/cluster/listWorker.ts): posts a list page's
// bytes to that thread and resolves with its slim records, so that JSON.parse of a page of 500
// nodes (1.4 MiB) and its garbage stay off the extension host's thread (issue 11). One worker,
// started on first need and ended after a while without pages. A page is never lost to the
// worker: if it dies (a crash, a memory limit) or hangs (a minute without any answer while it
// holds pages) the pages it held go to a new one; if it is missing from the build, or died
// MAX_FAILURES times in a row (MAX_DEATHS in all), pages are read on this thread for the rest of
// the session, one per turn of the event loop. No vscode.
import { Worker } from 'node:worker_threads';
import { DecodedPage, PageShape, decodePage } from './pageShapes';
import { findWorkerScript } from './workerScripts';

export interface ListWorkerRequest {
  id: number;
  bytes: Uint8Array;
  shape: PageShape;
}

export type ListWorkerReply = { id: number; page: DecodedPage } | { id: number; error: string; name: string };

export interface PageDecoderOptions {
  /** The worker's script; null: no worker (every page on this thread). Default: dist/listWorker.js. */
  script?: string | null;
  /** The worker ends after this long without a page (default 30 s): its heap is not kept for a relist that may never come. */
  idleMs?: number;
  /**
   * A worker that holds pages and answers none for this long (default 60 s; a page takes tens of
   * milliseconds) is taken for hung: it is ended like a dead one, and its pages go on.
   */
  answerTimeoutMs?: number;
}

/** After this many worker deaths in a row (no page answered between them), pages are read on this thread for good. */
const MAX_FAILURES = 3;
/** ... or after this many deaths in all (a worker that answers a page, then dies, again and again). */
const MAX_DEATHS = 10;

interface Pending {
  bytes: Uint8Array;
  shape: PageShape;
  resolve(page: DecodedPage): void;
  reject(err: Error): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

const aborted = () => Object.assign(new Error('The request was aborted'), { name: 'AbortError' });

export class PageDecoder {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  /** Pages to read on this thread, one per turn of the event loop (`drainingHere` while a turn is scheduled). */
  private readonly here: Pending[] = [];
  private drainingHere = false;
  /** Deaths since the last answered page. */
  private failuresInARow = 0;
  private readonly script: string | undefined;
  private readonly idleMs: number;
  private readonly answerTimeoutMs: number;
  /** Armed while the worker holds pages; moved on by each answer. */
  private answerTimer: ReturnType<typeof setTimeout> | undefined;
  /** Answers received from the current worker (abandoned pages' included): the deadline's evidence of life. */
  private answers = 0;
  /** What happened to the pages (tests, the benchmark, the extension API's listPages()). */
  readonly stats = { offThread: 0, inThread: 0, workerStarts: 0, workerFailures: 0 };

  constructor(options: PageDecoderOptions = {}) {
    this.script = options.script === null ? undefined : options.script ?? findWorkerScript('listWorker.js');
    this.idleMs = options.idleMs ?? 30_000;
    this.answerTimeoutMs = options.answerTimeoutMs ?? 60_000;
  }

  /** A worker thread is running now. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /**
   * The page's kept objects, slimmed, with their keys and the list's metadata. Rejects when the
   * bytes are not a list (invalid JSON, another kind of answer), with the reason; with an
   * AbortError when the signal aborts first (the page's answer, if any, is dropped).
   */
  decode<R = unknown>(bytes: Uint8Array, shape: PageShape, signal?: AbortSignal): Promise<DecodedPage<R>> {
    if (signal?.aborted) return Promise.reject(aborted());
    return new Promise<DecodedPage<R>>((resolve, reject) => {
      const p: Pending = { bytes, shape, resolve: resolve as (page: DecodedPage) => void, reject };
      if (signal) {
        p.signal = signal;
        p.onAbort = () => this.abandon(p);
        signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.send(p);
    });
  }

  /**
   * Ends the worker, at the end of its lists (deactivation). Pages it holds, or waiting to be read
   * here, are rejected with an AbortError; later pages are read on this thread.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stopWorker();
    const held = [...this.pending.values(), ...this.here.splice(0)];
    this.pending.clear();
    for (const p of held) this.settle(p, () => p.reject(aborted()));
  }

  /** To the worker if there is one (started on need), else read on this thread in a later turn. */
  private send(p: Pending): void {
    const worker = this.ensureWorker();
    if (!worker) return this.readHere(p);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const id = this.nextId++;
    this.pending.set(id, p);
    if (this.pending.size === 1) {
      worker.ref(); // a plain Node process (the CLI, tests) waits for the answer
      this.awaitAnswer(worker);
    }
    // The bytes are copied, not transferred: they stay here until the answer, for a worker that
    // dies. A small body may be a view of Node's shared buffer pool: only its own bytes go.
    const bytes = p.bytes.byteLength === p.bytes.buffer.byteLength ? p.bytes : new Uint8Array(p.bytes);
    try {
      worker.postMessage({ id, bytes, shape: p.shape } satisfies ListWorkerRequest);
    } catch {
      // Not posted (a shape that cannot be cloned): read here, never left waiting.
      this.pending.delete(id);
      if (this.pending.size === 0) this.idle(worker);
      this.readHere(p);
    }
  }

  /**
   * Reads the page on this thread in a later turn of the event loop: one page a turn, however many
   * wait (each is a page's parse and slimming), so a fallback never holds the thread for several.
   */
  private readHere(p: Pending): void {
    this.here.push(p);
    if (this.drainingHere) return;
    this.drainingHere = true;
    const next = () => {
      const q = this.here.shift();
      if (q && !q.signal?.aborted) {
        this.stats.inThread++;
        try {
          const page = decodePage(Buffer.from(q.bytes.buffer, q.bytes.byteOffset, q.bytes.byteLength).toString('utf8'), q.shape);
          this.settle(q, () => q.resolve(page));
        } catch (err) {
          this.settle(q, () => q.reject(err instanceof Error ? err : new Error(String(err))));
        }
      }
      if (this.here.length) setImmediate(next);
      else this.drainingHere = false;
    };
    setImmediate(next);
  }

  private settle(p: Pending, f: () => void): void {
    if (p.onAbort) p.signal?.removeEventListener('abort', p.onAbort);
    f();
  }

  /** The caller gave up on the page: its answer, when it comes, is dropped; if it waits to be read here, it is not read. */
  private abandon(p: Pending): void {
    for (const [id, q] of this.pending) {
      if (q !== p) continue;
      this.pending.delete(id);
      if (this.pending.size === 0 && this.worker) this.idle(this.worker);
    }
    const i = this.here.indexOf(p);
    if (i >= 0) this.here.splice(i, 1);
    p.reject(aborted());
  }

  private ensureWorker(): Worker | undefined {
    if (this.worker) return this.worker;
    if (this.disposed || !this.script || this.failuresInARow >= MAX_FAILURES || this.stats.workerFailures >= MAX_DEATHS) return undefined;
    let worker: Worker;
    try {
      worker = new Worker(this.script, { name: 'kubemark-lists' });
    } catch {
      this.failuresInARow++;
      this.stats.workerFailures++;
      return undefined;
    }
    this.stats.workerStarts++;
    this.worker = worker;
    this.answers = 0;
    worker.unref();
    worker.on('message', (m: ListWorkerReply) => this.received(worker, m));
    // 'error' (an exception on that thread) is followed by 'exit'; either ends it here, once.
    // A reply that cannot be read ('messageerror') would leave its page waiting: the same.
    worker.on('error', () => this.lost(worker));
    worker.on('messageerror', () => this.lost(worker));
    worker.on('exit', () => this.lost(worker));
    return worker;
  }

  private received(worker: Worker, m: ListWorkerReply): void {
    if (worker !== this.worker) return;
    // Any answer shows the worker alive, an abandoned page's too: the deadline moves on.
    this.answers++;
    this.failuresInARow = 0;
    if (this.pending.size > 0) this.awaitAnswer(worker);
    const p = this.pending.get(m.id);
    if (!p) return; // abandoned
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.clearAnswerTimer();
    if ('page' in m) {
      this.stats.offThread++;
      const page = m.page;
      this.settle(p, () => p.resolve(page));
    } else {
      const err = new Error(m.error);
      err.name = m.name;
      this.settle(p, () => p.reject(err));
    }
    if (this.pending.size === 0) this.idle(worker);
  }

  /** (Re)arms the deadline for the worker's next answer. */
  private awaitAnswer(worker: Worker): void {
    this.clearAnswerTimer();
    const seen = this.answers;
    this.answerTimer = setTimeout(() => {
      this.answerTimer = undefined;
      // After a stall of this thread the timer runs before the answers already queued are
      // delivered: look again after them (setImmediate comes after the messages' poll phase).
      setImmediate(() => {
        if (this.worker === worker && this.pending.size > 0 && this.answers === seen) this.lost(worker);
      });
    }, this.answerTimeoutMs);
    (this.answerTimer as { unref?: () => void }).unref?.();
  }

  private clearAnswerTimer(): void {
    if (this.answerTimer) clearTimeout(this.answerTimer);
    this.answerTimer = undefined;
  }

  private idle(worker: Worker): void {
    this.clearAnswerTimer();
    worker.unref();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.worker === worker && this.pending.size === 0) this.stopWorker();
    }, this.idleMs);
    (this.idleTimer as { unref?: () => void }).unref?.();
  }

  /** The worker ended without being asked: its pages go to a new one (or, after MAX_FAILURES deaths in a row or MAX_DEATHS in all, are read here). */
  private lost(worker: Worker): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    this.clearAnswerTimer();
    // Ended for good: after a 'messageerror' it would still run (and, ref'd, keep a process alive).
    worker.unref();
    void worker.terminate();
    this.failuresInARow++;
    this.stats.workerFailures++;
    const held = [...this.pending.values()];
    this.pending.clear();
    for (const p of held) this.send(p);
  }

  private stopWorker(): void {
    this.clearAnswerTimer();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
  }
}

let shared: PageDecoder | undefined;
let sharedDisposed = false;

/** The extension host's decoder (one worker for every cluster's lists). */
export function sharedPageDecoder(): PageDecoder {
  if (!shared) {
    shared = new PageDecoder();
    if (sharedDisposed) shared.dispose(); // after deactivation: pages read on this thread, no worker
  }
  return shared;
}

/** Ends the shared decoder's worker (deactivation). For good: a list still running afterwards is read on this thread, no worker starts again. */
export function disposeSharedPageDecoder(): void {
  sharedDisposed = true;
  shared?.dispose();
}
