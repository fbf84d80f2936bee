// Comparing TLS material by value in the log worker: what crosses the thread boundary is a new
// object each time, and a Buffer arrives as a plain Uint8Array.
import type { PortableTls } from './httpStream';

function bytesOf(v: ArrayBufferView): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Equal by value; a Buffer posted to a worker arrives as a plain Uint8Array. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) return bytesOf(a).equals(bytesOf(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  return a === b;
}

export function sameTls(a: PortableTls, b: PortableTls): boolean {
  return sameValue(a.ca, b.ca) && sameValue(a.cert, b.cert) && sameValue(a.key, b.key) && a.rejectUnauthorized === b.rejectUnauthorized && a.servername === b.servername;
}

