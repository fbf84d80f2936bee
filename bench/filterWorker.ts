// Worker of bench/logFileParallel.ts: filters bytes [start, end) of a log file with its own
// LogFilter, in 64 KiB chunks as the single-threaded benchmark does, and posts the kept-line
// count and the summary back.
import { parentPort } from 'node:worker_threads';
import { closeSync, openSync, readSync } from 'node:fs';
import { LogFilter } from '../src/core/logs';

export interface FilterJob {
  file: string;
  start: number;
  end: number;
  chunk: number;
}

parentPort?.on('message', (job: FilterJob) => {
  const filter = new LogFilter({ emitNoise: false });
  const fd = openSync(job.file, 'r');
  const buf = Buffer.allocUnsafe(job.chunk);
  let kept = 0;
  const onLine = () => {
    kept++;
  };
  try {
    let pos = job.start;
    while (pos < job.end) {
      const n = readSync(fd, buf, 0, Math.min(job.chunk, job.end - pos), pos);
      if (n <= 0) break;
      filter.write(buf.subarray(0, n), undefined, onLine);
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
  kept += filter.flush().length;
  parentPort?.postMessage({ kept, summary: filter.summary() });
});
