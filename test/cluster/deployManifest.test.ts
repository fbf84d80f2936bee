// Deploy This Manifest against the lab: a ReplicationController in a namespace of its own,
// whose namespace, node-configmap and kubeconfig Secret do not exist, becomes Ready fake nodes;
// the workers informer over every namespace groups its pods under the RC; those nodes report
// kubemark's fake runtime (what isHollowNode reads); Tear Down by our label removes everything.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployManifest } from '../../src/cluster/deployManifest';
import { teardown } from '../../src/cluster/services';
import { MastersState, OWNER_KINDS, WorkersState } from '../../src/cluster/state';
import { isHollowNode } from '../../src/cluster/records';
import { groupHollowPods } from '../../src/cluster/viewModel';
import { exportStandaloneKubeconfig } from '../../src/core/kubeconfig';
import { ClusterSession } from '../../src/cluster/session';
import { REPO, describeWithLab, sessions, waitFor } from './lab';

const NS = `km-rc-${Date.now() % 100000}`;
import { lint } from '../../src/core/rules';

const TEXT = readFileSync(join(REPO, 'test/fixtures/manifests/hollow-node-rc.yaml'), 'utf8').replace(/namespace: kubemark-rc/g, `namespace: ${NS}`);

/** The fixture has no inotify init container: at least that warning (the rules decide how many). */
const WARNINGS = lint(TEXT).filter((f) => f.severity === 'warning').length;

describeWithLab('Deploy This Manifest on a ReplicationController in its own namespace', () => {
  const { kc, workers, masters } = sessions();
  const ws = new WorkersState(new ClusterSession(kc, workers.context), 'kubemark', { listWatch: { initialBackoffMs: 200 } });
  const ms = new MastersState(new ClusterSession(kc, masters.context));
  let nodes: string[] = [];

  after(async () => {
    ws.dispose();
    ms.dispose();
    await workers.http.request('DELETE', `/api/v1/namespaces/${NS}`).catch(() => undefined);
    for (const n of nodes) await masters.http.request('DELETE', `/api/v1/nodes/${n}`).catch(() => undefined);
  });

  test('without allowWarnings nor a confirm, lint warnings stop it before anything is applied', async () => {
    assert.ok(WARNINGS >= 1, 'the fixture has lint warnings');
    await assert.rejects(
      deployManifest(workers, masters, { text: TEXT, defaultNamespace: 'kubemark', timeoutMs: 1000, lab: true, mastersKubeconfig: () => exportStandaloneKubeconfig(kc, masters.context) }, () => undefined),
      new RegExp(`Nothing was applied: ${WARNINGS} warnings?: line \\d+: .* pass allowWarnings to go on`),
    );
    await assert.rejects(workers.http.request('GET', `/api/v1/namespaces/${NS}`), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  test('creates what is missing, applies, and follows the two fake nodes until Ready (held informers)', { timeout: 300_000 }, async () => {
    await Promise.all([ws.start(), ms.start()]);
    await waitFor('the all-namespaces scope', () => ws.scope?.all === true);
    const logged: string[] = [];
    const r = await deployManifest(workers, masters, {
      text: TEXT, defaultNamespace: 'kubemark', timeoutMs: 240_000, lab: true, allowWarnings: true,
      mastersKubeconfig: () => exportStandaloneKubeconfig(kc, masters.context),
      log: (m) => logged.push(m), nodes: ms.nodes, pods: (ns) => (ws.covers(ns) ? ws.pods : undefined),
    }, () => undefined);
    nodes = r.nodes;
    assert.deepEqual(r.created, [`Namespace ${NS}`, `ConfigMap ${NS}/node-configmap`, `Secret ${NS}/kubeconfig`]);
    assert.deepEqual(r.applied, [`ReplicationController ${NS}/hollow-rc`]);
    assert.equal(r.ready, 2);
    assert.equal(r.desired, 2);
    assert.equal(r.nodes.length, 2);
    for (const n of r.nodes) assert.match(n, /^hollow-rc-[a-z0-9]{5}$/);
    assert.equal(r.warnings.length, WARNINGS, 'the lint warnings, allowed');
    assert.ok(logged.some((l) => /local lab is selected: expected there/.test(l) && /loopback/.test(l)), 'the loopback warning said once in the log');
    assert.ok(!r.warnings.some((w) => /loopback/.test(w)), 'and not asked about');

    // What a hollow node reports (checked here on the lab's real ones): kubemark's fake CRI runtime.
    for (const n of r.nodes) {
      const node = await masters.http.request<any>('GET', `/api/v1/nodes/${n}`);
      assert.match(node.status.nodeInfo.containerRuntimeVersion, /^fakeRuntime:\/\//, JSON.stringify(node.status.nodeInfo));
      assert.equal(isHollowNode(node), true);
      assert.equal(ms.nodes.items.get(n)?.hollow, true);
    }
    const groups = groupHollowPods(ws.pods.items.values(), OWNER_KINDS.flatMap((k) => [...ws.owners[k].items.values()]));
    const g = groups.find((x) => x.namespace === NS);
    assert.deepEqual(g?.owners.map((o) => [o.kind, o.name, o.pods.length]), [['ReplicationController', 'hollow-rc', 2]]);
  });

  test('Tear Down by our label removes the RC, what was created for it, and its fake nodes', { timeout: 240_000 }, async () => {
    const removed = await teardown(workers, masters, { namespace: NS, deleteNodes: true }, () => undefined);
    for (const what of [`ReplicationController ${NS}/hollow-rc`, `ConfigMap ${NS}/node-configmap`, `Secret ${NS}/kubeconfig`, `Namespace ${NS}`, ...nodes.map((n) => `Node ${n}`)]) {
      assert.ok(removed.includes(what), `${what} in ${JSON.stringify(removed)}`);
    }
    await waitFor('the fake nodes gone from the informer', () => nodes.every((n) => !ms.nodes.items.has(n)), 60_000);
    await waitFor('no pods of it in the informer', () => ![...ws.pods.items.values()].some((p) => p.namespace === NS), 120_000);
  });
});
