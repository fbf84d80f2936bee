/// <reference types="mocha" />
// Deploy This Manifest in a real VS Code: the CodeLens on a kubemark manifest (and not on other
// YAML); then, against the lab, a ReplicationController in a namespace other than kubemark whose
// namespace, node-configmap and kubeconfig Secret do not exist becomes Ready fake nodes, shown
// under that namespace and owner; Tear Down removes everything; and the masters tree keeps a
// plain Node apart from the hollow ones. The lab part is skipped without KUBEMARK_LAB_DIR (a
// failure under CI), like lab.test.ts.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { activeExtension, canScreenshot, eventually, log, screenshot, workspaceFolder } from './helpers';

interface SnapshotNode { label: string; description?: string; contextValue?: string; children?: SnapshotNode[] }
interface Api {
  tree(depth?: number): SnapshotNode[];
  onDidRefreshTree: vscode.Event<void>;
  statusBarText(): string | undefined;
  model: {
    contexts(): Array<{ name: string }>;
    lab(): { dir: string } | undefined;
    session(role: 'workers' | 'masters'): { http: { request<T>(method: string, path: string, o?: { body?: unknown; timeoutMs?: number }): Promise<T> } } | undefined;
  };
}
interface Result { applied: string[]; created: string[]; ready: number; desired: number; nodes: string[]; warnings: string[] }

const WORKERS = 'kubemark-lab-workers';
const MASTERS = 'kubemark-lab-masters';
const NS = `kubemark-rc-${Date.now() % 100000}`;
const PLAIN_NODE = `km-plain-node-${Date.now() % 100000}`;

const flat = (nodes: SnapshotNode[] | undefined): SnapshotNode[] => (nodes ?? []).flatMap((n) => [n, ...flat(n.children)]);

/** The upstream template's shape (hollow-node_template.yaml), as a ReplicationController. */
function rcManifest(namespace: string, replicas: number): string {
  const container = (morph: string, key: string, cpu: string) => `      - name: hollow-${morph === 'kubelet' ? 'kubelet' : 'proxy'}
        image: registry.k8s.io/kubemark:v1.37.2
        command: ["/kubemark", "--morph=${morph}", "--name=$(NODE_NAME)", "--kubeconfig=/kubeconfig/${key}", "--kube-api-content-type=$(CONTENT_TYPE)", "--v=2"${morph === 'kubelet' ? ', "--use-host-image-service=false"' : ''}]
        env:
        - name: NODE_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        - name: CONTENT_TYPE
          valueFrom: {configMapKeyRef: {name: node-configmap, key: content.type}}
        volumeMounts: [{name: kubeconfig-volume, mountPath: /kubeconfig, readOnly: true}]
        resources: {requests: {cpu: ${cpu}, memory: 100Mi}}
`;
  return `apiVersion: v1
kind: ReplicationController
metadata:
  name: hollow-rc
  namespace: ${namespace}
spec:
  replicas: ${replicas}
  selector: {name: hollow-rc}
  template:
    metadata:
      labels: {name: hollow-rc}
    spec:
      containers:
${container('kubelet', 'kubelet.kubeconfig', '40m')}${container('proxy', 'kubeproxy.kubeconfig', '20m')}      volumes:
      - name: kubeconfig-volume
        secret: {secretName: kubeconfig}
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 900}
`;
}

async function lenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  const all = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
  return all.filter((l) => l.command?.command === 'kubemark.deployManifest' || /Deploy/.test(l.command?.title ?? ''));
}

