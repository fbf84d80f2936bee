// Pure view logic for the tree and status bar: grouping, paging, labels. No vscode.
import { Condition, NodeRecord, PodRecord, StatefulSetRecord, countByCondition, naturalCompare } from './records';

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

/** "Kubemark: 148/150 Ready", or undefined when there is nothing to count. */
export function statusText(nodes: Iterable<NodeRecord>): string | undefined {
  const c = countByCondition(nodes);
  const total = c.Ready + c.NotReady + c.Unknown;
  return total === 0 ? undefined : `Kubemark: ${c.Ready}/${total} Ready`;
}

export function conditionLabel(c: Condition, count: number): string {
  return `${c} (${count.toLocaleString('en-US')})`;
}
