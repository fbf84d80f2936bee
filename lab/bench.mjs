// Figures for the lab: per-hollow-node memory (RSS) and apply -> N Ready fake nodes.
//   npm run lab:bench [-- N]      (default N=20; env KUBEMARK_LAB_BENCH_SETTLE seconds, default 60)
// Runs its own lab — never the one of KUBEMARK_LAB_DIR — in a fresh temporary folder
// (KUBEMARK_LAB_BENCH_DIR to choose another one: it must not hold a running lab) on ports
// shifted by 200 (KUBEMARK_LAB_BENCH_PORT_OFFSET), applies the hollow-node manifest with N
// replicas to the workers cluster, waits for N Ready nodes in the masters cluster, lets them
// settle, samples the RSS of every kubemark process, and stops its lab. It removes only the
// folder it made. kubectl is the lab's own (lab/bin/kubemark-lab kubectl).
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { hollowNodeManifest } from '../test/lab/manifest.mjs';
import { REPO, run, waitFor, labStatus, kubectl as labKubectl } from '../test/lab/helpers.mjs';

const N = Number(process.argv[2] ?? process.env.KUBEMARK_LAB_BENCH_NODES ?? 20);
const SETTLE = Number(process.env.KUBEMARK_LAB_BENCH_SETTLE ?? 60);
const ownDir = !process.env.KUBEMARK_LAB_BENCH_DIR;
const dir = process.env.KUBEMARK_LAB_BENCH_DIR ? path.resolve(process.env.KUBEMARK_LAB_BENCH_DIR) : mkdtempSync(path.join(tmpdir(), 'kubemark-lab-bench-'));
const env = { KUBEMARK_LAB_DIR: dir, KUBEMARK_LAB_PORT_OFFSET: process.env.KUBEMARK_LAB_BENCH_PORT_OFFSET ?? '200',
  KUBEMARK_LAB_WORKER_NODES: String(Math.max(3, Math.ceil(N / 50))) };
