// The pod runner's Go unit tests (lab/internal/podrunner: command lines, shell-form parsing, sysctl init
// containers, and the controller's reconcile paths against a fake clientset); run them here so
// that `npm run test:lab` covers them.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { REPO, run } from './helpers.mjs';

it('pod runner Go unit tests (go test ./internal/podrunner/ ./cmd/kubemark-labctl/)', { timeout: 20 * 60_000 }, async () => {
  const env = { GOTOOLCHAIN: 'local', PATH: `${process.env.PATH}:/usr/local/go/bin` };
  const r = await run('go', ['test', './internal/podrunner/', './cmd/kubemark-labctl/'], { cwd: path.join(REPO, 'lab'), env, timeoutMs: 20 * 60_000 });
  assert.equal(r.code, 0, `go test failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^ok\s/m);
});

it('KWOK stage Go tests (lab/kwok: go test ./stages/): a KWOK node keeps its addresses when it is initialised again', { timeout: 20 * 60_000 }, async () => {
  const env = { GOTOOLCHAIN: 'local', PATH: `${process.env.PATH}:/usr/local/go/bin` };
  const r = await run('go', ['test', './stages/'], { cwd: path.join(REPO, 'lab', 'kwok'), env, timeoutMs: 20 * 60_000 });
  assert.equal(r.code, 0, `go test failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^ok\s/m);
});
