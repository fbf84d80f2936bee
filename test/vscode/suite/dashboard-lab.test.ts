/// <reference types="mocha" />
// "Kubemark: Open Dashboard" against the local lab while 10 hollow nodes are deployed: the
// dashboard is opened by its command on the lab's clusters (fed by the extension's own
// informers), and what is asserted is the WEBVIEW's state, as the page reports it after each
// update it merged (its `ack`: the newest value of each series it holds, the series length,
// the updates it received) — not the model's. Skipped unless KUBEMARK_LAB_DIR names a lab:
//
//   npm run lab:up
//   KUBEMARK_LAB_DIR=$PWD/.kubemark-lab KUBEMARK_TEST_GREP=Dashboard npm run test:vscode
//
// Deploys into a namespace of its own (and a StatefulSet name of its own, so its fake nodes
// cannot be mistaken for another suite's), and tears it down with its fake nodes after.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DashboardAck } from '../../../src/core/dashboard';
import { EXTENSION_ID, activeExtension, canScreenshot, eventually, log, screenshot } from './helpers';

interface SnapshotNode { label: string; description?: string; contextValue?: string; children?: SnapshotNode[] }
/** The slice of the extension's test API this suite reads (the extension's own objects). */
interface OpenPanel {
  readonly webviewState: DashboardAck | undefined;
  readonly onDidAck: vscode.Event<DashboardAck>;
  readonly onDidPost: vscode.Event<{ at: number; seq: number; rows: number }>;
  readonly posts: number;
  dispose(): void;
}
interface Api {
  tree(depth?: number): SnapshotNode[];
  onDidRefreshTree: vscode.Event<void>;
  model: { contexts(): Array<{ name: string }> };
  dashboard: { openPanel: OpenPanel | undefined };
}

const WORKERS = 'kubemark-lab-workers';
const MASTERS = 'kubemark-lab-masters';
const NAMESPACE = 'kubemark-dashboard-test';
const NAME = 'dash-node';
const REPLICAS = 10;
/** Delivery from the extension host to the page may bunch two updates a little closer than sent. */
const DELIVERY_JITTER_MS = 500;

