// A standalone kubeconfig for the masters cluster, to put in the hollow-node Secret "kubeconfig"
// (keys kubelet.kubeconfig and kubeproxy.kubeconfig). It is read inside pods of the workers
// cluster, so everything must be inline and the credentials must work without local helpers.
// Messages and warnings name files, contexts, clusters, users and server URLs (without userinfo),
// never certificate, key, token or password material.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import yaml from 'js-yaml';
import type { KubeConfig, User } from '@kubernetes/client-node';
import { entryOrigin } from './load';

export type ExportErrorCode =
  | 'unknown-context'
  | 'missing-cluster'
  | 'missing-user'
  | 'no-server'
  | 'exec-plugin'
  | 'auth-provider'
  | 'basic-auth'
  | 'incomplete-client-certificate'
  | 'unreadable-file'
  | 'empty-file';

export class KubeconfigExportError extends Error {
  constructor(
    readonly code: ExportErrorCode,
    /** What is wrong (one or two sentences). */
    readonly reason: string,
    /** What to do about it. */
    readonly remedy: string,
    /** The file concerned, for unreadable / empty files. */
    readonly file?: string,
  ) {
    super(`${reason} ${remedy}`);
    this.name = 'KubeconfigExportError';
  }
}

export type ExportWarningCode =
  | 'loopback-server'
  | 'insecure-skip-tls-verify'
  | 'no-certificate-authority'
  | 'no-credentials'
  | 'basic-auth-dropped'
  | 'certificate-expired'
  | 'certificate-not-yet-valid'
  | 'certificate-unparseable'
  | 'client-key-mismatch'
  | 'loopback-proxy';

export interface ExportWarning {
  readonly code: ExportWarningCode;
  readonly message: string;
}

export interface ExportOptions {
  /** Base for relative paths of entries not loaded by loadKubeConfig (default process.cwd()). */
  baseDir?: string;
  /** Clock for certificate validity checks (tests). */
  now?: Date;
}

export interface ExportedKubeconfig {
  yaml: string;
  warnings: ExportWarning[];
  /** Files whose contents were inlined (absolute paths). */
  inlinedFiles: string[];
}

export type AuthKind = 'client-certificate' | 'token' | 'exec' | 'auth-provider' | 'basic' | 'none';

export interface ContextDescription {
  name: string;
  cluster: string;
  user: string;
  /** Server URL without userinfo; '' when the cluster is missing. */
  server: string;
  namespace?: string;
  authKind: AuthKind;
  /** True when this is the kubeconfig's current-context. */
  current: boolean;
}

/** One line per context, for a quick pick. Never reads credential files. */
export function describeContexts(kc: KubeConfig): ContextDescription[] {
  const current = kc.getCurrentContext();
  return kc.getContexts().map((ctx) => {
    const cluster = findByName(kc.getClusters(), ctx.cluster);
    const user = ctx.user ? findByName(kc.getUsers(), ctx.user) : undefined;
    const d: ContextDescription = {
      name: ctx.name,
      cluster: ctx.cluster ?? '',
      user: ctx.user ?? '',
      server: cluster ? safeUrl(cluster.server) : '',
      authKind: user ? authKind(user) : 'none',
      current: ctx.name === current,
    };
    if (ctx.namespace) d.namespace = ctx.namespace;
    return d;
  });
}

function authKind(user: User): AuthKind {
  if (user.exec) return 'exec';
  if (user.authProvider && !providerTokenFile(user)) return 'auth-provider';
  if (user.certData || user.certFile) return 'client-certificate';
  if (entryOrigin(user)?.tokenFile || providerTokenFile(user) || user.token) return 'token';
  if (user.username || user.password) return 'basic';
  return 'none';
}

/** client-node's own in-cluster form: auth-provider { name: tokenFile, config: { tokenFile } }. */
function providerTokenFile(user: User): string | undefined {
  const ap = user.authProvider as { name?: unknown; config?: { tokenFile?: unknown } } | undefined | null;
  return ap && ap.name === 'tokenFile' && typeof ap.config?.tokenFile === 'string' ? ap.config.tokenFile : undefined;
}

