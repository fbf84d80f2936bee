/// <reference types="mocha" />
// Quick fixes through VS Code's own code action machinery: ask for the actions at a
// diagnostic, apply the QuickFix's edit, wait for the re-check, look at the text.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { activeExtension, eventually, workspaceFolder } from './helpers';

function kubemarkDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'kubemark');
}

const codeOf = (d: vscode.Diagnostic) => String(typeof d.code === 'object' ? d.code.value : d.code);

function seedText(): string {
  return fs.readFileSync(path.join(workspaceFolder().uri.fsPath, 'seed-indented.yaml'), 'utf8');
}

let counter = 0;
/** Opens a fresh workspace file holding `text` and waits for its first diagnostics. */
async function openManifest(text: string, expectAtLeast = 1): Promise<{ doc: vscode.TextDocument; diags: vscode.Diagnostic[] }> {
  const file = path.join(workspaceFolder().uri.fsPath, `quickfix-${++counter}.yaml`);
  fs.writeFileSync(file, text);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  await vscode.window.showTextDocument(doc);
  const diags = await eventually(`diagnostics of ${path.basename(file)}`, [vscode.languages.onDidChangeDiagnostics],
    () => { const d = kubemarkDiagnostics(doc.uri); return d.length >= expectAtLeast ? d : undefined; });
  return { doc, diags };
}

/** The QuickFix code actions VS Code collects for a range (all providers). */
async function quickFixes(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  const all = (await vscode.commands.executeCommand<Array<vscode.CodeAction | vscode.Command>>('vscode.executeCodeActionProvider', uri, range)) ?? [];
  return all.filter((a): a is vscode.CodeAction => 'kind' in a && !!a.kind && vscode.CodeActionKind.QuickFix.contains(a.kind));
}

/**
 * Applies the quick fix for `diag` and waits until the document was re-checked: one finding
 * fewer (none of the fixes here introduces another one), and none of `code` at its old place.
 * `vscode.executeCodeActionProvider` hands back titles, kinds, edits and isPreferred but not
 * the actions' `diagnostics` (VS Code's converter drops them), so the fix is told by its title.
 */
async function applyFix(doc: vscode.TextDocument, diag: vscode.Diagnostic, title?: RegExp): Promise<{ action: vscode.CodeAction; diags: vscode.Diagnostic[] }> {
  const code = codeOf(diag);
  const before = kubemarkDiagnostics(doc.uri).length;
  const actions = await quickFixes(doc.uri, diag.range);
  const mine = title ? actions.filter((a) => title.test(a.title)) : actions;
  assert.strictEqual(mine.length, 1, `one quick fix for ${code} at ${diag.range.start.line}:${diag.range.start.character}${title ? ` titled ${title}` : ''}; got ${actions.map((a) => a.title).join(' | ') || 'none'}`);
  const action = mine[0]!;
  assert.ok(action.edit, `the quick fix "${action.title}" carries an edit`);
  assert.ok(await vscode.workspace.applyEdit(action.edit!), `applying "${action.title}"`);
  const diags = await eventually(`the ${code} diagnostic to go away after "${action.title}"`, [vscode.languages.onDidChangeDiagnostics], () => {
    const d = kubemarkDiagnostics(doc.uri);
    const stillThere = d.some((x) => codeOf(x) === code && x.range.isEqual(diag.range));
    return d.length === before - 1 && !stillThere ? d : undefined;
  });
  return { action, diags };
}

interface Case {
  rule: string;
  /** 0-based line of the finding in the seed (after `prepare`). */
  line: number;
  prepare?: (text: string) => string;
  title: RegExp;
  /** The line as it should read after the fix, from the line before. */
  expect: (line: string) => string;
}