suite('Lab: Dashboard during a deploy of 10 hollow nodes (needs npm run lab:up)', function () {
  let api: Api;
  let deployed = false;
  const subs: vscode.Disposable[] = [];

  suiteSetup(async function () {
    this.timeout(150_000);
    const labDir = process.env.KUBEMARK_LAB_DIR ?? '';
    if (!labDir || !path.isAbsolute(labDir) || !fs.existsSync(path.join(labDir, 'kubeconfig'))) {
      const why = `KUBEMARK_LAB_DIR=${labDir || '(unset)'} does not name a lab folder with a kubeconfig (npm run lab:up; then KUBEMARK_LAB_DIR=$PWD/.kubemark-lab)`;
      if (process.env.CI) throw new Error(`lab tests cannot run under CI: ${why}`);
      log(`dashboard lab test skipped: ${why}`);
      this.skip();
    }
    api = (await activeExtension()).exports as Api;
    const config = vscode.workspace.getConfiguration('kubemark');
    await config.update('kubeconfig', path.join(labDir, 'kubeconfig'), vscode.ConfigurationTarget.Global);
    await config.update('namespace', NAMESPACE, vscode.ConfigurationTarget.Global);
    await eventually('the lab contexts to be loaded', [api.onDidRefreshTree, vscode.workspace.onDidChangeConfiguration], () => {
      const names = api.model.contexts().map((c) => c.name);
      return names.includes(WORKERS) && names.includes(MASTERS);
    });
    assert.strictEqual(await vscode.commands.executeCommand('kubemark.selectWorkersCluster', { context: WORKERS, throwOnError: true }), WORKERS);
    assert.strictEqual(await vscode.commands.executeCommand('kubemark.selectMastersCluster', { context: MASTERS, throwOnError: true }), MASTERS);
    await eventually('both clusters reachable (a version on each root)', [api.onDidRefreshTree], () => {
      const t = api.tree(1);
      return t.length === 2 && t.every((r) => /\bv1\.\d+\.\d+/.test(r.description ?? ''));
    }, 90_000);
  });

  suiteTeardown(async function () {
    this.timeout(240_000);
    for (const s of subs.splice(0)) s.dispose();
    if (!api) return;
    api.dashboard.openPanel?.dispose();
    if (deployed) {
      const removed = await vscode.commands.executeCommand<string[]>('kubemark.teardown', { namespace: NAMESPACE, name: NAME, deleteNodes: true, throwOnError: true })
        .then((r) => r, (e: unknown) => { log(`teardown of ${NAMESPACE}/${NAME} failed: ${String(e)}`); return []; });
      log(`teardown removed: ${removed.join(', ') || 'nothing'}`);
    }
    const config = vscode.workspace.getConfiguration('kubemark');
    await config.update('namespace', undefined, vscode.ConfigurationTarget.Global);
    await config.update('kubeconfig', undefined, vscode.ConfigurationTarget.Global);
  });

  test('Open Dashboard, deploy 10 hollow nodes: the webview\'s own Ready series reaches 10, at most one update a second', async function () {
    this.timeout(420_000);
    const masters = api.tree(1)[1]!;
    const version = /\b(v\d+\.\d+\.\d+)/.exec(masters.description ?? '')?.[1];
    assert.ok(version, `the masters version in "${masters.description}"`);

    await vscode.commands.executeCommand('kubemark.openDashboard');
    const panel = api.dashboard.openPanel;
    assert.ok(panel, 'Open Dashboard opened the panel');
    const acks: DashboardAck[] = [];
    const posts: number[] = [];
    subs.push(panel.onDidAck((a) => acks.push(a)), panel.onDidPost((p) => posts.push(p.at)));
    // The page loads, says "ready", gets the history, and reports what it merged.
    const first = await eventually('the webview\'s first state report', [panel.onDidAck], () => panel.webviewState, 60_000);
    const baseline = first.latest['nodes.ready'] ?? 0;
    log(`dashboard open: the webview holds ${first.rows} rows, ${baseline} hollow nodes Ready before the deploy`);
    if (canScreenshot()) await screenshot('dashboard-lab-before');

    const image = `registry.k8s.io/kubemark:${version}`;
    log(`deploying ${REPLICAS} hollow nodes (${NAMESPACE}/${NAME}, ${image}) with the dashboard open`);
    deployed = true;
    const deploying = Promise.resolve(vscode.commands.executeCommand<{ ready: number; desired: number; nodes: string[] }>('kubemark.deploy', {
      image, name: NAME, replicas: REPLICAS, allowWarnings: true, review: false, throwOnError: true, timeoutSeconds: 360,
    }));
    // A failed deploy ends the wait at once, with its own message.
    const failed = deploying.then(() => new Promise<never>(() => undefined), (e: unknown) => {
      throw new Error(`deploy failed: ${e instanceof Error ? e.message : String(e)}`);
    });
    failed.catch(() => undefined);

    const target = baseline + REPLICAS;
    const reached = await Promise.race([
      eventually(`the webview's Ready series at ${target}`, [panel.onDidAck], () => {
        const s = panel.webviewState;
        return s && s.latest['nodes.ready'] === target ? s : undefined;
      }, 400_000),
      failed,
    ]);
    const result = await deploying;
    assert.strictEqual(result.ready, REPLICAS, 'deploy says 10 fake nodes Ready');
    assert.deepStrictEqual([...result.nodes].sort(), Array.from({ length: REPLICAS }, (_, i) => `${NAME}-${i}`).sort());

    // What the page held when it reported 10 Ready: the series grew during the deploy.
    log(`webview: ${reached.latest['nodes.ready']} Ready, ${reached.rows} rows, ${reached.received} updates received over ${reached.spanMs} ms; ${posts.length} posted during the deploy`);
    log(`the webview's Ready count, update by update: ${acks.slice(0, acks.indexOf(reached) + 1).map((a) => a.latest['nodes.ready']).join(' ')}`);
    assert.strictEqual(reached.latest['nodes.ready'], target);
    assert.strictEqual(acks.indexOf(reached) + 1, reached.received, 'the page reported after every update it got, and was not reloaded meanwhile');
    assert.ok(reached.rows > first.rows, `the webview's series grew (${first.rows} → ${reached.rows} rows)`);
    assert.strictEqual(reached.seq - first.seq, reached.rows - first.rows, 'every row sampled meanwhile reached the webview, none twice');
    assert.strictEqual(reached.latest['nodes.notReady'], 0, 'no hollow node NotReady at the end');
    assert.ok((reached.latest['pods.running'] ?? 0) >= REPLICAS, `the pods of the deploy are Running in the webview's series (${reached.latest['pods.running']})`);

    // At most one update a second, counted by the page itself over the whole run...
    const allowed = 1 + Math.floor((reached.spanMs + DELIVERY_JITTER_MS) / 1000);
    assert.ok(reached.received >= 2, `the webview got updates during the deploy (${reached.received})`);
    assert.ok(reached.received <= allowed, `the webview got ${reached.received} updates in ${reached.spanMs} ms: more than one a second`);
    // ...and as sent: every two updates at least a second apart.
    for (let i = 1; i < posts.length; i++) assert.ok(posts[i]! - posts[i - 1]! >= 1000, `updates posted ${posts[i]! - posts[i - 1]!} ms apart`);
    if (canScreenshot()) await screenshot('dashboard-lab');
  });

  test('Why Not Ready? is in the context menu of the deployed pods, their StatefulSet and their fake nodes', async function () {
    this.timeout(120_000);
    if (!deployed) this.skip();
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    const entry = (pkg.contributes.menus['view/item/context'] as Array<{ command: string; when: string }>).find((m) => m.command === 'kubemark.whyNotReady');
    assert.ok(entry, 'a context-menu entry for kubemark.whyNotReady');
    const m = /^view == kubemark\.clusters && viewItem =~ \/(.+)\/$/.exec(entry.when);
    assert.ok(m, `the when clause matches on viewItem: ${entry.when}`);
    const offered = new RegExp(m[1]!);
    const flat = (nodes: SnapshotNode[] | undefined): SnapshotNode[] => (nodes ?? []).flatMap((n) => [n, ...flat(n.children)]);
    // The rows as the tree renders them: namespace → StatefulSet → pods; Hollow nodes → Ready → fake nodes.
    const rows = await eventually('the deployed StatefulSet, its 10 pods and 10 fake nodes in the tree', [api.onDidRefreshTree], () => {
      const t = api.tree(4);
      const ns = (t[0]?.children ?? []).find((n) => n.label === NAMESPACE);
      const owner = (ns?.children ?? []).find((n) => n.label === NAME);
      const pods = owner?.children ?? [];
      const nodes = flat(t[1]?.children).filter((n) => n.label.startsWith(`${NAME}-`) && !n.children?.length);
      return owner && pods.length === REPLICAS && nodes.length === REPLICAS ? { owner, pods, nodes } : undefined;
    }, 60_000);
    assert.strictEqual(rows.owner.contextValue, 'kubemark.statefulSet');
    assert.ok(offered.test(rows.owner.contextValue!), `offered on the owner (${rows.owner.contextValue})`);
    for (const p of rows.pods) assert.ok(p.contextValue && offered.test(p.contextValue), `offered on pod ${p.label} (${p.contextValue})`);
    for (const n of rows.nodes) assert.ok(n.contextValue && offered.test(n.contextValue), `offered on fake node ${n.label} (${n.contextValue})`);
    // And it answers for them (here: Ready) through the same command, by name.
    const r = await vscode.commands.executeCommand<{ code: string }>('kubemark.whyNotReady', { node: `${NAME}-0`, throwOnError: true });
    assert.strictEqual(r.code, 'ready');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
