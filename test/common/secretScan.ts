// Credential hygiene: every substring (of WINDOW characters) of the lab's tokens, client keys and
// certificates, and a scan of text for any of them. Used after the suites that run the extension
// against the lab: nothing it wrote may hold a piece of a credential.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const WINDOW = 24;

/** The secrets of a lab folder: tokens, keys and certificates, as text and as base64. */
export function labSecrets(labDir: string): string[] {
  const out = new Set<string>();
  const add = (s: string | undefined) => {
    if (!s) return;
    const t = s.trim();
    if (t.length >= WINDOW) out.add(t);
  };
  const kubeconfig = join(labDir, 'kubeconfig');
  if (existsSync(kubeconfig)) {
    const text = readFileSync(kubeconfig, 'utf8');
    for (const m of text.matchAll(/(?:token|client-key-data|client-certificate-data|certificate-authority-data|password):\s*["']?([^\s"']+)/g)) {
      add(m[1]);
      // The decoded PEM's body too.
      if (/-data$/.test(m[0].split(':')[0]!)) add(pemBody(Buffer.from(m[1]!, 'base64').toString('utf8')));
    }
  }
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(key|crt|pem)$|token/.test(name)) {
        const text = readFileSync(p, 'utf8');
        add(pemBody(text));
        add(Buffer.from(text).toString('base64'));
      }
    }
  };
  if (existsSync(join(labDir, 'pki'))) walk(join(labDir, 'pki'));
  return [...out];
}

function pemBody(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
}

export class SecretScanner {
  private readonly windows = new Set<string>();

  constructor(secrets: string[]) {
    for (const s of secrets) for (let i = 0; i + WINDOW <= s.length; i++) this.windows.add(s.slice(i, i + WINDOW));
  }

  get size(): number {
    return this.windows.size;
  }

  /** The first piece of a secret found in text, with where it was. */
  find(text: string): { at: number; piece: string } | undefined {
    // Whitespace is not part of a base64 run: look at the text as it is and without line breaks.
    for (const t of [text, text.replace(/\s+/g, '')]) {
      for (let i = 0; i + WINDOW <= t.length; i++) {
        const piece = t.slice(i, i + WINDOW);
        if (this.windows.has(piece)) return { at: i, piece };
      }
    }
    return undefined;
  }
}

/** Every file under dir (recursively), with its text. */
export function filesUnder(dir: string, skip: (p: string) => boolean = () => false): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  if (!existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (skip(p)) continue;
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.size < 50_000_000) out.push({ path: p, text: readFileSync(p, 'latin1') });
    }
  };
  walk(dir);
  return out;
}
