/// <reference types="mocha" />
// Diagnostics in a real editor: the seed manifest's findings at their exact ranges, nothing for
// unrelated YAML, and the debounced re-check as the user types.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { activeExtension, eventually, log, screenshot, canScreenshot, workspaceFolder } from './helpers';

const SEED = 'seed-indented.yaml';
const UNRELATED = 'nginx-deployment.yaml';

function kubemarkDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'kubemark');
}

/** "rule-id L:C-L:C", 0-based as VS Code has them, sorted by position. */
function describe(diags: vscode.Diagnostic[]): string[] {
  return [...diags]
    .sort((a, b) => a.range.start.compareTo(b.range.start))
    .map((d) => `${String(typeof d.code === 'object' ? d.code.value : d.code)} ${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`);
}

/** A file in the workspace copy, created from `text` (the runner's copy is scratch). */
function workspaceFile(name: string, text: string): vscode.Uri {
  const file = path.join(workspaceFolder().uri.fsPath, name);
  fs.writeFileSync(file, text);
  return vscode.Uri.file(file);
}

function fixtureText(name: string): string {
  return fs.readFileSync(path.join(workspaceFolder().uri.fsPath, name), 'utf8');
}

/**
 * Resolves once every re-check the extension had scheduled before this call has run: the
 * diagnostics debounce each document with one timer of the same length, so a sentinel
 * document edited now is checked after any document edited earlier.
 */
async function diagnosticsSettled(): Promise<void> {
  const clean = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: node-configmap\n  namespace: kubemark\ndata:\n  content.type: application/json\n';
  const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: clean });
  const edit = new vscode.WorkspaceEdit();
  const line = doc.lineAt(6);
  edit.replace(doc.uri, new vscode.Range(6, line.text.indexOf('application/json'), 6, line.text.length), 'test-cluster');
  assert.ok(await vscode.workspace.applyEdit(edit));
  await eventually('the sentinel document to be re-checked', [vscode.languages.onDidChangeDiagnostics],
    () => kubemarkDiagnostics(doc.uri).some((d) => d.code === 'invalid-content-type'));
}

// The findings pinned in test/unit/rules/seed.test.ts (1-based there), with their end columns.
const SEED_FINDINGS = [
  'removed-api-version 22:12-22:45',
  'removed-api-version 37:12-37:45',
  'image-placeholder 83:15-83:24',
  'host-image-service-unmounted 101:20-101:35',
  'positional-argument 101:100-101:115',
  'output-discarded 101:122-101:133',
  'image-placeholder 115:15-115:23',
  'flag-no-effect 129:54-129:78',
  'positional-argument 129:125-129:140',
  'removed-log-flag 129:141-129:158',
  'output-discarded 129:165-129:176',
];

