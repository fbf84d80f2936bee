// Tail Logs: follows hollow-node pods into one output channel through the log filter. Noise is
// counted (a running summary), errors are marked; lines are batched so many pods at once do not
// freeze the editor.
import * as vscode from 'vscode';
import { LogFilter, LogFormatter, formatSummary, LogFilterSummary } from '../core/logs';
import { LogFollower, LogTarget, followLogs, sourceName, waitForContainerRunning } from '../cluster/logs';
import { ClusterSession } from '../cluster/session';
import { Log } from './log';

const FLUSH_MS = 200;
// The status bar counts live; the channel gets a summary line at most this often (and at the end).
const SUMMARY_MS = 30_000;
/** Lines kept per flush when a burst exceeds it; the rest are counted as dropped. */
const MAX_LINES_PER_FLUSH = 2000;
/** How long a stream that ended waits for its pod to run again (a restart, or a recreated pod). */
const REATTACH_MS = 120_000;

/** What the workers watch knows of the pods: lets a follow notice its pod was replaced. */
export interface PodSource {
  uid(pod: string): string | undefined;
  onChange(listener: () => void): { dispose(): void };
}

export interface TailSession {
  targets: LogTarget[];
  summary(): LogFilterSummary;
  /** Every line written to the channel by this session (for tests: bounded). */
  readonly written: string[];
  stop(): void;
  done: Promise<void>;
}