const CASES: Case[] = [
  {
    rule: 'removed-api-version', line: 22, title: /rbac\.authorization\.k8s\.io\/v1$/,
    expect: () => 'apiVersion: rbac.authorization.k8s.io/v1',
  },
  {
    // With node-configmap in the file holding a bare content type, $(CONTENT_TYPE) alone is an
    // error whose fix passes it as the flag's value (without it, a warning with no fix).
    rule: 'positional-argument', line: 101, title: /--kube-api-content-type/,
    prepare: (t) => `${t.replace(/\n*$/, '\n')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: node-configmap\n  namespace: kubemark\ndata:\n  content.type: application/json\n`,
    expect: (l) => l.replace(' $(CONTENT_TYPE) ', ' --kube-api-content-type=$(CONTENT_TYPE) '),
  },
  {
    rule: 'output-discarded', line: 101, title: /2>\/dev\/null/,
    expect: (l) => l.replace(' 2>/dev/null', ''),
  },
  {
    rule: 'host-image-service-unmounted', line: 101, title: /--use-host-image-service=false/,
    expect: (l) => l.replace('--morph=kubelet ', '--morph=kubelet --use-host-image-service=false '),
  },
  {
    rule: 'flag-no-effect', line: 129, title: /--use-real-proxier/,
    expect: (l) => l.replace(' --use-real-proxier=false', ''),
  },
  {
    rule: 'removed-log-flag', line: 129, title: /--alsologtostderr/,
    expect: (l) => l.replace(' --alsologtostderr', ''),
  },
  {
    rule: 'pod-management-policy', line: 56, title: /Parallel/,
    prepare: (t) => t.replace('podManagementPolicy: Parallel', 'podManagementPolicy: OrderedReady'),
    expect: () => '  podManagementPolicy: Parallel',
  },
];

suite('Quick fixes', () => {
  suiteSetup(async () => {
    await activeExtension();
  });

  for (const c of CASES) {
    test(`${c.rule}: the quick fix removes the diagnostic and edits only its line`, async () => {
      const text = (c.prepare ?? ((t: string) => t))(seedText());
      const { doc, diags } = await openManifest(text, 11);
      const diag = diags.find((d) => codeOf(d) === c.rule && d.range.start.line === c.line);
      assert.ok(diag, `a ${c.rule} diagnostic on line ${c.line}: ${diags.map((d) => `${codeOf(d)}@${d.range.start.line}`).join(', ')}`);
      const lineBefore = doc.lineAt(c.line).text;
      const { action, diags: after } = await applyFix(doc, diag, c.title);
      assert.match(action.title, c.title);
      assert.strictEqual(action.isPreferred, true, 'the fix is the preferred one (Ctrl+. then Enter, or auto-fix)');
      assert.strictEqual(doc.lineAt(c.line).text, c.expect(lineBefore));
      // Only that line changed.
      const expectedText = text.split('\n').map((l, i) => (i === c.line ? c.expect(l) : l)).join('\n');
      assert.strictEqual(doc.getText(), expectedText);
      // The remaining diagnostics are what the linter says about the new text.
      const api = (await activeExtension()).exports as { lint(text: string): Array<{ ruleId: string }> };
      assert.deepStrictEqual(after.map(codeOf).sort(), api.lint(doc.getText()).map((f) => f.ruleId).sort());
    });
  }

  test('image-placeholder offers no quick fix (only the user knows the image)', async () => {
    const { doc, diags } = await openManifest(seedText(), 11);
    const diag = diags.find((d) => codeOf(d) === 'image-placeholder')!;
    assert.deepStrictEqual((await quickFixes(doc.uri, diag.range)).map((a) => a.title), []);
  });

  test('applying every offered fix in turn leaves only the placeholder images and the content.type warnings', async () => {
    const { doc } = await openManifest(seedText(), 11);
    for (let round = 0; round < 20; round++) {
      const fixable: vscode.Diagnostic[] = [];
      for (const d of kubemarkDiagnostics(doc.uri)) {
        if ((await quickFixes(doc.uri, d.range)).length > 0) fixable.push(d);
      }
      if (fixable.length === 0) break;
      await applyFix(doc, fixable[0]!);
    }
    // node-configmap is not in the seed: $(CONTENT_TYPE) alone stays a warning with no fix, as
    // wrapping it would double a content.type that already is the whole flag.
    assert.deepStrictEqual(kubemarkDiagnostics(doc.uri).map(codeOf).sort(), ['image-placeholder', 'image-placeholder', 'positional-argument', 'positional-argument']);
    const text = doc.getText();
    assert.match(text, /\/kubemark --morph=kubelet --use-host-image-service=false --name=\$\(NODE_NAME\) --kubeconfig=\/kubeconfig\/kubelet.kubeconfig \$\(CONTENT_TYPE\) --v=2\n/);
    assert.match(text, /\/kubemark --morph=proxy --name=\$\(NODE_NAME\) --kubeconfig=\/kubeconfig\/kubeproxy.kubeconfig \$\(CONTENT_TYPE\) --v=2\n/);
    assert.doesNotMatch(text, /v1beta1/);
  });
});
