import { child, keyNode, nodeEnd, nodeStart, pairOf, str } from '../ast';
import { Check } from '../context';
import { containersOf } from './containers';

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
      ctx.report('image-placeholder', s, e, `"${image}" is a placeholder, not an image. ${c.invocation ? 'Use your kubemark image (make WHAT=cmd/kubemark, then build and push cluster/images/kubemark), tagged with the masters cluster\'s version.' : 'Fill in the real image.'}`);
      continue;
    }
    const { tag, digest } = imageTag(image);
    if (!tag && !digest) {
      ctx.report('image-untagged', s, e, `Image "${image}" has no tag, so it means :latest. ${c.invocation ? "Tag it with the masters cluster's version (for example :v1.34.1): a hollow kubelet of another version misbehaves." : 'Pin a tag.'}`);
    } else if (tag === 'latest' && c.invocation) {
      ctx.report('image-latest', s, e, `Kubemark image "${image}" is tagged latest: pin the tag to the masters cluster's version (for example :v1.34.1), or the hollow kubelet may not match it.`);
    }
  }
};
