// Shared by the two runners of the in-VS Code suite (run-code-server.mjs, run-electron.mjs).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const suiteSrcDir = join(repoRoot, 'test/vscode/suite');
export const suiteOutDir = join(repoRoot, 'out/test/vscode/suite');
export const suiteIndex = join(suiteOutDir, 'index.js');

/** Environment variables forwarded from the runner's environment to the extension host. */
export const FORWARDED_ENV = ['CI', 'KUBECONFIG', 'KUBEMARK_LAB_DIR', 'KUBEMARK_TEST_GREP', 'KUBEMARK_TEST_TIMEOUT_MS'];
/** ...and every other KUBEMARK_* variable, except the runners' own settings below. */
const RUNNER_ONLY = /^KUBEMARK_(VSCODE_|EXTENSION_DIR$|KEEP_TMP$|SCREENSHOT_DIR$|RESULT_FILE$)/;

export function forwardedEnv(env = process.env) {
  const out = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (FORWARDED_ENV.includes(k) || (k.startsWith('KUBEMARK_') && !RUNNER_ONLY.test(k))) out[k] = v;
  }
  return out;
}

/**
 * The extension under test: the repo, or $KUBEMARK_EXTENSION_DIR. Builds the repo's first
 * (`npm run build`) unless `--no-build` is among the runner's arguments; checks `main` exists.
 */
export function extensionDir() {
  const dir = resolve(process.env.KUBEMARK_EXTENSION_DIR || repoRoot);
  if (dir === repoRoot && !process.argv.includes('--no-build')) {
    const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status ?? r.signal})`);
  }
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const main = pkg.main ? resolve(dir, pkg.main) : undefined;
  if (main && !existsSync(main) && !existsSync(`${main}.js`)) {
    throw new Error(`${main} does not exist: build the extension first (npm run build)`);
  }
  return dir;
}

/**
 * Bundles test/vscode/suite/{index,*.test}.ts into out/test/vscode/suite/*.js (CJS, `vscode`
 * and node_modules external), like `npm run compile-tests` does, after clearing that folder
 * so a deleted test file does not keep running from a stale .js.
 */
export async function compileSuite() {
  const { build } = await import('esbuild');
  const entries = readdirSync(suiteSrcDir)
    .filter((n) => n === 'index.ts' || n.endsWith('.test.ts'))
    .map((n) => join(suiteSrcDir, n));
  rmSync(suiteOutDir, { recursive: true, force: true });
  await build({
    entryPoints: entries,
    outdir: suiteOutDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    packages: 'external',
    external: ['vscode'],
    logLevel: 'warning',
  });
  return entries.length;
}

/** A fresh copy of test/fixtures/workspace (or an empty folder) at <parent>/workspace. */
export function makeWorkspace(parent) {
  const ws = join(parent, 'workspace');
  const fixture = join(repoRoot, 'test/fixtures/workspace');
  if (existsSync(fixture)) cpSync(fixture, ws, { recursive: true });
  else mkdirSync(ws, { recursive: true });
  return ws;
}

/** Parses `KUBEMARK-RESULT {json}` out of one log line. */
export function parseResultLine(line) {
  const m = /KUBEMARK-RESULT (\{.*\})\s*$/.exec(line);
  if (!m) return undefined;
  try { return JSON.parse(m[1]); } catch { return undefined; }
}

/** The cache folder scripts/vscode-deps.sh installs into (same rule as the script). */
export function depsCacheDir() {
  return process.env.KUBEMARK_VSCODE_CACHE
    || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kubemark-workbench/vscode');
}

export function elapsed(t0) {
  return `${((Date.now() - t0) / 1000).toFixed(1)}s`;
}
