// Helpers for the lab tests: run commands, poll with deadlines, find processes.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Run a command; resolve {code, stdout, stderr}. Never rejects on a non-zero exit. */
export function run(cmd, args, { env, input, timeoutMs = 120_000, cwd = REPO, echo = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; if (echo) process.stderr.write(d); });
    child.stderr.on('data', (d) => { stderr += d; if (echo) process.stderr.write(d); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code: code ?? (signal ? 128 : -1), signal, stdout, stderr }); });
    child.stdin.end(input ?? '');
  });
}

/** Poll fn until it returns a truthy value; throw with the last error/value at the deadline. */
export async function waitFor(what, fn, { timeoutMs = 60_000, intervalMs = 500 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Live (non-zombie) processes whose environment (KUBEMARK_LAB_ID=<dir>) or command line mentions the lab dir. */
export function processesOfLab(labDir) {
  const out = [];
  const marker = `\0KUBEMARK_LAB_ID=${labDir}\0`;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') continue;
      const environ = '\0' + readFileSync(`/proc/${name}/environ`, 'latin1') + '\0';
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'latin1').replaceAll('\0', ' ');
      if (environ.includes(marker) || cmdline.includes(labDir + '/')) out.push({ pid: Number(name), cmdline: cmdline.slice(0, 160) });
    } catch {
      // process went away
    }
  }
  return out;
}

export const LABCTL = path.join(REPO, 'lab', 'bin', 'kubemark-labctl');
export const KUBEMARK_LAB = path.join(REPO, 'lab', 'bin', 'kubemark-lab');

/** The lab's built-in kubectl (lab/bin/kubemark-lab kubectl), no kubectl needed on the host. */
export function kubectl(kubeconfig, context, args, opts = {}) {
  return run(KUBEMARK_LAB, ['kubectl', '--kubeconfig', kubeconfig, '--context', context, ...args], { timeoutMs: 60_000, ...opts });
}

/** `kubemark-labctl status --json` of the lab in dir: {code, status} (code 0 running, 1 degraded, 3 stopped). */
export async function labStatus(env) {
  const r = await run(LABCTL, ['status', '--json'], { env, timeoutMs: 60_000 });
  let status;
  try { status = JSON.parse(r.stdout); } catch { status = undefined; }
  return { code: r.code, status, stderr: r.stderr };
}

/** name -> component of a status --json. */
export function components(status) {
  return Object.fromEntries((status?.components ?? []).map((c) => [c.name, c]));
}
