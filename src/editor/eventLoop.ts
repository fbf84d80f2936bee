// How long the extension host's event loop is held up (perf_hooks.monitorEventLoopDelay), so a
// stall shows: reported at debug level every minute and read through the extension API.
import { monitorEventLoopDelay, IntervalHistogram, performance, EventLoopUtilization } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { Log } from './log';

export interface EventLoopDelay {
  /** Milliseconds since the last reset. */
  p50: number;
  p99: number;
  max: number;
  samples: number;
  /** Share of the time the thread was busy (not waiting for I/O or timers), 0..1. */
  utilization: number;
  /**
   * CPU time this thread used, in milliseconds per second of the window (NaN where Node lacks
   * process.threadCpuUsage). Unlike utilization, time spent waiting for a core does not count:
   * it is the thread's own work.
   */
  cpuMsPerSecond: number;
}

/** This thread's CPU time in microseconds and the time it was read, or undefined (a Node without process.threadCpuUsage). */
function threadCpu(): { us: number; at: number } | undefined {
  const f = (process as { threadCpuUsage?: () => { user: number; system: number } }).threadCpuUsage;
  if (typeof f !== 'function') return undefined;
  const u = f.call(process);
  return { us: u.user + u.system, at: performance.now() };
}

/**
 * Two histograms: the minute's one for the debug log, and the one API readers reset and read, so
 * that the minute's report never empties a reader's window. Each sample is the time between two
 * ticks of a RESOLUTION_MS timer, so an idle loop reads about RESOLUTION_MS.
 */
export class EventLoopMonitor implements vscode.Disposable {
  static readonly RESOLUTION_MS = 10;
  private readonly minute: IntervalHistogram = monitorEventLoopDelay({ resolution: EventLoopMonitor.RESOLUTION_MS });
  private readonly window: IntervalHistogram = monitorEventLoopDelay({ resolution: EventLoopMonitor.RESOLUTION_MS });
  private readonly timer: ReturnType<typeof setInterval>;
  private since: EventLoopUtilization = performance.eventLoopUtilization();
  private cpuSince = threadCpu();
  private disposed = false;

  constructor(private readonly log: Log, reportMs = 60_000) {
    this.minute.enable();
    this.window.enable();
    this.timer = setInterval(() => {
      const d = summarize(this.minute, undefined);
      this.log.debug(`event-loop delay over the last minute: p50 ${d.p50.toFixed(1)} ms, p99 ${d.p99.toFixed(1)} ms, max ${d.max.toFixed(1)} ms (${d.samples} samples of ${EventLoopMonitor.RESOLUTION_MS} ms ticks)`);
      this.minute.reset();
    }, reportMs);
  }

  /** The delay since the last `reset()` (or since activation). */
  read(): EventLoopDelay {
    const d = summarize(this.window, this.since);
    const now = threadCpu();
    const was = this.cpuSince;
    d.cpuMsPerSecond = now && was && now.at > was.at ? (now.us - was.us) / (now.at - was.at) : NaN;
    return d;
  }

  /**
   * Starts a new window. A histogram that was just reset records nothing for its first timer
   * interval (it only takes the time), so a stall right after reset() would be lost: the promise
   * resolves once the window has its first sample, from when on every stall counts.
   */
  reset(): Promise<void> {
    this.window.reset();
    this.since = performance.eventLoopUtilization();
    this.cpuSince = threadCpu();
    const window = this.window;
    // Resolves at the latest after a second, and at once after dispose (its histogram stops).
    const deadline = Date.now() + 1000;
    return new Promise((resolve) => {
      const check = () => (window.count > 0 || this.disposed || Date.now() > deadline ? resolve() : void setTimeout(check, EventLoopMonitor.RESOLUTION_MS));
      setTimeout(check, EventLoopMonitor.RESOLUTION_MS);
    });
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.timer);
    this.minute.disable();
    this.window.disable();
  }
}

function summarize(h: IntervalHistogram, since: EventLoopUtilization | undefined): EventLoopDelay {
  const ms = (ns: number) => (Number.isFinite(ns) ? ns / 1e6 : 0);
  const utilization = since ? performance.eventLoopUtilization(since).utilization : NaN;
  return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), samples: h.count, utilization, cpuMsPerSecond: NaN };
}
