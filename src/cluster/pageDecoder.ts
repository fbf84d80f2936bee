// The extension host's side of the list worker (src/cluster/listWorker.ts): posts a list page's
// bytes to that thread and resolves with its slim records, so that JSON.parse of a page of 500
// nodes (1.4 MiB) and its garbage stay off the extension host's thread (issue 11). One worker,
// started on first need and ended after a while without pages. A page is never lost to the
// worker: if it is missing from the build or dies (a crash, a memory limit), the pages it held
// are read on this thread instead, and after MAX_FAILURES deaths every page is. No vscode.
import { Worker } from 'node:worker_threads';
import { DecodedPage, PageShape, decodePage } from './pageShapes';
import { findWorkerScript } from './workerScripts';

export interface ListWorkerRequest {
  id: number;
  bytes: Uint8Array;
  shape: PageShape;
}

export type ListWorkerReply = { id: number; page: DecodedPage } | { id: number; error: string };

export interface PageDecoderOptions {
  /** The worker's script; null: no worker (every page on this thread). Default: dist/listWorker.js. */
  script?: string | null;
  /** The worker ends after this long without a page (default 30 s): its heap is not kept for a relist that may never come. */
  idleMs?: number;
}

/** After this many unexpected worker exits, pages are read on this thread for good. */
const MAX_FAILURES = 3;

interface Pending {
  bytes: Uint8Array;
  shape: PageShape;
  resolve(page: DecodedPage): void;
  reject(err: Error): void;
}

export class PageDecoder {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  private readonly script: string | undefined;
  private readonly idleMs: number;
  /** What happened to the pages (tests, the benchmark). */
  readonly stats = { offThread: 0, inThread: 0, workerStarts: 0, workerFailures: 0 };

  constructor(options: PageDecoderOptions = {}) {
    this.script = options.script === null ? undefined : options.script ?? findWorkerScript('listWorker.js');
    this.idleMs = options.idleMs ?? 30_000;
  }

  /** A worker thread is running now. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /**
   * The page's kept objects, slimmed, with their keys and the list's metadata. Rejects when the
   * bytes are not a list (invalid JSON, another kind of answer), with the reason.
   */
  decode<R = unknown>(bytes: Uint8Array, shape: PageShape): Promise<DecodedPage<R>> {
    const worker = this.ensureWorker();
    if (!worker) return this.here<R>(bytes, shape);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const id = this.nextId++;
    return new Promise<DecodedPage<R>>((resolve, reject) => {
      this.pending.set(id, { bytes, shape, resolve: resolve as (p: DecodedPage) => void, reject });
      if (this.pending.size === 1) worker.ref(); // a plain Node process (the CLI, tests) waits for the answer
      // Copied, not transferred: the bytes stay here until the answer, for a worker that dies.
      worker.postMessage({ id, bytes, shape } satisfies ListWorkerRequest);
    });
  }

  /** Ends the worker; later pages are read on this thread. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stopWorker();
  }

  private here<R>(bytes: Uint8Array, shape: PageShape): Promise<DecodedPage<R>> {
    this.stats.inThread++;
    try {
      return Promise.resolve(decodePage<R>(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), shape));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private ensureWorker(): Worker | undefined {
    if (this.worker) return this.worker;
    if (this.disposed || !this.script || this.stats.workerFailures >= MAX_FAILURES) return undefined;
    let worker: Worker;
    try {
      worker = new Worker(this.script, { name: 'kubemark-lists' });
    } catch {
      this.stats.workerFailures++;
      return undefined;
    }
    this.stats.workerStarts++;
    this.worker = worker;
    worker.unref();
    worker.on('message', (m: ListWorkerReply) => this.received(worker, m));
    // 'error' (an exception on that thread) is followed by 'exit'; both end it here once.
    worker.on('error', () => this.lost(worker));
    worker.on('exit', () => this.lost(worker));
    return worker;
  }

  private received(worker: Worker, m: ListWorkerReply): void {
    const p = this.pending.get(m.id);
    if (!p || worker !== this.worker) return;
    this.pending.delete(m.id);
    if ('page' in m) {
      this.stats.offThread++;
      p.resolve(m.page);
    } else {
      p.reject(new Error(m.error));
    }
    if (this.pending.size === 0) this.idle(worker);
  }

  private idle(worker: Worker): void {
    worker.unref();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.worker === worker && this.pending.size === 0) this.stopWorker();
    }, this.idleMs);
    (this.idleTimer as { unref?: () => void }).unref?.();
  }

  /** The worker ended without being asked: its pages are read here, and the next page starts another. */
  private lost(worker: Worker): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    this.stats.workerFailures++;
    const held = [...this.pending.values()];
    this.pending.clear();
    for (const p of held) this.here(p.bytes, p.shape).then(p.resolve, p.reject);
  }

  private stopWorker(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    // Pages still in flight (a dispose during a list) are read here: no list waits forever.
    const held = [...this.pending.values()];
    this.pending.clear();
    for (const p of held) this.here(p.bytes, p.shape).then(p.resolve, p.reject);
    void worker.terminate();
  }
}

let shared: PageDecoder | undefined;

/** The extension host's decoder (one worker for every cluster's lists). */
export function sharedPageDecoder(): PageDecoder {
  shared ??= new PageDecoder();
  return shared;
}

/** Ends the shared decoder's worker (deactivation); a later sharedPageDecoder() starts afresh. */
export function disposeSharedPageDecoder(): void {
  shared?.dispose();
  shared = undefined;
}
