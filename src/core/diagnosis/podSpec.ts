// What a hollow-node pod reads from its kubeconfig Secret, and where that kubeconfig points,
// from plain objects (the shape of the API's Pod spec; no client-node import).
import { parse as parseYaml } from 'yaml';

interface KeyToPath {
  key: string;
  path: string;
}
export interface PodSpecLike {
  containers?: { name: string; command?: string[]; args?: string[]; volumeMounts?: { name: string; mountPath: string; subPath?: string }[] }[];
  volumes?: {
    name: string;
    secret?: { secretName?: string; items?: KeyToPath[] };
    projected?: { sources?: { secret?: { name?: string; items?: KeyToPath[] } }[] };
  }[];
}

export interface SecretRef {
  secret: string;
  /** Keys of the Secret the containers read (sorted, unique). */
  keys: string[];
}

/**
 * The Secrets a hollow-node pod reads its kubeconfig from, and which keys: for every
 * `--kubeconfig=<path>` (or `--kubeconfig <path>`) under a Secret volume mount, the key that
 * lands at that path (through `items` when present, else the file name).
 */
export function kubeconfigSecretRefs(spec: PodSpecLike | undefined): SecretRef[] {
  const out = new Map<string, Set<string>>();
  for (const c of spec?.containers ?? []) {
    const argv = [...(c.command ?? []), ...(c.args ?? [])];
    const paths: string[] = [];
    argv.forEach((a, i) => {
      // Shell form: flags inside one string.
      for (const m of a.matchAll(/--kubeconfig(?:=|\s+)(\S+)/g)) paths.push((m[1] as string).replace(/^["']|["']$/g, ''));
      if (a === '--kubeconfig' && argv[i + 1]) paths.push(argv[i + 1] as string);
    });
    for (const path of paths) {
      const mount = (c.volumeMounts ?? [])
        .filter((m) => path === m.mountPath || path.startsWith(m.mountPath.replace(/\/?$/, '/')))
        .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
      if (!mount) continue;
      const rel = path.slice(mount.mountPath.replace(/\/?$/, '/').length);
      const vol = spec?.volumes?.find((v) => v.name === mount.name);
      const sources: { name?: string; items?: KeyToPath[] }[] = [];
      if (vol?.secret) sources.push({ name: vol.secret.secretName, items: vol.secret.items });
      for (const s of vol?.projected?.sources ?? []) if (s.secret) sources.push(s.secret);
      for (const s of sources) {
        if (!s.name) continue;
        const inMount = mount.subPath ? mount.subPath : rel;
        const key = s.items ? s.items.find((it) => it.path === inMount)?.key : inMount;
        if (!key) continue;
        let set = out.get(s.name);
        if (!set) out.set(s.name, (set = new Set()));
        set.add(key);
      }
    }
  }
  return [...out].map(([secret, keys]) => ({ secret, keys: [...keys].sort() }));
}

/**
 * The server URL of a kubeconfig's current context (or its only cluster). Only the URL is
 * returned; credentials are not looked at. Undefined when the text is not a kubeconfig.
 */
export function kubeconfigServer(text: string): string | undefined {
  let doc: any;
  try {
    doc = parseYaml(text);
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object') return undefined;
  const clusters: any[] = Array.isArray(doc.clusters) ? doc.clusters : [];
  const contexts: any[] = Array.isArray(doc.contexts) ? doc.contexts : [];
  const ctx = contexts.find((c) => c?.name === doc['current-context']) ?? (contexts.length === 1 ? contexts[0] : undefined);
  const cluster = ctx ? clusters.find((c) => c?.name === ctx.context?.cluster) : clusters.length === 1 ? clusters[0] : undefined;
  const server = cluster?.cluster?.server;
  return typeof server === 'string' ? server : undefined;
}
