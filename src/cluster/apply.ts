import { KubernetesObject, PatchStrategy } from '@kubernetes/client-node';
import { KubemarkError, CancelSignal, throwIfCancelled } from '../core/errors';
import { FIELD_MANAGER } from '../core/manifest/options';
import { KubeObject } from '../core/manifest';
import { ClusterSession } from './session';

export function describeObject(o: KubeObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

/**
 * Server-side apply of every object, in order, with one field manager. On failure the error
 * says which objects were applied; applying again converges.
 */
export async function applyAll(session: ClusterSession, objects: KubeObject[], token?: CancelSignal, onApplied?: (what: string) => void): Promise<string[]> {
  const applied: string[] = [];
  for (const o of objects) {
    throwIfCancelled(token, `Cancelled after applying ${applied.length} of ${objects.length} objects${applied.length ? ` (${applied.join(', ')})` : ''}. Deploy again to finish; it converges.`);
    try {
      await session.objects.patch(o as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (err) {
      const e = session.explain(err, `apply ${describeObject(o)}`);
      throw new KubemarkError(`${e.message} Applied before this: ${applied.length ? applied.join(', ') : 'nothing'}. Running the command again converges.`, e.detail);
    }
    applied.push(describeObject(o));
    onApplied?.(describeObject(o));
  }
  return applied;
}

/** Deletes an object; a missing object counts as deleted. Returns whether it existed. */
export async function deleteIfExists(session: ClusterSession, o: KubeObject): Promise<boolean> {
  try {
    await session.objects.delete(o as KubernetesObject, undefined, undefined, undefined, undefined, 'Background');
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return false;
    throw session.explain(err, `delete ${describeObject(o)}`);
  }
}
