// How long the extension host's event loop is held up (perf_hooks.monitorEventLoopDelay), so a
// stall shows: reported at debug level every minute and read through the extension API.
import { monitorEventLoopDelay, IntervalHistogram } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { Log } from './log';

export interface EventLoopDelay {
  /** Milliseconds since the last reset. */
  p50: number;
  p99: number;
  max: number;
  samples: number;
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

  constructor(private readonly log: Log, reportMs = 60_000) {
    this.minute.enable();
    this.window.enable();
    this.timer = setInterval(() => {
      const d = summarize(this.minute);
      this.log.debug(`event-loop delay over the last minute: p50 ${d.p50.toFixed(1)} ms, p99 ${d.p99.toFixed(1)} ms, max ${d.max.toFixed(1)} ms (${d.samples} samples of ${EventLoopMonitor.RESOLUTION_MS} ms ticks)`);
      this.minute.reset();
    }, reportMs);
  }

  /** The delay since the last `reset()` (or since activation). */
  read(): EventLoopDelay {
    return summarize(this.window);
  }

  reset(): void {
    this.window.reset();
  }

  dispose(): void {
    clearInterval(this.timer);
    this.minute.disable();
    this.window.disable();
  }
}

function summarize(h: IntervalHistogram): EventLoopDelay {
  const ms = (ns: number) => (Number.isFinite(ns) ? ns / 1e6 : 0);
  return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), samples: h.count };
}
