// A throwaway self-signed EC certificate for unit tests (openssl), valid for a day, for
// 127.0.0.1 (or the subjectAltName given): a server's, a client's or a CA's alike.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export function genCert(dir: string, name: string, subjectAltName = 'IP:127.0.0.1'): { cert: string; key: string } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${name}`, '-addext', `subjectAltName=${subjectAltName}`, '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert: fs.readFileSync(cert, 'utf8'), key: fs.readFileSync(key, 'utf8') };
}
