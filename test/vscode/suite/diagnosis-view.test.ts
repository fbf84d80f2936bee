/// <reference types="mocha" />
// The "Why Not Ready?" view in a real VS Code: a crash-looping hollow node caused for real in the
// lab, diagnosed by the collector and the engine, shown as a read-only kubemark-diagnosis:
// Markdown document. Skipped unless KUBEMARK_LAB_DIR names a running lab (npm run lab:up).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { KubeConfig } from '@kubernetes/client-node';
import { exportStandaloneKubeconfig } from '../../../src/core/kubeconfig';
import { generateObjects, withDefaults } from '../../../src/core/manifest';
import { applyAll } from '../../../src/cluster/apply';
import { teardown } from '../../../src/cluster/services';
import { ClusterSession } from '../../../src/cluster/session';
import { whyNotReady } from '../../../src/cluster/diagnosis';
import { DIAGNOSIS_SCHEME, DiagnosisDocuments } from '../../../src/editor/diagnosis/documents';
import { canScreenshot, log, screenshot } from './helpers';

const NS = 'diag-view';
const NAME = 'diag-view';

suite('Why Not Ready? view (needs npm run lab:up)', function () {
  let workers: ClusterSession;
  let masters: ClusterSession;
  let registration: vscode.Disposable | undefined;

  suiteSetup(async function () {
    const labDir = process.env.KUBEMARK_LAB_DIR ?? '';
    if (!labDir || !fs.existsSync(path.join(labDir, 'kubeconfig'))) {
      log('diagnosis view test skipped: KUBEMARK_LAB_DIR does not name a running lab');
      this.skip();
    }
    const kc = new KubeConfig();
    kc.loadFromFile(path.join(labDir, 'kubeconfig'));
    workers = new ClusterSession(kc, 'kubemark-lab-workers');
    masters = new ClusterSession(kc, 'kubemark-lab-masters');
    const v = await masters.version();
    const objects = generateObjects(withDefaults({ image: `registry.k8s.io/kubemark:${v.gitVersion}`, replicas: 1, namespace: NS, name: NAME, mastersKubeconfig: exportStandaloneKubeconfig(kc, 'kubemark-lab-masters').yaml }));
    const sts = objects.find((o) => o.kind === 'StatefulSet') as any;
    sts.spec.template.spec.containers[0].args.push('--bogus-flag=1');
    await applyAll(workers, objects);
  });

  suiteTeardown(async () => {
    registration?.dispose();
    if (workers) {
      await teardown(workers, masters, { namespace: NS, name: NAME, deleteNodes: true }, () => undefined).catch(() => undefined);
    }
  });

  test('shows the verdict, the evidence and the sections as a read-only Markdown document', async function () {
    this.timeout(120_000);
    const { documents, registration: r } = DiagnosisDocuments.register();
    registration = r;
    // The lab's pod runner starts kubemark within seconds; poll the real collector until it says so.
    const deadline = Date.now() + 90_000;
    let result = await whyNotReady({ workers, masters }, { pod: `${NS}/${NAME}-0` }, { namespace: NS });
    while (result.diagnosis.code !== 'bad-arguments') {
      if (Date.now() > deadline) assert.fail(`no bad-arguments verdict within 90 s; last: ${JSON.stringify(result.diagnosis)}`);
      await new Promise((r) => setTimeout(r, 1000)); // poll interval, not a synchronisation
      result = await whyNotReady({ workers, masters }, { pod: `${NS}/${NAME}-0` }, { namespace: NS });
    }
    const shown = await documents.show(result.bundle, result.diagnosis);
    assert.equal(shown.code, 'bad-arguments');
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'the diagnosis is open');
    assert.equal(editor.document.uri.scheme, DIAGNOSIS_SCHEME);
    assert.equal(editor.document.uri.toString(), shown.uri);
    assert.equal(editor.document.languageId, 'markdown');
    const text = editor.document.getText();
    assert.match(text, /\*\*Verdict: `bad-arguments`\*\* The hollow node exits at start: kubemark does not know the flag --bogus-flag\./);
    for (const h of ['## The pod (workers cluster)', '## Events', '## Log errors', '## The Node in masters', '## The workers node', '## The kubeconfig Secret']) assert.ok(text.includes(h), h);
    // Read-only for the user: typing into it changes nothing.
    await vscode.window.showTextDocument(editor.document, { preserveFocus: false });
    await vscode.commands.executeCommand('type', { text: 'typed' });
    assert.equal(editor.document.getText(), text, 'typing does not change the diagnosis');
    assert.equal(editor.document.isDirty, false);
    if (canScreenshot()) await screenshot('diagnosis');
  });
});
