// The activation seam in plain Node with the vscode stub of the benchmarks: activation on a
// YAML file registers diagnostics and every command without loading dist/cluster.js
// (@kubernetes/client-node); the first cluster command loads it and runs the real command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { installVscodeStub, stubContext, yamlDocument } from '../../../bench/vscodeStub';

function repoRoot(): string {
  for (const c of [process.cwd(), resolve(__dirname, '../../../..')]) {
    try {
      readFileSync(join(c, 'dist/extension.js'));
      return c;
    } catch {
      // next
    }
  }
  throw new Error('dist/extension.js not found: run npm run build');
}

test('YAML activation leaves the cluster bundle unloaded; a cluster command loads it and runs', async () => {
  const root = repoRoot();
  const rec = installVscodeStub([yamlDocument(join(root, 'test/fixtures/manifests/seed-indented.yaml'))]);
  const ext = require(join(root, 'dist/extension.js')) as { activate(ctx: unknown): Promise<Record<string, unknown>> };
  const ctx = stubContext();
  const api = await ext.activate(ctx);
  const cluster = join(root, 'dist/cluster.js');
  const loaded = () => Object.keys(require.cache).filter((k) => k === cluster || k.includes('@kubernetes/client-node'));
  assert.deepEqual(loaded(), []);
  // Every contributed command is registered (proxies for the cluster ones).
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
  assert.deepEqual([...rec.commands.keys()].sort(), pkg.contributes.commands.map((c) => c.command).sort());
  // The open manifest gets its diagnostics just after activation, still without the cluster layer.
  const deadline = Date.now() + 10_000;
  while (rec.diagnostics.size === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  assert.equal([...rec.diagnostics.values()][0]?.length, 11);
  assert.deepEqual(loaded(), []);
  assert.equal(typeof api.lint, 'function');

  // A cluster command: the proxy loads the layer, which registers the real command in its place.
  const proxy = rec.commands.get('kubemark.stopLogs');
  assert.ok(proxy);
  await proxy();
  assert.deepEqual(loaded(), [cluster]);
  assert.notEqual(rec.commands.get('kubemark.stopLogs'), proxy);
  assert.equal(rec.commands.size, pkg.contributes.commands.length);
  // The tree view was created once, by the seam, and handed to the layer.
  assert.deepEqual(rec.treeViews, ['kubemark.clusters']);
  assert.ok(api.model, 'the API exposes the model once loaded');
  for (const d of ctx.subscriptions.reverse()) d.dispose();
});
