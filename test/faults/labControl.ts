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

/** The pid of a lab component now (`lab/lab.sh status --json`; 0 when no process runs), and its supervisor state. */
export function labComponent(name: string): Promise<{ pid: number; state: string; restarts: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(REPO, 'lab', 'lab.sh'), 'status', '--json'], { env: { ...process.env, KUBEMARK_LAB_DIR: LAB_DIR }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    // Exit 1 (degraded: a component not running or not healthy) still prints the status.
    child.on('close', (code) => {
      try {
        const c = (JSON.parse(out) as { components: Array<{ name: string; pid: number; state: string; restarts: number }> }).components.find((x) => x.name === name);
        if (!c) throw new Error(`no component ${name}`);
        resolve({ pid: c.pid, state: c.state, restarts: c.restarts });
      } catch (e) {
        reject(new Error(`lab status --json exited ${code}: ${(e as Error).message}; ${err.trim()}`));
      }
    });
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
