// Builds the extension bundles, the lint CLI bundle (dist/cli.js) and, with --tests, every
// test and benchmark entry into out/ (same paths, .js).
// The extension is two bundles: dist/extension.js (activation: diagnostics, quick fixes; small)
// and dist/cluster.js (@kubernetes/client-node and the cluster layer), which extension.js
// requires on first need (src/editor/lazyCluster.ts). The build fails if client-node or the
// cluster layer ends up in dist/extension.js.
// One esbuild call per target; `vscode` is always external.
import { build } from 'esbuild';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const root = new URL('..', import.meta.url).pathname;

function findEntries(dir, match) {
  const out = [];
  let names;
  try { names = readdirSync(dir); } catch { return out; }
  for (const name of names) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name === 'node_modules' || name === 'fixtures') continue;
      out.push(...findEntries(full, match));
    } else if (match(name)) {
      out.push(full);
    }
  }
  return out;
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  external: ['vscode'],
};

// The worker threads' bundles: Tail Logs' reader, and the list pages' decoder.
const WORKERS = {
  logWorker: join(root, 'src/cluster/logWorker.ts'),
  listWorker: join(root, 'src/cluster/listWorker.ts'),
};

const started = Date.now();
if (args.has('--tests')) {
  const entries = [
    ...findEntries(join(root, 'test'), (n) => n.endsWith('.test.ts') || n === 'index.ts'),
    ...findEntries(join(root, 'bench'), (n) => n.endsWith('.ts')),
  ].filter((f) => !f.includes(`${join('test', 'lab')}`));
  await build({
    ...common,
    entryPoints: entries,
    outdir: join(root, 'out'),
    outbase: root,
    // Tests load dependencies from node_modules at run time (mocha in the extension host).
    packages: 'external',
  });
  // The log worker thread the tests start, in out/dist/ (src/cluster/tailWorker.ts looks there
  // for bundles under out/), so that a suite never starts a stale one and this never rewrites
  // the dist/ a running extension (a lab's code-server) loads.
  await build({ ...common, entryPoints: WORKERS, outdir: join(root, 'out/dist') });
  console.log(`built ${entries.length} test entries and out/dist/{${Object.keys(WORKERS).join(',')}}.js in ${Date.now() - started} ms`);
} else {
  const result = await build({
    ...common,
    entryPoints: {
      extension: join(root, 'src/extension.ts'),
      cluster: join(root, 'src/editor/activateCluster.ts'),
      cli: join(root, 'src/cli/kubemarkLint.ts'),
      core: join(root, 'src/core/index.ts'),
      ...WORKERS,
    },
    outdir: join(root, 'dist'),
    metafile: true,
  });
  const extension = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('dist/extension.js'));
  const eager = Object.keys(extension?.[1].inputs ?? {}).filter((f) => f.includes('@kubernetes/client-node') || /src\/cluster\/(session|listWatch|state)\.ts$/.test(f) || f.endsWith('src/editor/clusters.ts'));
  if (eager.length > 0) {
    console.error(`dist/extension.js must not bundle the cluster layer (it is loaded lazily from dist/cluster.js), but it includes:\n  ${eager.slice(0, 10).join('\n  ')}\nImport it from src/editor/activateCluster.ts instead, or with "import type" in the activation path.`);
    process.exit(1);
  }
  // A worker thread loads only its own pipeline: no client-node (its ~1 s of start-up), no vscode.
  for (const name of Object.keys(WORKERS)) {
    const worker = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith(`dist/${name}.js`));
    if (!worker) {
      console.error(`dist/${name}.js was not built`);
      process.exit(1);
    }
    const heavy = [
      ...Object.keys(worker[1].inputs).filter((f) => f.includes('@kubernetes/client-node') || f.includes('src/editor/')),
      ...worker[1].imports.filter((i) => i.path === 'vscode').map(() => 'vscode (there is no vscode module in a worker thread)'),
    ];
    if (heavy.length > 0) {
      console.error(`dist/${name}.js must hold only its worker's pipeline, but it includes:\n  ${heavy.slice(0, 10).join('\n  ')}\nUse "import type" for what it only names.`);
      process.exit(1);
    }
  }
  // The dashboard webview (browser code: uPlot and its CSS bundled into dist/webview/).
  await build({
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: production ? false : 'linked',
    minify: production,
    logLevel: 'warning',
    entryPoints: { dashboard: join(root, 'media/dashboard/src/main.ts') },
    outdir: join(root, 'dist/webview'),
  });
  console.log(`built dist/ (${production ? 'production' : 'development'}) in ${Date.now() - started} ms`);
}
