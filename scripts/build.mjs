// Builds the extension bundle (dist/extension.js), the lint CLI bundle (dist/cli.js)
// and, with --tests, every test and benchmark entry into out/ (same paths, .js).
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
  console.log(`built ${entries.length} test entries in ${Date.now() - started} ms`);
} else {
  await build({
    ...common,
    entryPoints: { extension: join(root, 'src/extension.ts'), cli: join(root, 'src/cli/kubemarkLint.ts'), core: join(root, 'src/core/index.ts') },
    outdir: join(root, 'dist'),
    metafile: false,
  });
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
