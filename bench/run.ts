// Runs every benchmark: `npm run bench` (node out/bench/run.js). Figures only, no assertions.
import { benchLogFilter, printLogFilterBench } from './logFilter';
import { benchTree } from './tree';
import { benchDashboard, printDashboardBench } from './dashboard';

function main(): void {
  printLogFilterBench(benchLogFilter());
  benchTree(5000);
  printDashboardBench(benchDashboard());
}

main();
