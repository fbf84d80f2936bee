// One cluster context: its API clients and server version. Talks to the cluster only through
// @kubernetes/client-node.
import { AppsV1Api, AuthorizationV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { displayUrl } from '../core/redact';
import { classify } from './errors';
import { ApiHttp } from './http';
import { WatchFn } from './listWatch';
import { httpWatch } from './watchStream';

export interface ServerInfo {
  gitVersion: string;
  major: string;
  minor: string;
}

export class ClusterSession {
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly authz: AuthorizationV1Api;
  readonly objects: KubernetesObjectApi;
  /** Raw HTTPS with this context's credentials: watches, log streams, requests with deadlines. */
  readonly http: ApiHttp;
  readonly watch: WatchFn;
  /** The server URL as shown to the user (never with user:password@). */
  readonly server: string;

  constructor(source: KubeConfig, readonly context: string) {
    // A private copy, pinned to this context, so other sessions and reloads do not move it.
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: source.getClusters(),
      users: source.getUsers(),
      contexts: source.getContexts(),
      currentContext: context,
    });
    if (!kc.getContextObject(context)) throw new Error(`Context ${context} is not in the kubeconfig.`);
    this.kc = kc;
    this.server = displayUrl(kc.getCurrentCluster()?.server ?? '');
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.authz = kc.makeApiClient(AuthorizationV1Api);
    this.objects = KubernetesObjectApi.makeApiClient(kc);
    this.http = new ApiHttp(kc);
    this.watch = httpWatch(this.http);
  }

  /** The server version; throws a KubemarkError that says what to do when the cluster does not answer. */
  async version(timeoutMs = 10_000): Promise<ServerInfo> {
    try {
      const v = await this.http.request<ServerInfo>('GET', '/version', { timeoutMs });
      return { gitVersion: v.gitVersion, major: v.major, minor: v.minor };
    } catch (err) {
      throw this.explain(err, 'read the server version');
    }
  }

  dispose(): void {
    this.http.dispose();
  }

  explain(err: unknown, action: string) {
    return classify(err, { context: this.context, server: this.server, action });
  }
}
