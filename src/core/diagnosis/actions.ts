// Pure helpers behind the verdicts' actions, for the live objects (the open manifest has the
// rules' quick fix "host-image-service-unmounted" instead).

/**
 * The hollow-kubelet argv with --use-host-image-service=false: an existing
 * --use-host-image-service[=…] (or its separate value) is replaced, else the flag is added after
 * --morph=kubelet (or at the end). Returns the same array when it already says false.
 */
export function argsWithFakeImageService(args: readonly string[]): string[] {
  const out: string[] = [];
  let found = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const m = /^--use-host-image-service(?:=(.*))?$/.exec(a);
    if (!m) {
      out.push(a);
      continue;
    }
    found = true;
    out.push('--use-host-image-service=false');
    // "--use-host-image-service true" (a separate value) is dropped with it.
    if (m[1] === undefined && /^(true|false)$/i.test(args[i + 1] ?? '')) i++;
  }
  if (found) return out;
  const morph = out.findIndex((a) => /^--morph=kubelet$/.test(a));
  out.splice(morph === -1 ? out.length : morph + 1, 0, '--use-host-image-service=false');
  return out;
}
