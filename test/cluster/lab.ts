// Access to the tests' lab for the cluster and fault suites (scripts/test-lab.mjs starts it).
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterSession } from '../../src/cluster/session';

export const REPO = join(__dirname, '..', '..', '..');
// The tests' own lab (scripts/test-lab.mjs), never the default .kubemark-lab a user's lab runs
// in: these suites deploy, delete, stop and restart things. npm test sets KUBEMARK_LAB_DIR.
export const LAB_DIR = process.env.KUBEMARK_LAB_DIR ?? process.env.KUBEMARK_TEST_LAB_DIR ?? join(REPO, '.kubemark-lab-test', 'shared');
export const KUBECONFIG = join(LAB_DIR, 'kubeconfig');
export const WORKERS = 'kubemark-lab-workers';
export const MASTERS = 'kubemark-lab-masters';

export function labKubeConfig(): KubeConfig {
  if (!existsSync(KUBECONFIG)) throw new Error(`No lab kubeconfig at ${KUBECONFIG}: run "KUBEMARK_TEST_SUITES=cluster npm test" (it starts the tests' own lab), or point KUBEMARK_LAB_DIR at a lab these tests may change.`);
  const kc = new KubeConfig();
  kc.loadFromFile(KUBECONFIG);
  return kc;
}

export function sessions(): { kc: KubeConfig; workers: ClusterSession; masters: ClusterSession } {
  const kc = labKubeConfig();
  return { kc, workers: new ClusterSession(kc, WORKERS), masters: new ClusterSession(kc, MASTERS) };
}

/** Polls fn until it returns a truthy value, or throws with the last value at the deadline. */
export async function waitFor<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 90_000, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Why the lab cannot be used, or undefined when its kubeconfig is there. */
export function labMissing(): string | undefined {
  return existsSync(KUBECONFIG) ? undefined : `no lab at ${LAB_DIR} (run "KUBEMARK_TEST_SUITES=cluster npm test", which starts the tests' own lab; these suites never use the default .kubemark-lab unless KUBEMARK_LAB_DIR names it)`;
}

/**
 * A suite that needs the lab. Without one it is skipped, visibly; under CI a missing lab is a
 * failure, never a skip.
 */
export function describeWithLab(name: string, fn: () => void): void {
  const missing = labMissing();
  if (!missing) describe(name, { concurrency: false }, fn);
  else if (process.env.CI) describe(name, () => test('the lab is running', () => assert.fail(`${missing}: under CI a suite that needs the lab fails instead of skipping`)));
  else describe(name, { skip: missing }, fn);
}
