// Helpers for the suites that run inside the VS Code extension host (see test/vscode/README.md).
// Wait on events, never on sleeps: `eventually` re-checks a condition each time an event fires.
import * as fs from 'fs';
import * as path from 'path';
import * as util from 'util';
import * as assert from 'assert';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'kubemark-workbench.kubemark-workbench';

/** The extension under test, activated. */
export async function activeExtension(): Promise<vscode.Extension<unknown>> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded in this extension host`);
  await ext.activate();
  return ext;
}

/** The workspace folder the runner opened (a temp copy of test/fixtures/workspace, or an empty folder). */
export function workspaceFolder(): vscode.WorkspaceFolder {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open; the runner should open one');
  return folder;
}

/**
 * Resolves with check()'s first result that is not undefined (or false), re-checking it
 * now and then each time one of `events` fires; rejects after timeoutMs naming `what`.
 *
 *   const diags = await eventually('diagnostics for a.yaml', [vscode.languages.onDidChangeDiagnostics],
 *     () => { const d = vscode.languages.getDiagnostics(uri); return d.length ? d : undefined; });
 */
export function eventually<T>(
  what: string,
  events: vscode.Event<unknown>[],
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const subs: vscode.Disposable[] = [];
    let done = false;
    let lastError: unknown;
    const finish = (err: Error | undefined, value?: T) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      subs.forEach((s) => s.dispose());
      if (err) reject(err);
      else resolve(value as T);
    };
    const timer = setTimeout(() => {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`));
    }, timeoutMs);
    let checking = false;
    let again = false;
    const probe = async () => {
      if (done) return;
      if (checking) { again = true; return; }
      checking = true;
      try {
        do {
          again = false;
          try {
            const v = await check();
            if (v !== undefined && v !== false) { finish(undefined, v as T); return; }
          } catch (e) {
            lastError = e;
          }
        } while (again && !done);
      } finally {
        checking = false;
      }
    };
    for (const ev of events) subs.push(ev(() => void probe()));
    void probe();
  });
}

/** The next firing of `event` for which `predicate` holds (all firings if none is given). */
export function nextEvent<T>(what: string, event: vscode.Event<T>, predicate: (e: T) => boolean = () => true, timeoutMs = 20_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => { sub.dispose(); reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)); }, timeoutMs);
    const sub = event((e) => {
      if (!predicate(e)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(e);
    });
  });
}

/** True when the runner can take screenshots (the code-server runner; not @vscode/test-electron). */
export function canScreenshot(): boolean {
  return !!process.env.KUBEMARK_SCREENSHOT_DIR;
}

/**
 * Asks the runner for a screenshot of the whole workbench, saved as
 * $KUBEMARK_SCREENSHOT_DIR/<name>.png (or at `name` when it is an absolute .png path), and
 * waits until it is written. Returns the path, or undefined when the runner cannot take
 * screenshots. Protocol: print `KUBEMARK-SCREENSHOT <abs path>`; the runner writes
 * `<abs path>.done` (containing "ok" or an error) when the file is there.
 */
export async function screenshot(name: string, timeoutMs = 30_000): Promise<string | undefined> {
  const dir = process.env.KUBEMARK_SCREENSHOT_DIR;
  if (!dir) return undefined;
  const file = path.isAbsolute(name) ? name : path.join(dir, name.endsWith('.png') ? name : `${name}.png`);
  const done = `${file}.done`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.rmSync(done, { force: true });
  console.log(`KUBEMARK-SCREENSHOT ${file}`);
  // A file written by another process fires no event here: poll it, with a deadline.
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(done)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for the runner to save ${file}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const status = fs.readFileSync(done, 'utf8').trim();
  fs.rmSync(done, { force: true });
  if (status !== 'ok') throw new Error(`the runner could not save ${file}: ${status}`);
  return file;
}

/**
 * console.log for tests: under the code-server runner only prefixed lines are shown (the
 * workbench's own log arrives on the same channel), so print through this to be seen.
 */
export function log(...args: unknown[]): void {
  const text = util.format(...args);
  console.log(process.env.KUBEMARK_TEST_RUNNER === 'code-server' ? text.split('\n').map((l) => `KUBEMARK| ${l}`).join('\n') : text);
}

export function kubemarkDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'kubemark');
}

/**
 * Resolves once every re-check the extension had scheduled before this call has run: the
 * diagnostics debounce each document with one timer of the same length, so a sentinel
 * document edited now is checked after any document edited earlier.
 */
export async function diagnosticsSettled(): Promise<void> {
  const clean = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: node-configmap\n  namespace: kubemark\ndata:\n  content.type: application/json\n';
  const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: clean });
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(6, 16, 6, 32), 'test-cluster');
  assert.ok(await vscode.workspace.applyEdit(edit));
  await eventually('the sentinel document to be re-checked', [vscode.languages.onDidChangeDiagnostics],
    () => kubemarkDiagnostics(doc.uri).some((d) => d.code === 'invalid-content-type'));
}
