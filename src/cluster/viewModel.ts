// Pure view logic for the tree and status bar: grouping, paging, labels. No vscode.
import { Condition, NodeRecord, PodRecord, StatefulSetRecord, WorkloadRecord, countByCondition, naturalCompare } from './records';

export const PAGE_SIZE = 100;

export interface Page<T> {
  label: string;
  items: T[];
  index: number;
}

/** Splits a sorted list into pages of PAGE_SIZE, labelled by their first and last names. */
export function paginate<T>(items: T[], name: (t: T) => string, size = PAGE_SIZE): Page<T>[] {
  const pages: Page<T>[] = [];
  for (let i = 0; i < items.length; i += size) {
    const slice = items.slice(i, i + size);
    pages.push({ index: pages.length, items: slice, label: `${name(slice[0]!)} … ${name(slice[slice.length - 1]!)}` });
  }
  return pages;
}

export function sortByName<T extends { name: string }>(items: Iterable<T>): T[] {
  return [...items].sort((a, b) => naturalCompare(a.name, b.name));
}

const DNS_NAME = /^[a-z0-9.-]*$/;

/**
 * A key whose plain string order is naturalCompare's order, for names made of lowercase letters,
 * digits, '-' and '.' (what Kubernetes allows in node names): digit runs without leading zeros,
 * padded to 20 places. Undefined for any other name (or a longer digit run). Checked against the
 * collator on random names in the unit tests.
 */
export function naturalKey(name: string): string | undefined {
  if (!DNS_NAME.test(name)) return undefined;
  let long = false;
  const key = name.replace(/\d+/g, (d) => {
    const t = d.replace(/^0+(?=\d)/, '');
    if (t.length > 20) long = true;
    return t.padStart(20, '0');
  });
  return long ? undefined : key;
}

/** Records in natural name order: by naturalKey (one key each, plain comparisons) when every name has one, else the collator. */
export function sortEntriesByName<K, T extends { name: string }>(entries: Array<[K, T]>): Array<[K, T]> {
  const keyed: Array<[string, K, T]> = [];
  for (const [k, r] of entries) {
    const key = naturalKey(r.name);
    if (key === undefined) return entries.sort((a, b) => naturalCompare(a[1].name, b[1].name));
    keyed.push([key, k, r]);
  }
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return keyed.map(([, k, r]) => [k, r]);
}

/**
 * A store's records in natural name order. The order of the keys is kept between calls and
 * sorted again only when a key was added or removed (`keysVersion`): at 5,000 nodes a redraw
 * during a wave of condition changes then costs a pass over the map, not a sort.
 */
export class NameOrder<T extends { name: string }> {
  private version = -1;
  private keys: string[] = [];

  /** A store without keysVersion is sorted on every call. */
  constructor(private readonly store: { readonly items: Map<string, T>; readonly keysVersion?: number }) {}

  sorted(): T[] {
    const items = this.store.items;
    const v = this.store.keysVersion;
    if (v === undefined || this.version !== v) {
      this.keys = sortEntriesByName([...items]).map(([k]) => k);
      this.version = v ?? -1;
    }
    const out: T[] = [];
    for (const k of this.keys) {
      const r = items.get(k);
      if (r !== undefined) out.push(r);
    }
    return out;
  }
}

/** Nodes by condition, in the order given (sorted input stays sorted). */
export function byCondition(nodes: Iterable<NodeRecord>): Record<Condition, NodeRecord[]> {
  const out: Record<Condition, NodeRecord[]> = { Ready: [], NotReady: [], Unknown: [] };
  for (const n of nodes) out[n.condition].push(n);
  return out;
}

export function nodesWithCondition(nodes: Iterable<NodeRecord>, condition: Condition): NodeRecord[] {
  const out: NodeRecord[] = [];
  for (const n of nodes) if (n.condition === condition) out.push(n);
  return out.sort((a, b) => naturalCompare(a.name, b.name));
}

