// What the TailSession and WorkerTailSession tests share: a scripted pod informer and a pod.
import { PodLookup } from '../../../src/cluster/tailSession';
import { PodRecord } from '../../../src/cluster/records';

export class Pods implements PodLookup {
  private readonly listeners = new Set<() => void>();
  constructor(public pod: PodRecord | undefined) {}
  get(): PodRecord | undefined {
    return this.pod;
  }
  onChange(l: () => void) {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  }
  set(p: PodRecord | undefined): void {
    this.pod = p;
    for (const l of this.listeners) l();
  }
}

export const running = (uid: string, created = '2026-12-01T10:00:00Z'): PodRecord => ({
  name: 'hollow-node-0', uid, namespace: 'kubemark', phase: 'Running', status: 'Running', readyContainers: 1,
  containers: [{ name: 'hollow-kubelet', ready: true, restarts: 0, state: 'Running' }], restarts: 0, created, deleting: false,
});

export const TARGET = [{ namespace: 'kubemark', pod: 'hollow-node-0', container: 'hollow-kubelet' }];
export const ts = (s: number, ns = 0) => `2026-12-01T10:00:${String(s).padStart(2, '0')}.${String(ns).padStart(9, '0')}Z`;

/** Lines of the logs in what was written, without the session's own header and notes. */
export const lines = (out: string[]) => out.filter((l) => !l.startsWith('──') && !l.startsWith('Following') && !l.startsWith('Known'));
