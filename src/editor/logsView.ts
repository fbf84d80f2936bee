// Tail Logs: one TailSession at a time, written to the "Kubemark Logs" output channel through
// the log filter. Noise is counted (a running summary), errors are marked; lines are batched so
// many pods at once do not freeze the editor. A new run starts after the previous one has
// written its last lines, so nothing of one run lands in the next.
import * as vscode from 'vscode';
import { LogFilterSummary, formatSummary } from '../core/logs';
import { LogTarget, PodLookup, TailSession } from '../cluster/tailSession';
import { ClusterSession } from '../cluster/session';
import { Log } from './log';

export interface WrittenText {
  session: TailSession;
  text: string;
}

export class LogsController implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('Kubemark Logs');
  private readonly status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 99);
  private readonly wrote = new vscode.EventEmitter<WrittenText>();
  /** Everything a session writes to the channel, as it is written (for tests and other extensions). */
  readonly onDidWrite = this.wrote.event;
  private current: TailSession | undefined;

  constructor(private readonly log: Log) {
    this.status.command = 'kubemark.stopLogs';
  }

  get active(): TailSession | undefined {
    return this.current;
  }

  start(session: ClusterSession, targets: LogTarget[], extraPatterns: readonly unknown[], pods: PodLookup | undefined, idleTimeoutMs: number): TailSession {
    this.stop();
    const channel = this.channel;
    const wrote = this.wrote;
    let tail!: TailSession;
    tail = new TailSession(session, targets, {
      clear: () => channel.clear(),
      append: (text) => {
        channel.appendLine(text);
        wrote.fire({ session: tail, text });
      },
    }, pods, {
      extraPatterns,
      idleTimeoutMs,
      onCounts: (s) => {
        if (this.current === tail) this.updateStatus(s, targets.length);
      },
    });
    for (const p of tail.problems) this.log.warn(`kubemark.logs.extraNoisePatterns: ${p.message}`);
    this.current = tail;
    tail.start();
    channel.show(true);
    void vscode.commands.executeCommand('setContext', 'kubemark.tailing', true);
    this.updateStatus(tail.summary(), targets.length);
    this.status.show();
    return tail;
  }

  private updateStatus(s: LogFilterSummary, n: number): void {
    this.status.text = `$(output) ${n} log${n === 1 ? '' : 's'} · ${s.suppressed} suppressed · ${s.errors} error${s.errors === 1 ? '' : 's'}`;
    this.status.tooltip = `${formatSummary(s)}\nClick to stop tailing.`;
  }

  stop(): void {
    const tail = this.current;
    if (!tail) return;
    this.current = undefined;
    tail.stop();
    void vscode.commands.executeCommand('setContext', 'kubemark.tailing', false);
    this.status.hide();
  }

  dispose(): void {
    this.stop();
    this.status.dispose();
    this.channel.dispose();
    this.wrote.dispose();
  }
}
