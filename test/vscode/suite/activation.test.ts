/// <reference types="mocha" />
import * as assert from 'assert';
import * as vscode from 'vscode';
import { activeExtension, canScreenshot, EXTENSION_ID, screenshot, workspaceFolder } from './helpers';

suite('Extension activation', () => {
  test('activates', async () => {
    const ext = await activeExtension();
    assert.strictEqual(ext.id, EXTENSION_ID);
    assert.strictEqual(ext.isActive, true);
  });

  test('registers every command contributed in package.json', async () => {
    const ext = await activeExtension();
    const contributed: string[] = (ext.packageJSON?.contributes?.commands ?? []).map((c: { command: string }) => c.command);
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepStrictEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  test('the runner opened its workspace folder and passed its environment', () => {
    const folder = workspaceFolder();
    assert.strictEqual(folder.uri.scheme, 'file');
    assert.ok(process.env.KUBEMARK_TEST_RUNNER, 'KUBEMARK_TEST_RUNNER is not set in the extension host');
    assert.strictEqual(folder.uri.fsPath, process.env.KUBEMARK_TEST_WORKSPACE);
  });

  test('the Kubemark view container opens (screenshot)', async function () {
    await activeExtension();
    await vscode.commands.executeCommand('workbench.view.extension.kubemark');
    if (!canScreenshot()) this.skip();
    const file = await screenshot('activation-kubemark-view');
    assert.ok(file);
  });
});