export function age(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

export function podDescription(p: PodRecord, now = Date.now()): string {
  const parts = [p.status, `${p.readyContainers}/${p.containers.length}`];
  if (p.restarts > 0) parts.push(`${p.restarts} restart${p.restarts === 1 ? '' : 's'}`);
  const a = age(p.created, now);
  if (a) parts.push(a);
  return parts.join(' · ');
}

export type PodHealth = 'ok' | 'progress' | 'failed';

export function podHealth(p: PodRecord): PodHealth {
  if (p.deleting) return 'progress';
  if (p.phase === 'Failed' || /BackOff|Err|Error|Invalid/.test(p.status) || p.restarts > 0 && p.readyContainers < p.containers.length) return 'failed';
  if (p.phase === 'Running' && p.readyContainers === p.containers.length) return 'ok';
  return 'progress';
}

export function statefulSetDescription(s: StatefulSetRecord): string {
  return `${s.ready}/${s.desired} ready`;
}

/** Capacity as "cpu 1 · memory 3840Mi · pods 110 · nvidia.com/gpu 8". */
export function capacitySummary(n: NodeRecord): string {
  const order = ['cpu', 'memory', 'pods'];
  const keys = Object.keys(n.capacity).sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  return keys.filter((k) => !k.startsWith('hugepages-') && k !== 'ephemeral-storage').map((k) => `${k} ${n.capacity[k]}`).join(' · ');
}

export function nodeDescription(n: NodeRecord): string {
  return [n.kubeletVersion, n.condition === 'Ready' ? undefined : n.reason ?? n.condition].filter(Boolean).join(' · ');
}

/** Hollow nodes (registered by hollow kubelets) apart from the masters cluster's other nodes. */
export function splitHollow(nodes: Iterable<NodeRecord>): { hollow: NodeRecord[]; other: NodeRecord[] } {
  const hollow: NodeRecord[] = [];
  const other: NodeRecord[] = [];
  for (const n of nodes) (n.hollow ? hollow : other).push(n);
  return { hollow, other };
}

/** "Kubemark: 148/150 Ready" over hollow nodes only, or undefined when there is none. */
export function statusText(nodes: Iterable<NodeRecord>): string | undefined {
  const c = countByCondition(splitHollow(nodes).hollow);
  const total = c.Ready + c.NotReady + c.Unknown;
  return total === 0 ? undefined : `Kubemark: ${c.Ready}/${total} Ready`;
}

export function conditionLabel(c: Condition, count: number): string {
  return `${c} (${count.toLocaleString('en-US')})`;
}

/** Pods of one owner in one namespace: a workload, or the namespace's pods without a controller. */
export interface OwnerGroup {
  namespace: string;
  /** StatefulSet, ReplicationController, Deployment, ReplicaSet, DaemonSet, another controller's kind; undefined for bare pods. */
  kind: string | undefined;
  name: string;
  /** The workload as its informer holds it (absent for bare pods, or a controller kind not watched). */
  record?: WorkloadRecord;
  pods: PodRecord[];
}

export interface NamespaceGroup {
  namespace: string;
  owners: OwnerGroup[];
  pods: number;
}

const KIND_ORDER = ['StatefulSet', 'ReplicationController', 'Deployment', 'ReplicaSet', 'DaemonSet'];

/**
 * namespace → owner → pods. A ReplicaSet that a Deployment owns folds into the Deployment; a
 * workload without pods (scaled to 0) still shows; `alsoNamespaces` show even when empty.
 */
export function groupHollowPods(pods: Iterable<PodRecord>, workloads: Iterable<WorkloadRecord>, alsoNamespaces: Iterable<string> = []): NamespaceGroup[] {
  const groups = new Map<string, OwnerGroup>();
  const rsToDeployment = new Map<string, string>();
  const key = (ns: string, kind: string | undefined, name: string) => `${ns}\0${kind ?? ''}\0${name}`;
  const all = [...workloads];
  for (const w of all) if (w.kind === 'ReplicaSet' && w.owner?.kind === 'Deployment') rsToDeployment.set(`${w.namespace}/${w.name}`, w.owner.name);
  for (const w of all) {
    if (w.kind === 'ReplicaSet' && rsToDeployment.has(`${w.namespace}/${w.name}`)) continue;
    groups.set(key(w.namespace, w.kind, w.name), { namespace: w.namespace, kind: w.kind, name: w.name, record: w, pods: [] });
  }
  for (const p of pods) {
    let kind = p.ownerName ? p.ownerKind ?? 'Unknown' : undefined;
    let name = p.ownerName ?? '';
    const dep = kind === 'ReplicaSet' ? rsToDeployment.get(`${p.namespace}/${name}`) : undefined;
    if (dep) {
      kind = 'Deployment';
      name = dep;
    }
    const k = key(p.namespace, kind, name);
    let g = groups.get(k);
    if (!g) {
      g = { namespace: p.namespace, kind, name: kind ? name : 'bare pods', pods: [] };
      groups.set(k, g);
    }
    g.pods.push(p);
  }
  const byNs = new Map<string, NamespaceGroup>();
  for (const ns of alsoNamespaces) byNs.set(ns, { namespace: ns, owners: [], pods: 0 });
  for (const g of groups.values()) {
    let n = byNs.get(g.namespace);
    if (!n) {
      n = { namespace: g.namespace, owners: [], pods: 0 };
      byNs.set(g.namespace, n);
    }
    n.owners.push(g);
    n.pods += g.pods.length;
  }
  const rank = (g: OwnerGroup) => (g.kind === undefined ? 99 : KIND_ORDER.includes(g.kind) ? KIND_ORDER.indexOf(g.kind) : 50);
  for (const n of byNs.values()) n.owners.sort((a, b) => rank(a) - rank(b) || naturalCompare(a.name, b.name));
  return [...byNs.values()].sort((a, b) => naturalCompare(a.namespace, b.namespace));
}

/** "StatefulSet · 3/3 ready", "bare pods · 2/2 ready". */
export function ownerDescription(g: OwnerGroup): string {
  const ready = g.pods.filter((p) => p.phase === 'Running' && p.readyContainers === p.containers.length && !p.deleting).length;
  if (g.record) return `${g.kind} · ${g.record.ready}/${g.record.desired} ready`;
  return `${g.kind ?? 'no controller'} · ${ready}/${g.pods.length} ready`;
}
