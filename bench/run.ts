// `npm run bench`: one table, each figure beside its anchor measured in the same run.
// Lab-backed figures (initial sync of 5,000 nodes against kubectl) are `npm run bench:lab`.
// Figures only, no assertions. Writes the rows to out/bench/results.json for docs/benchmarks.md.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchLogFile } from './logFile';
import { benchActivation } from './activation';
import { benchTree } from './tree';
import { benchDashboard, printDashboardBench } from './dashboard';
import { benchTailWorker } from './tailWorker';
import { Row, formatTable } from './table';

async function main(): Promise<void> {
  const rows: Row[] = [];
  const logs = await benchLogFile();
  rows.push(...logs.rows);
  const act = benchActivation();
  rows.push(
    { what: 'activation on YAML: require + activate (own time)', ms: act.ownMs, anchor: 'bare `node -e ""` process', anchorMs: act.bareNodeMs, goal: '≤ 50 ms' },
    { what: 'activation on YAML: require + activate, CPU time', ms: act.ownCpuMs, anchor: 'bare `node -e ""` process', anchorMs: act.bareNodeMs, goal: '≤ 50 ms' },
    { what: 'first need: load dist/cluster.js + activate it', ms: act.clusterLoadMs, anchor: "`node -e` require('@kubernetes/client-node')", anchorMs: act.clientNodeRequireMs },
  );
  const tails = [await benchTailWorker(10, false), await benchTailWorker(10, true), await benchTailWorker(10, false, true, true)];
  const chunking = (t: { lineChunks: boolean; trickle: boolean }) => (t.trickle ? 'HTTPS, a line at a time, spread' : t.lineChunks ? 'a chunk a line' : '100 lines a chunk');
  for (const tail of tails) {
    rows.push({
      what: `Tail Logs, 50 streams × 1,000 lines/s, ${chunking(tail)}: CPU ms/s`, ms: tail.workerCpuMsPerSecond,
      anchor: 'plain http client, same streams, counts lines', anchorMs: tail.plainCpuMsPerSecond,
    });
  }
  console.log(formatTable(rows));
  console.log('');
  console.log(`log file: ${logs.mib.toFixed(0)} MiB, ${logs.lines.toLocaleString('en-US')} lines; ${logs.summaryText}; lines kept ${logs.kept} (grep -v: ${logs.grepKept}); filter CPU ${logs.fastCpuMs.toFixed(0)} ms`);
  for (const tail of tails) {
    console.log(`Tail Logs (local, no lab, ${chunking(tail)}): ${Math.round(tail.workerLinesPerSecond).toLocaleString('en-US')} lines/s read by the log worker, ${((tail.workerCpuMsPerSecond * 1000) / tail.workerLinesPerSecond).toFixed(2)} µs of CPU a line; the plain client ${Math.round(tail.plainLinesPerSecond).toLocaleString('en-US')} lines/s, ${((tail.plainCpuMsPerSecond * 1000) / tail.plainLinesPerSecond).toFixed(2)} µs a line; ${tail.seconds} s each`);
  }
  console.log(`activation: require ${act.requireMs.toFixed(1)} ms + activate ${act.activateMs.toFixed(1)} ms; first diagnostics ${act.firstDiagnosticsMs.toFixed(0)} ms after the require (${act.diagnostics} findings); ${act.commands} commands registered; client-node loaded at activation: ${act.clusterLoaded ? 'YES' : 'no'}`);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  console.log(`machine: ${machine}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} (at the end)`);
  benchTree(5000);
  printDashboardBench(benchDashboard());
  writeFileSync(join(__dirname, 'results.json'), JSON.stringify({ date: new Date().toISOString(), machine, rows, logs, activation: act, tail: tails }, null, 1));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
