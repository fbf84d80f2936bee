// code-server as `npm run lab` serves it: on 127.0.0.1 only, behind a password made for
// this run (code-server's `--auth password`, the password passed in $PASSWORD, which
// code-server removes from its environment before it starts VS Code). Used by
// scripts/lab-main.mjs and by the lab tests (test/lab/codeserver.test.mjs).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, writeFileSync } from 'node:fs';

/** A fresh password: 24 random bytes, base64url (32 characters). */
export function newPassword() {
  return randomBytes(24).toString('base64url');
}

/**
 * Starts code-server in its own process group.
 * opts: deps (scripts/vscode-deps.sh's deps.json), port, password, configFile, logFile,
 * env (its whole environment), args (more arguments, e.g. --user-data-dir and the folder), cwd.
 */
export function spawnCodeServer({ deps, port, password, configFile, logFile, env, args = [], cwd }) {
  if (!password) throw new Error('spawnCodeServer: a password is required (newPassword())');
  // No password in the file: it is passed through the environment only.
  writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: password\ncert: false\n`, { mode: 0o600 });
  const fd = openSync(logFile, 'a', 0o600);
  try {
    return spawn(deps.node, [
      deps.codeServerEntry,
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'password',
      '--config', configFile,
      '--disable-telemetry',
      '--disable-update-check',
      ...args,
    ], { cwd, env: { ...env, PASSWORD: password }, detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
}

/** Waits until code-server answers /healthz (which needs no login), or throws. */
export async function waitHealthy(child, urlBase, { timeoutMs = 60_000, describeFailure = () => '' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-server exited (${child.exitCode ?? child.signalCode}) before answering:\n${describeFailure()}`);
    }
    try {
      const res = await fetch(`${urlBase}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(`code-server did not answer ${urlBase}/healthz within ${timeoutMs / 1000} s:\n${describeFailure()}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Logs in with the password; returns the session cookie ("name=value"), or undefined when refused. */
export async function login(urlBase, password) {
  const res = await fetch(`${urlBase}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ password }).toString(),
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  const cookie = res.headers.getSetCookie?.().find((c) => /^code-server-session[^=]*=/.test(c));
  return cookie ? cookie.split(';')[0] : undefined;
}
