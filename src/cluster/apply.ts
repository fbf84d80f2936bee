import { KubernetesObject, PatchStrategy } from '@kubernetes/client-node';
import { KubemarkError, CancelSignal, throwIfCancelled } from '../core/errors';
import { FIELD_MANAGER } from '../core/manifest/options';
import { KubeObject } from '../core/manifest';
import { ClusterSession } from './session';

export function describeObject(o: KubeObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

/**
 * Server-side apply of every object, in order, with our field manager (or the one
 * fieldManagerOf gives). On failure the error says which objects were applied; applying again
 * converges.
 */
export async function applyAll(session: ClusterSession, objects: KubeObject[], token?: CancelSignal, onApplied?: (what: string) => void, fieldManagerOf: (o: KubeObject) => string = () => FIELD_MANAGER): Promise<string[]> {
  const applied: string[] = [];
  for (const o of objects) {
    throwIfCancelled(token, `Cancelled after applying ${applied.length} of ${objects.length} objects${applied.length ? ` (${applied.join(', ')})` : ''}. Deploy again to finish; it converges.`);
    try {
      // A namespace that exists is the user's: never take it over (Tear Down would then delete it).
      if (o.kind === 'Namespace' && (await namespaceExists(session, o.metadata.name))) {
        applied.push(`${describeObject(o)} (exists, left as it is)`);
        onApplied?.(describeObject(o));
        continue;
      }
      await session.objects.patch(o as KubernetesObject, undefined, undefined, fieldManagerOf(o), true, PatchStrategy.ServerSideApply);
    } catch (err) {
      const e = session.explain(err, `apply ${describeObject(o)}`);
      throw new KubemarkError(`${e.message} Applied before this: ${applied.length ? applied.join(', ') : 'nothing'}. Running the command again converges.`, e.detail);
    }
    applied.push(describeObject(o));
    onApplied?.(describeObject(o));
  }
  return applied;
}

async function namespaceExists(session: ClusterSession, name: string): Promise<boolean> {
  try {
    await session.http.request('GET', `/api/v1/namespaces/${encodeURIComponent(name)}`, { timeoutMs: 30_000 });
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}
