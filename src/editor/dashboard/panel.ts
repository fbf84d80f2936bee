// "Kubemark: Open Dashboard": one webview panel that plots the DashboardModel. The model lives
// in the extension host (the truth); the webview keeps a copy of the history in its state
// (setState) so hiding the view loses nothing, and asks for what it misses when it comes back.
// Updates go out at most once a second however often push() is called.
import * as vscode from 'vscode';
import { COLUMNS, DashboardAck, DashboardSnapshot, FromWebview, ToWebview, toCsv } from '../../core/dashboard';

/** What the panel reads: the DashboardModel satisfies it. */
export interface DashboardSource {
  snapshot(sinceSeq?: number): DashboardSnapshot;
}

/** The slice of the vscode API the panel uses (injected for tests). */
export interface DashboardHost {
  window: Pick<typeof vscode.window, 'createWebviewPanel' | 'showSaveDialog' | 'showInformationMessage' | 'showErrorMessage'>;
  fs: Pick<vscode.FileSystem, 'writeFile'>;
}

export const DASHBOARD_VIEW_TYPE = 'kubemark.dashboard';
export const MIN_UPDATE_INTERVAL_MS = 1000;

function nonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 32; i++) s += chars.charAt(Math.floor(Math.random() * chars.length));
  return s;
}

export class DashboardPanel implements vscode.Disposable {
  private static current: DashboardPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private readonly emitter = new vscode.EventEmitter<void>();
  /** Fires when the user closes the panel. */
  readonly onDidDispose = this.emitter.event;
  private readonly postEmitter = new vscode.EventEmitter<{ at: number; seq: number; rows: number }>();
  /** Fires with each update posted to the webview (at most one a second). */
  readonly onDidPost = this.postEmitter.event;
  /** Sequence number of the newest fine row the webview holds; -1 until it said "ready". */
  private sentSeq = -1;
  private lastSentAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  /** Messages received from the webview (tests read the state through this). */
  private readonly listeners = new Set<(m: FromWebview) => void>();
  private lastAck: DashboardAck | undefined;
  private readonly ackEmitter = new vscode.EventEmitter<DashboardAck>();
  /** Fires with each state report of the webview (after every update it merged). */
  readonly onDidAck = this.ackEmitter.event;
  /** Updates posted to the webview since the panel opened. */
  posts = 0;

  /** Opens the dashboard (or reveals the open one) for a model. */
  static show(extensionUri: vscode.Uri, source: DashboardSource, title = 'Kubemark Dashboard', host: DashboardHost = { window: vscode.window, fs: vscode.workspace.fs }): DashboardPanel {
    const open = DashboardPanel.current;
    if (open && !open.disposed) {
      open.source = source;
      open.title = title;
      open.panel.reveal(undefined, true);
      open.push();
      return open;
    }
    const panel = host.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, title, { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, DashboardPanel.webviewOptions(extensionUri));
    return (DashboardPanel.current = new DashboardPanel(panel, extensionUri, source, title, host));
  }