suite('Diagnostics', () => {
  suiteSetup(async () => {
    await activeExtension();
  });

  test('the seed manifest gets exactly the pinned findings, at their ranges', async () => {
    const uri = vscode.Uri.file(path.join(workspaceFolder().uri.fsPath, SEED));
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.strictEqual(doc.languageId, 'yaml');
    await vscode.window.showTextDocument(doc);
    const diags = await eventually(`kubemark diagnostics for ${SEED}`, [vscode.languages.onDidChangeDiagnostics],
      () => { const d = kubemarkDiagnostics(uri); return d.length >= SEED_FINDINGS.length ? d : undefined; });
    assert.deepStrictEqual(describe(diags), SEED_FINDINGS);

    // The ranges cover exactly the offending text.
    const text = (d: vscode.Diagnostic) => doc.getText(d.range);
    const byCode = (code: string) => diags.filter((d) => d.code === code).sort((a, b) => a.range.start.compareTo(b.range.start)).map(text);
    assert.deepStrictEqual(byCode('removed-api-version'), ['rbac.authorization.k8s.io/v1beta1', 'rbac.authorization.k8s.io/v1beta1']);
    assert.deepStrictEqual(byCode('positional-argument'), ['$(CONTENT_TYPE)', '$(CONTENT_TYPE)']);
    assert.deepStrictEqual(byCode('output-discarded'), ['2>/dev/null', '2>/dev/null']);
    assert.deepStrictEqual(byCode('image-placeholder'), ['xxxxxxxxx', 'xxxxxxxx']);
    assert.deepStrictEqual(byCode('removed-log-flag'), ['--alsologtostderr']);
    assert.deepStrictEqual(byCode('flag-no-effect'), ['--use-real-proxier=false']);

    // Severities as the catalogue has them.
    const severity = (code: string) => [...new Set(diags.filter((d) => d.code === code).map((d) => d.severity))];
    assert.deepStrictEqual(severity('removed-api-version'), [vscode.DiagnosticSeverity.Error]);
    assert.deepStrictEqual(severity('image-placeholder'), [vscode.DiagnosticSeverity.Error]);
    assert.deepStrictEqual(severity('output-discarded'), [vscode.DiagnosticSeverity.Warning]);
    assert.deepStrictEqual(severity('flag-no-effect'), [vscode.DiagnosticSeverity.Information]);
    for (const d of diags) assert.ok(d.message.length > 20, `a real message for ${String(d.code)}: ${d.message}`);
    if (canScreenshot()) {
      await vscode.commands.executeCommand('workbench.actions.view.problems');
      await screenshot('diagnostics-seed');
    }
  });

  test('unrelated YAML (a plain nginx Deployment) gets no kubemark diagnostics', async () => {
    const uri = vscode.Uri.file(path.join(workspaceFolder().uri.fsPath, UNRELATED));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    // Type into it too: a change is re-checked after the debounce, and still yields nothing.
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(doc.lineCount - 1, 0), '        - containerPort: 443\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await diagnosticsSettled();
    assert.deepStrictEqual(describe(kubemarkDiagnostics(uri)), []);
  });

  test('typing a new problem is reported after the debounce, and fixing it by typing clears it', async () => {
    const uri = workspaceFile('typing.yaml', fixtureText(SEED));
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    await eventually('initial diagnostics of typing.yaml', [vscode.languages.onDidChangeDiagnostics],
      () => kubemarkDiagnostics(uri).length === SEED_FINDINGS.length);

    // Select "Parallel" and type "OrderedReady" over it, one keystroke at a time, as a user would.
    const lineNo = doc.getText().split('\n').findIndex((l) => l.includes('podManagementPolicy: Parallel'));
    assert.strictEqual(lineNo, 56);
    const col = doc.lineAt(lineNo).text.indexOf('Parallel');
    editor.selection = new vscode.Selection(lineNo, col, lineNo, col + 'Parallel'.length);
    const t0 = Date.now();
    for (const ch of 'OrderedReady') await vscode.commands.executeCommand('type', { text: ch });
    const typed = Date.now();
    assert.strictEqual(doc.lineAt(lineNo).text, '  podManagementPolicy: OrderedReady');

    // While typing, a pause longer than the debounce may already report the half-typed value
    // ("Or"); wait for the diagnostic of the final text.
    const diags = await eventually('a pod-management-policy diagnostic on OrderedReady', [vscode.languages.onDidChangeDiagnostics],
      () => { const d = kubemarkDiagnostics(uri); return d.some((x) => x.code === 'pod-management-policy' && doc.getText(x.range) === 'OrderedReady') ? d : undefined; });
    log(`typing took ${typed - t0} ms; pod-management-policy on the final text ${Date.now() - typed} ms after the last keystroke`);
    const pmp = diags.filter((d) => d.code === 'pod-management-policy');
    assert.deepStrictEqual(describe(pmp), ['pod-management-policy 56:23-56:35']);
    assert.strictEqual(doc.getText(pmp[0]!.range), 'OrderedReady');
    assert.strictEqual(pmp[0]!.severity, vscode.DiagnosticSeverity.Warning);
    // Everything else is unchanged (the edit is on a line of its own).
    assert.deepStrictEqual(describe(diags.filter((d) => d.code !== 'pod-management-policy')), SEED_FINDINGS);

    // Undo the typing: the diagnostic goes away again.
    editor.selection = new vscode.Selection(lineNo, col, lineNo, col + 'OrderedReady'.length);
    await vscode.commands.executeCommand('type', { text: 'Parallel' });
    await eventually('the pod-management-policy diagnostic to go away', [vscode.languages.onDidChangeDiagnostics],
      () => !kubemarkDiagnostics(uri).some((d) => d.code === 'pod-management-policy'));
    assert.deepStrictEqual(describe(kubemarkDiagnostics(uri)), SEED_FINDINGS);
  });

  test('the debounce coalesces a burst of edits into one re-check', async () => {
    const uri = workspaceFile('burst.yaml', fixtureText(SEED));
    // Opened, not shown: with no editor the window asks for no code actions (the lightbulb), whose
    // findings would be a re-check of their own, timed by the window, not by the debounce.
    await vscode.workspace.openTextDocument(uri);
    await eventually('initial diagnostics of burst.yaml', [vscode.languages.onDidChangeDiagnostics],
      () => kubemarkDiagnostics(uri).length === SEED_FINDINGS.length);
    // A re-check the user can see is a new set of diagnostics. VS Code may report the same set
    // more than once (it echoes a collection's change back from the window), so repeats of the
    // last set seen are not counted.
    const stateOf = () => describe(kubemarkDiagnostics(uri)).join('|');
    let last = stateOf();
    let updates = 0;
    const changedAt: number[] = [];
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (!e.uris.some((u) => u.toString() === uri.toString())) return;
      const state = stateOf();
      if (state !== last) { updates++; last = state; }
    });
    const changes = vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.uri.toString() === uri.toString() && e.contentChanges.length > 0) changedAt.push(Date.now());
    });
    try {
      // Ten quick edits, each a new comment line at the top.
      for (let i = 0; i < 10; i++) {
        const edit = new vscode.WorkspaceEdit();
        edit.insert(uri, new vscode.Position(0, 0), `# edit ${i}\n`);
        assert.ok(await vscode.workspace.applyEdit(edit));
      }
      const diags = await eventually('diagnostics moved down by ten lines', [vscode.languages.onDidChangeDiagnostics],
        () => { const d = kubemarkDiagnostics(uri); return d.length && d.every((x) => x.range.start.line >= 32) ? d : undefined; });
      assert.deepStrictEqual(describe(diags), SEED_FINDINGS.map((s) => s.replace(/(\d+):(\d+)-(\d+):(\d+)$/, (_m, a, b, c, d) => `${Number(a) + 10}:${b}-${Number(c) + 10}:${d}`)));
      await diagnosticsSettled();
      // Each edit waits for the previous one's round trip to the window: tens of ms here, but on a
      // loaded machine one can take longer than the 250 ms debounce, and the edits after it are a
      // burst of their own. Node starts a timer from the event loop's cached time, which lags the
      // clock while the thread is busy, so a gap somewhat under 250 ms can let the debounce run:
      // 200 ms counts as a break (a debounce of under 200 ms still fails the test).
      assert.strictEqual(changedAt.length, 10);
      const gaps = changedAt.slice(1).map((t, i) => t - changedAt[i]!);
      const bursts = 1 + gaps.filter((g) => g >= 200).length;
      assert.ok(updates >= 1 && updates <= bursts,
        `ten edits in ${bursts} burst(s) (gaps ${gaps.join(', ')} ms) gave ${updates} new sets of diagnostics for the document`);
    } finally {
      sub.dispose();
      changes.dispose();
    }
  });

  test('kubemark.lint.extraFlags accepts a fork\'s flag; a suppression comment silences a rule', async () => {
    const text = fixtureText(SEED).replace('--kubeconfig=/kubeconfig/kubelet.kubeconfig', '--kubeconfig=/kubeconfig/kubelet.kubeconfig --node-status-update-frequency=2s');
    const uri = workspaceFile('fork.yaml', text);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const codes = () => kubemarkDiagnostics(uri).map((d) => String(d.code));
    const unknown = await eventually('an unknown-flag diagnostic on the fork flag', [vscode.languages.onDidChangeDiagnostics],
      () => kubemarkDiagnostics(uri).find((d) => d.code === 'unknown-flag'));
    assert.strictEqual(doc.getText(unknown.range), '--node-status-update-frequency=2s');
    assert.match(unknown.message, /kubemark\.lint\.extraFlags/);
    const config = vscode.workspace.getConfiguration('kubemark');
    try {
      await config.update('lint.extraFlags', ['node-status-update-frequency:duration'], vscode.ConfigurationTarget.Workspace);
      await eventually('the unknown-flag diagnostic to go once the flag is declared', [vscode.languages.onDidChangeDiagnostics],
        () => codes().length > 0 && !codes().includes('unknown-flag'));
      assert.deepStrictEqual(codes().filter((c) => c === 'image-placeholder').length, 2);
      const edit = new vscode.WorkspaceEdit();
      edit.insert(uri, new vscode.Position(0, 0), '# kubemark-lint-disable image-placeholder -- filled in by CI\n');
      assert.ok(await vscode.workspace.applyEdit(edit));
      await eventually('the image-placeholder diagnostics to go under the suppression comment', [vscode.languages.onDidChangeDiagnostics],
        () => codes().length > 0 && !codes().includes('image-placeholder'));
      assert.deepStrictEqual(codes().sort(), SEED_FINDINGS.map((f) => f.split(' ')[0]!).filter((c) => c !== 'image-placeholder').sort());
    } finally {
      await config.update('lint.extraFlags', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
