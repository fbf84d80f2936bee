// ManifestDiagnostics in plain Node with the vscode stub of the benchmarks and mock timers: a
// document's findings asked for before the typing debounce ran (the quick-fix provider does so)
// are checked then, and the debounced re-check of the same text does not run again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { installVscodeStub } from '../../../bench/vscodeStub';

function fixture(name: string): string {
  for (const root of [process.cwd(), resolve(__dirname, '../../../..')]) {
    try {
      return readFileSync(join(root, 'test/fixtures/manifests', name), 'utf8');
    } catch {
      // next
    }
  }
  throw new Error(`fixture ${name} not found`);
}

const none = () => ({ dispose() {} });

test('findings asked for a stale document check it now, in place of the pending debounced check', async (t) => {
  installVscodeStub([]);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vscode = require('vscode') as { languages: { createDiagnosticCollection: () => { set(u: unknown, d: unknown[]): void } }; EventEmitter: new () => { event: unknown; fire(e: unknown): void } };
  let sets = 0;
  const make = vscode.languages.createDiagnosticCollection;
  vscode.languages.createDiagnosticCollection = () => {
    const c = make();
    return { ...c, set: (u: unknown, d: unknown[]) => { sets++; c.set(u, d); } };
  };
  t.mock.timers.enable({ apis: ['setTimeout'] });
  // Loaded after the stub: the module's `vscode` is the stub's.
  const { ManifestDiagnostics } = await import('../../../src/editor/diagnostics');
  let text = fixture('seed-indented.yaml');
  const doc = { uri: { toString: () => 'file:///w/burst.yaml', fsPath: '/w/burst.yaml' }, fileName: '/w/burst.yaml', languageId: 'yaml', version: 1, isClosed: false, getText: () => text };
  const changes = new vscode.EventEmitter();
  const edit = (line: string) => {
    text = `${line}\n${text}`;
    doc.version++;
    changes.fire({ document: doc, contentChanges: [{ text: line }] });
  };
  const workspace = {
    textDocuments: [doc], onDidOpenTextDocument: none, onDidChangeTextDocument: changes.event, onDidCloseTextDocument: none,
    onDidChangeConfiguration: none, getConfiguration: () => ({ get: <T>(_k: string, d: T) => d }),
  };
  const diagnostics = new ManifestDiagnostics(workspace as never);
  try {
    assert.equal(sets, 1, 'the open document is checked at once');
    edit('# an edit');
    assert.equal(sets, 1, 'an edit is checked after the debounce');
    const findings = diagnostics.findings(doc as never);
    assert.equal(sets, 2, 'asked for before the debounce ran: checked now');
    assert.equal(findings[0]?.range.start.line !== undefined, true);
    t.mock.timers.tick(1_000);
    assert.equal(sets, 2, 'the debounced re-check of the same text did not run');
    // Later edits are debounced as before: one check 250 ms after the last one.
    edit('# another');
    t.mock.timers.tick(200);
    edit('# and another');
    t.mock.timers.tick(249);
    assert.equal(sets, 2);
    t.mock.timers.tick(1);
    assert.equal(sets, 3);
    assert.equal(diagnostics.findings(doc as never), diagnostics.findings(doc as never), 'current findings are not checked again');
    assert.equal(sets, 3);
  } finally {
    diagnostics.dispose();
  }
});
