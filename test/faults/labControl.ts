// Drives the lab's fault verbs (lab:stop/start/pause/resume COMPONENT) for the lab the test run
// started (KUBEMARK_LAB_DIR), and reads the masters apiserver's own count of node watches.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { LAB_DIR, REPO } from '../cluster/lab';
import { ClusterSession } from '../../src/cluster/session';

export type LabVerb = 'stop' | 'start' | 'pause' | 'resume';

/** Runs `lab/lab.sh VERB COMPONENT...`; rejects with its output when it fails. */
export function labVerb(verb: LabVerb, component: string | string[]): Promise<void> {
  const components = typeof component === 'string' ? [component] : component;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(REPO, 'lab', 'lab.sh'), verb, ...components], { env: { ...process.env, KUBEMARK_LAB_DIR: LAB_DIR }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`lab ${verb} ${components.join(' ')} exited ${code}: ${out.trim()}`))));
  });
}

/**
 * Cluster-wide WATCH requests on nodes that the masters apiserver holds open now
 * (apiserver_longrunning_requests, scope="cluster": the controllers' and ours; a kubelet's
 * watch of its own Node is scope="resource" and not counted).
 */
export async function masterNodeWatches(masters: ClusterSession): Promise<number> {
  const text = await masters.http.request<string>('GET', '/metrics', { timeoutMs: 10_000 });
  let n = 0;
  for (const line of String(text).split('\n')) {
    if (!line.startsWith('apiserver_longrunning_requests{')) continue;
    if (/resource="nodes"/.test(line) && /verb="WATCH"/.test(line) && /scope="cluster"/.test(line) && /subresource=""/.test(line)) n += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return n;
}
