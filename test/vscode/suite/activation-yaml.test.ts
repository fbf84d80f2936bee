/// <reference types="mocha" />
// Runs first (name order: "activation-yaml" < "activation."), before any test activates the
// extension: opening a kubemark manifest must be enough to get its diagnostics, as for a user
// who opens a YAML file without touching the Kubemark view or a command.
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { eventually, EXTENSION_ID, log, workspaceFolder } from './helpers';

suite('Activation on YAML', () => {
  test('package.json activates the extension for YAML files', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is loaded`);
    const events: string[] = ext.packageJSON?.activationEvents ?? [];
    assert.ok(events.includes('onLanguage:yaml') || events.includes('*'),
      `activationEvents ${JSON.stringify(events)} lacks "onLanguage:yaml": diagnostics and quick fixes only start after the Kubemark view or a command activated the extension`);
  });

  test('opening a kubemark manifest, and nothing else, shows its diagnostics', async function () {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    if (ext.isActive) {
      log('the extension was already active: this test cannot tell whether opening YAML activates it');
      this.skip();
    }
    const uri = vscode.Uri.file(path.join(workspaceFolder().uri.fsPath, 'seed-indented.yaml'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const diags = await eventually('kubemark diagnostics after merely opening seed-indented.yaml', [vscode.languages.onDidChangeDiagnostics],
      () => { const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'kubemark'); return d.length ? d : undefined; }, 15_000);
    assert.strictEqual(diags.length, 11);
    assert.strictEqual(ext.isActive, true);
  });
});
