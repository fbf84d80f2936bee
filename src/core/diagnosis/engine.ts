// "Why isn't it Ready?": judges an evidence bundle (pod, events, log tails, masters Node and
// Lease, workers node, Secret keys) and returns one verdict with the next step. Pure: no I/O,
// no clock (the bundle carries `now`). The checks run from the most specific cause to the most
// generic symptom, so a crash loop caused by a bad flag says "bad-arguments", not "crash-loop".
import { LogClassifier } from '../logs/classifier';
import * as P from './patterns';
import type {
  ConditionEvidence,
  ContainerEvidence,
  Diagnosis,
  DiagnosisAction,
  EventEvidence,
  EvidenceBundle,
  EvidenceItem,
  ResourceAmounts,
} from './types';

/** A Lease older than this (when it carries no duration) means the kubelet stopped renewing. */
export const DEFAULT_LEASE_DURATION_SECONDS = 40;
/** At most this many error lines per container go into the evidence. */
export const MAX_ERROR_LINES = 5;

interface LogHit {
  container: string;
  line: string;
  match: RegExpExecArray;
}

/** Everything the checks share, computed once. */
class Facts {
  readonly events: EventEvidence[];
  readonly leaseAge: number | undefined;
  readonly leaseDuration: number;
  readonly nodeReady: ConditionEvidence | undefined;

  constructor(readonly b: EvidenceBundle) {
    // Newest first: the last occurrence decides.
    this.events = [...b.podEvents, ...b.ownerEvents].sort((x, y) => time(y.lastSeen) - time(x.lastSeen));
    const renew = b.lease?.renewTime ? time(b.lease.renewTime) : NaN;
    this.leaseAge = Number.isFinite(renew) ? Math.max(0, (b.now - renew) / 1000) : undefined;
    this.leaseDuration = b.lease?.durationSeconds && b.lease.durationSeconds > 0 ? b.lease.durationSeconds : DEFAULT_LEASE_DURATION_SECONDS;
    this.nodeReady = b.mastersNode?.exists ? b.mastersNode.conditions.find((c) => c.type === 'Ready') : undefined;
  }

  get nodeName(): string {
    return this.b.target.kind === 'node' ? this.b.target.name : this.b.mastersNode?.name ?? this.b.pod?.name ?? this.b.target.name;
  }

