/// <reference types="mocha" />
// The YAML snippets, inserted into real editors with the real snippet engine: each yields a
// manifest the extension's own diagnostics find nothing wrong with.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { activeExtension, eventually, EXTENSION_ID } from './helpers';
import { diagnosticsSettled, kubemarkDiagnostics } from './helpers';

interface Snippet { prefix: string | string[]; description?: string; body: string | string[] }


function contributedSnippets(): { language: string; file: string; snippets: Record<string, Snippet> }[] {
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  const contributed: Array<{ language: string; path: string }> = ext.packageJSON?.contributes?.snippets ?? [];
  return contributed.map((c) => {
    const file = path.join(ext.extensionPath, c.path);
    return { language: c.language, file, snippets: JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Snippet> };
  });
}

/** Inserts a snippet body into a new untitled YAML editor with the snippet engine; returns the document. */
async function insertIntoNewYaml(body: string): Promise<{ doc: vscode.TextDocument; editor: vscode.TextEditor }> {
  const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: '' });
  const editor = await vscode.window.showTextDocument(doc);
  assert.ok(await editor.insertSnippet(new vscode.SnippetString(body)), 'insertSnippet succeeded');
  // Leave snippet mode, as a user pressing Escape would.
  await vscode.commands.executeCommand('leaveSnippet');
  return { doc, editor };
}

suite('Snippets', () => {
  suiteSetup(async () => {
    await activeExtension();
  });

  test('one snippet file is contributed for yaml, with the expected snippets', () => {
    const files = contributedSnippets();
    assert.deepStrictEqual(files.map((f) => f.language), ['yaml']);
    const prefixes = Object.values(files[0]!.snippets).flatMap((s) => (Array.isArray(s.prefix) ? s.prefix : [s.prefix]));
    for (const p of ['kubemark-statefulset', 'kubemark-rbac', 'kubemark-configmap', 'kubemark-secret', 'kubemark-service']) {
      assert.ok(prefixes.includes(p), `a snippet with prefix ${p} (have ${prefixes.join(', ')})`);
    }
    for (const [name, s] of Object.entries(files[0]!.snippets)) {
      assert.ok(s.description, `${name} has a description`);
      assert.doesNotMatch([s.body].flat().join('\n'), /v1beta1/, `${name} uses no removed API`);
    }
  });

  test('the StatefulSet snippet yields a Parallel StatefulSet with no kubemark errors', async () => {
    const { snippets } = contributedSnippets()[0]!;
    const sts = Object.values(snippets).find((s) => [s.prefix].flat().includes('kubemark-statefulset'))!;
    const { doc } = await insertIntoNewYaml([sts.body].flat().join('\n'));
    const text = doc.getText();
    assert.match(text, /^ {2}podManagementPolicy: Parallel$/m);
    assert.match(text, /^ {2}replicas: 3$/m);
    assert.match(text, /--morph=kubelet/);
    assert.match(text, /--morph=proxy/);
    assert.match(text, /--name=\$\(NODE_NAME\)/, 'the escaped \\$ became a literal $');
    assert.doesNotMatch(text, /\$\{\d|\$\d/, 'no snippet placeholders left in the text');
    await diagnosticsSettled();
    const diags = kubemarkDiagnostics(doc.uri);
    assert.deepStrictEqual(diags.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).map((d) => `${String(d.code)}: ${d.message}`), []);
    assert.deepStrictEqual(diags.map((d) => `${String(d.code)}: ${d.message}`), [], 'no warnings either');
  });

  test('every snippet, inserted with its defaults, lints clean', async () => {
    const { snippets } = contributedSnippets()[0]!;
    const docs: Array<{ name: string; doc: vscode.TextDocument }> = [];
    for (const [name, s] of Object.entries(snippets)) {
      const { doc } = await insertIntoNewYaml([s.body].flat().join('\n'));
      assert.ok(doc.getText().trim().length > 0, `${name} inserted some text`);
      assert.match(doc.getText(), /^kind: \w+$/m, `${name} is a Kubernetes object`);
      docs.push({ name, doc });
    }
    await diagnosticsSettled();
    const found = docs.flatMap(({ name, doc }) => kubemarkDiagnostics(doc.uri).map((d) => `${name}: ${String(d.code)} ${d.message}`));
    assert.deepStrictEqual(found, []);
  });

  test('typing a snippet prefix offers the snippet in completion', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: 'kubemark-sta' });
    await vscode.window.showTextDocument(doc);
    const list = await eventually('completion items for kubemark-sta', [], async () => {
      const l = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, new vscode.Position(0, 12));
      return l && l.items.length > 0 ? l : undefined;
    });
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    const item = list.items.find((i) => (typeof i.label === 'string' ? i.label : i.label.label) === 'kubemark-statefulset');
    assert.ok(item, `kubemark-statefulset among ${labels.slice(0, 20).join(', ')}`);
    assert.strictEqual(item.kind, vscode.CompletionItemKind.Snippet);
  });
});
