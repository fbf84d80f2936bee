// Messages between the extension host and the log worker (src/cluster/logWorker.ts). Plain
// data only: they are structured-cloned across the thread boundary.
import type { LogFilterSummary } from '../core/logs';
import { KubemarkError } from '../core/errors';
import type { PodRecord } from './records';
import type { PortableRequest } from './httpStream';
import type { LogTarget, TailOptions } from './tailSession';

/** The TailOptions that are plain data (no callbacks), as the worker gets them. */
export type WorkerTailOptions = Omit<TailOptions, 'onCounts' | 'credentialsTimeoutMs' | 'extraPatterns' | 'now'> & { extraPatterns: readonly unknown[] };

/** workerData of a log worker. */
export interface LogWorkerInit {
  context: string;
  server?: string;
  targets: LogTarget[];
  options: WorkerTailOptions;
  /** The targets' pods as the workers pod informer has them (key namespace/name), or null: no informer. */
  pods: Record<string, PodRecord | null> | null;
}

/** An error that crossed the thread boundary (its message and the fields errors.ts reads). */
export interface PortableError {
  message: string;
  name?: string;
  code?: string | number;
  statusCode?: number;
  body?: unknown;
}

export type ToWorker =
  | { t: 'request'; id: number; request?: PortableRequest; error?: PortableError }
  | { t: 'pods'; records: Record<string, PodRecord | null> }
  | { t: 'stop' };

export type FromWorker =
  | { t: 'request?'; id: number; path: string; query: Record<string, string | number | boolean | undefined> }
  | { t: 'append'; text: string }
  | { t: 'clear' }
  | { t: 'replace'; text: string }
  | { t: 'counts'; summary: LogFilterSummary; open: number }
  | { t: 'stopped'; summary: LogFilterSummary };

export function toPortableError(err: unknown): PortableError {
  const e = err as { message?: unknown; name?: unknown; code?: unknown; statusCode?: unknown; body?: unknown } | undefined;
  const out: PortableError = { message: typeof e?.message === 'string' ? e.message : String(err) };
  if (typeof e?.name === 'string') out.name = e.name;
  if (typeof e?.code === 'string' || typeof e?.code === 'number') out.code = e.code;
  if (typeof e?.statusCode === 'number') out.statusCode = e.statusCode;
  if (e?.body !== undefined) {
    try {
      out.body = JSON.parse(JSON.stringify(e.body));
    } catch {
      // not plain data: left out
    }
  }
  return out;
}

export function fromPortableError(p: PortableError): Error {
  // A message the extension host already worded stays as it is (errors.ts passes it through).
  if (p.name === 'KubemarkError') return new KubemarkError(p.message);
  return Object.assign(new Error(p.message), p);
}
