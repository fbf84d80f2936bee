// Credential hygiene, last of the suite (files run in name order): after the lab tests ran
// Deploy, Scaffold, Tail Logs, failures and Tear Down, nothing the extension wrote holds any
// piece of the lab's tokens, client keys or certificates: its output channels' log files, the
// notifications it showed, the workspace files, the tree's labels, descriptions and tooltips.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { SecretScanner, filesUnder, labSecrets } from '../../common/secretScan';
import { activeExtension, log, workspaceFolder } from './helpers';

interface Api {
  logDir: string;
  tree(depth?: number): unknown[];
}

suite('Credential hygiene', () => {
  test('no piece of a lab credential in logs, notifications, workspace files or the tree', async function () {
    const labDir = process.env.KUBEMARK_LAB_DIR ?? '';
    if (!labDir || !fs.existsSync(path.join(labDir, 'kubeconfig'))) {
      if (process.env.CI) throw new Error('the credential hygiene test needs the lab under CI (KUBEMARK_LAB_DIR)');
      this.skip();
    }
    const scanner = new SecretScanner(labSecrets(labDir));
    const kubeconfig = fs.readFileSync(path.join(labDir, 'kubeconfig'), 'utf8');
    // The scan can fail: it finds the credentials in the lab's own kubeconfig.
    assert.ok(scanner.size > 1000, `only ${scanner.size} pieces of secrets`);
    assert.ok(scanner.find(kubeconfig), 'the scanner finds the kubeconfig credentials');

    const api = (await activeExtension()).exports as Api;
    const sources: Array<{ what: string; text: string }> = [];
    // Output channels are written under the extension host's log folder, beside the extension's own.
    const exthostLogs = path.dirname(api.logDir);
    const logs = filesUnder(exthostLogs).filter((f) => /output_logging|kubemark/i.test(f.path));
    assert.ok(logs.some((f) => /Kubemark/.test(path.basename(f.path)) && f.text.length > 0), `the Kubemark output log is found under ${exthostLogs}: ${logs.map((f) => f.path).join(', ')}`);
    for (const f of logs) sources.push({ what: f.path, text: f.text });
    const notes = (globalThis as { kubemarkNotifications?: string[] }).kubemarkNotifications ?? [];
    assert.ok(notes.length > 0, 'notifications were recorded');
    sources.push({ what: 'notifications', text: notes.join('\n') });
    for (const f of filesUnder(workspaceFolder().uri.fsPath, (p) => /node_modules|\.git$/.test(p))) sources.push({ what: f.path, text: f.text });
    sources.push({ what: 'tree', text: JSON.stringify(api.tree(8)) });

    const hits = sources.map((s) => ({ what: s.what, hit: scanner.find(s.text) })).filter((x) => x.hit);
    log(`hygiene: scanned ${sources.length} sources (${sources.reduce((a, s) => a + s.text.length, 0)} characters), ${hits.length} hits`);
    assert.deepEqual(hits.map((h) => `${h.what} at ${h.hit!.at}`), []);
  });
});
