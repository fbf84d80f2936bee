// Loads kubeconfig files the way kubectl does (client-go clientcmd), into a client-node KubeConfig:
// - the files of KUBECONFIG (split on path.delimiter; missing files skipped and recorded), else
//   ~/.kube/config, then the caller's extra paths;
// - merged with kubectl's rule: the first file to define a cluster, user or context name wins, and
//   the first file to set current-context wins (client-node's mergeConfig throws on duplicates and
//   lets later files override current-context);
// - relative certificate-authority, client-certificate, client-key, tokenFile (and an exec command
//   given as a relative path) resolved against the directory of the file that names them;
// - `tokenFile` (kubectl's field name, ignored by client-node) is honoured: the token is read from
//   the file when a request needs it (re-read at most every 60 s, trimmed), and remembered for the
//   exporter, which inlines it;
// - invalid files and entries become problems (file name + reason, never file contents) instead of
//   failing the whole load.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import yaml from 'js-yaml';
import { KubeConfig } from '@kubernetes/client-node';
import type { Cluster, Context, User } from '@kubernetes/client-node';

export type KubeconfigProblemCode = 'not-found' | 'unreadable' | 'invalid-yaml' | 'invalid-entry' | 'duplicate-name' | 'token-file';

export interface KubeconfigProblem {
  readonly code: KubeconfigProblemCode;
  /** Absolute path of the kubeconfig file concerned. */
  readonly file: string;
  /** One sentence naming the file; never contains credential material. */
  readonly message: string;
}

export interface LoadKubeConfigOptions {
  /** Value of KUBECONFIG (default process.env.KUBECONFIG); empty means unset. */
  kubeconfigEnv?: string;
  /** More files, loaded after KUBECONFIG / ~/.kube/config (setting kubemark.kubeconfig); `~/` expanded. */
  extraPaths?: readonly string[];
  /** Home directory for ~/.kube/config (default os.homedir()). */
  homeDir?: string;
  /** Base for relative KUBECONFIG entries (default process.cwd()). */
  cwd?: string;
}

export interface LoadedKubeConfig {
  kubeConfig: KubeConfig;
  /** Files that were read, in merge order (absolute paths). */
  files: string[];
  /** Files that were looked for but do not exist (KUBECONFIG entries, ~/.kube/config, extra paths). */
  missing: string[];
  problems: KubeconfigProblem[];
}

