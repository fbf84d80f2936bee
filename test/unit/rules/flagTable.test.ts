// The flag table (src/core/flags.ts) against kubemark's real flag set, as printed by
// lab/cmd/kubemark-flags (app.NewHollowNodeCommand of k8s.io/kubernetes v1.37.2, set up as
// cli.Run does) into src/core/kubemark-flags.v1.37.json. Regenerate the JSON for a new release
// (cd lab && go run ./cmd/kubemark-flags > ../src/core/kubemark-flags.v1.NN.json); this test then
// says which rows of the table to change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FORK_FLAGS, FlagKind, HOLLOW_NODE_FLAGS, REMOVED_LOG_FLAGS, findFlag } from '../../../src/core/flags';

interface GoFlag {
  name: string;
  shorthand?: string;
  type: string;
  default: string;
  noOptDefVal?: string;
  deprecated?: string;
  usage: string;
}

const file = join(__dirname, '..', '..', '..', '..', 'src', 'core', 'kubemark-flags.v1.37.json');
const real = JSON.parse(readFileSync(file, 'utf8')) as { kubernetesModule: string; flags: GoFlag[] };

/** The table's kinds a pflag value type may have. */
const KINDS: Record<string, FlagKind[]> = {
  string: ['string', 'morph', 'contentType'],
  bool: ['bool'],
  int: ['int'],
  int32: ['int'],
  int64: ['int'],
  uint: ['uint'],
  uint64: ['uint'],
  float32: ['float'],
  float64: ['float'],
  duration: ['duration'],
  mapStringString: ['labels', 'resources'],
  '[]v1.Taint': ['taints'],
  Level: ['int'], // klog's -v
  moduleSpec: ['string'], // klog's --vmodule
  version: ['string'], // verflag's --version (true, false, raw, or vX.Y.Z)
};

test('the JSON is kubemark v1.37.2\'s flag set, as lab/cmd/kubemark-flags printed it', () => {
  assert.equal(real.kubernetesModule, 'v1.37.2');
  assert.ok(real.flags.length >= 50, `${real.flags.length} flags`);
  for (const n of ['morph', 'name', 'kubeconfig', 'v', 'vmodule', 'log-flush-frequency', 'version', 'help', 'housekeeping-interval', 'docker-only']) {
    assert.ok(real.flags.some((f) => f.name === n), n);
  }
});

test('every flag kubemark registers is in the table, with its type, default, shorthand and optional value', () => {
  const problems: string[] = [];
  for (const g of real.flags) {
    const spec = findFlag(g.name);
    if (!spec) {
      problems.push(`--${g.name} (${g.type}, default ${JSON.stringify(g.default)}) is missing from the table`);
      continue;
    }
    const kinds = KINDS[g.type];
    if (kinds && !kinds.includes(spec.kind)) problems.push(`--${g.name}: Go type ${g.type}, table kind ${spec.kind}`);
    if (!kinds) problems.push(`--${g.name}: Go type ${g.type} has no mapping to a table kind (table: ${spec.kind}); add one here`);
    if ((spec.default ?? '') !== g.default) problems.push(`--${g.name}: default ${JSON.stringify(g.default)}, table ${JSON.stringify(spec.default)}`);
    if ((spec.shorthand ?? '') !== (g.shorthand ?? '')) problems.push(`--${g.name}: shorthand ${JSON.stringify(g.shorthand ?? '')}, table ${JSON.stringify(spec.shorthand ?? '')}`);
    if (Boolean(spec.optionalValue) !== Boolean(g.noOptDefVal)) problems.push(`--${g.name}: optional value ${Boolean(g.noOptDefVal)} (NoOptDefVal ${JSON.stringify(g.noOptDefVal ?? '')}), table ${Boolean(spec.optionalValue)}`);
    if (g.deprecated && !spec.noEffect) problems.push(`--${g.name} is deprecated ("${g.deprecated}") but the table does not say it has no effect`);
  }
  assert.deepEqual(problems, []);
});

test('every flag in the table is one kubemark registers', () => {
  const names = new Set(real.flags.map((f) => f.name));
  assert.deepEqual(HOLLOW_NODE_FLAGS.filter((f) => !names.has(f.name)).map((f) => f.name), []);
});

test('removed klog flags and forks\' flags are not in kubemark\'s flag set', () => {
  const names = new Set(real.flags.map((f) => f.name));
  assert.deepEqual(REMOVED_LOG_FLAGS.map((n) => n.replace(/_/g, '-')).filter((n) => names.has(n)), []);
  assert.deepEqual(FORK_FLAGS.filter((n) => names.has(n)), []);
});
