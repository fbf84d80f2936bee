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

export class EventLoopMonitor implements vscode.Disposable {
  private readonly h: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly log: Log, reportMs = 60_000) {
    this.h.enable();
    this.timer = setInterval(() => {
      const d = this.read();
      this.log.debug(`event-loop delay over the last minute: p50 ${d.p50.toFixed(1)} ms, p99 ${d.p99.toFixed(1)} ms, max ${d.max.toFixed(1)} ms`);
      this.h.reset();
    }, reportMs);
  }

  /** The delay since the last reset (or since `reset()` when a test called it). */
  read(): EventLoopDelay {
    const ms = (ns: number) => (Number.isFinite(ns) ? ns / 1e6 : 0);
    return { p50: ms(this.h.percentile(50)), p99: ms(this.h.percentile(99)), max: ms(this.h.max), samples: this.h.count };
  }

  reset(): void {
    this.h.reset();
  }

  dispose(): void {
    clearInterval(this.timer);
    this.h.disable();
  }
}
