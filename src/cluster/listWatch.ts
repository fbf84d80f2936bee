// List, then watch from the list's resourceVersion; relist on 410 Gone; back off on errors.
// Keeps a slim record per object, never the object.
import { Watch } from '@kubernetes/client-node';
import { KubemarkError } from '../core/errors';

export interface ListPage {
  items: unknown[];
  metadata?: { resourceVersion?: string; _continue?: string };
}

export interface ListWatchSpec<R> {
  /** API path for watching, e.g. /api/v1/nodes. */
  path: string;
  list(params: { limit: number; _continue?: string }): Promise<ListPage>;
  slim(obj: any): R;
  /** Query parameters that narrow both list and watch (fieldSelector, labelSelector). */
  query?: Record<string, string>;
  explain(err: unknown): KubemarkError;
}

export type ListWatchState = 'loading' | 'ready' | 'error';

const PAGE = 500;
const MAX_BACKOFF_MS = 30_000;

export class ListWatch<R> {
  readonly items = new Map<string, R>();
  state: ListWatchState = 'loading';
  error: KubemarkError | undefined;
  private resourceVersion: string | undefined;
  private abort: AbortController | undefined;
  private stopped = false;
  private backoff = 1000;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly watcher: Watch, private readonly spec: ListWatchSpec<R>) {}

  onChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }

  start(): void {
    this.stopped = false;
    void this.relist();
  }

  /** Forget the backoff and list again now (the user pressed Refresh). */
  restart(): void {
    this.stopAll();
    this.stopped = false;
    this.backoff = 1000;
    void this.relist();
  }

  stop(): void {
    this.stopped = true;
    this.stopAll();
    this.listeners.clear();
  }

  private stopAll(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort?.abort();
    this.abort = undefined;
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    try {
      const fresh = new Map<string, R>();
      let cont: string | undefined;
      let rv: string | undefined;
      do {
        const page = await this.spec.list({ limit: PAGE, ...(cont ? { _continue: cont } : {}) });
        for (const o of page.items) fresh.set(keyOf(o), this.spec.slim(o));
        cont = page.metadata?._continue || undefined;
        rv = page.metadata?.resourceVersion;
      } while (cont && !this.stopped);
      if (this.stopped) return;
      this.items.clear();
      for (const [k, v] of fresh) this.items.set(k, v);
      this.resourceVersion = rv;
      this.state = 'ready';
      this.error = undefined;
      this.backoff = 1000;
      this.emit();
      void this.watchFrom();
    } catch (err) {
      this.fail(err, () => this.relist());
    }
  }

  private fail(err: unknown, retry: () => Promise<void>): void {
    if (this.stopped) return;
    this.state = 'error';
    this.error = this.spec.explain(err);
    this.emit();
    this.timer = setTimeout(() => void retry(), this.backoff);
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
  }

  private async watchFrom(): Promise<void> {
    if (this.stopped) return;
    let gone = false;
    let sawEvent = false;
    const started = Date.now();
    const query = {
      ...this.spec.query,
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      // The server ends the watch after this; we resume from the last resourceVersion.
      timeoutSeconds: 240 + Math.floor(Math.random() * 60),
    };
    try {
      this.abort = await this.watcher.watch(
        this.spec.path,
        query,
        (type: string, obj: any) => {
          sawEvent = true;
          if (type === 'ERROR') {
            if (obj?.code === 410) gone = true;
            return;
          }
          const rv = obj?.metadata?.resourceVersion;
          if (rv) this.resourceVersion = rv;
          if (type === 'BOOKMARK') return;
          const key = keyOf(obj);
          if (type === 'DELETED') this.items.delete(key);
          else this.items.set(key, this.spec.slim(obj));
          if (this.state !== 'ready') {
            this.state = 'ready';
            this.error = undefined;
          }
          this.emit();
        },
        (err: unknown) => {
          if (this.stopped) return;
          if (gone || (err as { statusCode?: number } | null)?.statusCode === 410) {
            void this.relist();
          } else if (err && !(err as Error).name?.includes('Abort')) {
            this.fail(err, () => this.watchFrom());
          } else {
            // A clean end (server timeout): resume at once, unless the server keeps closing at once.
            if (sawEvent || Date.now() - started > 1000) {
              this.backoff = 1000;
              void this.watchFrom();
            } else {
              this.timer = setTimeout(() => void this.watchFrom(), this.backoff);
              this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
            }
          }
        },
      );
    } catch (err) {
      this.fail(err, () => this.watchFrom());
    }
  }
}

function keyOf(o: any): string {
  const ns = o?.metadata?.namespace;
  return ns ? `${ns}/${o.metadata.name}` : o?.metadata?.name ?? '';
}
