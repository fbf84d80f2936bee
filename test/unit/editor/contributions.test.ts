// package.json's contributions agree with the code: every command in the typed table, under
// category Kubemark, and the menus use only documented contextValue tokens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const ids = readFileSync(join(root, 'src', 'editor', 'commands', 'ids.ts'), 'utf8');
const nodeTs = readFileSync(join(root, 'src', 'editor', 'tree', 'node.ts'), 'utf8');

test('every command is contributed under category Kubemark, led by Deploy Hollow Nodes', () => {
  const commands: Array<{ command: string; title: string; category: string }> = pkg.contributes.commands;
  assert.equal(commands[0]!.command, 'kubemark.deploy');
  assert.equal(commands[0]!.title, 'Deploy Hollow Nodes');
  for (const c of commands) assert.equal(c.category, 'Kubemark', c.command);
  const tableIds = [...ids.matchAll(/'(kubemark\.[A-Za-z]+)'/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(tableIds)].sort(), commands.map((c) => c.command).sort());
  for (const c of commands) assert.ok(ids.includes(`'${c.command}': '${c.title}'`), `title of ${c.command} differs between package.json and ids.ts`);
});

test('menus use the documented contextValue tokens', () => {
  const tokens = new Set([...nodeTs.matchAll(/'(kubemark\.[A-Za-z]+)'/g)].map((m) => m[1]));
  for (const m of pkg.contributes.menus['view/item/context']) {
    for (const t of String(m.when).matchAll(/viewItem == (kubemark\.[A-Za-z]+)/g)) assert.ok(tokens.has(t[1]), t[1]);
  }
});

test('activation from contributions, plus YAML files (diagnostics without opening the view), settings described', () => {
  assert.deepEqual(pkg.activationEvents, ['onLanguage:yaml']);
  for (const [k, v] of Object.entries(pkg.contributes.configuration.properties) as Array<[string, { description?: string; markdownDescription?: string }]>) {
    assert.ok(v.description || v.markdownDescription, k);
  }
});

test('Why Not Ready? is offered on a hollow-node pod, each kind of owner and a fake node, and in the palette', () => {
  const tokens = Object.fromEntries([...nodeTs.matchAll(/(\w+): '(kubemark\.[A-Za-z]+)'/g)].map((m) => [m[1], m[2]]));
  const entry = pkg.contributes.menus['view/item/context'].find((m: { command: string }) => m.command === 'kubemark.whyNotReady');
  assert.ok(entry, 'a tree context-menu entry');
  const when = String(entry.when);
  assert.match(when, /^view == kubemark\.clusters && viewItem =~ \/.+\/$/);
  const re = new RegExp(/viewItem =~ \/(.+)\/$/.exec(when)![1]!);
  const offered = ['pod', 'node', 'statefulSet', 'replicationController', 'deployment', 'replicaSet', 'daemonSet', 'barePods', 'otherOwner'];
  for (const k of offered) assert.ok(tokens[k] && re.test(tokens[k]), `offered on ${k} (${tokens[k]})`);
  // Not on what is not a hollow node, its owner or its fake node.
  for (const k of ['otherNode', 'container', 'namespace', 'nodeGroup', 'nodeGroupReady', 'workersCluster', 'mastersCluster', 'detail', 'message']) {
    assert.ok(tokens[k], `token ${k} exists`);
    assert.ok(!re.test(tokens[k]), `not offered on ${k}`);
  }
  // The palette shows every command unless a commandPalette entry hides it.
  const hidden = (pkg.contributes.menus.commandPalette ?? []).find((m: { command: string }) => m.command === 'kubemark.whyNotReady');
  assert.ok(!hidden || (hidden.when !== 'false' && hidden.when !== undefined), 'Why Not Ready? stays in the palette');
});

test('the package (.vsix) holds every bundle the extension loads at run time, worker threads included', async () => {
  // The same file list as `npm run package` (vsce package --no-dependencies).
  const { listFiles, PackageManager } = await import('@vscode/vsce');
  const packaged = new Set(await listFiles({ cwd: root, packageManager: PackageManager.None }));
  // The worker scripts the code looks for by name (src/cluster/workerScripts.ts), anywhere in src/.
  const sources = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
  const workers = [...new Set(sources(join(root, 'src')).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/findWorkerScript\('([\w.]+)'\)/g)].map((m) => `dist/${m[1]}`)))].sort();
  assert.deepEqual(workers, ['dist/listWorker.js', 'dist/logWorker.js']);
  // The cluster layer, required lazily beside dist/extension.js.
  assert.match(readFileSync(join(root, 'src', 'editor', 'lazyCluster.ts'), 'utf8'), /path\.join\(__dirname, 'cluster\.js'\)/);
  for (const f of ['dist/extension.js', 'dist/cluster.js', 'dist/webview/dashboard.js', ...workers]) assert.ok(packaged.has(f), `${f} is left out of the package (.vscodeignore)`);
});
