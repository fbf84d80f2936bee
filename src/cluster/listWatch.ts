// A small informer: list, then watch from the list's resourceVersion; relist on 410 Gone; back off
// on errors. Keeps a slim record per object, never the object.
//
// Every start (start, restart, a relist after 410) belongs to a generation. A list or watch
// callback of an older generation never acts, and restart() aborts what is in flight, so one
// ListWatch holds at most one watch open whatever the user presses. An abort is never taken for
// a clean end. The state returns to 'ready' as soon as a (re)connection succeeds, bookmarks
// included, and disposal is final.
import { KubemarkError } from '../core/errors';
import type { DecodedPage } from './pageShapes';
import { keyOf } from './pageShapes';

export interface ListPage {
  items: unknown[];
  metadata?: { resourceVersion?: string; _continue?: string; continue?: string };
}

export interface WatchHandlers {
  /** The server accepted the watch (200). */
  onOpen(): void;
  onEvent(type: string, obj: any): void;
  /** Once, unless aborted: undefined for a clean end (the server's timeout), else the error. */
  onClose(err?: unknown): void;
}

/** Opens a watch; abort() ends it without further callbacks. */
export type WatchFn = (path: string, query: Record<string, string | number | boolean | undefined>, h: WatchHandlers) => { abort(): void };

export interface ListWatchSpec<R> {
  /** API path for watching, e.g. /api/v1/nodes. */
  path: string;
  /** A page of whole objects, which this thread keeps and slims. Either this or listSlim. */
  list?(params: { limit: number; _continue?: string }, signal: AbortSignal): Promise<ListPage>;
  /**
   * A page already kept and slimmed elsewhere (the list worker, with the same keep and slim as
   * below): used instead of list. Watch events are still kept and slimmed here.
   */
  listSlim?(params: { limit: number; _continue?: string }, signal: AbortSignal): Promise<DecodedPage<R>>;
  watch: WatchFn;
  slim(obj: any): R;
  /** Query parameters that narrow both list and watch (fieldSelector, labelSelector). */
  query?: Record<string, string>;
  /** Objects to keep; others are not stored (and a stored one that stops matching is removed). */
  keep?(obj: any): boolean;
  explain(err: unknown): KubemarkError;
}

export type ListWatchState = 'loading' | 'ready' | 'error';

/** What changed, so a reader can keep its own counts without rescanning every record. */
export type Change<R> =
  | { type: 'reset' }
  | { type: 'upsert'; key: string; old: R | undefined; value: R }
  | { type: 'delete'; key: string; old: R }
  | { type: 'state' };

export interface ListWatchOptions {
  pageSize?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called when a list or watch fails (the owner re-probes reachability). */
  onFailure?(err: KubemarkError): void;
}

const PAGE = 500;
/**
 * A page of more objects than this is slimmed in slices of this many, each in its own turn of
 * the event loop: JSON.parse of a page of 500 nodes (1.4 MiB) has just run in this turn, and
 * slimming it at once would double the stretch (issue 11: event-loop delay during the initial
 * sync of 5,000 nodes). Small pages are slimmed in the turn they arrive.
 */
const SLICE = 100;

export class ListWatch<R> {
  readonly items = new Map<string, R>();
  /** Changes whenever a key is added or removed (not when a record changes): readers cache by it. */
  keysVersion = 0;
  state: ListWatchState = 'loading';
  error: KubemarkError | undefined;
  private resourceVersion: string | undefined;
  private gen = 0;
  private disposed = false;
  private listAbort: AbortController | undefined;
  private current: { abort(): void } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private backoff: number;
  private open = 0;
  private readonly listeners = new Set<(c: Change<R>) => void>();
  private readonly pageSize: number;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;

  constructor(private readonly spec: ListWatchSpec<R>, private readonly options: ListWatchOptions = {}) {
    this.pageSize = options.pageSize ?? PAGE;
    this.initialBackoff = options.initialBackoffMs ?? 1000;
    this.maxBackoff = options.maxBackoffMs ?? 30_000;
    this.backoff = this.initialBackoff;
    if (!spec.list && !spec.listSlim) throw new Error(`ListWatch of ${spec.path}: the spec has neither list nor listSlim`);
  }

