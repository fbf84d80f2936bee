import { child, keyNode, nodeEnd, nodeStart, pairOf, str } from '../ast';
import { Check } from '../context';
import { containersOf } from './containers';
import { LintContext } from '../context';
import { KubeVersion, fmt, kubeVersionOfTag, kubeletSkew, kubemarkAdvice, recommendedKubemark, versionOfTag } from '../version';

/** Registries that were frozen and retired; their images moved to registry.k8s.io. */
const RETIRED_REGISTRIES: ReadonlyArray<[RegExp, string]> = [
  [/^staging-k8s\.gcr\.io\//, 'staging-k8s.gcr.io'],
  [/^k8s\.gcr\.io\//, 'k8s.gcr.io'],
  [/^gcr\.io\/google[_-]containers\//, 'gcr.io/google_containers'],
];

function checkRegistry(ctx: LintContext, image: string, s: number, e: number, raw: string): void {
  for (const [re, name] of RETIRED_REGISTRIES) {
    const m = re.exec(image);
    if (!m) continue;
    const replacement = `registry.k8s.io/${image.slice(m[0].length)}`;
    const at = raw.indexOf(m[0]);
    const edits = at >= 0 ? [ctx.src.edit(s + at, s + at + m[0].length, 'registry.k8s.io/')] : [ctx.src.edit(s, e, replacement)];
    ctx.report('retired-registry', s, e, `${name} is retired (frozen in 2023, its images moved to registry.k8s.io): pulls of "${image}" fail or stall. Use ${replacement}.`, {
      title: `Use registry.k8s.io`,
      edits,
    });
    return;
  }
}

function checkSkew(ctx: LintContext, image: string, tag: string | undefined, s: number, e: number, masters: KubeVersion): void {
  const have = kubeVersionOfTag(tag);
  if (!have) return;
  const v = kubeletSkew(have, masters);
  const rec = recommendedKubemark(masters);
  const advice = kubemarkAdvice(masters);
  switch (v.kind) {
    case 'same':
      return;
    case 'newer':
      ctx.report('image-version-skew', s, e, `Kubemark image "${image}" is Kubernetes ${fmt(have)}, newer than the masters cluster (${fmt(masters)}): a kubelet must never be newer than its apiserver (version skew policy), and hollow nodes may fail to register. ${advice}`, undefined, 'error');
      return;
    case 'older-within':
      if (rec.removed && have.minor === rec.minor) {
        ctx.report('image-version-skew', s, e, `Kubemark image "${image}" is Kubernetes ${fmt(have)}, ${v.by} minor${v.by === 1 ? '' : 's'} older than the masters cluster (${fmt(masters)}): allowed by the kubelet skew policy (up to three), and the newest kubemark there is, as kubemark was removed from the kubernetes repository in 1.38.`, undefined, 'info');
        return;
      }
      ctx.report('image-version-skew', s, e, `Kubemark image "${image}" is Kubernetes ${fmt(have)}, ${v.by} minor${v.by === 1 ? '' : 's'} older than the masters cluster (${fmt(masters)}): allowed by the kubelet skew policy (up to three older), though the hollow kubelets behave as ${fmt(have)} kubelets. ${advice}`, undefined, 'info');
      return;
    case 'older-beyond':
      ctx.report('image-version-skew', s, e, `Kubemark image "${image}" is Kubernetes ${fmt(have)}, ${v.by} minors older than the masters cluster (${fmt(masters)}): beyond the kubelet skew policy (at most three older), so hollow nodes may fail to register or misbehave. ${advice}`, undefined, 'warning');
      return;
  }
}

const PLACEHOLDER = /^(x{3,}|X{3,}|<.*>|\$\{.*\}|\{\{.*\}\}|IMAGE|image|REPLACE[_-]?ME|CHANGE[_-]?ME|TODO|your[-_.].*|example\.com\/.*:?x*)$/;

/** Splits an image reference into repository and tag/digest presence. */
export function imageTag(image: string): { tag?: string; digest: boolean } {
  if (image.includes('@')) return { digest: true };
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? { tag: image.slice(colon + 1), digest: false } : { digest: false };
}

export function isPlaceholderImage(image: string): boolean {
  const last = image.slice(image.lastIndexOf('/') + 1).split(':')[0] ?? image;
  return PLACEHOLDER.test(image) || /^x{3,}$/i.test(last);
}

export const checkImages: Check = (ctx, d) => {
  const masters = versionOfTag(ctx.options.mastersVersion);
  for (const c of containersOf(ctx.src, d)) {
    const name = str(child(c.map, 'name')) ?? '(unnamed)';
    const pair = pairOf(c.map, 'image');
    const image = str(pair?.value)?.trim();
    if (!pair || !image) {
      const at = pair ? keyNode(pair) : c.map.items[0]?.key;
      ctx.report('image-missing', nodeStart(at), nodeEnd(at), `Container "${name}" has no image. ${c.invocation ? 'Give the kubemark image built from the same Kubernetes version as the masters cluster.' : 'Give one.'}`);
      continue;
    }
    const [s, e] = [nodeStart(pair.value), nodeEnd(pair.value)];
    if (isPlaceholderImage(image)) {
      ctx.report('image-placeholder', s, e, `"${image}" is a placeholder, not an image. ${c.invocation ? kubemarkAdvice(masters) : 'Fill in the real image.'}`);
      continue;
    }
    checkRegistry(ctx, image, s, e, ctx.src.text.slice(s, e));
    const { tag, digest } = imageTag(image);
    if (c.invocation && masters && tag) checkSkew(ctx, image, tag, s, e, masters);
    if (!tag && !digest) {
      const untaggedAdvice = masters ? `Tag it with the version it was built from. ${kubemarkAdvice(masters)}` : "Tag it with the masters cluster's version (for example :v1.34.1): a hollow kubelet of another version misbehaves.";
      ctx.report('image-untagged', s, e, `Image "${image}" has no tag, so it means :latest. ${c.invocation ? untaggedAdvice : 'Pin a tag.'}`);
    } else if (tag === 'latest' && c.invocation) {
      ctx.report('image-latest', s, e, `Kubemark image "${image}" is tagged latest: pin the tag to the masters cluster's version (for example :v1.34.1), or the hollow kubelet may not match it.`);
    }
  }
};
