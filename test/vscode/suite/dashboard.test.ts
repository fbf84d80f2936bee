/// <reference types="mocha" />
// The dashboard webview in a real VS Code: the bundled uPlot page loads under its CSP, takes
// the model's history, acknowledges what it holds (its setState copy), coalesces pushes into
// at most one update a second, and still holds the history after being hidden and shown again.
// Fed by a model sampled here (the live informers are wired by the extension, not this test).
import * as assert from 'assert';
import * as vscode from 'vscode';
import { COLUMNS, DashboardModel, FromWebview } from '../../../src/core/dashboard';
import { DashboardPanel } from '../../../src/editor/dashboard/panel';
import { activeExtension, canScreenshot, nextEvent, screenshot } from './helpers';

type Ack = Extract<FromWebview, { type: 'ack' }>;
type Ready = Extract<FromWebview, { type: 'ready' }>;

const LE = ['0.005', '0.025', '0.05', '0.1', '0.2', '0.4', '0.6', '0.8', '1', '1.25', '1.5', '2', '3', '4', '5', '+Inf'];
/** An apiserver /metrics excerpt whose counts grow with `k` (a slower tail each scrape). */
function metrics(k: number): string {
  const lines: string[] = [];
  for (const [verb, scope] of [['GET', 'resource'], ['LIST', 'cluster'], ['LIST', 'namespace'], ['PATCH', 'resource'], ['POST', 'resource'], ['PUT', 'resource']] as const) {
    let acc = 0;
    LE.forEach((le, i) => {
      acc += Math.max(0, 40 - i * (verb === 'LIST' ? 3 : 6)) * k + (i === k + 6 ? k : 0);
      lines.push(`apiserver_request_duration_seconds_bucket{component="apiserver",resource="nodes",scope="${scope}",subresource="",verb="${verb}",version="v1",le="${le}"} ${acc}`);
    });
  }
  return `${lines.join('\n')}\n`;
}

const input = (ready: number, notReady = 0) => ({
  nodes: { ready, notReady, unknown: 0 },
  pods: { pending: 10 - ready, running: ready, succeeded: 0, failed: 0, unknown: 0 },
  desiredReplicas: 10,
});

suite('Dashboard webview', () => {
  let panel: DashboardPanel | undefined;
  const messages = new vscode.EventEmitter<FromWebview>();
  const acks: { postedAt: number; ack: Ack }[] = [];
  let lastPost = 0;

  suiteTeardown(() => {
    panel?.dispose();
    messages.dispose();
  });

  test('shows the history, acks it, coalesces pushes, and keeps it while hidden', async () => {
    const ext = await activeExtension();
    const model = new DashboardModel();
    const t0 = Date.now() - 20_000;
    // Ten Leases renewed 1–10 s ago and one stale one, as the Lease watch would report them.
    for (let i = 0; i < 10; i++) model.observeLease(`hollow-node-${i}`, t0 + 10_000 - (i + 1) * 1000);
    model.observeLease('hollow-node-10', t0 - 60_000);
    model.sample(input(0), t0 - 1000);
    for (let i = 0; i <= 10; i++) {
      if (i % 2 === 0) model.observeMetrics(metrics(i + 1), t0 + i * 1000);
      model.sample(input(i, i < 10 ? 1 : 0), t0 + i * 1000);
    }

    const firstAck = nextEvent('the first ack', messages.event, (m) => m.type === 'ack', 30_000);
    panel = DashboardPanel.show(ext.extensionUri, model, 'Kubemark Dashboard (test)');
    panel.onDidPost((p) => (lastPost = p.at));
    panel.onDidReceiveMessage((m) => {
      // Each ack answers the update posted last.
      if (m.type === 'ack') acks.push({ postedAt: lastPost, ack: m });
      messages.fire(m);
    });
    const ack = (await firstAck) as Ack;
    assert.equal(ack.rows, 12, 'every sampled row reached the webview');
    assert.equal(ack.latest['nodes.ready'], 10, 'the series reach 10 Ready');
    assert.equal(ack.latest['nodes.notReady'], 0);
    assert.equal(Object.keys(ack.latest).length, COLUMNS.length);
    if (canScreenshot()) await screenshot('dashboard');

    // Pushes in quick succession: updates leave at most once a second, the last one has everything.
    const posts: number[] = [];
    const sub = panel.onDidPost((p) => posts.push(p.at));
    const before = acks.length;
    model.sample(input(10), Date.now() + 1000);
    panel.push();
    model.sample(input(10), Date.now() + 2000);
    panel.push();
    panel.push();
    const next = (await nextEvent('the ack of the last push', messages.event, (m) => m.type === 'ack' && (m as Ack).rows === 14, 10_000)) as Ack;
    sub.dispose();
    assert.equal(next.seq, model.fine.lastSeq);
    const sends = [acks[0]!.postedAt, ...posts];
    for (let i = 1; i < sends.length; i++) assert.ok(sends[i]! - sends[i - 1]! >= 990, `updates posted ${sends[i]! - sends[i - 1]!} ms apart`);
    assert.ok(posts.length >= 1 && posts.length <= 2, `${posts.length} updates for 3 pushes`);
    assert.ok(acks.length - before <= 2);

    // Hide the panel behind an editor, then show it again: the rebuilt page starts from its state.
    const doc = await vscode.workspace.openTextDocument({ content: 'hide the dashboard', language: 'plaintext' });
    const hidden = nextEvent('the panel hidden', panel.panel.onDidChangeViewState, (e) => !e.webviewPanel.visible);
    await vscode.window.showTextDocument(doc, { viewColumn: panel.panel.viewColumn ?? vscode.ViewColumn.Active, preview: false });
    await hidden;
    const ready = nextEvent('ready after being shown again', messages.event, (m) => m.type === 'ready', 30_000);
    panel.panel.reveal(panel.panel.viewColumn, false);
    const r = (await ready) as Ready;
    assert.equal(r.seq, model.fine.lastSeq, 'the webview state kept every row while hidden');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor').then(undefined, () => undefined);

    const csv = panel.csv().trim().split('\n');
    assert.equal(csv[0], ['time', ...COLUMNS].join(','));
    assert.equal(csv.length, 1 + 14);
  });
});