  get podRef(): string {
    const p = this.b.pod;
    return p ? `${p.namespace}/${p.name}` : `${this.b.target.namespace ?? ''}/${this.b.target.name}`.replace(/^\//, '');
  }

  /** The newest log line matching re, newest container instance first. */
  log(re: RegExp): LogHit | undefined {
    for (const l of this.b.logs) {
      for (let i = l.lines.length - 1; i >= 0; i--) {
        const line = l.lines[i] as string;
        re.lastIndex = 0;
        const m = re.exec(line);
        if (m) return { container: l.container + (l.previous ? ' (previous)' : ''), line, match: m };
      }
    }
    return undefined;
  }

  /** The newest log line for which pred holds. */
  logWhere(pred: (line: string) => boolean): { container: string; line: string } | undefined {
    for (const l of this.b.logs) {
      for (let i = l.lines.length - 1; i >= 0; i--) {
        const line = l.lines[i] as string;
        if (pred(line)) return { container: l.container + (l.previous ? ' (previous)' : ''), line };
      }
    }
    return undefined;
  }

  event(pred: (e: EventEvidence) => boolean): EventEvidence | undefined {
    return this.events.find(pred);
  }

  heartbeatStale(): boolean {
    if (this.leaseAge !== undefined) return this.leaseAge > this.leaseDuration;
    return this.nodeReady?.status === 'Unknown';
  }
}

function time(iso: string | undefined): number {
  if (!iso) return 0;
  // Date.parse takes at most milliseconds: cut MicroTime's extra digits.
  const t = Date.parse(iso.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isFinite(t) ? t : 0;
}

function ev(e: EventEvidence): EvidenceItem {
  return { source: 'event', text: `${e.object} ${e.type} ${e.reason}${e.count > 1 ? ` (×${e.count})` : ''}: ${e.message}` };
}

function logItem(h: { container: string; line: string }): EvidenceItem {
  return { source: 'log', text: `${h.container}: ${h.line.trim()}` };
}

export function formatCpu(milli: number): string {
  if (milli % 1000 === 0) return `${milli / 1000} CPU`;
  if (milli >= 1000) return `${(milli / 1000).toFixed(milli % 100 === 0 ? 1 : 2)} CPU`;
  return `${Math.round(milli)}m CPU`;
}

export function formatMemory(bytes: number): string {
  const gi = 2 ** 30;
  const mi = 2 ** 20;
  if (bytes >= gi) return `${+(bytes / gi).toFixed(bytes % gi === 0 ? 0 : 1)}Gi`;
  if (bytes >= mi) return `${Math.ceil(bytes / mi)}Mi`;
  return `${bytes}B`;
}

function ageText(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

type Check = (f: Facts) => Diagnosis | undefined;

/** Ready when the masters Node is Ready and its Lease is fresh. */
const ready: Check = (f) => {
  if (f.nodeReady?.status !== 'True' || f.heartbeatStale()) return undefined;
  if (f.b.pod?.deleting) return undefined;
  const evidence: EvidenceItem[] = [{ source: 'masters-node', text: `Node ${f.nodeName}: Ready=True${f.nodeReady.reason ? ` (${f.nodeReady.reason})` : ''}` }];
  if (f.leaseAge !== undefined) evidence.push({ source: 'lease', text: `Lease renewed ${ageText(f.leaseAge)} ago (duration ${f.leaseDuration} s)` });
  const restarts = f.b.pod?.containers.filter((c) => c.restartCount > 0) ?? [];
  for (const c of restarts) evidence.push({ source: 'container', text: `${c.name} restarted ${c.restartCount} times` });
  return {
    code: 'ready',
    verdict: `Node ${f.nodeName} is Ready and its heartbeat is fresh.`,
    nextStep: restarts.length > 0 ? 'Nothing blocks it now; the restarts above are worth a look in the logs.' : 'Nothing to do.',
    evidence,
  };
};

/** The pod is gone: judge the Node alone. */
const podMissing: Check = (f) => {
  if (f.b.pod) return undefined;
  const node = f.b.mastersNode;
  if (node?.exists) {
    if (f.heartbeatStale() || f.nodeReady?.status !== 'True') {
      const evidence: EvidenceItem[] = [];
      if (f.leaseAge !== undefined) evidence.push({ source: 'lease', text: `Lease renewed ${ageText(f.leaseAge)} ago (duration ${f.leaseDuration} s)` });
      if (f.nodeReady) evidence.push({ source: 'masters-node', text: conditionText(f.nodeReady) });
      evidence.push({ source: 'pod', text: `No hollow-node pod ${f.podRef} in the workers cluster` });
      return {
        code: 'heartbeat-stale',
        verdict: `Node ${node.name} stopped heartbeating${f.leaseAge !== undefined ? ` ${ageText(f.leaseAge)} ago` : ''}: its hollow-node pod ${f.podRef} is gone (scaled down or deleted).`,
        nextStep: 'Delete the stale Node (Delete NotReady Nodes), or scale the hollow nodes back up so the pod returns.',
        evidence,
        actions: [
          { id: 'deleteNode', title: `Delete Node ${node.name}`, args: { node: node.name } },
          ...(f.b.target.namespace ? [{ id: 'scaleUp' as const, title: 'Scale Hollow Nodes', args: { namespace: f.b.target.namespace } }] : []),
        ],
      };
    }
    return undefined;
  }
  return {
    code: 'pod-missing',
    verdict: `There is no hollow-node pod ${f.podRef} in the workers cluster${node ? ` and no Node ${node.name} in the masters cluster` : ''}.`,
    nextStep: 'Deploy or scale the hollow nodes, then look again.',
    evidence: [{ source: 'pod', text: `Pod ${f.podRef} not found` }],
  };
};

const imagePull: Check = (f) => {
  const c = f.b.pod?.containers.find((x) => x.state.kind === 'waiting' && P.IMAGE_PULL_REASONS.has(x.state.reason ?? ''));
  const e = f.event((x) => x.type === 'Warning' && P.IMAGE_PULL_EVENT.test(x.message));
  if (!c && !e) return undefined;
  const image = c?.image ?? /image "([^"]+)"/.exec(e?.message ?? '')?.[1];
  const evidence: EvidenceItem[] = [];
  if (c) evidence.push({ source: 'container', text: `${c.name}: waiting, ${c.state.reason}${c.state.message ? `: ${c.state.message}` : ''}` });
  const failed = f.event((x) => x.reason === 'Failed' && /Failed to pull image/.test(x.message)) ?? e;
  if (failed) evidence.push(ev(failed));
  const detail = failed?.message ?? c?.state.message ?? '';
  const why = /not found|manifest unknown|NotFound/i.test(detail)
    ? 'the image or tag does not exist'
    : /unauthorized|denied|authentication required|403/i.test(detail)
      ? 'the registry refused the credentials'
      : /couldn't parse|InvalidImageName|invalid reference/i.test(detail + (c?.state.reason ?? ''))
        ? 'the image name is not valid'
        : 'the registry could not be reached or refused the pull';
  return {
    code: 'image-pull',
    verdict: `The kubemark image${image ? ` ${image}` : ''} cannot be pulled: ${why}.`,
    nextStep: 'Fix the image (there is no official kubemark image: build and push one matching the masters version with make WHAT=cmd/kubemark), or add an imagePullSecret, then redeploy.',
    evidence,
  };
};

const unschedulable: Check = (f) => {
  const pod = f.b.pod;
  if (!pod || pod.nodeName || (pod.phase && pod.phase !== 'Pending')) return undefined;
  const e = f.event((x) => x.reason === 'FailedScheduling');
  const cond = pod.conditions.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  const message = e?.message ?? cond?.message;
  if (!message) return undefined;
  const evidence: EvidenceItem[] = [e ? ev(e) : { source: 'pod', text: `PodScheduled=False ${cond?.reason ?? ''}: ${message}` }];
  const insufficient = new Map<string, number>();
  for (const m of message.matchAll(P.INSUFFICIENT)) insufficient.set(m[2] as string, Number(m[1]));
  const resources = [...insufficient.keys()].filter((r) => r === 'cpu' || r === 'memory');
  if (resources.length === 0) {
    const avail = P.NODES_AVAILABLE.exec(message);
    return {
      code: 'unschedulable',
      verdict: `The scheduler of the workers cluster places pod ${f.podRef} on no node: ${avail ? avail[3] : message}.`,
      nextStep: 'Match the pod to the workers nodes: tolerations for their taints, a nodeSelector/affinity they satisfy, or more nodes.',
      evidence,
    };
  }
  const missing: string[] = [];
  const lower: string[] = [];
  const req = pod.requests;
  const cap = f.b.workersCapacity;
  const free = cap?.largestFree ?? cap?.largestAllocatable;
  const freeWord = cap?.largestFree ? 'free' : 'allocatable';
  for (const r of resources) {
    const key: keyof ResourceAmounts = r === 'cpu' ? 'cpuMilli' : 'memoryBytes';
    const fmt = r === 'cpu' ? formatCpu : formatMemory;
    if (req && free) {
      const gap = req[key] - free[key];
      if (gap > 0) {
        missing.push(`${fmt(gap)} of ${r} missing (the pod requests ${fmt(req[key])}; the roomiest of ${cap?.nodes ?? '?'} workers nodes has ${fmt(free[key])} ${freeWord})`);
        lower.push(`${r} ≤ ${fmt(free[key])}`);
      } else {
        missing.push(`${r}: the pod requests ${fmt(req[key])}; the roomiest node has ${fmt(free[key])} ${freeWord}, but not together with the other resources`);
      }
    } else {
      missing.push(`${insufficient.get(r)} nodes lack ${r}${req ? ` for a request of ${fmt(req[key])}` : ''}`);
    }
  }
  if (req) evidence.push({ source: 'pod', text: `Requests of the pod: ${formatCpu(req.cpuMilli)}, ${formatMemory(req.memoryBytes)}` });
  if (cap) evidence.push({ source: 'capacity', text: `Workers: ${cap.nodes} schedulable nodes${cap.largestFree ? `; most free on one node: ${formatCpu(cap.largestFree.cpuMilli)}, ${formatMemory(cap.largestFree.memoryBytes)}` : ''}${cap.largestAllocatable ? `; largest allocatable: ${formatCpu(cap.largestAllocatable.cpuMilli)}, ${formatMemory(cap.largestAllocatable.memoryBytes)}` : ''}` });
  return {
    code: 'unschedulable-resources',
    verdict: `Pod ${f.podRef} does not fit on any workers node: ${missing.join('; ')}.`,
    nextStep: lower.length > 0
      ? `Lower the hollow-node containers' requests to ${lower.join(' and ')} per pod (the hollow kubelet needs about 40m CPU / 100Mi), or add workers capacity.`
      : 'Lower the hollow-node containers\' requests (the hollow kubelet needs about 40m CPU / 100Mi), or add workers capacity.',
    evidence,
    actions: [{ id: 'lowerRequests', title: 'Lower the requests', args: { pod: f.podRef, ...(free ? { fit: free } : {}) } }],
  };
};

const secretProblems: Check = (f) => {
  const s = f.b.secret;
  const ns = f.b.pod?.namespace ?? s?.namespace ?? f.b.target.namespace;
  const scaffold: DiagnosisAction = { id: 'scaffold', title: 'Scaffold Config and Secret', args: { namespace: ns } };
  const notFound = f.event((x) => x.type === 'Warning' && P.SECRET_NOT_FOUND.test(x.message));
  if ((s && !s.exists) || notFound) {
    const name = s?.name ?? P.SECRET_NOT_FOUND.exec(notFound?.message ?? '')?.[1] ?? 'kubeconfig';
    return {
      code: 'secret-missing',
      verdict: `The Secret ${ns}/${name} that holds the masters kubeconfig does not exist.`,
      nextStep: 'Create it with Scaffold Config and Secret (it exports the masters context).',
      evidence: notFound ? [ev(notFound), ...(s ? [{ source: 'secret' as const, text: `Secret ${ns}/${name}: not found` }] : [])] : [{ source: 'secret', text: `Secret ${ns}/${name}: not found` }],
      actions: [scaffold],
    };
  }
  const keyEvent = f.event((x) => x.type === 'Warning' && (P.NON_EXISTENT_SECRET_KEY.test(x.message) || P.COULD_NOT_FIND_KEY.test(x.message) || P.LAB_NO_KEY.test(x.message)));
  const absent = s ? s.expectedKeys.filter((k) => !s.keys.includes(k)) : [];
  if (!keyEvent && absent.length === 0) return undefined;
  const fromEvent = keyEvent
    ? P.NON_EXISTENT_SECRET_KEY.exec(keyEvent.message)?.[1] ?? P.COULD_NOT_FIND_KEY.exec(keyEvent.message)?.[1] ?? P.LAB_NO_KEY.exec(keyEvent.message)?.[2]
    : undefined;
  const keys = [...new Set([...(fromEvent ? [fromEvent] : []), ...absent])];
  const name = s?.name ?? 'kubeconfig';
  const evidence: EvidenceItem[] = [];
  if (keyEvent) evidence.push(ev(keyEvent));
  if (s) evidence.push({ source: 'secret', text: `Secret ${s.namespace}/${s.name} has keys [${s.keys.join(', ')}]; the pod reads [${s.expectedKeys.join(', ')}]` });
  const load = f.log(P.KUBECONFIG_LOAD);
  if (load) evidence.push(logItem(load));
  return {
    code: 'secret-key-missing',
    verdict: `The Secret ${ns}/${name} has no key ${keys.join(', ')}, which the hollow node reads as its kubeconfig.`,
    nextStep: `Recreate the Secret with the keys ${s?.expectedKeys.length ? s.expectedKeys.join(' and ') : 'kubelet.kubeconfig and kubeproxy.kubeconfig'} (Scaffold Config and Secret does), or fix the key names in the manifest.`,
    evidence,
    actions: [scaffold],
  };
};

/** The manifest line that holds `token` in an args/command list, 0-based. */
export function findManifestLine(text: string, tokens: readonly string[]): { line: number; character: number } | undefined {
  const lines = text.split(/\r?\n/);
  for (const token of tokens) {
    if (!token) continue;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i] as string;
      if (/^\s*#/.test(l)) continue;
      const at = l.indexOf(token);
      if (at === -1) continue;
      const after = l.charAt(at + token.length);
      // A whole flag name or value, not a prefix of a longer flag.
      if (after !== '' && !/[\s="',\]]/.test(after)) continue;
      return { line: i, character: at };
    }
  }
  return undefined;
}

const badArguments: Check = (f) => {
  const hit = f.log(P.NO_ARGUMENTS) ?? f.log(P.UNKNOWN_FLAG) ?? f.log(P.INVALID_FLAG_VALUE) ?? f.log(P.UNKNOWN_MORPH);
  const failedEvent = hit ? undefined : f.event((x) => P.NO_ARGUMENTS.test(x.message) || P.UNKNOWN_FLAG.test(x.message));
  if (!hit && !failedEvent) return undefined;
  const text = hit?.line ?? failedEvent?.message ?? '';
  const tokens: string[] = [];
  let what: string;
  let m: RegExpExecArray | null;
  if ((m = P.NO_ARGUMENTS.exec(text))) {
    let got: string[] = [];
    try {
      got = JSON.parse((m[1] as string).replace(/\\"/g, '"')) as string[];
    } catch {
      got = [];
    }
    const positional = got.filter((g) => g.length > 0);
    what = `kubemark does not take positional arguments, and got ${positional.map((g) => JSON.stringify(g)).join(', ') || 'one'}`;
    tokens.push(...positional);
    // The spec holds the unexpanded form ($(CONTENT_TYPE)): every bare word of the argv is a candidate.
    const container = f.b.pod?.containers.find((c) => hit && hit.container.startsWith(c.name)) ?? f.b.pod?.containers[0];
    for (const a of container?.argv ?? []) if (!a.startsWith('-') && !/kubemark|^\/|^sh$|^-c$|go-runner/.test(a)) tokens.push(a);
  } else if ((m = P.UNKNOWN_FLAG.exec(text))) {
    what = `kubemark does not know the flag ${m[1]}`;
    tokens.push(m[1] as string);
  } else if ((m = P.INVALID_FLAG_VALUE.exec(text))) {
    const flag = (m[2] as string).replace(/^-\w, /, '');
    what = `the value "${m[1]}" of ${flag} is not valid`;
    tokens.push(`${flag}=${m[1]}`, flag);
  } else if ((m = P.UNKNOWN_MORPH.exec(text))) {
    what = `--morph=${m[1]} is not a morph kubemark knows (kubelet or proxy)`;
    tokens.push(`--morph=${m[1]}`);
  } else {
    what = 'kubemark rejected its command line';
  }
  const evidence: EvidenceItem[] = [hit ? logItem(hit) : ev(failedEvent as EventEvidence)];
  const actions: DiagnosisAction[] = [];
  const man = f.b.manifest;
  if (man) {
    const at = findManifestLine(man.text, tokens);
    if (at) {
      evidence.unshift({ source: 'manifest', text: `${man.uri}:${at.line + 1}: ${(man.text.split(/\r?\n/)[at.line] ?? '').trim()}`, location: { uri: man.uri, ...at } });
      actions.push({ id: 'openManifestLine', title: `Open the manifest at line ${at.line + 1}`, args: { uri: man.uri, line: at.line, character: at.character } });
    }
  }
  if (f.b.pod) actions.push({ id: 'tailLogs', title: 'Tail Logs', args: { pod: f.podRef, container: hit?.container.replace(/ \(previous\)$/, '') } });
  return {
    code: 'bad-arguments',
    verdict: `The hollow node exits at start: ${what}.`,
    nextStep: 'Fix the container args in the manifest (flags as --name=value; a bare $(VAR) must become a flag such as --kube-api-content-type=$(CONTENT_TYPE)), then redeploy.',
    evidence,
    actions,
  };
};

const imageService: Check = (f) => {
  const hit = f.log(P.IMAGE_SERVICE);
  if (!hit) return undefined;
  const container = hit.container.replace(/ \(previous\)$/, '');
  return {
    code: 'image-service-unavailable',
    verdict: 'The hollow kubelet exits with "Failed to init image service": --use-host-image-service is on (the default) but there is no containerd socket at /run/containerd.',
    nextStep: 'Pass --use-host-image-service=false to the hollow kubelet (it then uses a fake image service), or mount the node\'s /run/containerd as a hostPath volume.',
    evidence: [logItem(hit)],
    actions: [
      {
        id: 'setUseHostImageServiceFalse',
        title: 'Set --use-host-image-service=false',
        args: { pod: f.podRef, container, ...(f.b.pod?.owner ? { owner: `${f.b.pod.owner.kind}/${f.b.pod.owner.name}` } : {}), ...(f.b.manifest ? { uri: f.b.manifest.uri } : {}) },
      },
    ],
  };
};

const masters: Check = (f) => {
  if (f.nodeReady?.status === 'True' && !f.heartbeatStale()) return undefined;
  // A failed call to the masters apiserver that says why (the kubelet also logs "Error getting
  // node … not found" before it registers, which says nothing about reachability).
  const failed = (line: string) => P.MASTERS_CALL.test(line) && (P.NETWORK_ERROR.test(line) || P.TLS_ERROR.test(line) || P.AUTH_ERROR.test(line));
  const call = f.logWhere((line) => failed(line) && P.UNABLE_TO_REGISTER.test(line)) ?? f.logWhere(failed);
  if (!call) return undefined;
  const server = f.b.secret?.server;
  const inLog = P.URL_IN_ERROR.exec(call.line)?.[1];
  const serverText = server ?? inLog;
  const evidence: EvidenceItem[] = [logItem(call)];
  if (server) evidence.push({ source: 'secret', text: `Secret ${f.b.secret?.namespace}/${f.b.secret?.name} points the hollow nodes at ${server}` });
  if (f.b.mastersNode && !f.b.mastersNode.exists) evidence.push({ source: 'masters-node', text: `No Node ${f.b.mastersNode.name} in the masters cluster` });
  if (P.TLS_ERROR.test(call.line) || P.AUTH_ERROR.test(call.line)) {
    const tls = P.TLS_ERROR.test(call.line);
    return {
      code: 'masters-rejected',
      verdict: `The hollow kubelet reaches ${serverText ?? 'the masters apiserver'} but ${tls ? 'does not trust its certificate' : 'its credentials are refused'}.`,
      nextStep: tls
        ? 'Regenerate the kubeconfig Secret with the masters CA inlined (Scaffold Config and Secret does).'
        : 'Regenerate the kubeconfig Secret with valid credentials for the masters cluster (Scaffold Config and Secret), and check RBAC for system:nodes.',
      evidence,
      actions: [{ id: 'scaffold', title: 'Scaffold Config and Secret', args: { namespace: f.b.pod?.namespace } }],
    };
  }
  if (!P.NETWORK_ERROR.test(call.line)) return undefined;
  const loopback = serverText && /\/\/(127\.|localhost|\[::1\])/.test(serverText);
  return {
    code: 'masters-unreachable',
    verdict: `The hollow kubelet cannot reach the masters apiserver${serverText ? ` at ${serverText}` : ''}: ${networkWords(call.line)}.`,
    nextStep: loopback
      ? `The Secret names a loopback address, which inside a pod is the pod itself: recreate it with an address of the masters apiserver that the workers cluster can reach.`
      : 'Check that the server in the kubeconfig Secret is the masters apiserver and is reachable from the workers pods (firewall, DNS), then recreate the Secret (Scaffold Config and Secret).',
    evidence,
    actions: [{ id: 'scaffold', title: 'Scaffold Config and Secret', args: { namespace: f.b.pod?.namespace } }],
  };
};

function networkWords(line: string): string {
  if (/connection refused/.test(line)) return 'connection refused';
  if (/no such host/.test(line)) return 'the host name does not resolve';
  if (/i\/o timeout|deadline exceeded|Client\.Timeout/.test(line)) return 'the connection timed out';
  if (/unreachable|no route/.test(line)) return 'no route to the host';
  if (/reset by peer/.test(line)) return 'the connection was reset';
  return 'the connection failed';
}

function lastExit(c: ContainerEvidence): string | undefined {
  const t = c.state.kind === 'terminated' ? c.state : c.lastState?.kind === 'terminated' ? c.lastState : undefined;
  if (!t) return undefined;
  return `${t.reason ?? 'terminated'}, exit code ${t.exitCode ?? '?'}${t.signal ? `, signal ${t.signal}` : ''}`;
}

const crashLoop: Check = (f) => {
  const pod = f.b.pod;
  if (!pod) return undefined;
  const looping = pod.containers.filter((c) => c.restartCount > 0 || (c.state.kind === 'waiting' && c.state.reason === 'CrashLoopBackOff') || (c.state.kind === 'terminated' && (c.state.exitCode ?? 0) !== 0));
  const backoffs = f.events.filter((e) => e.reason === 'BackOff' && P.BACKOFF_RESTART.test(e.message));
  if (looping.length === 0 && backoffs.length === 0) return undefined;
  const evidence: EvidenceItem[] = [];
  const parts: string[] = [];
  for (const c of looping) {
    const exit = lastExit(c);
    parts.push(`${c.name} restarted ${c.restartCount} times${exit ? ` (last exit: ${exit})` : ''}`);
    evidence.push({ source: 'container', text: `${c.name}: ${c.state.kind}${c.state.reason ? ` ${c.state.reason}` : ''}, restarts ${c.restartCount}${exit ? `, last termination ${exit}` : ''}` });
  }
  if (looping.length === 0) {
    // Restarts only seen in events (the lab's pod runner, or a status not yet updated).
    const byContainer = new Map<string, EventEvidence>();
    for (const e of backoffs) {
      const name = (P.BACKOFF_RESTART.exec(e.message)?.[2] as string) ?? '?';
      if (!byContainer.has(name)) byContainer.set(name, e);
    }
    for (const [name, e] of byContainer) {
      const code = P.EXITED_WITH_CODE.exec(e.message)?.[1];
      parts.push(`${name} keeps restarting (back-off ×${e.count}${code !== undefined ? `, last exit code ${code}` : ''})`);
    }
  }
  for (const e of backoffs.slice(0, 2)) evidence.push(ev(e));
  const errLine = firstErrorLine(f);
  if (errLine) evidence.push(errLine);
  return {
    code: 'crash-loop',
    verdict: `The hollow node crash-loops: ${parts.join('; ')}.`,
    nextStep: 'Read the last error lines of the failing container (below, or Tail Logs with the previous instance) and fix what they name.',
    evidence,
    actions: [{ id: 'tailLogs', title: 'Tail Logs', args: { pod: f.podRef } }],
  };
};

function firstErrorLine(f: Facts): EvidenceItem | undefined {
  const errs = errorLines(f.b);
  for (const c of errs) if (c.lines.length > 0) return { source: 'log', text: `${c.container}: ${(c.lines[c.lines.length - 1] as string).trim()}` };
  return undefined;
}

const podPending: Check = (f) => {
  const pod = f.b.pod;
  if (!pod) return undefined;
  const waiting = pod.containers.find((c) => c.state.kind === 'waiting' && c.state.reason && c.state.reason !== 'CrashLoopBackOff');
  if (pod.phase !== 'Pending' && !(waiting && !P.CREATING_REASONS.has(waiting.state.reason ?? ''))) return undefined;
  const warn = f.event((e) => e.type === 'Warning');
  const evidence: EvidenceItem[] = [{ source: 'pod', text: `Phase ${pod.phase ?? '?'}${pod.nodeName ? ` on ${pod.nodeName}` : ''}` }];
  if (waiting) evidence.push({ source: 'container', text: `${waiting.name}: waiting, ${waiting.state.reason}${waiting.state.message ? `: ${waiting.state.message}` : ''}` });
  if (warn) evidence.push(ev(warn));
  return {
    code: 'pod-pending',
    verdict: `Pod ${f.podRef} has not started its containers yet${waiting ? ` (${waiting.state.reason})` : ''}.`,
    nextStep: warn ? `Fix what the ${warn.reason} event says, then look again.` : 'Wait a little: the workers node is still setting the pod up; look again in a minute.',
    evidence,
  };
};

/**
 * The workers node refused to run the pod's containers: the lab's pod runner posts a `NotRun`
 * (or `LabLimit`) Warning saying why and what to do (a namespace the lab was not told about, a
 * container that is not kubemark, a path outside the pod's volumes, the lab's pod cap).
 */
const notRun: Check = (f) => {
  if (f.b.mastersNode?.exists) return undefined;
  const e = f.event((x) => x.type === 'Warning' && (x.reason === 'NotRun' || x.reason === 'LabLimit') && x.object.startsWith('Pod/'));
  if (!e) return undefined;
  // Fixed since (the namespace labelled, the cap freed): a container started after the event.
  const after = time(e.lastSeen);
  const startedSince = (f.b.pod?.containers ?? []).some((c) => {
    const started = c.state.kind === 'running' || c.state.kind === 'terminated' ? time(c.state.startedAt) : 0;
    return started > 0 && started > after;
  });
  if (startedSince) return undefined;
  return {
    code: 'not-run',
    verdict: `The workers node did not run pod ${f.podRef}'s containers (${e.reason}), so no hollow kubelet registers ${f.nodeName}.`,
    nextStep: `Do what the event says: ${e.message}`,
    evidence: [ev(e), ...(f.b.pod ? [{ source: 'pod' as const, text: `Phase ${f.b.pod.phase ?? '?'}${f.b.pod.nodeName ? ` on ${f.b.pod.nodeName}` : ''}` }] : [])],
  };
};

const nodeMissing: Check = (f) => {
  const node = f.b.mastersNode;
  if (!node || node.exists || !f.b.pod || f.b.pod.phase !== 'Running') return undefined;
  const errs = firstErrorLine(f);
  const young = f.b.pod.createdAt ? (f.b.now - time(f.b.pod.createdAt)) / 1000 < 30 : false;
  return {
    code: 'node-missing',
    verdict: `Pod ${f.podRef} is Running, but no Node ${node.name} registered in the masters cluster${young ? ' yet (the pod started less than 30 s ago)' : ''}.`,
    nextStep: young
      ? 'Wait a few seconds: a hollow kubelet registers within seconds of starting.'
      : 'Check that the kubeconfig Secret points at the masters cluster (not the workers) and that --name matches the pod name; read the hollow-kubelet log.',
    evidence: [{ source: 'masters-node', text: `No Node ${node.name} in the masters cluster` }, ...(f.b.secret?.server ? [{ source: 'secret' as const, text: `The Secret points at ${f.b.secret.server}` }] : []), ...(errs ? [errs] : [])],
    actions: [{ id: 'tailLogs', title: 'Tail Logs', args: { pod: f.podRef, container: 'hollow-kubelet' } }],
  };
};

const heartbeat: Check = (f) => {
  const node = f.b.mastersNode;
  if (!node?.exists || !f.heartbeatStale()) return undefined;
  const evidence: EvidenceItem[] = [];
  if (f.leaseAge !== undefined) evidence.push({ source: 'lease', text: `Lease kube-node-lease/${node.name} renewed ${ageText(f.leaseAge)} ago (duration ${f.leaseDuration} s)` });
  if (f.nodeReady) evidence.push({ source: 'masters-node', text: conditionText(f.nodeReady) });
  const pod = f.b.pod;
  if (pod) evidence.push({ source: 'pod', text: `Pod ${f.podRef}: ${pod.deleting ? 'terminating' : pod.phase ?? '?'}` });
  const wn = f.b.workersNode;
  const wReady = wn?.conditions.find((c) => c.type === 'Ready');
  if (wn && wReady && wReady.status !== 'True') evidence.push({ source: 'workers-node', text: `Workers node ${wn.name}: ${conditionText(wReady)}` });
  return {
    code: 'heartbeat-stale',
    verdict: `Node ${node.name} registered, but its heartbeat is stale${f.leaseAge !== undefined ? ` (Lease renewed ${ageText(f.leaseAge)} ago)` : ''}: the hollow kubelet stopped${pod?.deleting ? ' (its pod is terminating)' : ' or cannot reach the masters apiserver'}.`,
    nextStep: pod && !pod.deleting
      ? 'Read the hollow-kubelet log for errors talking to the masters apiserver; restart the pod if it hangs (Stop Hollow Node, the StatefulSet recreates it).'
      : 'Delete the stale Node (Delete NotReady Nodes), or scale the hollow nodes back up.',
    evidence,
    actions: pod && !pod.deleting ? [{ id: 'tailLogs', title: 'Tail Logs', args: { pod: f.podRef, container: 'hollow-kubelet' } }] : [{ id: 'deleteNode', title: `Delete Node ${node.name}`, args: { node: node.name } }],
  };
};

const notReady: Check = (f) => {
  const r = f.nodeReady;
  if (!r || r.status === 'True') return undefined;
  return {
    code: 'node-not-ready',
    verdict: `Node ${f.nodeName} heartbeats but reports Ready=${r.status}${r.reason ? ` (${r.reason})` : ''}${r.message ? `: ${r.message}` : ''}.`,
    nextStep: 'Read the reason above and the hollow-kubelet log; a hollow kubelet normally reports Ready within seconds.',
    evidence: [{ source: 'masters-node', text: conditionText(r) }],
  };
};

function conditionText(c: ConditionEvidence): string {
  return `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}`;
}

const CHECKS: readonly Check[] = [podMissing, ready, imagePull, unschedulable, secretProblems, badArguments, imageService, masters, crashLoop, podPending, notRun, nodeMissing, heartbeat, notReady];

/** The verdict for one hollow node. */
export function diagnose(bundle: EvidenceBundle): Diagnosis {
  const f = new Facts(bundle);
  for (const check of CHECKS) {
    const d = check(f);
    if (d) return d;
  }
  const evidence: EvidenceItem[] = bundle.problems.map((p) => ({ source: 'pod', text: p }));
  return {
    code: 'unknown',
    verdict: bundle.problems.length > 0 ? 'Not enough evidence could be read to judge.' : 'Nothing in the evidence explains it.',
    nextStep: bundle.problems.length > 0 ? 'Fix the access problems listed (permissions, reachability), then look again.' : 'Read the events and log lines below; look again in a minute.',
    evidence,
  };
}

export interface ContainerErrors {
  container: string;
  /** The last error lines (at most MAX_ERROR_LINES), oldest first, with the classifier's hint. */
  lines: string[];
  hints: string[];
}

/** The last error lines of each container's log tail, through the log classifier (noise dropped). */
export function errorLines(bundle: Pick<EvidenceBundle, 'logs'>, max = MAX_ERROR_LINES): ContainerErrors[] {
  const out: ContainerErrors[] = [];
  for (const l of bundle.logs) {
    const classifier = new LogClassifier();
    const lines: string[] = [];
    const hints = new Set<string>();
    for (const line of l.lines) {
      // cobra's usage errors are not klog lines: count them as errors too.
      const c = classifier.classify(line, l.container);
      if (c.kind === 'error' && !c.continuation) {
        lines.push(line);
        if (c.hint) hints.add(c.hint);
      } else if (c.kind === 'pass' && /^Error: /.test(line.trim())) {
        lines.push(line);
      }
    }
    out.push({ container: l.container + (l.previous ? ' (previous)' : ''), lines: lines.slice(-max), hints: [...hints] });
  }
  return out;
}
