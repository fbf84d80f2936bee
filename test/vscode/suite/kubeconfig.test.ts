/// <reference types="mocha" />
// Contexts reload when a kubeconfig file changes on disk, with no command run.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { activeExtension, eventually, workspaceFolder } from './helpers';

interface Api {
  onDidRefreshTree: vscode.Event<void>;
  model: { contexts(): Array<{ name: string; server: string }> };
}

function kubeconfig(contexts: string[]): string {
  return [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: c', '  cluster: { server: "https://127.0.0.1:9" }',
    'users:', '- name: u', '  user: { token: not-a-real-token }',
    'contexts:', ...contexts.flatMap((c) => [`- name: ${c}`, '  context: { cluster: c, user: u }']),
    `current-context: ${contexts[0]}`, '',
  ].join('\n');
}

suite('kubeconfig files are watched', () => {
  test('a context added to the file appears without a reload command; a removed one goes', async () => {
    const api = (await activeExtension()).exports as Api;
    const file = path.join(workspaceFolder().uri.fsPath, 'watched.kubeconfig');
    fs.writeFileSync(file, kubeconfig(['first']));
    const config = vscode.workspace.getConfiguration('kubemark');
    await config.update('kubeconfig', file, vscode.ConfigurationTarget.Global);
    const names = () => api.model.contexts().map((c) => c.name).sort().join(',');
    try {
      await eventually('the first context', [api.onDidRefreshTree], () => names() === 'first' || undefined);
      fs.writeFileSync(file, kubeconfig(['first', 'second']));
      await eventually('the added context', [api.onDidRefreshTree], () => names() === 'first,second' || undefined);
      fs.writeFileSync(file, kubeconfig(['second']));
      await eventually('the removed context to go', [api.onDidRefreshTree], () => names() === 'second' || undefined);
      assert.strictEqual(api.model.contexts()[0]!.server, 'https://127.0.0.1:9');
    } finally {
      await config.update('kubeconfig', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
