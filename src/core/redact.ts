// Keeps credentials out of logs and messages: anything that looks like a token, key or
// certificate is replaced before text leaves the process.
const PATTERNS: Array<[RegExp, string]> = [
  // user:password@ in a URL.
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(?::[^\s/@]*)?@/gi, '$1<redacted>@'],
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1<redacted>'],
  [/((?:client-key-data|client-certificate-data|certificate-authority-data|token|password|id-token|refresh-token|client-secret)["']?\s*[:=]\s*["']?)[^\s"',}]{4,}/gi, '$1<redacted>'],
  [/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g, '<redacted PEM>'],
  // Long base64 runs (inline certificates and keys).
  [/\b[A-Za-z0-9+/]{120,}={0,2}/g, '<redacted base64>'],
];

export function redact(text: string): string {
  let out = text;
  for (const [re, to] of PATTERNS) out = out.replace(re, to);
  return out;
}

/** The manifest for review, without credentials: the kubeconfig Secret's values are replaced. */
export function redactSecretData(yaml: string): string {
  return yaml.replace(/^(\s+(?:kubelet|kubeproxy)\.kubeconfig:\s*)(\S+)$/gm, (_m, key: string, value: string) => `${key}<${Math.round((value.length * 3) / 4)} bytes of kubeconfig, not shown>`);
}

/** A server URL as shown to the user: without the user:password@ it may carry. */
export function displayUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}
