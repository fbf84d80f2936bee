// What a list page is read into: the objects a store keeps, slimmed, with their keys. One place
// for both threads: the list worker (src/cluster/listWorker.ts) decodes a page with it, and the
// extension host's ListWatch keeps and slims watch events with the same functions, so a record
// is the same whichever thread made it. Pure: no vscode, no client-node (the worker bundle is
// checked for that by scripts/build.mjs).
/* eslint-disable @typescript-eslint/no-explicit-any */
import { LabelSelector, isHollowPod, isHollowWorkload } from './hollow';
import { slimNode, slimPod, slimWorkload } from './records';

/** A page's kind of object and which of them are kept: plain data, posted to the worker thread. */
export type PageShape =
  | { kind: 'node' }
  | { kind: 'hollowPod'; selector: LabelSelector }
  | { kind: 'hollowWorkload'; owner: string; selector: LabelSelector }
  /** A node's Lease in kube-node-lease, as its renew time (ms since the epoch; 0 when it has none): the dashboard's heartbeats. */
  | { kind: 'leaseRenewTime' };

/** A list page read: the kept objects' keys and slim records (same order), and the list's metadata. */
export interface DecodedPage<R = unknown> {
  keys: string[];
  records: R[];
  resourceVersion?: string;
  continue?: string;
}

export interface ShapeFunctions<R = unknown> {
  slim(o: any): R;
  /** Absent: every object is kept. */
  keep?(o: any): boolean;
}

export function shapeFunctions<R = unknown>(shape: PageShape): ShapeFunctions<R> {
  switch (shape.kind) {
    case 'node':
      return { slim: slimNode as (o: any) => R };
    case 'hollowPod':
      return { slim: slimPod as (o: any) => R, keep: (o) => isHollowPod(o, shape.selector) };
    case 'hollowWorkload':
      return { slim: slimWorkload(shape.owner) as (o: any) => R, keep: (o) => isHollowWorkload(o, shape.selector) };
    case 'leaseRenewTime':
      return { slim: ((o: any) => Date.parse(o?.spec?.renewTime ?? '') || 0) as (o: any) => R };
  }
}

/** namespace/name, or name for cluster-scoped objects: the key of a store's record. */
export function keyOf(o: any): string {
  const ns = o?.metadata?.namespace;
  return ns ? `${ns}/${o.metadata.name}` : o?.metadata?.name ?? '';
}

/** The name of decodePage's error for JSON that is not a list (it crosses the worker boundary by name). */
export const NOT_A_LIST = 'NotAListError';

/** Parses a list (the apiserver's JSON) and keeps and slims its items. Throws a SyntaxError on a body that is not JSON, a NotAListError on JSON that is not a list. */
export function decodePage<R = unknown>(text: string, shape: PageShape): DecodedPage<R> {
  const list = JSON.parse(text) as { kind?: unknown; items?: unknown; metadata?: { resourceVersion?: string; continue?: string } } | null;
  const isList = list !== null && typeof list === 'object' && (Array.isArray(list.items) || ((list.items === null || list.items === undefined) && typeof list.kind === 'string' && list.kind.endsWith('List')));
  if (!isList) {
    const err = new Error(`the apiserver's answer is not a list (kind ${typeof list?.kind === 'string' ? list.kind : 'unknown'})`);
    err.name = NOT_A_LIST;
    throw err;
  }
  const { slim, keep } = shapeFunctions<R>(shape);
  const keys: string[] = [];
  const records: R[] = [];
  for (const o of (list.items as unknown[] | null | undefined) ?? []) {
    if (keep && !keep(o)) continue;
    keys.push(keyOf(o));
    records.push(slim(o));
  }
  const page: DecodedPage<R> = { keys, records };
  if (list.metadata?.resourceVersion) page.resourceVersion = list.metadata.resourceVersion;
  if (list.metadata?.continue) page.continue = list.metadata.continue;
  return page;
}
