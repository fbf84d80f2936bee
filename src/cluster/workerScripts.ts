// Where the extension's worker-thread bundles are: beside the cluster bundle (dist/), or the
// test build's copies (out/dist/, written by `npm run compile-tests`, so that a suite never
// starts a stale one and a test build never rewrites the dist/ a running extension uses).
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The path of `file` (e.g. logWorker.js), or undefined when the extension does not have it. */
export function findWorkerScript(file: string): string | undefined {
  const beside = path.join(__dirname, file);
  if (existsSync(beside)) return beside;
  const parts = __dirname.split(path.sep);
  const out = parts.lastIndexOf('out');
  if (out > 0) {
    const root = parts.slice(0, out).join(path.sep) || path.sep;
    for (const candidate of [path.join(root, 'out', 'dist', file), path.join(root, 'dist', file)]) {
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}
