// Where the "Deploy to …" CodeLens goes: above each hollow-node workload of a YAML text. Pure.
import { parseAllDocuments } from 'yaml';
import { looksLikeKubemark } from '../rules';
import { WORKLOAD_KINDS } from './objects';

const HOLLOW = /--morph(?:=|\s+|["']?\s*,\s*["']?)["']?(kubelet|proxy)\b/;

/** Lines (0-based) of the `kind:` of each document that is a hollow-node workload (or a List holding one). */
export function workloadLines(text: string): number[] {
  if (!looksLikeKubemark(text)) return [];
  const lines: number[] = [];
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineOf = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  for (const doc of parseAllDocuments(text)) {
    const [start, , end] = doc.range;
    const body = text.slice(start, end);
    const kind = /^kind:\s*["']?(\w+)/m.exec(body);
    if (!kind || !HOLLOW.test(body)) continue;
    if (!(WORKLOAD_KINDS as readonly string[]).includes(kind[1]!) && !/List$/.test(kind[1]!)) continue;
    // Above the object's first key, so the lens sits over the whole workload.
    const contents = doc.contents as { range?: [number, number, number] } | null;
    lines.push(lineOf(contents?.range?.[0] ?? start));
  }
  return lines;
}