/**
 * A kubeconfig holding only `contextName`, its cluster and user, with current-context set and
 * every file inlined. Throws KubeconfigExportError when the result could not work inside a pod.
 */
export function exportStandaloneKubeconfig(kc: KubeConfig, contextName: string, options: ExportOptions = {}): ExportedKubeconfig {
  const warnings: ExportWarning[] = [];
  const inlinedFiles: string[] = [];
  const warn = (code: ExportWarningCode, message: string) => warnings.push({ code, message });

  const ctx = kc.getContexts().find((c) => c.name === contextName);
  if (!ctx) {
    const names = kc.getContexts().map((c) => `"${c.name}"`);
    throw new KubeconfigExportError(
      'unknown-context',
      `Context "${contextName}" is not in the loaded kubeconfig.`,
      names.length > 0 ? `Pick one of ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}.` : 'No contexts are loaded: set KUBECONFIG or the kubemark.kubeconfig setting.',
    );
  }
  const cluster = ctx.cluster ? findByName(kc.getClusters(), ctx.cluster) : undefined;
  if (!cluster) {
    throw new KubeconfigExportError(
      'missing-cluster',
      ctx.cluster ? `Context "${ctx.name}" refers to cluster "${ctx.cluster}", which is not defined in the kubeconfig.` : `Context "${ctx.name}" names no cluster.`,
      'Add the cluster entry to your kubeconfig or pick another context.',
    );
  }
  if (!ctx.user) {
    throw new KubeconfigExportError('missing-user', `Context "${ctx.name}" names no user, so the hollow nodes would be anonymous.`, 'Add a user with a client certificate or a token for the masters cluster to the context.');
  }
  const user = findByName(kc.getUsers(), ctx.user);
  if (!user) {
    throw new KubeconfigExportError('missing-user', `Context "${ctx.name}" refers to user "${ctx.user}", which is not defined in the kubeconfig.`, 'Add the user entry to your kubeconfig or pick another context.');
  }
  const server = cluster.server;
  if (!server) {
    throw new KubeconfigExportError('no-server', `Cluster "${cluster.name}" has no server address.`, 'Set clusters[].cluster.server in your kubeconfig.');
  }
  const who = `User "${user.name}" of context "${ctx.name}"`;
  const remedyCredentials =
    'Give the hollow nodes a credential that works on its own: a client certificate and key for the masters cluster, or the token of a ServiceAccount there (kubectl create serviceaccount hollow-node -n kube-system, bind it to system:node or cluster-admin for a test cluster, kubectl create token hollow-node --duration=...), in a kubeconfig user you then select.';

  if (user.exec) {
    const command = typeof (user.exec as { command?: unknown }).command === 'string' ? path.basename((user.exec as { command: string }).command) : 'a command';
    throw new KubeconfigExportError(
      'exec-plugin',
      `${who} gets its credentials from an exec plugin (${command}). The plugin cannot run inside hollow-node pods: the kubemark image has neither the program nor your login.`,
      remedyCredentials,
    );
  }
  const ptf = providerTokenFile(user);
  if (user.authProvider && !ptf) {
    const name = typeof (user.authProvider as { name?: unknown }).name === 'string' ? (user.authProvider as { name: string }).name : 'unnamed';
    throw new KubeconfigExportError(
      'auth-provider',
      `${who} uses the "${name}" auth-provider, which refreshes tokens with your local login; it cannot run inside hollow-node pods (and auth-provider support was removed from kubectl and the kubelet's client).`,
      remedyCredentials,
    );
  }

  const origin = entryOrigin(user);
  const base = options.baseDir ?? process.cwd();
  const fromFile = (file: string, field: string, owner: 'cluster' | 'user'): Buffer => {
    const ownerFile = (owner === 'cluster' ? entryOrigin(cluster) : origin)?.file;
    const abs = path.isAbsolute(file) ? file : path.resolve(ownerFile ? path.dirname(ownerFile) : base, file);
    let data: Buffer;
    try {
      data = fs.readFileSync(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      const what = owner === 'cluster' ? `cluster "${cluster.name}"` : `user "${user.name}"`;
      throw new KubeconfigExportError(
        'unreadable-file',
        `The ${field} file ${abs} of ${what} (context "${ctx.name}") cannot be read (${code}).`,
        'Fix the path in your kubeconfig (relative paths are relative to the kubeconfig file) or make the file readable, then export again.',
        abs,
      );
    }
    if (data.length === 0 || data.toString('utf8').trim().length === 0) {
      throw new KubeconfigExportError('empty-file', `The ${field} file ${abs} is empty.`, 'Point the kubeconfig at the right file.', abs);
    }
    inlinedFiles.push(abs);
    return data;
  };

  // Cluster.
  const clusterOut: Record<string, unknown> = { server };
  let caPem: Buffer | undefined;
  if (cluster.caData) {
    clusterOut['certificate-authority-data'] = cluster.caData;
    caPem = decodeBase64(cluster.caData);
  } else if (cluster.caFile) {
    caPem = fromFile(cluster.caFile, 'certificate-authority', 'cluster');
    clusterOut['certificate-authority-data'] = caPem.toString('base64');
  }
  if (cluster.skipTLSVerify) clusterOut['insecure-skip-tls-verify'] = true;
  if (cluster.tlsServerName) clusterOut['tls-server-name'] = cluster.tlsServerName;
  if (cluster.proxyUrl) clusterOut['proxy-url'] = cluster.proxyUrl;
  const clusterExtra = entryOrigin(cluster)?.extra;
  if (clusterExtra) Object.assign(clusterOut, clusterExtra);

  // User.
  const userOut: Record<string, unknown> = {};
  const hasCert = Boolean(user.certData || user.certFile);
  const hasKey = Boolean(user.keyData || user.keyFile);
  if (hasCert !== hasKey) {
    throw new KubeconfigExportError(
      'incomplete-client-certificate',
      `${who} has a client ${hasCert ? 'certificate but no client key' : 'key but no client certificate'}.`,
      'Add the missing client-certificate / client-key (or their -data forms) to the user.',
    );
  }
  let certPem: Buffer | undefined;
  let keyPem: Buffer | undefined;
  if (hasCert) {
    if (user.certData) {
      userOut['client-certificate-data'] = user.certData;
      certPem = decodeBase64(user.certData);
    } else {
      certPem = fromFile(user.certFile as string, 'client-certificate', 'user');
      userOut['client-certificate-data'] = certPem.toString('base64');
    }
    if (user.keyData) {
      userOut['client-key-data'] = user.keyData;
      keyPem = decodeBase64(user.keyData);
    } else {
      keyPem = fromFile(user.keyFile as string, 'client-key', 'user');
      userOut['client-key-data'] = keyPem.toString('base64');
    }
  }
  const tokenFile = origin?.tokenFile ?? ptf;
  let hasToken = false;
  if (tokenFile) {
    const token = fromFile(tokenFile, 'tokenFile', 'user').toString('utf8').trim();
    userOut.token = token;
    hasToken = true;
  } else if (typeof user.token === 'string' && user.token.trim().length > 0) {
    // client-node reads its own `token-file` field eagerly, untrimmed; trim like client-go.
    userOut.token = user.token.trim();
    hasToken = true;
  }
  const hasBasic = Boolean(user.username || user.password);
  if (hasBasic) {
    if (!hasCert && !hasToken) {
      throw new KubeconfigExportError(
        'basic-auth',
        `${who} authenticates with a username and password. kube-apiserver removed static password (basic) authentication in Kubernetes 1.19, so the hollow kubelets could not register.`,
        remedyCredentials,
      );
    }
    warn('basic-auth-dropped', `${who} also has a username/password; they were left out (basic authentication is not supported by kube-apiserver since 1.19).`);
  }
  if (user.impersonateUser) userOut.as = user.impersonateUser;
  if (origin?.extra) Object.assign(userOut, origin.extra);
  if (!hasCert && !hasToken) {
    warn('no-credentials', `${who} has no client certificate and no token: the hollow nodes would talk to the masters cluster anonymously and fail to register.`);
  }

  // Warnings about reachability and TLS.
  const host = hostOf(server);
  if (host !== undefined && isLoopback(host)) {
    warn('loopback-server', `Cluster "${cluster.name}" has server ${safeUrl(server)}: a loopback address. Inside a hollow-node pod it is the pod itself, so the fake nodes cannot reach the masters apiserver. Use an address the workers cluster can reach.`);
  }
  if (cluster.proxyUrl) {
    const ph = hostOf(cluster.proxyUrl);
    if (ph !== undefined && isLoopback(ph)) {
      warn('loopback-proxy', `Cluster "${cluster.name}" goes through proxy ${safeUrl(cluster.proxyUrl)} on a loopback address, which pods cannot reach.`);
    }
  }
  if (cluster.skipTLSVerify) {
    warn('insecure-skip-tls-verify', `Cluster "${cluster.name}" sets insecure-skip-tls-verify: the hollow nodes will not verify the masters apiserver's certificate.`);
  } else if (!caPem && server.startsWith('https:')) {
    warn('no-certificate-authority', `Cluster "${cluster.name}" has no certificate-authority: the hollow nodes will trust only the system roots of the kubemark image.`);
  }
  const now = options.now ?? new Date();
  if (caPem) checkCertificate(caPem, `The certificate authority of cluster "${cluster.name}"`, now, warn);
  if (certPem) {
    const cert = checkCertificate(certPem, `The client certificate of user "${user.name}"`, now, warn);
    if (cert && keyPem) {
      try {
        if (!cert.checkPrivateKey(createPrivateKey(keyPem))) {
          warn('client-key-mismatch', `The client key of user "${user.name}" does not belong to its client certificate.`);
        }
      } catch {
        warn('client-key-mismatch', `The client key of user "${user.name}" could not be parsed as a private key.`);
      }
    }
  }

  const contextOut: Record<string, unknown> = { cluster: cluster.name, user: user.name };
  if (ctx.namespace) contextOut.namespace = ctx.namespace;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster.name, cluster: clusterOut }],
    users: [{ name: user.name, user: userOut }],
    contexts: [{ name: ctx.name, context: contextOut }],
    'current-context': ctx.name,
    preferences: {},
  };
  return { yaml: yaml.dump(doc, { lineWidth: -1, noRefs: true }), warnings, inlinedFiles };
}