  /** The API path it lists and watches. */
  get path(): string {
    return this.spec.path;
  }

  /** Watches open now (0 or 1; more would be a leak). */
  get openWatches(): number {
    return this.open;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  onChange(listener: (c: Change<R>) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private emit(c: Change<R>): void {
    for (const l of [...this.listeners]) l(c);
  }

  /** Lists and watches; a second call acts like restart(). */
  start(): void {
    this.restart();
  }

  /** Cancels what is in flight, forgets the backoff and lists again now (Refresh). */
  restart(): void {
    if (this.disposed) return;
    const gen = this.cancel();
    this.backoff = this.initialBackoff;
    void this.list(gen);
  }

  /**
   * The server answers again (the owner's probe says so): retry at once instead of waiting for
   * the backoff, and replace a watch that may sit on a dead connection by one from the last
   * resourceVersion.
   */
  reconnect(): void {
    if (this.disposed) return;
    if (this.listAbort) return; // a list is in flight: it will open a fresh watch
    const gen = this.cancel();
    this.backoff = this.initialBackoff;
    if (this.resourceVersion === undefined) void this.list(gen);
    else this.watch(gen);
  }

  /** Final: aborts everything; no callback acts afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.cancel();
    this.disposed = true;
    // Last word to the listeners: whoever waits on this store (Deploy's wait) learns it ended.
    // A listener that throws must not leave the others, or the caller's other stores, open.
    for (const l of [...this.listeners]) {
      try {
        l({ type: 'state' });
      } catch {
        // disposal goes on
      }
    }
    this.listeners.clear();
  }

  /** Same as dispose(). */
  stop(): void {
    this.dispose();
  }

  /** Starts a new generation: the old one's timers, list and watch are cancelled. */
  private cancel(): number {
    this.gen++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.listAbort?.abort();
    this.listAbort = undefined;
    this.closeCurrent();
    return this.gen;
  }

  private closeCurrent(): void {
    if (!this.current) return;
    const c = this.current;
    this.current = undefined;
    this.open--;
    c.abort();
  }

  private setReady(): void {
    if (this.state === 'ready' && !this.error) return;
    this.state = 'ready';
    this.error = undefined;
    this.emit({ type: 'state' });
  }

  private keep(o: any): boolean {
    return this.spec.keep ? this.spec.keep(o) : true;
  }

  private async list(gen: number): Promise<void> {
    const abort = new AbortController();
    this.listAbort = abort;
    try {
      const fresh = new Map<string, R>();
      let cont: string | undefined;
      let rv: string | undefined;
      do {
        const params = { limit: this.pageSize, ...(cont ? { _continue: cont } : {}) };
        if (this.spec.listSlim) {
          const page = await this.spec.listSlim(params, abort.signal);
          if (gen !== this.gen) return;
          for (let i = 0; i < page.keys.length; i++) fresh.set(page.keys[i]!, page.records[i]!);
          cont = page.continue || undefined;
          rv = page.resourceVersion;
          continue;
        }
        const page = await this.spec.list!(params, abort.signal);
        if (gen !== this.gen) return;
        const items = page.items;
        for (let i = 0; i < items.length; ) {
          if (items.length > SLICE) {
            await nextTurn();
            if (gen !== this.gen) return;
          }
          for (const end = Math.min(items.length, i + SLICE); i < end; i++) {
            const o = items[i];
            if (this.keep(o)) fresh.set(keyOf(o), this.spec.slim(o));
          }
        }
        cont = page.metadata?._continue || page.metadata?.continue || undefined;
        rv = page.metadata?.resourceVersion;
      } while (cont);
      if (gen !== this.gen) return;
      this.listAbort = undefined;
      this.items.clear();
      for (const [k, v] of fresh) this.items.set(k, v);
      this.keysVersion++;
      this.resourceVersion = rv;
      this.state = 'ready';
      this.error = undefined;
      this.backoff = this.initialBackoff;
      this.emit({ type: 'reset' });
      this.watch(gen);
    } catch (err) {
      if (gen !== this.gen) return;
      this.listAbort = undefined;
      this.fail(gen, err, () => void this.list(gen));
    }
  }

  private fail(gen: number, err: unknown, retry: () => void): void {
    this.state = 'error';
    this.error = this.spec.explain(err);
    this.emit({ type: 'state' });
    this.schedule(gen, retry, this.backoff);
    this.backoff = Math.min(this.backoff * 2, this.maxBackoff);
    this.options.onFailure?.(this.error);
  }

  private schedule(gen: number, f: () => void, ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
        if (gen === this.gen) f();
    }, ms);
  }

