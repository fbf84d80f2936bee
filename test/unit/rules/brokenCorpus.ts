// Broken manifests, made by code (the big ones are never checked in): truncated, binary, 5 MB,
// deeply nested, alias bombs, tabs, duplicate keys, wrong types everywhere, kind: List,
// multi-document noise. Used by badInput.test.ts through the rules engine and the lint CLI.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateHollowNodeManifest, withDefaults } from '../../../src/core/manifest';

export interface BrokenCase {
  name: string;
  text: string;
  /** Big or slow by design: its own time budget in the figures. */
  big?: boolean;
}

const fixtures = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');
export const SEED = readFileSync(join(fixtures, 'manifests', 'seed-indented.yaml'), 'utf8');
export const SEED_FLAT = readFileSync(join(fixtures, 'manifests', 'seed-flat.yaml'), 'utf8');
export const GENERATED = generateHollowNodeManifest(withDefaults({ image: 'registry.example.com/kubemark:v1.34.1', mastersKubeconfig: 'apiVersion: v1\nkind: Config\n' })).yaml;

/** A small deterministic PRNG (mulberry32), so the corpus is the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bytes(n: number, seed: number): Uint8Array {
  const r = prng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * 256);
  return out;
}

const POD = (containers: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: hollow\nspec:\n${containers}`;
const KUBELET = '  containers:\n  - name: hollow-kubelet\n    image: r/kubemark:v1.34.1\n    command: ["/kubemark", "--morph=kubelet", "--name=$(NODE_NAME)"]\n';

export function brokenCorpus(): BrokenCase[] {
  const cases: BrokenCase[] = [];
  const add = (name: string, text: string, big = false) => cases.push(big ? { name, text, big } : { name, text });

  // Truncated: a seed and a generated manifest cut at many points.
  for (const f of [0.05, 0.13, 0.27, 0.33, 0.41, 0.5, 0.66, 0.72, 0.85, 0.97]) add(`truncated-seed-${Math.round(f * 100)}`, SEED.slice(0, Math.floor(SEED.length * f)));
  for (const f of [0.1, 0.3, 0.55, 0.8, 0.99]) add(`truncated-generated-${Math.round(f * 100)}`, GENERATED.slice(0, Math.floor(GENERATED.length * f)));
  add('truncated-mid-quote', SEED.slice(0, SEED.indexOf('["watch"') + 5));

  // Binary.
  add('binary-latin1', Buffer.from(bytes(64 * 1024, 1)).toString('latin1'));
  add('binary-utf8', Buffer.from(bytes(64 * 1024, 2)).toString('utf8'));
  add('binary-nul', `\0\0\0${SEED.replace(/e/g, '\0')}`);
  add('binary-png', `\x89PNG\r\n\x1a\n${Buffer.from(bytes(4096, 3)).toString('latin1')}`);
  add('binary-gzip-after-yaml', `${SEED}\n\x1f\x8b\x08\x00${Buffer.from(bytes(4096, 4)).toString('latin1')}`);

  // 5 MB.
  const docs = Math.ceil((5 * 1024 * 1024) / SEED.length);
  add('5mb-many-documents', Array.from({ length: docs }, () => SEED).join('\n---\n'), true);
  add('5mb-one-secret-value', `apiVersion: v1\nkind: Secret\nmetadata:\n  name: kubeconfig\ndata:\n  kubelet.kubeconfig: ${Buffer.from(bytes(3_900_000, 5)).toString('base64')}\n---\n${GENERATED}`, true);
  // The yaml package reads double-quoted scalars at about 0.25 s a MB: 1 MB of it.
  add('1mb-double-quoted', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: node-configmap\ndata:\n  content.type: "${'x'.repeat(1024 * 1024)}"\n`, true);
  add('big-one-script', SEED.replace('--v=2 2>/dev/null', `--v=2 ${'--x=$(A) '.repeat(20_000)}`), true);

  // Deeply nested.
  add('nested-flow-2000', `apiVersion: v1\nkind: Pod\nmetadata: {name: kubemark}\nspec: ${'['.repeat(2000)}${']'.repeat(2000)}\n`);
  add('nested-flow-200k', `apiVersion: v1\nkind: Pod\nspec: ${'{a: '.repeat(200000)}1${'}'.repeat(200000)}\n`, true);
  add('nested-block-map-2000', `apiVersion: v1\nkind: Pod\nmetadata:\n  name: kubemark\nspec:\n${Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i + 2)}k${i}:`).join('\n')} x\n`, true);
  add('nested-block-seq-2000', `apiVersion: v1\nkind: Pod\nmetadata:\n  name: kubemark\nspec:\n  containers:\n${Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i + 2)}-`).join('\n')} x\n`, true);

  // Alias bombs and odd aliases.
  let bomb = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: node-configmap}\ndata:\n  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i < 10; i++) bomb += `  a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]\n`;
  add('alias-billion-laughs', bomb);
  add('alias-bomb-in-args', `${POD(`  containers:\n  - name: k\n    image: r/kubemark:v1.34.1\n    command: &c ["/kubemark", "--morph=kubelet", *c, *c]\n    args: &a [*c, *c, *c]\n`)}`);
  add('alias-undefined', POD(`  containers: *nothing\n`));
  add('alias-self', `a: &a [*a]\nkind: Pod # kubemark\n`);
  add('alias-merge-bomb', `apiVersion: v1\nkind: Pod\nmetadata: {name: kubemark}\nx0: &x0 {a: 1}\n${Array.from({ length: 30 }, (_, i) => `x${i + 1}: &x${i + 1} {<<: [*x${i}, *x${i}], b${i}: 1}`).join('\n')}\nspec: *x30\n`);
  add('alias-env', GENERATED.replace('          env:\n', '          env: &e\n').replace(/( {10}- name: hollow-proxy\n[\s\S]*?)( {10}env:\n(?: {12}.*\n)+)/, '$1          env: *e\n'));

  // Tabs.
  add('tabs-indent', SEED.replace(/ {2}/g, '\t'));
  add('tabs-after-colon', SEED.replace(/: /g, ':\t'));
  add('tabs-in-flow', GENERATED.replace(/- "--/g, '-\t"--'));

  // Duplicate keys.
  add('duplicate-top-level', SEED.replace('kind: StatefulSet', 'kind: StatefulSet\nkind: Pod'));
  add('duplicate-container-keys', SEED.replace('        image: xxxxxxxxx\n', '        image: xxxxxxxxx\n        image: r/kubemark:v1.34.1\n'));
  add('duplicate-env-names', GENERATED.replace('            - name: NODE_NAME\n', '            - name: NODE_NAME\n              value: a\n            - name: NODE_NAME\n'));
  add('duplicate-args', GENERATED.replace('- "--v=2"', '- "--v=2"\n            - "--v=2"\n            - "--morph=proxy"'));

  // Wrong types everywhere.
  add('types-containers-map', POD('  containers:\n    hollow: {image: r/kubemark:v1, command: [/kubemark]}\n'));
  add('types-args-map', POD('  containers:\n  - name: k\n    image: r/kubemark:v1\n    command: /kubemark --morph=kubelet\n    args: {morph: kubelet}\n'));
  add('types-env-scalar', POD('  containers:\n  - name: k\n    image: r/kubemark:v1\n    env: NODE_NAME\n    command: ["/kubemark", "--name=$(NODE_NAME)"]\n'));
  add('types-numbers', POD('  containers:\n  - name: 1\n    image: 2\n    command: [3, 4, "--morph", 5]\n    args: [true, null, 1.5, ~, [], {}]\n'));
  add('types-replicas', `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: [kubemark]\nspec:\n  replicas: many\n  podManagementPolicy: [Parallel]\n  template:\n    spec:\n${KUBELET.replace(/^/gm, '    ')}      tolerations: NoExecute\n      initContainers: 7\n      volumes: {a: b}\n`);
  add('types-image-list', POD('  containers:\n  - name: k\n    image: [r/kubemark, v1]\n    command: ["/kubemark", "--morph=kubelet"]\n    resources: 5\n    volumeMounts: x\n'));
  add('types-spec-null', 'apiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: kubemark\nspec:\n');
  add('types-template-scalar', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: kubemark}\nspec: {replicas: 3, template: "hollow-node"}\n');
  add('types-configmap-data', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: node-configmap}\ndata:\n  content.type: [a, b]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: node-configmap}\ndata: 7\n');
  add('types-keys-complex', `? [apiVersion]\n: v1\n? {kind: Pod}\n: x\nmetadata: {name: kubemark}\n`);
  add('types-tags', POD('  containers:\n  - name: !!binary aGVsbG8=\n    image: !custom r/kubemark:v1\n    command: !!seq ["/kubemark", !!str --morph=kubelet, !!int 5]\n'));

  // kind: List.
  add('list-of-seed', `apiVersion: v1\nkind: List\nitems:\n${SEED.split(/^---$/m).map((d) => `- ${d.trim().split('\n').join('\n  ')}`).join('\n')}\n`);
  add('list-items-scalars', 'apiVersion: v1\nkind: List\nitems: [1, "kubemark", null, [2]]\n');
  add('list-empty', 'apiVersion: v1\nkind: List\nitems: []\nmetadata: {name: kubemark}\n');

  // Multi-document noise.
  add('docs-only-separators', '---\n---\n---\n# kubemark\n---\n');
  add('docs-many-empty', `${'---\n'.repeat(5000)}kind: Pod # kubemark\n`);
  add('docs-end-markers', `${SEED.replace(/^---$/gm, '...\n---')}\n...\n`);
  add('docs-directives', `%YAML 1.1\n%TAG ! tag:example.com,2000:\n---\n${SEED}`);
  add('docs-comments-only', '# kubemark\n# --morph=kubelet\n'.repeat(100));
  add('docs-scalars', '--- kubemark\n--- 5\n--- [a, b]\n--- null\n--- "--morph=kubelet"\n');
  add('docs-json-and-yaml', `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kubemark"}, "spec": {"containers": [{"name": "k", "image": "r/kubemark:v1.34.1", "command": ["/kubemark", "--morph=kubelet", "--kubeconfig=/x --v=2"]}]}}\n---\n${GENERATED}`);

  // Everything else that bites parsers.
  add('bom', `\ufeff${SEED}`);
  add('crlf', SEED.replace(/\n/g, '\r\n'));
  add('lone-cr', SEED.replace(/\n/g, '\r'));
  add('long-line', POD(`  containers:\n  - name: k\n    image: r/kubemark:v1.34.1\n    command: ["/kubemark", "--morph=kubelet", "--node-labels=${'a=b,'.repeat(50000)}"]\n`));
  add('unicode', SEED.replace('hollow-kubelet', 'hollow-kübelet-\u202e-😀').replace('--v=2', '--v=２'));
  add('unterminated-quote', SEED.replace('["watch", "list", "get"]', '["watch, "list", "get"]'));
  add('unclosed-flow', GENERATED.replace('- "--v=2"\n', '- ["--v=2"\n'));
  add('anchor-on-key', '&k apiVersion: v1\n*k : v2\nkind: Pod # kubemark\n');
  add('templated', SEED.replace('xxxxxxxxx', '{{ .Values.image }}').replace('replicas: 150', 'replicas: ${REPLICAS}').replace('name: kubemark', 'name: ##name##'));
  add('flat', SEED_FLAT);
  add('empty', '');
  add('whitespace-only', ' \n\t\n   \n');
  add('suppressions-everywhere', `${'# kubemark-lint-disable-next-line\n'.repeat(2000)}# kubemark-lint-disable nope, unknown-flag\n${SEED}# kubemark-lint-disable-next-line\n`);
  return cases;
}