function findByName<T extends { name: string }>(list: readonly T[] | undefined, name: string | undefined): T | undefined {
  if (!list || !name) return undefined;
  return list.find((x) => x.name === name);
}

function decodeBase64(data: string): Buffer {
  return Buffer.from(data, 'base64');
}

function checkCertificate(pem: Buffer, what: string, now: Date, warn: (code: ExportWarningCode, message: string) => void): X509Certificate | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    warn('certificate-unparseable', `${what} is not a PEM certificate that can be parsed.`);
    return undefined;
  }
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (to.getTime() < now.getTime()) warn('certificate-expired', `${what} expired on ${to.toISOString()}.`);
  else if (from.getTime() > now.getTime()) warn('certificate-not-yet-valid', `${what} is valid only from ${from.toISOString()}.`);
  return cert;
}

function hostOf(url: string): string | undefined {
  try {
    const h = new URL(url).hostname.toLowerCase();
    return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
  } catch {
    return undefined;
  }
}

/** 127.0.0.0/8, localhost (and *.localhost), ::1, 0.0.0.0, ::, ::ffff:127.x. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '0.0.0.0') return true;
  if (h === '::1' || h === '::' || h === '0:0:0:0:0:0:0:1' || h === '0:0:0:0:0:0:0:0') return true;
  if (/^::ffff:(127\.|7f)/.test(h)) return true;
  return false;
}

/** The URL without userinfo, query and fragment (they can carry credentials). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(unparseable URL)';
  }
}
