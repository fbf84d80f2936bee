// Runs every benchmark: `npm run bench` (node out/bench/run.js).
import { benchLogFilter, printLogFilterBench } from './logFilter';

function main(): void {
  printLogFilterBench(benchLogFilter());
}

main();