/** What the loader knows about an entry that client-node's types cannot hold. */
export interface EntryOrigin {
  /** The kubeconfig file the entry came from. */
  readonly file: string;
  /** Absolute path of the user's tokenFile. */
  readonly tokenFile?: string;
  /** kubectl fields client-node drops, kept for export (as-uid, as-groups, as-user-extra, disable-compression). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

const origins = new WeakMap<object, EntryOrigin>();

/** Where an entry of a KubeConfig built by loadKubeConfig came from (undefined for other KubeConfigs). */
export function entryOrigin(entry: Cluster | User | Context): EntryOrigin | undefined {
  return origins.get(entry);
}

const TOKEN_FILE_REFRESH_MS = 60_000;

export function loadKubeConfig(options: LoadKubeConfigOptions = {}): LoadedKubeConfig {
  const cwd = options.cwd ?? process.cwd();
  const home = options.homeDir ?? os.homedir();
  const env = options.kubeconfigEnv ?? process.env.KUBECONFIG ?? '';
  const candidates: { file: string; explicit: boolean }[] = [];
  if (env.length > 0) {
    for (const p of env.split(path.delimiter)) if (p.length > 0) candidates.push({ file: path.resolve(cwd, p), explicit: false });
  } else {
    candidates.push({ file: path.join(home, '.kube', 'config'), explicit: false });
  }
  for (const p of options.extraPaths ?? []) {
    const trimmed = p.trim();
    if (trimmed.length === 0) continue;
    candidates.push({ file: path.resolve(cwd, expandHome(trimmed, home)), explicit: true });
  }

  const clusters: Cluster[] = [];
  const users: User[] = [];
  const contexts: Context[] = [];
  const names = { clusters: new Set<string>(), users: new Set<string>(), contexts: new Set<string>() };
  let currentContext: string | undefined;
  const files: string[] = [];
  const missing: string[] = [];
  const problems: KubeconfigProblem[] = [];
  const seen = new Set<string>();

  for (const { file, explicit } of candidates) {
    if (seen.has(file)) continue;
    seen.add(file);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        missing.push(file);
        if (explicit) problems.push({ code: 'not-found', file, message: `Kubeconfig file ${file} (setting kubemark.kubeconfig) does not exist.` });
      } else {
        problems.push({ code: 'unreadable', file, message: `Kubeconfig file ${file} cannot be read (${code ?? 'error'}).` });
      }
      continue;
    }
    let doc: unknown;
    try {
      doc = yaml.load(text, { filename: file });
    } catch (err) {
      problems.push({ code: 'invalid-yaml', file, message: `Kubeconfig file ${file} is not valid YAML: ${yamlReason(err)}.` });
      continue;
    }
    files.push(file);
    if (doc === null || doc === undefined) continue; // an empty file is an empty config, as in kubectl
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      problems.push({ code: 'invalid-yaml', file, message: `Kubeconfig file ${file} does not hold a kubeconfig mapping.` });
      continue;
    }
    const obj = doc as Record<string, unknown>;
    const dir = path.dirname(file);
    const problem = (code: KubeconfigProblemCode, message: string) => problems.push({ code, file, message: `${file}: ${message}` });

    forEachNamed(obj, 'clusters', 'cluster', problem, names.clusters, (name, c) => {
      const server = typeof c.server === 'string' ? c.server.replace(/\/$/, '') : '';
      if (server === '') problem('invalid-entry', `cluster "${name}" has no server.`);
      const cluster: Record<string, unknown> = { name, server, skipTLSVerify: c['insecure-skip-tls-verify'] === true };
      setString(cluster, 'caData', c['certificate-authority-data']);
      setString(cluster, 'caFile', resolvePath(dir, c['certificate-authority']));
      setString(cluster, 'tlsServerName', c['tls-server-name']);
      setString(cluster, 'proxyUrl', c['proxy-url']);
      const extra = pick(c, ['disable-compression']);
      origins.set(cluster, { file, ...(extra ? { extra } : {}) });
      clusters.push(cluster as unknown as Cluster);
    });

    forEachNamed(obj, 'users', 'user', problem, names.users, (name, u) => {
      const user: Record<string, unknown> = { name };
      setString(user, 'certData', u['client-certificate-data']);
      setString(user, 'certFile', resolvePath(dir, u['client-certificate']));
      setString(user, 'keyData', u['client-key-data']);
      setString(user, 'keyFile', resolvePath(dir, u['client-key']));
      setString(user, 'username', u.username);
      setString(user, 'password', u.password);
      setString(user, 'impersonateUser', u.as);
      if (isObject(u.exec)) {
        const exec = { ...u.exec };
        if (typeof exec.command === 'string' && /[\\/]/.test(exec.command) && !path.isAbsolute(exec.command)) {
          exec.command = path.join(dir, exec.command);
        }
        user.exec = exec;
      }
      if (isObject(u['auth-provider'])) user.authProvider = u['auth-provider'];
      const staticToken = typeof u.token === 'string' && u.token.length > 0 ? u.token : undefined;
      const tokenFile = resolvePath(dir, u.tokenFile);
      if (tokenFile !== undefined) {
        defineTokenFromFile(user, tokenFile, staticToken, () => problem('token-file', `tokenFile ${tokenFile} of user "${name}" cannot be read.`));
      } else if (staticToken !== undefined) {
        user.token = staticToken;
      }
      const extra = pick(u, ['as-uid', 'as-groups', 'as-user-extra']);
      origins.set(user, { file, ...(tokenFile !== undefined ? { tokenFile } : {}), ...(extra ? { extra } : {}) });
      users.push(user as unknown as User);
    });

    forEachNamed(obj, 'contexts', 'context', problem, names.contexts, (name, c) => {
      const context: Record<string, unknown> = { name, cluster: typeof c.cluster === 'string' ? c.cluster : '' };
      setString(context, 'user', c.user);
      setString(context, 'namespace', c.namespace);
      origins.set(context, { file });
      contexts.push(context as unknown as Context);
    });

    const cc = obj['current-context'];
    if (currentContext === undefined && typeof cc === 'string' && cc.length > 0) currentContext = cc;
  }

  const kubeConfig = new KubeConfig();
  // loadFromOptions takes currentContext as a string; client-node itself leaves it undefined when unset.
  kubeConfig.loadFromOptions({ clusters, users, contexts, currentContext: currentContext as string });
  return { kubeConfig, files, missing, problems };
}