export class LogsController implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('Kubemark Logs');
  private readonly status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 99);
  private current: TailSession | undefined;

  constructor(private readonly log: Log) {
    this.status.command = 'kubemark.stopLogs';
  }

  get active(): TailSession | undefined {
    return this.current;
  }

  start(session: ClusterSession, targets: LogTarget[], extraPatterns: readonly unknown[], pods?: PodSource): TailSession {
    this.stop();
    const filter = new LogFilter({ extraPatterns, emitNoise: false });
    for (const p of filter.problems) this.log.warn(`kubemark.logs.extraNoisePatterns: ${p.message}`);
    const formatter = new LogFormatter({ showSource: targets.length > 1 });
    const written: string[] = [];
    let buffer: string[] = [];
    let dropped = 0;
    this.channel.clear();
    this.channel.show(true);
    this.channel.appendLine(`Following ${targets.length} container${targets.length === 1 ? '' : 's'} in ${session.context}: ${targets.map((t) => `${t.pod}/${t.container}`).join(', ')}`);
    this.channel.appendLine('Known kubemark noise is suppressed and counted; errors are marked ✖. Stop with "Kubemark: Stop Tailing Logs".');
    let shownSuppressed = -1;
    let shownErrors = -1;
    const flush = () => {
      const totals = filter.classifier.totals();
      if (totals.suppressed !== shownSuppressed || totals.errors !== shownErrors) {
        shownSuppressed = totals.suppressed;
        shownErrors = totals.errors;
        this.updateStatusCounts(totals.suppressed, totals.errors, targets.length);
      }
      if (buffer.length === 0 && dropped === 0) return;
      let text = buffer.join('\n');
      if (dropped > 0) text += `${text ? '\n' : ''}… ${dropped} lines not shown (burst too large; they were classified and counted)`;
      this.channel.appendLine(text);
      if (written.length < 10_000) written.push(...buffer.slice(0, 10_000 - written.length));
      buffer = [];
      dropped = 0;
    };
    let lastSummary = '';
    const writeSummary = () => {
      const s = formatSummary(filter.summary());
      if (s !== lastSummary) {
        lastSummary = s;
        flush();
        this.channel.appendLine(`── ${s}`);
      }
      this.updateStatus(filter.summary(), targets.length);
    };
    const flushTimer = setInterval(flush, FLUSH_MS);
    const summaryTimer = setInterval(writeSummary, SUMMARY_MS);
    // One follower per container: when a stream ends (the pod was deleted, the container
    // restarted) it follows the same pod name again once it runs, from where it stopped.
    const followers = new Map<string, { follower: LogFollower; uid: string | undefined }>();
    let stopped = false;
    let active = 0;
    let resolveDone!: () => void;
    const allDone = new Promise<void>((r) => (resolveDone = r));
    const settle = () => {
      if (active === 0) resolveDone();
    };
    const onChunk = (source: string, chunk: Buffer) => {
      filter.write(chunk, source, (c) => {
        const text = formatter.format(c);
        if (text === undefined) return;
        if (buffer.length < MAX_LINES_PER_FLUSH) buffer.push(text);
        else dropped++;
      });
    };
    const reattach = async (t: LogTarget) => {
      const endedAt = Date.now();
      const uid = await waitForContainerRunning(session, t, REATTACH_MS, () => stopped);
      if (stopped) return;
      if (uid === undefined) {
        buffer.push(`── ${sourceName(t)}: not running again within ${REATTACH_MS / 1000} s; no longer followed`);
        return;
      }
      buffer.push(`── ${sourceName(t)}: running again; following`);
      followOne(t, { sinceSeconds: Math.ceil((Date.now() - endedAt) / 1000) + 2 }, uid);
    };
    const followOne = (t: LogTarget, options: { tailLines?: number; sinceSeconds?: number }, uid: string | undefined) => {
      active++;
      const source = sourceName(t);
      const f = followLogs(session, [t], onChunk, (_source, error) => {
        for (const c of filter.flush(source)) {
          const text = formatter.format(c);
          if (text !== undefined) buffer.push(text);
        }
        buffer.push(error ? `── ${source}: ${error.message}` : `── ${source}: log stream ended`);
        if (!stopped) {
          active++;
          void reattach(t).finally(() => {
            active--;
            settle();
          });
        }
      }, options);
      followers.set(source, { follower: f, uid });
      void f.done.then(() => {
        if (followers.get(source)?.follower === f) followers.delete(source);
        active--;
        settle();
      });
    };
    // A deleted pod's log stream does not always end (it may hang on a lost node): when the watch
    // shows the pod gone or replaced, that follow is ended here and re-attached.
    const podWatch = pods?.onChange(() => {
      for (const t of targets) {
        const entry = followers.get(sourceName(t));
        if (!entry) continue;
        const now = pods.uid(t.pod);
        if (entry.uid !== undefined && now !== entry.uid) entry.follower.stop();
      }
    });
    for (const t of targets) followOne(t, { tailLines: 200 }, pods?.uid(t.pod));
    const tail: TailSession = {
      targets,
      written,
      summary: () => filter.summary(),
      stop: () => {
        stopped = true;
        for (const { follower } of followers.values()) follower.stop();
      },
      done: allDone.then(() => {
        podWatch?.dispose();
        clearInterval(flushTimer);
        clearInterval(summaryTimer);
        lastSummary = '';
        writeSummary();
        flush();
        this.channel.appendLine('── stopped');
        if (this.current === tail) {
          this.current = undefined;
          void vscode.commands.executeCommand('setContext', 'kubemark.tailing', false);
          this.status.hide();
        }
      }),
    };
    this.current = tail;
    void vscode.commands.executeCommand('setContext', 'kubemark.tailing', true);
    this.updateStatus(filter.summary(), targets.length);
    this.status.show();
    return tail;
  }

  private updateStatus(s: LogFilterSummary, n: number): void {
    this.updateStatusCounts(s.suppressed, s.errors, n);
    this.status.tooltip = `${formatSummary(s)}\nClick to stop tailing.`;
  }

  private updateStatusCounts(suppressed: number, errors: number, n: number): void {
    this.status.text = `$(output) ${n} log${n === 1 ? '' : 's'} · ${suppressed} suppressed · ${errors} error${errors === 1 ? '' : 's'}`;
  }

  stop(): void {
    this.current?.stop();
  }

  dispose(): void {
    this.stop();
    this.status.dispose();
    this.channel.dispose();
  }
}
