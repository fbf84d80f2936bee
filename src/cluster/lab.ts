// The local lab (npm run lab:up) recognised from the kubeconfig: both contexts come from a
// kubeconfig file whose folder holds the lab's lab.json, and lab.json names these contexts.
// In the lab the masters server is a loopback address on purpose (the hollow-node processes
// run on this host), so that warning is said once in the log instead of asked about.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { entryOrigin } from '../core/kubeconfig';

export interface LabInfo {
  dir: string;
  workers: string;
  masters: string;
}

export function labOf(kc: KubeConfig | undefined, workersContext: string | undefined, mastersContext: string | undefined, read: (file: string) => string = (f) => fs.readFileSync(f, 'utf8')): LabInfo | undefined {
  if (!kc || !workersContext || !mastersContext) return undefined;
  const dirs = new Set<string>();
  for (const name of [workersContext, mastersContext]) {
    const ctx = kc.getContexts().find((c) => c.name === name);
    const file = ctx ? entryOrigin(ctx)?.file : undefined;
    if (!file) return undefined;
    dirs.add(path.dirname(file));
  }
  if (dirs.size !== 1) return undefined;
  const dir = [...dirs][0]!;
  try {
    const lab = JSON.parse(read(path.join(dir, 'lab.json'))) as { contexts?: { workers?: string; masters?: string } };
    if (lab.contexts?.workers === workersContext && lab.contexts?.masters === mastersContext) return { dir, workers: workersContext, masters: mastersContext };
  } catch {
    // no lab.json, or not the lab's: not the lab
  }
  return undefined;
}