  private watch(gen: number): void {
    if (gen !== this.gen || this.disposed) return;
    this.closeCurrent();
    let gone = false;
    let sawEvent = false;
    let errorEvent: { code?: number; message?: string } | undefined;
    const started = Date.now();
    const query = {
      ...this.spec.query,
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      // The server ends the watch after this; we resume from the last resourceVersion.
      timeoutSeconds: 240 + Math.floor(Math.random() * 60),
    };
    let handle: { abort(): void } | undefined;
    let closedEarly = false;
    const mine = () => gen === this.gen && (handle === undefined || this.current === handle);
    handle = this.spec.watch(this.spec.path, query, {
      onOpen: () => {
        // Ready again, but the backoff is kept until the watch proves itself (an event, or a
        // life of over a second): a server that accepts and drops every watch is not hammered.
        if (!mine()) return;
        this.setReady();
      },
      onEvent: (type, obj) => {
        if (!mine()) return;
        if (type === 'ERROR') {
          // Not proof of a healthy watch: no backoff reset. 410: relist at once; any other
          // (504 "Too large resource version", 500): relist after the backoff when it closes.
          if (obj?.code === 410) gone = true;
          else errorEvent = obj ?? {};
          return;
        }
        if (!sawEvent) this.backoff = this.initialBackoff;
        sawEvent = true;
        const rv = obj?.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
        this.setReady();
        if (type === 'BOOKMARK') return;
        const key = keyOf(obj);
        const old = this.items.get(key);
        if (type === 'DELETED' || !this.keep(obj)) {
          if (old !== undefined) {
            this.items.delete(key);
            this.keysVersion++;
            this.emit({ type: 'delete', key, old });
          }
          return;
        }
        const value = this.spec.slim(obj);
        this.items.set(key, value);
        if (old === undefined) this.keysVersion++;
        this.emit({ type: 'upsert', key, old, value });
      },
      onClose: (err) => {
        if (handle === undefined) {
          // Closed before watch() returned (it failed at once).
          closedEarly = true;
          this.afterClose(gen, err, gone, sawEvent, started, errorEvent);
          return;
        }
        if (!mine()) return;
        this.current = undefined;
        this.open--;
        this.afterClose(gen, err, gone, sawEvent, started, errorEvent);
      },
    });
    if (!closedEarly && gen === this.gen) {
      this.current = handle;
      this.open++;
    } else if (!closedEarly) {
      handle.abort();
    }
  }

  private afterClose(gen: number, err: unknown, gone: boolean, sawEvent: boolean, started: number, errorEvent?: { code?: number; message?: string }): void {
    if (gen !== this.gen || this.disposed) return;
    if (gone || (err as { statusCode?: number } | null | undefined)?.statusCode === 410) {
      void this.list(gen);
    } else if (errorEvent && !err) {
      const e = Object.assign(new Error(errorEvent.message ?? `the watch ended with an error event (code ${errorEvent.code ?? '?'})`), { statusCode: errorEvent.code });
      this.fail(gen, e, () => void this.list(gen));
    } else if (err) {
      this.fail(gen, err, () => this.watch(gen));
    } else if (sawEvent || Date.now() - started > 1000) {
      // A clean end (the server's timeout): resume at once.
      this.backoff = this.initialBackoff;
      this.watch(gen);
    } else {
      // The server keeps closing at once: resume with backoff.
      this.schedule(gen, () => this.watch(gen), this.backoff);
      this.backoff = Math.min(this.backoff * 2, this.maxBackoff);
    }
  }
}

/** Resolves in a later turn of the event loop, after the I/O and timers that are due. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
