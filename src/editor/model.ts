// Which contexts are the workers and masters clusters, their sessions and live state.
// Remembered per workspace; reloaded when the kubeconfig files change.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../core/kubeconfig';
import { displayUrl } from '../core/redact';
import { ClusterSession } from '../cluster/session';
import { MastersState, WorkersState } from '../cluster/state';
import { LabelSelector, parseSelector } from '../cluster/hollow';
import { LabInfo, labOf } from '../cluster/lab';
import { Log } from './log';
import { SameClusterResult } from '../core/diagnosis';
import { checkWorkersMasters } from '../cluster/sameCluster';

const WORKERS_KEY = 'kubemark.workersContext';
const MASTERS_KEY = 'kubemark.mastersContext';

export type Role = 'workers' | 'masters';

export class ClusterModel implements vscode.Disposable {
  kc: KubeConfig | undefined;
  files: string[] = [];
  /** Files looked for but absent: watched too, so creating one reloads. */
  missing: string[] = [];
  loadError: string | undefined;
  workersContext: string | undefined;
  mastersContext: string | undefined;
  workers: WorkersState | undefined;
  masters: MastersState | undefined;
  /** Workers and masters are one cluster (checked once both answer): DaemonSets land on hollow nodes. */
  sameCluster: SameClusterResult | undefined;
  private sameChecked: string | undefined;
  private readonly emitter = new vscode.EventEmitter<Role | 'contexts'>();
  readonly onDidChange = this.emitter.event;
  private watchers: vscode.Disposable[] = [];
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly memento: vscode.Memento, private readonly log: Log) {
    // What the user selected in this workspace wins; else the settings' first choice (npm run lab seeds them).
    const config = vscode.workspace.getConfiguration('kubemark');
    this.workersContext = memento.get<string>(WORKERS_KEY) ?? (config.get<string>('workersContext', '') || undefined);
    this.mastersContext = memento.get<string>(MASTERS_KEY) ?? (config.get<string>('mastersContext', '') || undefined);
  }

  get namespace(): string {
    return vscode.workspace.getConfiguration('kubemark').get<string>('namespace', 'kubemark') || 'kubemark';
  }

  /** kubemark.namespaces: where to look for hollow-node pods (empty: every namespace). */
  get namespaces(): string[] {
    return (vscode.workspace.getConfiguration('kubemark').get<string[]>('namespaces', []) ?? []).map((n) => String(n).trim()).filter(Boolean);
  }

  /** kubemark.hollowNodeSelector, parsed; a bad one is logged and ignored. */
  get selector(): LabelSelector {
    const text = vscode.workspace.getConfiguration('kubemark').get<string>('hollowNodeSelector', '').trim();
    if (!text) return [];
    try {
      return parseSelector(text);
    } catch (err) {
      this.log.warn(`kubemark.hollowNodeSelector ignored: ${(err as Error).message}`);
      return [];
    }
  }

  /** The local lab, when both selected contexts are its (see src/cluster/lab.ts). */
  lab(): LabInfo | undefined {
    return labOf(this.kc, this.workersContext, this.mastersContext);
  }

  /** Both clusters unselected: the view shows its welcome content instead of two empty roots. */
  get nothingSelected(): boolean {
    return !this.workersContext && !this.mastersContext && !this.loadError;
  }

  /** Loads kubeconfig as kubectl does, plus the kubemark.kubeconfig setting, and (re)starts the states. */
  load(): void {
    const extra = vscode.workspace.getConfiguration('kubemark').get<string>('kubeconfig', '');
    const extraPaths = extra ? extra.split(path.delimiter).map((p) => p.trim()).filter(Boolean) : [];
    const loaded = loadKubeConfig({ kubeconfigEnv: process.env.KUBECONFIG, extraPaths });
    this.kc = loaded.kubeConfig;
    this.files = loaded.files;
    this.missing = loaded.missing;
    for (const p of loaded.problems) this.log.warn(`kubeconfig: ${p.message}`);
    const contexts = this.kc.getContexts().map((c) => c.name);
    this.loadError = contexts.length === 0
      ? `No kubeconfig contexts found${loaded.problems.length ? ` (${loaded.problems.map((p) => p.message).join('; ')})` : ''}. Set KUBECONFIG or the kubemark.kubeconfig setting.`
      : undefined;
    this.log.info(`kubeconfig: ${contexts.length} contexts from ${this.files.join(', ') || 'no files'}`);
    if (this.workersContext && !contexts.includes(this.workersContext)) this.workersContext = undefined;
    if (this.mastersContext && !contexts.includes(this.mastersContext)) this.mastersContext = undefined;
    this.watchFiles();
    // A state whose context, cluster and user are unchanged keeps running (and its records).
    for (const role of ['workers', 'masters'] as const) {
      const ctx = role === 'workers' ? this.workersContext : this.mastersContext;
      const state = role === 'workers' ? this.workers : this.masters;
      const sig = ctx ? this.signature(ctx) : undefined;
      if (!state || !sig || this.signatures[role] !== sig || (role === 'workers' && this.workers?.namespace !== this.namespace)) this.restart(role);
    }
    this.emitter.fire('contexts');
  }

  private readonly signatures: Partial<Record<Role, string>> = {};

  /** What a session of this context is made of (kept in memory only, never written). */
  private signature(ctx: string): string | undefined {
    const c = this.kc?.getContextObject(ctx);
    if (!c) return undefined;
    return JSON.stringify([c, this.kc!.getCluster(c.cluster), this.kc!.getUser(c.user)]);
  }

  private watchFiles(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = [...this.files, ...this.missing].map((f) => {
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(f)), path.basename(f)));
      const reload = () => this.scheduleReload();
      w.onDidChange(reload);
      w.onDidCreate(reload);
      w.onDidDelete(reload);
      return w;
    });
  }

  private scheduleReload(): void {
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      this.log.info('kubeconfig changed; reloading');
      this.load();
    }, 300);
  }

  contexts(): Array<{ name: string; server: string; cluster: string; user: string }> {
    if (!this.kc) return [];
    return this.kc.getContexts().map((c) => ({
      name: c.name,
      cluster: c.cluster,
      user: c.user,
      server: displayUrl(this.kc!.getCluster(c.cluster)?.server ?? ''),
    }));
  }

  async select(role: Role, context: string): Promise<void> {
    if (role === 'workers') {
      this.workersContext = context;
      await this.memento.update(WORKERS_KEY, context);
    } else {
      this.mastersContext = context;
      await this.memento.update(MASTERS_KEY, context);
    }
    this.restart(role);
  }

  session(role: Role): ClusterSession | undefined {
    return role === 'workers' ? this.workers?.session : this.masters?.session;
  }

  restart(role: Role): void {
    this.sameChecked = undefined;
    this.sameCluster = undefined;
    const ctx = role === 'workers' ? this.workersContext : this.mastersContext;
    if (role === 'workers') {
      this.workers?.dispose();
      this.workers = undefined;
    } else {
      this.masters?.dispose();
      this.masters = undefined;
    }
    this.signatures[role] = ctx ? this.signature(ctx) : undefined;
    if (ctx && this.kc) {
      try {
        const session = new ClusterSession(this.kc, ctx);
        if (role === 'workers') {
          const s = new WorkersState(session, this.namespace, { namespaces: this.namespaces, selector: this.selector });
          this.workers = s;
          s.onChange(() => {
            this.checkSameCluster();
            this.emitter.fire('workers');
          });
          void s.start();
        } else {
          const s = new MastersState(session);
          this.masters = s;
          s.onChange(() => {
            this.checkSameCluster();
            this.emitter.fire('masters');
          });
          void s.start();
        }
      } catch (err) {
        this.log.error(`Cannot use context ${ctx}`, err);
      }
    }
    this.emitter.fire(role);
  }

  /** Once per pair of contexts, when both answer: are they the same cluster? */
  private checkSameCluster(): void {
    const w = this.workers;
    const m = this.masters;
    if (!w || !m || w.reach.state !== 'reachable' || m.reach.state !== 'reachable') return;
    const key = `${w.session.context}\n${m.session.context}`;
    if (this.sameChecked === key) return;
    this.sameChecked = key;
    void checkWorkersMasters(w.session, m.session).then((r) => {
      if (this.sameChecked !== key) return;
      this.sameCluster = r.same ? r : undefined;
      if (r.same) this.log.warn(`${r.message} ${r.remedy.join(' ')}`);
      this.emitter.fire('workers');
    }, (err) => this.log.debug(`workers = masters check: ${String(err)}`));
  }

  async refresh(): Promise<void> {
    await Promise.all([this.workers?.refresh(), this.masters?.refresh()]);
  }

  dispose(): void {
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    for (const w of this.watchers) w.dispose();
    this.workers?.dispose();
    this.masters?.dispose();
    this.emitter.dispose();
  }
}
