// Tail Logs: one run at a time, written to the "Kubemark Logs" output channel through the log
// filter. The streams, the filter and the formatting run on a worker thread
// (src/cluster/tailWorker.ts), so many pods at once never stall the extension host; this side
// writes the batches it posts. Noise is counted (a running summary), errors are marked. A new
// run starts after the previous one has written its last lines, so nothing of one run lands in
// the next.
import * as vscode from 'vscode';
import { LogFilterSummary, formatSummary } from '../core/logs';
import { LogTarget, PodLookup, TailRun } from '../cluster/tailSession';
import { WorkerTailSession } from '../cluster/tailWorker';
import { ClusterSession } from '../cluster/session';
import { Log } from './log';
import { CancelledError } from '../core/errors';

export interface WrittenText {
  session: TailRun;
  text: string;
  /** The text replaced everything shown (the view was cut back to its last lines). */
  replaced?: boolean;
}

/** The setting kubemark.logs.maxLinesPerSecond as the run takes it (lines and errors alike); a bad value is the default. */
function shownPerSecond(n: number): { maxLinesPerSecond: number; maxErrorsPerSecond: number } {
  const v = Number.isFinite(n) && n >= 1 ? Math.min(Math.round(n), 10_000) : 100;
  return { maxLinesPerSecond: v, maxErrorsPerSecond: v };
}

/** The status bar's counts change at most this often (each change is drawn by the window). */
const STATUS_EVERY_MS = 1_000;

export class LogsController implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('Kubemark Logs');
  private readonly status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 99);
  private readonly wrote = new vscode.EventEmitter<WrittenText>();
  /** Everything a session writes to the channel, as it is written (for tests and other extensions). */
  readonly onDidWrite = this.wrote.event;
  private current: TailRun | undefined;
  /** The latest run, stopped or not: the next one waits for its last lines. */
  private last: TailRun | undefined;
  /** Counts Stop Tailing Logs: a start requested before the latest stop gives up. */
  private stops = 0;
  private disposed = false;
  private starting: Promise<unknown> = Promise.resolve();
  private statusTimer: ReturnType<typeof setTimeout> | undefined;
  private pendingStatus: { s: LogFilterSummary; n: number } | undefined;

  constructor(private readonly log: Log) {
    this.status.command = 'kubemark.stopLogs';
  }

  get active(): TailRun | undefined {
    return this.current;
  }

  /** Starts one after the other: each waits until the run before it has written its last lines. */
  start(session: ClusterSession, targets: LogTarget[], extraPatterns: readonly unknown[], pods: PodLookup | undefined, idleTimeoutMs: number): Promise<TailRun> {
    // A Stop Tailing Logs after this request (while it waits its turn) cancels it.
    const stops = this.stops;
    const next = this.starting.then(() => this.startNow(session, targets, extraPatterns, pods, idleTimeoutMs, stops));
    this.starting = next.catch(() => undefined);
    return next;
  }

  private async startNow(session: ClusterSession, targets: LogTarget[], extraPatterns: readonly unknown[], pods: PodLookup | undefined, idleTimeoutMs: number, stops: number): Promise<TailRun> {
    if (stops !== this.stops) throw new CancelledError('Tail Logs was stopped before it started.');
    // The previous run's last lines and summary are written before this one clears the channel
    // (also when it was stopped by Stop Tailing Logs just before).
    this.stopCurrent();
    await this.last?.done;
    if (this.disposed) throw new CancelledError('The Kubemark extension is shutting down.');
    if (stops !== this.stops) throw new CancelledError('Tail Logs was stopped before it started.');
    const channel = this.channel;
    const wrote = this.wrote;
    let tail!: TailRun;
    tail = new WorkerTailSession(session, targets, {
      clear: () => {
        if (!this.disposed) channel.clear();
      },
      append: (text) => {
        if (this.disposed) return;
        channel.appendLine(text);
        wrote.fire({ session: tail, text });
      },
      replace: (text) => {
        if (this.disposed) return;
        channel.replace(`${text}\n`);
        wrote.fire({ session: tail, text, replaced: true });
      },
    }, pods, {
      extraPatterns,
      idleTimeoutMs,
      scrollbackLines: vscode.workspace.getConfiguration('kubemark').get<number>('logs.scrollbackLines', 5000),
      ...shownPerSecond(vscode.workspace.getConfiguration('kubemark').get<number>('logs.maxLinesPerSecond', 100)),
      onCounts: (s) => {
        if (this.current === tail) this.updateStatus(s, targets.length);
      },
    });
    for (const p of tail.problems) this.log.warn(`kubemark.logs.extraNoisePatterns: ${p.message}`);
    tail.start();
    this.current = tail;
    this.last = tail;
    // A run that ends by itself (its worker failed) leaves the status bar and the Stop command.
    void tail.done.then(() => {
      if (this.current !== tail) return;
      this.current = undefined;
      if (this.statusTimer) clearTimeout(this.statusTimer);
      this.statusTimer = undefined;
      this.pendingStatus = undefined;
      void vscode.commands.executeCommand('setContext', 'kubemark.tailing', false);
      this.status.hide();
    });
    channel.show(true);
    void vscode.commands.executeCommand('setContext', 'kubemark.tailing', true);
    // A new run's counts at once, not after the last run's second.
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.statusTimer = undefined;
    this.updateStatus(tail.summary(), targets.length);
    this.status.show();
    return tail;
  }

  /**
   * The counts in the status bar: at once the first time and after a quiet second, else once a
   * second with the latest counts (a run gives them with every batch of lines).
   */
  private updateStatus(s: LogFilterSummary, n: number): void {
    this.pendingStatus = { s, n };
    if (this.statusTimer) return;
    this.drawStatus();
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      if (this.pendingStatus) this.updateStatus(this.pendingStatus.s, this.pendingStatus.n);
    }, STATUS_EVERY_MS);
  }

  private drawStatus(): void {
    const p = this.pendingStatus;
    this.pendingStatus = undefined;
    if (!p) return;
    const { s, n } = p;
    const text = `$(output) ${n} log${n === 1 ? '' : 's'} · ${s.suppressed} suppressed · ${s.errors} error${s.errors === 1 ? '' : 's'}`;
    const tooltip = `${formatSummary(s)}\nClick to stop tailing.`;
    // Each change is drawn by the window: none when nothing changed.
    if (text !== this.status.text) this.status.text = text;
    if (tooltip !== this.status.tooltip) this.status.tooltip = tooltip;
  }

  /** Stop Tailing Logs: ends the run, and any Tail Logs still waiting to start. */
  stop(): void {
    this.stops++;
    this.stopCurrent();
  }

  private stopCurrent(): void {
    const tail = this.current;
    if (!tail) return;
    this.current = undefined;
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.statusTimer = undefined;
    this.pendingStatus = undefined;
    tail.stop();
    void vscode.commands.executeCommand('setContext', 'kubemark.tailing', false);
    this.status.hide();
  }

  dispose(): void {
    this.stop();
    this.disposed = true;
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.status.dispose();
    this.channel.dispose();
    this.wrote.dispose();
  }
}
