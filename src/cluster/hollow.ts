// Which pods are hollow nodes, which workloads own them, and the node name each registers.
// Pure: works on raw objects and slim records. No vscode.
/* eslint-disable @typescript-eslint/no-explicit-any */

/** `--morph=kubelet`, `--morph proxy`, also inside a shell command line. */
const MORPH = /--morph(?:=|\s+)["']?(kubelet|proxy)\b/;

/** One requirement of a label selector (equality- or set-based, as kubectl reads them). */
export type Requirement =
  | { key: string; op: 'exists' | 'notexists' }
  | { key: string; op: 'in' | 'notin'; values: string[] };

export type LabelSelector = Requirement[];

/**
 * Parses `app=hollow-node,tier!=x,env in (a,b),!legacy,owner`. Throws with what is wrong
 * (the setting's value is shown back to the user).
 */
export function parseSelector(text: string): LabelSelector {
  const out: LabelSelector = [];
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() || parts.length) parts.push(cur);
  for (const raw of parts) {
    const p = raw.trim();
    if (!p) throw new Error(`Empty requirement in label selector "${text}".`);
    let m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p);
    if (m) {
      out.push({ key: m[1]!, op: m[2] as 'in' | 'notin', values: m[3]!.split(',').map((v) => v.trim()).filter(Boolean) });
      continue;
    }
    m = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(p);
    if (m) {
      out.push({ key: m[1]!, op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]!] });
      continue;
    }
    m = /^(!?)([\w./-]+)$/.exec(p);
    if (m) {
      out.push({ key: m[2]!, op: m[1] ? 'notexists' : 'exists' });
      continue;
    }
    throw new Error(`Cannot read "${p}" in label selector "${text}": use key=value, key!=value, key in (a,b), key or !key, separated by commas.`);
  }
  return out;
}

export function matchesSelector(labels: Record<string, string> | undefined, sel: LabelSelector): boolean {
  if (sel.length === 0) return false;
  const l = labels ?? {};
  return sel.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'exists': return has;
      case 'notexists': return !has;
      case 'in': return has && r.values.includes(l[r.key]!);
      case 'notin': return !has || !r.values.includes(l[r.key]!);
    }
  });
}

function containerStrings(c: any): string[] {
  return [...(Array.isArray(c?.command) ? c.command : []), ...(Array.isArray(c?.args) ? c.args : [])].filter((s: unknown): s is string => typeof s === 'string');
}

/** The morph of a container (kubelet or proxy), if it runs kubemark. */
export function morphOf(c: any): 'kubelet' | 'proxy' | undefined {
  for (const s of containerStrings(c)) {
    const m = MORPH.exec(s);
    if (m) return m[1] as 'kubelet' | 'proxy';
  }
  // `--morph` and `kubelet` as two exec-form arguments.
  const argv = containerStrings(c);
  const i = argv.indexOf('--morph');
  if (i >= 0 && (argv[i + 1] === 'kubelet' || argv[i + 1] === 'proxy')) return argv[i + 1] as 'kubelet' | 'proxy';
  return undefined;
}

/** A pod spec with a kubemark container, or pod labels matching the configured selector. */
export function isHollowPodSpec(spec: any, labels: Record<string, string> | undefined, selector: LabelSelector = []): boolean {
  if ((spec?.containers ?? []).some((c: any) => morphOf(c) !== undefined)) return true;
  return selector.length > 0 && matchesSelector(labels, selector);
}

export function isHollowPod(pod: any, selector: LabelSelector = []): boolean {
  return isHollowPodSpec(pod?.spec, pod?.metadata?.labels, selector);
}

/** A workload (StatefulSet, ReplicationController, Deployment, ReplicaSet, DaemonSet) whose pods are hollow nodes. */
export function isHollowWorkload(o: any, selector: LabelSelector = []): boolean {
  const t = o?.spec?.template;
  return isHollowPodSpec(t?.spec, t?.metadata?.labels, selector);
}

/** kubemark's default for --name (cmd/kubemark/app/hollow-node.go). */
export const KUBEMARK_DEFAULT_NODE_NAME = 'fake-node';

/**
 * The name the hollow kubelet of this pod registers: its `--name`, with `$(VAR)` taken from the
 * container's env (a literal value, or the pod's name / node / namespace through fieldRef).
 * Undefined when it cannot be known from the pod alone (a ConfigMap or Secret value).
 */
export function hollowNodeNameOf(pod: any): string | undefined {
  const c = (pod?.spec?.containers ?? []).find((x: any) => morphOf(x) === 'kubelet');
  if (!c) return undefined;
  const argv = containerStrings(c);
  let raw: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i]!;
    const inline = /(?:^|\s)--name(?:=|\s+)("?)([^\s"]+)\1/.exec(s);
    if (inline) raw = inline[2];
    else if (s === '--name' && argv[i + 1] !== undefined) raw = argv[i + 1];
  }
  if (raw === undefined) return KUBEMARK_DEFAULT_NODE_NAME;
  const env = new Map<string, any>((c.env ?? []).map((e: any) => [e.name, e]));
  let unknown = false;
  const name = raw.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)|\$([A-Za-z_][A-Za-z0-9_]*)|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, a, b, d) => {
    const e = env.get(a ?? b ?? d);
    if (!e) {
      // Kubernetes leaves an undefined $(VAR) as it is; a shell expands $VAR to nothing.
      if (a) return whole;
      unknown = true;
      return '';
    }
    if (typeof e.value === 'string') return e.value;
    const field = e.valueFrom?.fieldRef?.fieldPath;
    if (field === 'metadata.name') return pod?.metadata?.name ?? '';
    if (field === 'metadata.namespace') return pod?.metadata?.namespace ?? '';
    if (field === 'spec.nodeName' && pod?.spec?.nodeName) return pod.spec.nodeName;
    unknown = true;
    return '';
  });
  return unknown || !name ? undefined : name;
}

/** The controller of an object, as its ownerReferences say. */
export function controllerOf(o: any): { kind: string; name: string; uid: string } | undefined {
  const r = (o?.metadata?.ownerReferences ?? []).find((x: any) => x?.controller);
  return r ? { kind: String(r.kind), name: String(r.name), uid: String(r.uid ?? '') } : undefined;
}
