import { YAMLMap } from 'yaml';
import { ParsedFlag, parseKubemarkArgs } from '../argv';
import { asMap, child, getIn, nodeEnd, nodeStart, podSpecOf, seqItems, str } from '../ast';
import { Check, LintContext } from '../context';
import { insertArgAfter, replaceArg } from '../edits';
import { containersOf } from './containers';

interface Mount {
  mountPath: string;
  subPath?: string;
  volume?: YAMLMap<unknown, unknown>;
}

function mountsOf(container: YAMLMap<unknown, unknown>, podSpec: YAMLMap<unknown, unknown> | undefined): Mount[] {
  const volumes = new Map<string, YAMLMap<unknown, unknown>>();
  for (const v of seqItems(child(podSpec, 'volumes'))) {
    const name = str(child(v, 'name'));
    const m = asMap(v);
    if (name && m) volumes.set(name, m);
  }
  return seqItems(child(container, 'volumeMounts')).flatMap((m) => {
    const mountPath = str(child(m, 'mountPath'));
    if (!mountPath) return [];
    const volume = volumes.get(str(child(m, 'name')) ?? '');
    const subPath = str(child(m, 'subPath'));
    return [{ mountPath: mountPath.replace(/\/+$/, '') || '/', ...(subPath ? { subPath } : {}), ...(volume ? { volume } : {}) }];
  });
}

function mountFor(path: string, mounts: Mount[]): Mount | undefined {
  return mounts
    .filter((m) => path === m.mountPath || path.startsWith(m.mountPath === '/' ? '/' : `${m.mountPath}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
}

/** Keys of a Secret or ConfigMap document in the same file, or undefined when it is not in the file. */
function objectKeys(ctx: LintContext, kind: 'Secret' | 'ConfigMap', name: string): string[] | undefined {
  const d = ctx.find(kind, name);
  if (!d) return undefined;
  const keys: string[] = [];
  for (const field of ['data', 'stringData', 'binaryData']) {
    for (const p of asMap(child(d.root, field))?.items ?? []) {
      const k = str(p.key);
      if (k) keys.push(k);
    }
  }
  return keys;
}

function checkKubeconfigPath(ctx: LintContext, flag: ParsedFlag | undefined, anchor: [number, number], mounts: Mount[], morph: string | undefined): void {
  const path = flag?.value ?? '/kubeconfig/kubeconfig';
  if (/\$\(/.test(path)) return;
  const [s, e] = flag ? [flag.token.start, (flag.valueToken ?? flag.token).end] : anchor;
  const where = flag ? `--kubeconfig=${path}` : `kubemark's default --kubeconfig=${path}`;
  const mount = mountFor(path, mounts);
  if (!mount) {
    const paths = mounts.map((m) => m.mountPath).join(', ');
    ctx.report('kubeconfig-not-mounted', s, e, `${where} is outside every volume mounted in this container${paths ? ` (${paths})` : ''}: kubemark cannot read it. Mount the kubeconfig Secret there, or point --kubeconfig into a mounted Secret.`);
    return;
  }
  const secretName = str(getIn(mount.volume, 'secret', 'secretName'));
  const configMapName = str(getIn(mount.volume, 'configMap', 'name'));
  const objName = secretName ?? configMapName;
  if (!objName) return;
  const kind = secretName ? 'Secret' : 'ConfigMap';
  let keys = objectKeys(ctx, kind, objName);
  if (!keys) return;
  // items: [{key, path}] project only those keys, under their paths.
  const items = seqItems(getIn(mount.volume, secretName ? 'secret' : 'configMap', 'items'));
  const fileNames = items.length > 0 ? items.map((i) => str(child(i, 'path')) ?? '').filter(Boolean) : keys;
  const rel = mount.subPath ? mount.subPath : path.slice(mount.mountPath.length + 1);
  if (mount.subPath ? path !== mount.mountPath || keys.includes(rel) : fileNames.includes(rel)) return;
  keys = fileNames;
  const preferred = keys.find((k) => morph && k.startsWith(morph === 'proxy' ? 'kubeproxy' : 'kubelet')) ?? (keys.length === 1 ? keys[0] : undefined);
  const fix = flag && preferred && !mount.subPath
    ? { title: `Point --kubeconfig at ${mount.mountPath}/${preferred}`, edits: [replaceArg(ctx.src, flag.token, `--kubeconfig=${mount.mountPath}/${preferred}`)] }
    : undefined;
  ctx.report('kubeconfig-key-missing', s, e, `${where} reads key "${rel}" of ${kind} "${objName}", which has ${keys.length ? `only ${keys.map((k) => `"${k}"`).join(', ')}` : 'no keys'}: the file will not exist. ${preferred ? `Use ${mount.mountPath}/${preferred}.` : `Add "${rel}" to the ${kind}.`}`, fix);
}

function mountsContainerd(mounts: Mount[]): boolean {
  return mounts.some((m) => {
    const hostPath = str(getIn(m.volume, 'hostPath', 'path'));
    return hostPath !== undefined && ['/run/containerd', '/run/containerd/containerd.sock', '/run', '/var/run/containerd', '/var/run'].includes(m.mountPath);
  });
}

export const checkMounts: Check = (ctx, d) => {
  const podSpec = podSpecOf(d);
  for (const c of containersOf(ctx.src, d)) {
    const inv = c.invocation;
    if (!inv) continue;
    const { flags } = parseKubemarkArgs(inv.args, ctx.flags);
    const mounts = mountsOf(c.map, podSpec);
    const morphFlag = flags.find((f) => f.name === 'morph');
    const morph = morphFlag?.value;
    const anchorTok = inv.binary ?? morphFlag?.token;
    const anchor: [number, number] = anchorTok ? [anchorTok.start, anchorTok.end] : [nodeStart(child(c.map, 'name')), nodeEnd(child(c.map, 'name'))];
    checkKubeconfigPath(ctx, flags.find((f) => f.name === 'kubeconfig'), anchor, mounts, morph);

    if (morph === 'kubelet' && morphFlag) {
      const his = flags.find((f) => f.name === 'use-host-image-service');
      const on = his === undefined || his.value === undefined || /^(true|1|t)$/i.test(his.value);
      if (on && !mountsContainerd(mounts)) {
        const [s, e] = his ? [his.token.start, his.token.end] : [morphFlag.token.start, morphFlag.token.end];
        const edits = his
          ? [replaceArg(ctx.src, his.token, '--use-host-image-service=false')]
          : [insertArgAfter(ctx.src, morphFlag.token, '--use-host-image-service=false')];
        ctx.report('host-image-service-unmounted', s, e, `${his ? '--use-host-image-service is on' : '--use-host-image-service defaults to true'}, so the hollow kubelet dials /run/containerd/containerd.sock, which this container does not mount: pods on the fake node end in ImageInspectError (kubernetes#115203). Pass --use-host-image-service=false, or mount /run/containerd from the host.`, {
          title: 'Use the fake image service (--use-host-image-service=false)',
          edits,
        });
      }
    }
  }
};
