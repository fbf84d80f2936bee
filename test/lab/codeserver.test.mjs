// npm run test:lab — `npm run lab` serves code-server behind a password made for the run
// (scripts/lab-codeserver.mjs, as scripts/lab-main.mjs launches it): a real code-server
// (installed by scripts/vscode-deps.sh) refuses every request without the password.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadDeps } from '../vscode/session.mjs';
import { login, newPassword, spawnCodeServer, waitHealthy } from '../../scripts/lab-codeserver.mjs';
import { waitFor } from './helpers.mjs';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

describe('code-server of `npm run lab`', { timeout: 10 * 60_000 }, () => {
  const root = mkdtempSync(path.join(tmpdir(), 'kubemark-lab-cs-'));
  const password = newPassword();
  let server;
  let base;

  before(async () => {
    const deps = loadDeps();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    for (const d of ['home', 'user-data', 'extensions', 'ws']) mkdirSync(path.join(root, d), { recursive: true });
    server = spawnCodeServer({
      deps, port, password, cwd: root,
      configFile: path.join(root, 'code-server.yaml'), logFile: path.join(root, 'code-server.log'),
      env: { PATH: process.env.PATH, HOME: path.join(root, 'home'), TMPDIR: root, XDG_CONFIG_HOME: path.join(root, 'home'), XDG_DATA_HOME: path.join(root, 'home') },
      args: ['--user-data-dir', path.join(root, 'user-data'), '--extensions-dir', path.join(root, 'extensions'), path.join(root, 'ws')],
    });
    await waitHealthy(server, base, { timeoutMs: 120_000, describeFailure: () => readFileSync(path.join(root, 'code-server.log'), 'utf8').slice(-2000) });
  });

  after(async () => {
    if (server?.pid) {
      try { process.kill(-server.pid, 'SIGTERM'); } catch { /* gone */ }
      await waitFor('code-server to exit', () => server.exitCode !== null || server.signalCode !== null, { timeoutMs: 10_000 }).catch(() => {
        try { process.kill(-server.pid, 'SIGKILL'); } catch { /* gone */ }
      });
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('does not write the password into its config file', () => {
    const config = readFileSync(path.join(root, 'code-server.yaml'), 'utf8');
    assert.match(config, /^auth: password$/m);
    assert.ok(!config.includes(password));
  });

  it('refuses the workbench page and the port proxy without the password', async () => {
    const page = await fetch(`${base}/?folder=/`, { redirect: 'manual' });
    assert.equal(page.status, 302, 'redirected to the login page');
    assert.match(page.headers.get('location') ?? '', /login/);
    const body = await (await fetch(`${base}/`)).text(); // following the redirect
    assert.match(body, /type="password"/, 'the login form');
    assert.doesNotMatch(body, /vs\/workbench/);
    const proxied = await fetch(`${base}/proxy/1/`, { redirect: 'manual' });
    assert.notEqual(proxied.status, 200, 'the port proxy needs the password too');
  });

  it('refuses a wrong password and accepts the right one', async () => {
    assert.equal(await login(base, `${password}x`), undefined, 'no session for a wrong password');
    const cookie = await login(base, password);
    assert.ok(cookie, 'a session cookie for the right password');
    const page = await fetch(`${base}/?folder=/`, { headers: { cookie } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /workbench/i);
  });
});