function forEachNamed(
  obj: Record<string, unknown>,
  listKey: 'clusters' | 'users' | 'contexts',
  itemKey: 'cluster' | 'user' | 'context',
  problem: (code: KubeconfigProblemCode, message: string) => void,
  defined: Set<string>,
  add: (name: string, body: Record<string, unknown>) => void,
): void {
  const list = obj[listKey];
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) {
    problem('invalid-entry', `"${listKey}" is not a list; ignored.`);
    return;
  }
  const inThisFile = new Set<string>();
  list.forEach((item: unknown, i) => {
    if (!isObject(item) || typeof item.name !== 'string' || item.name.length === 0) {
      problem('invalid-entry', `${listKey}[${i}] has no name; ignored.`);
      return;
    }
    const name = item.name;
    if (inThisFile.has(name)) {
      problem('duplicate-name', `${itemKey} "${name}" is defined twice; the first definition is used.`);
      return;
    }
    inThisFile.add(name);
    if (defined.has(name)) return; // kubectl: the first file to define a name wins
    const body = item[itemKey];
    if (body !== undefined && body !== null && !isObject(body)) {
      problem('invalid-entry', `${itemKey} "${name}" is not a mapping; ignored.`);
      return;
    }
    defined.add(name);
    add(name, (body ?? {}) as Record<string, unknown>);
  });
}

/**
 * `token` read from tokenFile on demand (client-go re-reads it too; client-node ignores tokenFile),
 * trimmed, cached for 60 s; falls back to the static token when the file cannot be read.
 */
function defineTokenFromFile(user: Record<string, unknown>, file: string, fallback: string | undefined, onFirstFailure: () => void): void {
  let cached: string | undefined;
  let readAt = 0;
  let failed = false;
  const read = (): string | undefined => {
    try {
      const t = fs.readFileSync(file, 'utf8').trim();
      return t.length > 0 ? t : undefined;
    } catch {
      return undefined;
    }
  };
  // Read once now so that an unreadable file is reported at load time.
  cached = read();
  readAt = Date.now();
  if (cached === undefined) {
    failed = true;
    onFirstFailure();
  }
  Object.defineProperty(user, 'token', {
    enumerable: true,
    configurable: true,
    get(): string | undefined {
      const now = Date.now();
      if (now - readAt > TOKEN_FILE_REFRESH_MS || (failed && cached === undefined && now - readAt > 1000)) {
        const t = read();
        readAt = now;
        if (t !== undefined) {
          cached = t;
          failed = false;
        }
      }
      return cached ?? fallback;
    },
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function setString(target: Record<string, unknown>, key: string, value: unknown): void {
  if (typeof value === 'string' && value.length > 0) target[key] = value;
}

function pick(src: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const k of keys) {
    if (src[k] !== undefined && src[k] !== null) (out ??= {})[k] = src[k];
  }
  return out;
}

function resolvePath(dir: string, p: unknown): string | undefined {
  if (typeof p !== 'string' || p.length === 0) return undefined;
  return path.isAbsolute(p) ? p : path.join(dir, p);
}

function expandHome(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/') || p.startsWith('~\\')) return path.join(home, p.slice(2));
  return p;
}

/** js-yaml's reason and line, without its snippet (which would quote the file, credentials included). */
function yamlReason(err: unknown): string {
  const e = err as { reason?: unknown; mark?: { line?: unknown; column?: unknown } };
  const reason = typeof e.reason === 'string' ? e.reason : 'parse error';
  const line = typeof e.mark?.line === 'number' ? ` at line ${e.mark.line + 1}` : '';
  return reason + line;
}
