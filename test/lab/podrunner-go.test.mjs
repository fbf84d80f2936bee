// The pod runner's pure parts (command lines, $(VAR) expansion, path and kubemark
// rewriting, container detection) have Go unit tests next to the code; run them here so
// that `npm run test:lab` covers them.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { REPO, run } from './helpers.mjs';

it('pod runner Go unit tests (go test ./cmd/kubemark-labctl/)', { timeout: 20 * 60_000 }, async () => {
  const env = { GOTOOLCHAIN: 'local', PATH: `${process.env.PATH}:/usr/local/go/bin` };
  const r = await run('go', ['test', './cmd/kubemark-labctl/'], { cwd: path.join(REPO, 'lab'), env, timeoutMs: 20 * 60_000 });
  assert.equal(r.code, 0, `go test failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^ok\s/m);
});
