import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { lint } from '../../src/core/rules';

const root = join(__dirname, '..', '..', '..');
const snippets = JSON.parse(readFileSync(join(root, 'snippets', 'kubemark.code-snippets'), 'utf8')) as Record<string, { prefix: string[]; body: string[] }>;

/** Expands a snippet body the way the editor does when the user accepts every default. */
export function expand(body: string[]): string {
  return body
    .join('\n')
    .replace(/\$\{\d+\|([^,|]*)[^}]*\|\}/g, '$1')
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\d+/g, '')
    .replace(/\\\$/g, '$');
}

test('the five snippets the issue asks for are there, each with a kubemark- prefix', () => {
  const prefixes = Object.values(snippets).flatMap((s) => s.prefix);
  for (const p of ['kubemark-statefulset', 'kubemark-rbac', 'kubemark-configmap', 'kubemark-secret', 'kubemark-service']) {
    assert.ok(prefixes.includes(p), p);
  }
});

test('every snippet expands to valid YAML that lints clean', () => {
  for (const [name, s] of Object.entries(snippets)) {
    const text = expand(s.body);
    for (const d of parseAllDocuments(text) as unknown as Array<{ errors: unknown[] }>) assert.deepEqual(d.errors, [], name);
    assert.deepEqual(lint(text), [], `${name}:\n${text}`);
  }
});

test('the StatefulSet snippet is what the rules call a kubemark workload', () => {
  const text = expand(snippets['Kubemark hollow-node StatefulSet']!.body);
  assert.match(text, /--morph=kubelet/);
  assert.match(text, /--name=\$\(NODE_NAME\)/);
  // Break one thing and the rules see it: the snippet is really checked, not skipped.
  assert.deepEqual(lint(text.replace('  podManagementPolicy: Parallel\n', '')).map((f) => f.ruleId), ['pod-management-policy']);
});
