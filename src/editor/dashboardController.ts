// "Kubemark: Open Dashboard": feeds the dashboard model from the informers the extension already
// holds (no second node or pod watch), plus one cheap Lease watch in kube-node-lease that keeps a
// number per Lease, and the masters apiserver's /metrics every 10 s. Sampled at most once a
// second; the webview gets at most one update a second. History stays for the session.
import * as vscode from 'vscode';
import { DashboardModel, DashboardInput } from '../core/dashboard';
import { ListWatch } from '../cluster/listWatch';
import { decodedLister, MastersState } from '../cluster/state';
import { readApiserverMetrics } from '../cluster/metrics';
import { ClusterModel } from './model';
import { DashboardPanel } from './dashboard/panel';
import { Log } from './log';

const SAMPLE_MS = 1000;
const METRICS_MS = 10_000;
const LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';

export class DashboardController implements vscode.Disposable {
  readonly model = new DashboardModel();
  private panel: DashboardPanel | undefined;
  private leases: ListWatch<number> | undefined;
  private leasesOf: MastersState | undefined;
  private nodeSub: { dispose(): void } | undefined;
  private nodesOf: MastersState | undefined;
  private nodeAdds = 0;
  private sampler: ReturnType<typeof setInterval> | undefined;
  private metricsTimer: ReturnType<typeof setInterval> | undefined;
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly clusters: ClusterModel, private readonly extensionUri: vscode.Uri, private readonly log: Log) {}

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** The open panel (its webview's last reported state: `panel.webviewState`, `panel.onDidAck`). */
  get openPanel(): DashboardPanel | undefined {
    return this.panel;
  }

  open(): DashboardPanel {
    if (this.panel) {
      DashboardPanel.show(this.extensionUri, this.model, this.title());
      return this.panel;
    }
    const panel = DashboardPanel.show(this.extensionUri, this.model, this.title());
    this.panel = panel;
    this.follow();
    this.subs.push(this.clusters.onDidChange(() => this.follow()));
    this.sampler = setInterval(() => this.sample(), SAMPLE_MS);
    this.metricsTimer = setInterval(() => void this.readMetrics(), METRICS_MS);
    void this.readMetrics();
    this.sample();
    panel.onDidDispose(() => this.close());
    return panel;
  }

  private title(): string {
    return `Kubemark Dashboard${this.clusters.mastersContext ? ` · ${this.clusters.mastersContext}` : ''}`;
  }

  /** (Re)attach to the current masters state: its node informer and a Lease informer. */
  private follow(): void {
    const masters = this.clusters.masters;
    if (masters !== this.nodesOf) {
      this.nodeSub?.dispose();
      this.nodesOf = masters;
      this.nodeSub = masters?.nodes.onChange((c) => {
        if (c.type === 'upsert' && c.old === undefined && c.value.hollow) this.nodeAdds++;
      });
    }
    if (masters !== this.leasesOf) {
      this.leases?.dispose();
      this.leases = undefined;
      this.leasesOf = masters;
      if (masters) {
        const session = masters.session;
        const leases = new ListWatch<number>({
          path: LEASES,
          // A number per Lease, not the object; one Lease per node, so the pages are read on the list worker.
          ...decodedLister<number>(session, LEASES, { kind: 'leaseRenewTime' }),
          watch: session.watch,
          explain: (err) => session.explain(err, 'watch node leases in kube-node-lease'),
        });
        leases.onChange((c) => this.model.applyLeaseChange(c, leases.items));
        leases.start();
        this.leases = leases;
      }
    }
  }

  /** Counts from the held records: once a second, whatever the event rate. */
  private sample(): void {
    const input: DashboardInput = { nodes: { ready: 0, notReady: 0, unknown: 0 }, pods: { pending: 0, running: 0, succeeded: 0, failed: 0, unknown: 0 }, nodeAdds: this.nodeAdds };
    for (const n of this.clusters.masters?.nodes.items.values() ?? []) {
      if (!n.hollow) continue;
      if (n.condition === 'Ready') input.nodes.ready++;
      else if (n.condition === 'NotReady') input.nodes.notReady++;
      else input.nodes.unknown++;
    }
    const workers = this.clusters.workers;
    for (const p of workers?.pods.items.values() ?? []) {
      const phase = p.phase.toLowerCase() as keyof DashboardInput['pods'];
      if (phase in input.pods) input.pods[phase]++;
      else input.pods.unknown++;
    }
    if (workers) {
      let desired = 0;
      for (const s of workers.statefulSets.items.values()) desired += s.desired;
      input.desiredReplicas = desired;
    }
    if (this.model.sample(input, Date.now())) this.panel?.push();
  }

  private async readMetrics(): Promise<void> {
    const masters = this.clusters.masters;
    if (!masters) return;
    const r = await readApiserverMetrics(masters.session);
    if (r.ok) this.model.observeMetrics(r.text, Date.now());
    else {
      this.model.metricsFailed(r.status, r.message, Date.now());
      this.log.debug(`dashboard: /metrics of ${masters.session.context}: ${r.message}`);
    }
  }

  private close(): void {
    this.panel = undefined;
    if (this.sampler) clearInterval(this.sampler);
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    this.sampler = undefined;
    this.metricsTimer = undefined;
    this.nodeSub?.dispose();
    this.nodeSub = undefined;
    this.nodesOf = undefined;
    this.leases?.dispose();
    this.leases = undefined;
    this.leasesOf = undefined;
    for (const s of this.subs.splice(0)) s.dispose();
  }

  dispose(): void {
    this.panel?.dispose();
    this.close();
  }
}
