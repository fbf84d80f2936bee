import { YAMLMap } from 'yaml';
import { ParsedDoc, asMap, child, podSpecOf, seqItems } from '../ast';
import { KubemarkInvocation, kubemarkInvocation } from '../argv';
import { SourceText } from '../source';

export interface ContainerInfo {
  map: YAMLMap<unknown, unknown>;
  init: boolean;
  invocation?: KubemarkInvocation;
}

const cache = new WeakMap<ParsedDoc, ContainerInfo[]>();

/** The containers of a workload document, with their kubemark invocations (computed once per document). */
export function containersOf(src: SourceText, d: ParsedDoc): ContainerInfo[] {
  const hit = cache.get(d);
  if (hit) return hit;
  const spec = podSpecOf(d);
  const out: ContainerInfo[] = [];
  for (const [key, init] of [['initContainers', true], ['containers', false]] as const) {
    for (const item of seqItems(child(spec, key))) {
      const map = asMap(item);
      if (!map) continue;
      const invocation = init ? undefined : kubemarkInvocation(src, map);
      out.push(invocation ? { map, init, invocation } : { map, init });
    }
  }
  cache.set(d, out);
  return out;
}

export function isKubemarkWorkload(src: SourceText, d: ParsedDoc): boolean {
  return containersOf(src, d).some((c) => c.invocation !== undefined);
}