suite('Deploy This Manifest: CodeLens', () => {
  test('present above the workload of a kubemark manifest, absent on other YAML', async function () {
    this.timeout(60_000);
    await activeExtension();
    const dir = workspaceFolder().uri.fsPath;
    const manifest = path.join(dir, 'hollow-rc-lens.yaml');
    fs.writeFileSync(manifest, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: node-configmap, namespace: x}\ndata: {content.type: ""}\n---\n${rcManifest('x', 1)}`);
    const other = path.join(dir, 'plain-service.yaml');
    fs.writeFileSync(other, 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80}]\n');
    try {
      const doc = await vscode.workspace.openTextDocument(manifest);
      await vscode.window.showTextDocument(doc);
      const found = await eventually('a Deploy lens on the manifest', [vscode.workspace.onDidChangeTextDocument, vscode.window.onDidChangeActiveTextEditor], async () => {
        const l = await lenses(doc.uri);
        return l.length > 0 ? l : undefined;
      });
      assert.strictEqual(found.length, 1, 'one lens: over the ReplicationController, not the ConfigMap');
      assert.strictEqual(found[0]!.range.start.line, 5, 'on the first line of the workload document');
      assert.match(found[0]!.command!.title, /Deploy/);
      const plain = await vscode.workspace.openTextDocument(other);
      await vscode.window.showTextDocument(plain);
      assert.deepStrictEqual(await lenses(plain.uri), [], 'no lens on YAML that is not kubemark');
      if (canScreenshot()) {
        await vscode.window.showTextDocument(doc);
        await screenshot('deploy-manifest-codelens');
      }
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(manifest, { force: true });
      fs.rmSync(other, { force: true });
    }
  });
});

interface ContextApi {
  manifestContext(): { isKubemarkManifest: boolean; manifestPaths: string[] };
  onDidChangeManifestContext: vscode.Event<unknown>;
}

suite('Deploy This Manifest: editor-title button and explorer item on kubemark manifests only', () => {
  test('kubemark.isKubemarkManifest follows the active editor and its edits; kubemark.manifestPaths lists kubemark files only', async function () {
    this.timeout(60_000);
    const api = (await activeExtension()).exports as ContextApi;
    const dir = workspaceFolder().uri.fsPath;
    const manifest = path.join(dir, 'hollow-rc-context.yaml');
    fs.writeFileSync(manifest, rcManifest('x', 1));
    const other = path.join(dir, 'plain-context.yaml');
    fs.writeFileSync(other, 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80}]\n');
    const state = (what: string, want: (s: ReturnType<ContextApi['manifestContext']>) => boolean) =>
      eventually(what, [api.onDidChangeManifestContext, vscode.window.onDidChangeActiveTextEditor], () => {
        const s = api.manifestContext();
        if (!want(s)) throw new Error(`context keys are ${JSON.stringify(s)}`);
        return s;
      });
    try {
      const doc = await vscode.workspace.openTextDocument(manifest);
      await vscode.window.showTextDocument(doc);
      await state('isKubemarkManifest true on the RC manifest', (s) => s.isKubemarkManifest && s.manifestPaths.includes(doc.uri.fsPath));
      const plain = await vscode.workspace.openTextDocument(other);
      await vscode.window.showTextDocument(plain);
      const s = await state('isKubemarkManifest false on a plain Service', (x) => !x.isKubemarkManifest);
      assert.ok(!s.manifestPaths.includes(plain.uri.fsPath), `the plain Service is not offered in the explorer: ${JSON.stringify(s.manifestPaths)}`);
      assert.ok(s.manifestPaths.includes(doc.uri.fsPath), 'the manifest stays offered in the explorer when another editor is active');
      // The workspace scan: seed-indented.yaml (a StatefulSet of hollow nodes) is offered;
      // nginx-deployment.yaml, whose comment names kubemark, has no hollow-node workload: not offered.
      await state('the workspace scan to find seed-indented.yaml', (x) => x.manifestPaths.includes(path.join(dir, 'seed-indented.yaml')));
      assert.ok(!api.manifestContext().manifestPaths.includes(path.join(dir, 'nginx-deployment.yaml')));
      // A file written outside the editor (git pull, cp) is offered; deleted, it drops out.
      const outside = path.join(dir, 'written-outside.yaml');
      fs.writeFileSync(outside, rcManifest('y', 1));
      try {
        await state('the file watcher to offer a file written on disk', (x) => x.manifestPaths.includes(outside));
      } finally {
        fs.rmSync(outside, { force: true });
      }
      await state('the file watcher to drop a deleted file', (x) => !x.manifestPaths.includes(outside));
      // Adding a hollow-node workload to the plain file makes it one (debounced), and the key follows.
      const edit = new vscode.WorkspaceEdit();
      edit.insert(plain.uri, new vscode.Position(plain.lineCount, 0), `---\n${rcManifest('x', 1)}`);
      assert.ok(await vscode.workspace.applyEdit(edit));
      await state('isKubemarkManifest true after the edit', (x) => x.isKubemarkManifest && x.manifestPaths.includes(plain.uri.fsPath));
      // The package.json menus use these keys.
      const menus = (await activeExtension()).packageJSON.contributes.menus;
      assert.match(menus['editor/title'].find((m: { command: string }) => m.command === 'kubemark.deployManifest').when, /\bkubemark\.isKubemarkManifest\b/);
      assert.match(menus['explorer/context'].find((m: { command: string }) => m.command === 'kubemark.deployManifest').when, /\bresourcePath in kubemark\.manifestPaths\b/);
    } finally {
      // The edited file is reverted first: closing a dirty editor would ask to save it.
      for (const d of vscode.workspace.textDocuments.filter((x) => x.isDirty && [manifest, other].includes(x.uri.fsPath))) {
        await vscode.window.showTextDocument(d);
        await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      }
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(manifest, { force: true });
      fs.rmSync(other, { force: true });
    }
  });
});

/**
 * Records the questions the extension asks while `f` runs (modal messages, quick picks, input
 * boxes), answering a modal with its first button: the window's functions are wrapped for the
 * call, as index.ts records notifications.
 */
async function recordQuestions<T>(f: () => Thenable<T>): Promise<{ result: T; questions: string[] }> {
  const questions: string[] = [];
  const w = vscode.window as unknown as Record<string, (...a: unknown[]) => unknown>;
  const originals = new Map<string, (...a: unknown[]) => unknown>();
  const wrap = (name: string, replacement: (original: (...a: unknown[]) => unknown, args: unknown[]) => unknown) => {
    const original = w[name]!;
    originals.set(name, original);
    Object.defineProperty(w, name, { configurable: true, writable: true, value: (...args: unknown[]) => replacement(original, args) });
  };
  for (const name of ['showInformationMessage', 'showWarningMessage', 'showErrorMessage']) {
    wrap(name, (original, args) => {
      const opts = args[1];
      if (typeof opts === 'object' && opts !== null && (opts as vscode.MessageOptions).modal) {
        questions.push(`${name}: ${String(args[0])}`);
        return Promise.resolve(args.slice(2).find((a) => typeof a === 'string'));
      }
      return original.apply(vscode.window, args);
    });
  }
  wrap('showQuickPick', (_o, args) => { questions.push(`showQuickPick: ${JSON.stringify((args[1] as vscode.QuickPickOptions | undefined)?.title ?? (args[1] as vscode.QuickPickOptions | undefined)?.placeHolder ?? '')}`); return Promise.resolve(undefined); });
  wrap('showInputBox', (_o, args) => { questions.push(`showInputBox: ${JSON.stringify((args[0] as vscode.InputBoxOptions | undefined)?.prompt ?? '')}`); return Promise.resolve(undefined); });
  try {
    const result = await f();
    return { result, questions };
  } finally {
    for (const [name, original] of originals) Object.defineProperty(w, name, { configurable: true, writable: true, value: original });
  }
}

/** The status bar's "Kubemark: r/n Ready" and the tree's "Hollow nodes (n)" / "Ready (r)", as numbers. */
function hollowCounts(t: SnapshotNode[], status: string | undefined): { status?: [number, number]; tree?: [number, number] } {
  const num = (s: string | undefined) => (s === undefined ? undefined : Number(s.replace(/,/g, '')));
  const hollow = (t[1]?.children ?? []).find((n) => /^Hollow nodes \([\d,]+\)$/.test(n.label));
  const ready = (hollow?.children ?? []).find((n) => /^Ready \([\d,]+\)$/.test(n.label));
  const h = num(/\(([\d,]+)\)/.exec(hollow?.label ?? '')?.[1]);
  const r = num(/\(([\d,]+)\)/.exec(ready?.label ?? '')?.[1]) ?? 0;
  const m = /([\d,]+)\/([\d,]+)/.exec(status ?? '');
  return { ...(m ? { status: [num(m[1])!, num(m[2])!] as [number, number] } : {}), ...(h !== undefined ? { tree: [r, h] as [number, number] } : {}) };
}

suite('Lab: Deploy This Manifest, every hollow node in the tree, Tear Down (needs npm run lab:up)', function () {
  let api: Api;
  let labDir: string;
  let manifest: string;
  let deployed: Result | undefined;
  let broken: string | undefined;

  const treeUntil = <T>(what: string, depth: number, check: (tree: SnapshotNode[]) => T | undefined | false, timeoutMs = 60_000) =>
    eventually(what, [api.onDidRefreshTree], () => check(api.tree(depth)), timeoutMs);

  suiteSetup(async function () {
    this.timeout(120_000);
    labDir = process.env.KUBEMARK_LAB_DIR ?? '';
    if (!labDir || !path.isAbsolute(labDir) || !fs.existsSync(path.join(labDir, 'kubeconfig'))) {
      const why = `KUBEMARK_LAB_DIR=${labDir || '(unset)'} is not a lab folder (start one: npm run lab:up)`;
      if (process.env.CI) throw new Error(`lab tests cannot run under CI: ${why}`);
      log(`lab tests skipped: ${why}`);
      this.skip();
    }
    api = (await activeExtension()).exports as Api;
    await vscode.workspace.getConfiguration('kubemark').update('kubeconfig', path.join(labDir, 'kubeconfig'), vscode.ConfigurationTarget.Global);
    await eventually('the lab contexts to be loaded', [api.onDidRefreshTree, vscode.workspace.onDidChangeConfiguration], () => {
      const names = api.model.contexts().map((c) => c.name);
      return names.includes(WORKERS) && names.includes(MASTERS);
    });
    await vscode.commands.executeCommand('kubemark.selectWorkersCluster', { context: WORKERS, throwOnError: true });
    await vscode.commands.executeCommand('kubemark.selectMastersCluster', { context: MASTERS, throwOnError: true });
    await treeUntil('both roots reachable', 1, (t) => t.length === 2 && t.every((r) => /\bv1\.\d+\.\d+/.test(r.description ?? '')), 90_000);
    manifest = path.join(workspaceFolder().uri.fsPath, 'hollow-rc.yaml');
    fs.writeFileSync(manifest, rcManifest(NS, 2));
  });

  setup(function () {
    if (broken) this.skip();
  });

  teardown(function () {
    if (this.currentTest?.state === 'failed') broken ??= this.currentTest.title;
  });

  suiteTeardown(async function () {
    this.timeout(180_000);
    if (!api) return;
    const masters = api.model.session('masters');
    await masters?.http.request('DELETE', `/api/v1/nodes/${PLAIN_NODE}`).catch(() => undefined);
    if (deployed && broken) {
      await vscode.commands.executeCommand('kubemark.teardown', { namespace: NS, deleteNodes: true }).then(undefined, (e: unknown) => log(`teardown failed: ${String(e)}`));
    }
    if (manifest) fs.rmSync(manifest, { force: true });
    await vscode.workspace.getConfiguration('kubemark').update('kubeconfig', undefined, vscode.ConfigurationTarget.Global);
  });

  test('1. the lab is recognised by its contexts and lab.json', () => {
    const lab = api.model.lab();
    assert.ok(lab, 'model.lab() names the lab');
    assert.strictEqual(fs.realpathSync(lab.dir), fs.realpathSync(labDir));
  });

  test('2. Deploy This Manifest on a ReplicationController in its own namespace, as the lens runs it: one question at most, missing pieces created, fake nodes Ready', async function () {
    this.timeout(300_000);
    // As the CodeLens, the editor-title button and the explorer item call it: with the file's
    // Uri, so interactively (no allowWarnings): the questions it asks are recorded and answered.
    const { result, questions } = await recordQuestions(() => vscode.commands.executeCommand<Result>('kubemark.deployManifest', vscode.Uri.file(manifest)));
    log(`questions asked: ${JSON.stringify(questions)}`);
    assert.ok(result, 'deployManifest returns its result (it failed: see the Kubemark output)');
    deployed = result;
    // Three before (the kubeconfig loopback modal, the preflight loopback modal, the confirmation):
    // in the lab the loopback is expected, so only the manifest's lint warning is asked about.
    assert.strictEqual(questions.length, 1, `exactly one question: ${JSON.stringify(questions)}`);
    assert.match(questions[0]!, /^showWarningMessage: Deploy hollow-rc\.yaml to kubemark-lab-workers despite 1 warning\?/);
    log(`deployed: ${JSON.stringify({ ...result, warnings: result.warnings.length })}`);
    assert.deepStrictEqual(result.created, [`Namespace ${NS}`, `ConfigMap ${NS}/node-configmap`, `Secret ${NS}/kubeconfig`]);
    assert.deepStrictEqual(result.applied, [`ReplicationController ${NS}/hollow-rc`]);
    assert.strictEqual(result.desired, 2);
    assert.strictEqual(result.ready, 2);
    assert.strictEqual(result.nodes.length, 2);
    assert.ok(!result.warnings.some((w) => /loopback/.test(w)), 'in the lab the loopback warning is not a question');
  });

  test('3. the tree shows its pods under the namespace and the ReplicationController, and its nodes as Ready hollow nodes', async function () {
    this.timeout(120_000);
    const names = deployed!.nodes;
    const tree = await treeUntil(`namespace ${NS} → hollow-rc with 2 pods, and ${names.join(', ')} Ready`, 4, (t) => {
      const ns = (t[0]!.children ?? []).find((n) => n.contextValue === 'kubemark.namespace' && n.label === NS);
      const rc = (ns?.children ?? []).find((n) => n.contextValue === 'kubemark.replicationController' && n.label === 'hollow-rc');
      const hollow = (t[1]!.children ?? []).find((n) => /^Hollow nodes \(\d+\)$/.test(n.label));
      const ready = (hollow?.children ?? []).find((n) => /^Ready \(\d+\)$/.test(n.label));
      const readyNames = (ready?.children ?? []).map((n) => n.label);
      return rc?.description === 'ReplicationController · 2/2 ready' && (rc.children ?? []).length === 2 && names.every((n) => readyNames.includes(n)) ? t : undefined;
    }, 90_000);
    const rc = flat(tree[0]!.children).find((n) => n.label === 'hollow-rc')!;
    assert.deepStrictEqual(rc.children!.map((p) => p.label).sort(), [...names].sort(), 'pods named as the nodes they register');
    // The status bar is redrawn with the tree: wait (on those redraws) until it shows the
    // tree's hollow-node counts, which by now include the two new Ready nodes.
    const status = await eventually('the status bar to show the tree\'s hollow-node counts', [api.onDidRefreshTree], () => {
      const s = api.statusBarText();
      const c = hollowCounts(api.tree(4), s);
      if (!c.status || !c.tree || c.status.join('/') !== c.tree.join('/') || c.tree[0] < 2) throw new Error(`status bar ${s}, tree Ready/hollow ${c.tree?.join('/')}`);
      return s;
    }, 60_000);
    log(`status bar: ${status}`);
    await vscode.commands.executeCommand('workbench.view.extension.kubemark');
    if (canScreenshot()) await screenshot('deploy-manifest-tree');
  });

  test('4. the masters tree keeps a plain Node apart from the hollow nodes, and the status bar does not count it', async function () {
    this.timeout(60_000);
    const masters = api.model.session('masters')!;
    await masters.http.request('POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: PLAIN_NODE } }, timeoutMs: 30_000 });
    // Read the tree and the status bar at the same redraw, once the informer has the plain node:
    // the status bar's total must be the hollow nodes' (not hollow + other).
    let counts: ReturnType<typeof hollowCounts> = {};
    const tree = await eventually(`${PLAIN_NODE} under Other nodes, and the status bar drawn with it`, [api.onDidRefreshTree], () => {
      const t = api.tree(4);
      const other = (t[1]!.children ?? []).find((n) => /^Other nodes \(\d+\)$/.test(n.label));
      if (!(other?.children ?? []).some((n) => n.label === PLAIN_NODE)) throw new Error(`${PLAIN_NODE} not under Other nodes yet`);
      counts = hollowCounts(t, api.statusBarText());
      if (!counts.status || !counts.tree || counts.status.join('/') !== counts.tree.join('/')) throw new Error(`status bar ${counts.status?.join('/')} vs tree Ready/hollow ${counts.tree?.join('/')}: a plain node counted, or not redrawn yet`);
      return t;
    });
    const hollow = tree[1]!.children!.find((n) => n.label.startsWith('Hollow nodes ('))!;
    assert.ok(!flat(hollow.children).some((n) => n.label === PLAIN_NODE), 'not among the hollow nodes');
    for (const n of deployed!.nodes) assert.ok(flat(hollow.children).some((x) => x.label === n), `${n} among the hollow nodes`);
    const other = tree[1]!.children!.find((n) => n.label.startsWith('Other nodes ('))!;
    assert.ok(!(other.children ?? []).some((n) => deployed!.nodes.includes(n.label)), 'no hollow node among the other nodes');
    const hollowTotal = Number(/\((\d+)\)/.exec(hollow.label)![1]);
    assert.strictEqual(counts.status![1], hollowTotal, `the status bar counts hollow nodes only (${api.statusBarText()}, ${hollow.label}, ${other.label})`);
    await masters.http.request('DELETE', `/api/v1/nodes/${PLAIN_NODE}`, { timeoutMs: 30_000 });
  });

  test('5. Tear Down of that namespace removes the RC, what was created for it and its fake nodes', async function () {
    this.timeout(240_000);
    const removed = await vscode.commands.executeCommand<string[]>('kubemark.teardown', { namespace: NS, deleteNodes: true, throwOnError: true });
    log(`teardown removed: ${removed.join(', ')}`);
    for (const what of [`ReplicationController ${NS}/hollow-rc`, `ConfigMap ${NS}/node-configmap`, `Secret ${NS}/kubeconfig`, `Namespace ${NS}`, ...deployed!.nodes.map((n) => `Node ${n}`)]) {
      assert.ok(removed.includes(what), `${what} removed (${removed.join(', ')})`);
    }
    await treeUntil(`namespace ${NS} and its nodes gone from the tree`, 4, (t) => {
      const workers = flat(t[0]!.children);
      const masters = flat(t[1]!.children);
      return !workers.some((n) => n.label === NS || n.label === 'hollow-rc') && !masters.some((n) => deployed!.nodes.includes(n.label));
    }, 180_000);
  });
});
