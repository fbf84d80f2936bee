// Activation benchmark in plain Node: require + activate() of dist/extension.js with a `vscode`
// stub (bench/vscodeStub.ts) and one kubemark manifest open, as when a user opens a YAML file.
// Each figure is a fresh child process (node out/bench/activation.js --child), so nothing is
// warm; the anchor is a bare `node -e` that requires nothing, measured the same way.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface ActivationChildResult {
  requireMs: number;
  activateMs: number;
  /** CPU time of the require + activate. */
  cpuMs: number;
  /** From the require to the open manifest's diagnostics. */
  firstDiagnosticsMs: number;
  /** dist/cluster.js (client-node, cluster layer) in the require cache after activate. */
  clusterLoaded: boolean;
  diagnostics: number;
  commands: number;
  /** With --load: first access to the cluster API (require of dist/cluster.js + its activate). */
  clusterLoadMs?: number;
  clusterLoadedAfter?: boolean;
}

export interface ActivationBenchResult {
  runs: number;
  /** Medians. */
  ownMs: number;
  requireMs: number;
  activateMs: number;
  ownCpuMs: number;
  firstDiagnosticsMs: number;
  clusterLoadMs: number;
  /** Wall time of a bare `node -e ""`. */
  bareNodeMs: number;
  /** require('@kubernetes/client-node') timed inside a fresh `node -e`. */
  clientNodeRequireMs: number;
  /** Wall time of the whole child process (start-up, stub, require, activate, first lint). */
  processMs: number;
  clusterLoaded: boolean;
  diagnostics: number;
  commands: number;
}

const root = resolve(__dirname, '../..');
/** This file compiled (out/bench/activation.js), also when bundled into out/bench/run.js. */
const SCRIPT = join(__dirname, 'activation.js');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** In the child: measure and print one JSON line. */
async function child(load: boolean): Promise<void> {
  const { installVscodeStub, stubContext, yamlDocument } = await import('./vscodeStub');
  const rec = installVscodeStub([yamlDocument(join(root, 'test/fixtures/manifests/seed-indented.yaml'))]);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const ext = require(join(root, 'dist/extension.js')) as { activate(ctx: unknown): Promise<Record<string, unknown>> };
  const t1 = performance.now();
  const api = await ext.activate(stubContext());
  const t2 = performance.now();
  const cpu = process.cpuUsage(c0);
  // The open manifest is linted just after activate returns: wait for its diagnostics.
  while (rec.diagnostics.size === 0) await new Promise((r) => setImmediate(r));
  const t2b = performance.now();
  const clusterFile = join(root, 'dist/cluster.js');
  const out: ActivationChildResult = {
    requireMs: t1 - t0,
    activateMs: t2 - t1,
    cpuMs: (cpu.user + cpu.system) / 1000,
    firstDiagnosticsMs: t2b - t0,
    clusterLoaded: clusterFile in require.cache,
    diagnostics: [...rec.diagnostics.values()].reduce((n, d) => n + d.length, 0),
    commands: rec.commands.size,
  };
  if (load) {
    const t3 = performance.now();
    void api.model;
    out.clusterLoadMs = performance.now() - t3;
    out.clusterLoadedAfter = clusterFile in require.cache;
  }
  console.log(JSON.stringify(out));
  process.exit(0);
}

/** Wall time of a bare `node -e ""` process (Node's own start-up). */
function bareNodeOnce(): number {
  const t = performance.now();
  spawnSync(process.execPath, ['-e', ''], { encoding: 'utf8' });
  return performance.now() - t;
}

/** `node -e` that requires @kubernetes/client-node, timed inside (what activation used to pay). */
function clientNodeOnce(): number {
  const r = spawnSync(process.execPath, ['-e', 'const {performance}=require("node:perf_hooks");const t=performance.now();require("@kubernetes/client-node");console.log(performance.now()-t)'], { encoding: 'utf8', cwd: root });
  return Number(r.stdout.trim());
}

export function benchActivation(runs = 7): ActivationBenchResult {
  const results: ActivationChildResult[] = [];
  const walls: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [SCRIPT, '--child', ...(i % 2 === 1 ? ['--load'] : [])], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`activation child failed (${r.status}): ${r.stderr}`);
    if (i % 2 === 0) walls.push(performance.now() - t);
    results.push(JSON.parse(r.stdout.trim().split('\n').pop() as string) as ActivationChildResult);
  }
  const bare = Array.from({ length: runs }, bareNodeOnce);
  const clientNode = Array.from({ length: 3 }, clientNodeOnce);
  const loads = results.filter((r) => r.clusterLoadMs !== undefined).map((r) => r.clusterLoadMs as number);
  return {
    runs,
    ownMs: median(results.map((r) => r.requireMs + r.activateMs)),
    requireMs: median(results.map((r) => r.requireMs)),
    activateMs: median(results.map((r) => r.activateMs)),
    ownCpuMs: median(results.map((r) => r.cpuMs)),
    firstDiagnosticsMs: median(results.map((r) => r.firstDiagnosticsMs)),
    clusterLoadMs: loads.length ? median(loads) : NaN,
    bareNodeMs: median(bare),
    clientNodeRequireMs: median(clientNode),
    processMs: median(walls),
    clusterLoaded: results.some((r) => r.clusterLoaded),
    diagnostics: (results[0] as ActivationChildResult).diagnostics,
    commands: (results[0] as ActivationChildResult).commands,
  };
}

// Only as its own script: this module is bundled into out/bench/run.js too.
if (/activation\.js$/.test(process.argv[1] ?? '')) {
  if (process.argv.includes('--child')) void child(process.argv.includes('--load'));
  else console.log(JSON.stringify(benchActivation(), null, 1));
}