const kubeconfig = path.join(dir, 'kubeconfig');
const lab = (...a) => run('bash', [path.join(REPO, 'lab', 'lab.sh'), ...a], { env, timeoutMs: 90 * 60_000, echo: a[0] !== 'status' });
const kubectl = (ctx, args, opts = {}) => labKubectl(kubeconfig, ctx, args, opts);
const mib = (kib) => (kib / 1024).toFixed(0);
// CPU time (s) and inotify instances of the lab's kubemark processes, from /proc
const kubemarkProcs = () => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').includes(`KUBEMARK_LAB_ID=${dir}\0`)
      && readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('\0kubemark\0');
  } catch { return false; }
});
const cpuSecs = (pids) => pids.reduce((t, pid) => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return t + (Number(f[11]) + Number(f[12])) / 100;
  } catch { return t; }
}, 0);
const inotifyCount = (pids) => pids.reduce((n, pid) => {
  try {
    return n + readdirSync(`/proc/${pid}/fd`).filter((fd) => { try { return readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:inotify'; } catch { return false; } }).length;
  } catch { return n; }
}, 0);
const memUsedKiB = () => {
  const m = Object.fromEntries(readFileSync('/proc/meminfo', 'utf8').split('\n').filter(Boolean).map((l) => { const [k, v] = l.split(':'); return [k, parseInt(v, 10)]; }));
  return m.MemTotal - m.MemAvailable;
};

let up = false;
if (!ownDir && existsSync(path.join(dir, 'lab.json')) && (await labStatus(env)).code !== 3) {
  console.error(`bench: a lab runs in ${dir}; the bench runs only its own lab: unset KUBEMARK_LAB_BENCH_DIR (a fresh temporary folder) or stop that lab first`);
  process.exit(2);
}
try {
  const memBefore = memUsedKiB();
  const tUp = Date.now();
  const r = await lab('up');
  if (r.code !== 0) throw new Error('lab up failed');
  up = true;
  const upSecs = (Date.now() - tUp) / 1000;
  const memLab = memUsedKiB();
  const mk = await kubectl('kubemark-lab-masters', ['config', 'view', '--minify', '--flatten']);
  const manifest = hollowNodeManifest({ replicas: N, mastersKubeconfig: mk.stdout, nodeLabels: { 'kubemark-lab/bench': 'yes' } });
  const t0 = Date.now();
  const a = await kubectl('kubemark-lab-workers', ['apply', '-f', '-'], { input: manifest });
  if (a.code !== 0) throw new Error(a.stderr);
  let firstReady = 0;
  await waitFor(`${N} Ready fake nodes`, async () => {
    const g = await kubectl('kubemark-lab-masters', ['get', 'nodes', '-l', 'kubemark-lab/bench=yes', '-o', 'json']);
    if (g.code !== 0) return false;
    const ready = JSON.parse(g.stdout).items.filter((n) => n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    if (ready > 0 && !firstReady) firstReady = Date.now();
    return ready >= N;
  }, { timeoutMs: 15 * 60_000, intervalMs: 500 });
  const readySecs = (Date.now() - t0) / 1000;
  console.error(`bench: ${N} Ready after ${readySecs.toFixed(1)} s; settling ${SETTLE} s before sampling memory`);
  const pids0 = kubemarkProcs();
  const cpu0 = cpuSecs(pids0);
  const tSettle = Date.now();
  await new Promise((res) => setTimeout(res, SETTLE * 1000));
  const pids1 = kubemarkProcs();
  const cpuPerNode = (cpuSecs(pids1) - cpu0) / ((Date.now() - tSettle) / 1000) / N;
  const inotify = inotifyCount(pids1);
  const st = JSON.parse((await lab('status', '--json')).stdout);
  const byPod = new Map();
  for (const c of st.hollowContainers) {
    let e = byPod.get(c.pod);
    if (!e) {
      e = { rss: 0, pss: 0, priv: 0, kubelet: 0, proxy: 0 };
    }
    e.rss += c.rssKiB ?? 0; e.pss += c.pssKiB ?? 0; e.priv += c.privateKiB ?? 0;
    if (c.container === 'hollow-kubelet') e.kubelet = c.rssKiB; else e.proxy = c.rssKiB;
    byPod.set(c.pod, e);
  }
  const nodes = [...byPod.values()];
  const pick = (k) => nodes.map((e) => e[k]);
  const avg = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const sum = (xs) => xs.reduce((s, x) => s + x, 0);
  const cpRss = sum(st.components.map((c) => c.rssKiB));
  const cpPss = sum(st.components.map((c) => c.pssKiB ?? 0));
  const memAll = memUsedKiB();
  const out = [
    `kubemark lab figures (kubernetes ${JSON.parse(readFileSync(path.join(dir, 'lab.json'), 'utf8')).kubernetesVersion}, ${N} hollow nodes, ${new Date().toISOString()})`,
    `  lab up (warm build): ${upSecs.toFixed(1)} s`,
    `  apply -> first Ready fake node: ${((firstReady - t0) / 1000).toFixed(1)} s; -> ${N} Ready: ${readySecs.toFixed(1)} s`,
    `  network: ${st.hollowContainers[0]?.netns ? 'a network namespace per pod' : 'port rewriting'}`,
    `  per hollow node (hollow-kubelet + hollow-proxy processes), ${SETTLE} s after Ready:`,
    `    RSS     avg ${mib(avg(pick('rss')))} MiB (min ${mib(Math.min(...pick('rss')))}, max ${mib(Math.max(...pick('rss')))}; kubelet ${mib(avg(pick('kubelet')))}, proxy ${mib(avg(pick('proxy')))})`,
    `    PSS     avg ${mib(avg(pick('pss')))} MiB (shared binary pages split among the processes)`,
    `    private avg ${mib(avg(pick('priv')))} MiB (memory that one more hollow node adds)`,
    `    CPU     ${(cpuPerNode * 100).toFixed(1)} % of one core (steady state, over the ${SETTLE} s settle)`,
    `    inotify ${(inotify / N).toFixed(1)} instances (${inotify} in all; fs.inotify.max_user_instances ${readFileSync('/proc/sys/fs/inotify/max_user_instances', 'utf8').trim()}, counted per user)`,
    `  all ${N} hollow nodes: RSS ${mib(sum(pick('rss')))} MiB, PSS ${mib(sum(pick('pss')))} MiB`,
    `  control plane (etcd, 2 apiservers, 2 controller-managers, 2 schedulers, kwok, pod runner): RSS ${mib(cpRss)} MiB, PSS ${mib(cpPss)} MiB`,
    `  machine memory in use (MemTotal - MemAvailable, includes other users): before ${mib(memBefore)} MiB, lab idle ${mib(memLab)} MiB, with ${N} hollow nodes ${mib(memAll)} MiB (of ${mib(totalmem() / 1024)} MiB)`,
  ];
  console.log(out.join('\n'));
} finally {
  if (up) await lab('down', ...(ownDir ? ['--purge'] : []));
  if (ownDir) rmSync(dir, { recursive: true, force: true });
}
