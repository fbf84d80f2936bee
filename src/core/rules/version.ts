// Kubernetes versions from image tags, and the kubelet version skew policy: a kubelet may be up
// to three minor versions older than the apiserver, never newer. Kubemark left the kubernetes
// repository in 1.38 (CHANGELOG-1.38), so 1.37 is the newest kubemark there is.

export interface KubeVersion {
  major: number;
  minor: number;
  patch: number;
}

/** "v1.34.1", "1.34.1", "v1.34.1-gke.100", "v1.34" → the version; undefined when the tag is not one. */
export function versionOfTag(tag: string | undefined): KubeVersion | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?$/.exec(tag ?? '');
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

/**
 * The Kubernetes version an image tag names, when it plausibly is one (1.10 to 1.99): tags such
 * as 1.0.1 or v3 are an image's own numbering, not Kubernetes'.
 */
export function kubeVersionOfTag(tag: string | undefined): KubeVersion | undefined {
  const v = versionOfTag(tag);
  return v && v.major === 1 && v.minor >= 10 && v.minor < 100 ? v : undefined;
}

export const LAST_KUBEMARK_MINOR = 37;
/** The kubelet may be this many minor versions older than the apiserver. */
export const KUBELET_MAX_SKEW = 3;

export function fmt(v: KubeVersion): string {
  return `${v.major}.${v.minor}`;
}

export type SkewVerdict =
  | { kind: 'same' }
  | { kind: 'newer'; by: number }
  | { kind: 'older-within'; by: number }
  | { kind: 'older-beyond'; by: number };

/** Where a kubemark (kubelet) image of version `image` stands against masters of version `masters`. */
export function kubeletSkew(image: KubeVersion, masters: KubeVersion): SkewVerdict {
  const by = (image.major - masters.major) * 100 + (image.minor - masters.minor);
  if (by === 0) return { kind: 'same' };
  if (by > 0) return { kind: 'newer', by };
  return -by <= KUBELET_MAX_SKEW ? { kind: 'older-within', by: -by } : { kind: 'older-beyond', by: -by };
}

/**
 * The kubemark version to recommend for masters of this version: the same minor up to 1.37;
 * from 1.38 on (kubemark removed from the repository) the newest one, 1.37, while it is within
 * the skew policy, else none.
 */
export function recommendedKubemark(masters: KubeVersion): { minor: number; withinSkew: boolean; removed: boolean } {
  if (masters.major === 1 && masters.minor <= LAST_KUBEMARK_MINOR) return { minor: masters.minor, withinSkew: true, removed: false };
  return { minor: LAST_KUBEMARK_MINOR, withinSkew: masters.major === 1 && masters.minor - LAST_KUBEMARK_MINOR <= KUBELET_MAX_SKEW, removed: true };
}

/** Advice on which kubemark image to use for these masters; never "make WHAT=cmd/kubemark" from 1.38 on. */
export function kubemarkAdvice(masters: KubeVersion | undefined): string {
  if (!masters) return 'Use your kubemark image (make WHAT=cmd/kubemark in a Kubernetes checkout of the masters version, then build and push cluster/images/kubemark), tagged with the masters cluster\'s version.';
  const r = recommendedKubemark(masters);
  if (!r.removed) return `Use a kubemark image of v1.${r.minor} like the masters cluster (make WHAT=cmd/kubemark in a v1.${r.minor} checkout, then build and push cluster/images/kubemark); up to three minors older also works (kubelet skew policy).`;
  if (r.withinSkew) return `Kubemark was removed from the kubernetes repository in 1.38, so there is no kubemark ${fmt(masters)}: use the newest kubemark, a v1.${LAST_KUBEMARK_MINOR} image, which the kubelet skew policy allows against ${fmt(masters)} masters (up to three minors older).`;
  return `Kubemark was removed from the kubernetes repository in 1.38, and its last release, v1.${LAST_KUBEMARK_MINOR}, is more than three minors older than ${fmt(masters)} masters (outside the kubelet skew policy): hollow nodes may fail to register. Use a kubemark fork that follows ${fmt(masters)}, or test masters of 1.${LAST_KUBEMARK_MINOR + KUBELET_MAX_SKEW} or older.`;
}