  /** For a WebviewPanelSerializer: takes over a panel VS Code restored after a reload. */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, source: DashboardSource, title = 'Kubemark Dashboard', host: DashboardHost = { window: vscode.window, fs: vscode.workspace.fs }): DashboardPanel {
    panel.webview.options = DashboardPanel.webviewOptions(extensionUri);
    return (DashboardPanel.current = new DashboardPanel(panel, extensionUri, source, title, host));
  }

  static webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    // No retainContextWhenHidden: the webview state carries the history, which is cheaper.
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')] };
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private source: DashboardSource,
    private title: string,
    private readonly host: DashboardHost,
  ) {
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: FromWebview) => void this.handle(m)),
      panel.onDidChangeViewState(() => {
        // A hidden webview is rebuilt when shown and says "ready" again; nothing to send meanwhile.
        if (!panel.visible) this.sentSeq = -1;
      }),
    );
  }

  /**
   * The model has new data: send what the webview has not seen yet, at most once a second
   * (calls in between are coalesced into one update at the end of the second).
   */
  push(): void {
    if (this.disposed || this.sentSeq < 0) return;
    const wait = this.lastSentAt + MIN_UPDATE_INTERVAL_MS - Date.now();
    if (wait > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.push();
      }, wait);
      return;
    }
    this.send(false);
  }

  /**
   * What the webview last said it holds (its own copy of the history: newest values, series
   * length, updates received), or undefined before its first update.
   */
  get webviewState(): DashboardAck | undefined {
    return this.lastAck;
  }

  /** Called with every message from the webview (for tests and telemetry-free diagnostics). */
  onDidReceiveMessage(listener: (m: FromWebview) => void): vscode.Disposable {
    this.listeners.add(listener);
    return new vscode.Disposable(() => this.listeners.delete(listener));
  }

  private send(reset: boolean): void {
    const snapshot = this.source.snapshot(reset ? 0 : this.sentSeq);
    const msg: ToWebview = { type: 'snapshot', snapshot, reset, title: this.title };
    void this.panel.webview.postMessage(msg);
    this.sentSeq = snapshot.fine.seq;
    this.lastSentAt = Date.now();
    this.posts++;
    this.postEmitter.fire({ at: this.lastSentAt, seq: snapshot.fine.seq, rows: snapshot.fine.times.length });
  }

  private async handle(m: FromWebview): Promise<void> {
    for (const l of this.listeners) l(m);
    switch (m.type) {
      case 'ack':
        this.lastAck = m;
        this.ackEmitter.fire(m);
        return;
      case 'ready': {
        // The webview holds rows up to m.seq; a model restarted since then (lower seq) means start over.
        const last = this.source.snapshot(Number.MAX_SAFE_INTEGER).fine.seq;
        const reset = m.seq > last || m.seq <= 0;
        this.sentSeq = reset ? 0 : m.seq;
        this.send(reset);
        return;
      }
      case 'exportCsv':
        return this.exportCsv();
      case 'savePng':
        return this.savePng(m.dataUrl);
      default:
        return;
    }
  }

  /** Every series of the session: the coarse rows older than the fine tier, then the fine rows. */
  csv(): string {
    const s = this.source.snapshot(0);
    const firstFine = s.fine.times[0] ?? Infinity;
    const times: number[] = [];
    const values: number[][] = s.columns.map(() => []);
    s.coarse.times.forEach((t, i) => {
      // A coarse row stands for [t, t + step): only minutes that end before the fine rows begin.
      if (t + s.bounds.coarseStepMs > firstFine) return;
      times.push(t);
      s.columns.forEach((_, c) => (values[c] as number[]).push(s.coarse.values[c]?.[i] ?? NaN));
    });
    s.fine.times.forEach((t, i) => {
      times.push(t);
      s.columns.forEach((_, c) => (values[c] as number[]).push(s.fine.values[c]?.[i] ?? NaN));
    });
    return toCsv({ columns: s.columns, times, values });
  }

  private async exportCsv(): Promise<void> {
    const uri = await this.host.window.showSaveDialog({ title: 'Export the dashboard series as CSV', saveLabel: 'Export CSV', filters: { CSV: ['csv'] }, defaultUri: vscode.Uri.file(`kubemark-dashboard-${stamp()}.csv`) });
    if (!uri) return;
    try {
      await this.host.fs.writeFile(uri, Buffer.from(this.csv(), 'utf8'));
      void this.host.window.showInformationMessage(`Exported ${COLUMNS.length} series to ${uri.fsPath}.`);
    } catch (err) {
      void this.host.window.showErrorMessage(`Could not write ${uri.fsPath}: ${(err as Error).message}. Pick another folder and try again.`);
    }
  }

  private async savePng(dataUrl: string): Promise<void> {
    const m = /^data:image\/png;base64,([A-Za-z0-9+/=]+)$/.exec(dataUrl);
    if (!m) {
      void this.host.window.showErrorMessage('The dashboard could not draw the image. Try again once the charts show data.');
      return;
    }
    const uri = await this.host.window.showSaveDialog({ title: 'Save the dashboard as PNG', saveLabel: 'Save PNG', filters: { PNG: ['png'] }, defaultUri: vscode.Uri.file(`kubemark-dashboard-${stamp()}.png`) });
    if (!uri) return;
    try {
      await this.host.fs.writeFile(uri, Buffer.from(m[1] as string, 'base64'));
    } catch (err) {
      void this.host.window.showErrorMessage(`Could not write ${uri.fsPath}: ${(err as Error).message}. Pick another folder and try again.`);
    }
  }

  private html(): string {
    const webview = this.panel.webview;
    const base = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(base, 'dashboard.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(base, 'dashboard.css'));
    const n = nonce();
    const csp = [
      "default-src 'none'",
      `img-src ${webview.cspSource} data:`,
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${n}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Kubemark Dashboard</title>
</head>
<body>
<header class="toolbar" role="toolbar" aria-label="Dashboard actions">
  <h1 id="title">Kubemark Dashboard</h1>
  <label>Range <select id="range" aria-label="Time range">
    <option value="300">5 min</option><option value="900" selected>15 min</option><option value="3600">1 hour</option><option value="0">Session</option>
  </select></label>
  <button id="csv" type="button">Export CSV</button>
  <button id="png" type="button">Save as PNG</button>
  <span id="status" role="status" aria-live="polite"></span>
</header>
<main id="panels"></main>
<script nonce="${n}" src="${script}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    this.panel.dispose();
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
    this.emitter.fire();
    this.emitter.dispose();
    this.postEmitter.dispose();
    this.ackEmitter.dispose();
  }
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
}
