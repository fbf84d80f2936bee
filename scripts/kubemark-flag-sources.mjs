#!/usr/bin/env node
// Checks, without building kubemark, that the flags kubemark registers are the same in other
// Kubernetes releases as in the one src/core/kubemark-flags.v1.37.json was generated from (by
// lab/cmd/kubemark-flags, which runs the real flag set). For each release it downloads the
// source of k8s.io/kubernetes from the Go module proxy and lists cmd/kubemark's import graph
// (`go list -deps`, resolved as a build would: kubernetes' own go.mod, its staging modules at
// the matching v0.X.Y) — no compiling — and then reads:
//   - every flag registered on Go's global flag set (`flag.X(...)` in any package of the graph:
//     cAdvisor's and others' init code; kubemark adds them with fs.AddGoFlagSet(goflag.CommandLine))
//     and on pflag's global set (merged by cobra): name, registering call, default expression;
//   - the source of the functions that register kubemark's other flags on explicit flag sets:
//     hollow_node.go's addFlags and NewHollowNodeCommand, component-base's logs AddFlags and
//     cli.Run, klog's InitFlags, verflag.
// and compares each release with the baseline. The result is written to
// src/core/kubemark-flags.sources.json (checked in; test/unit/rules reads it).
//
//   node scripts/kubemark-flag-sources.mjs [v1.33.13 v1.34.4 ...]   (default: the newest patch of
//   v1.33–v1.36, baseline v1.37.2). Needs Go (PATH or /usr/local/go/bin) and the Go module proxy.
//   Disk: ~65 MB of module zips and ~350 MB extracted per release beyond the baseline (GOMODCACHE).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BASELINE = 'v1.37.2';
const DEFAULT_VERSIONS = ['v1.33.13', 'v1.34.4', 'v1.35.4', 'v1.36.3'];
const OUT = join(repoRoot, 'src/core/kubemark-flags.sources.json');
const WORK = process.env.KUBEMARK_FLAG_SOURCES_DIR || join(tmpdir(), 'kubemark-flag-sources');
const env = { ...process.env, PATH: `${process.env.PATH}:/usr/local/go/bin`, GOFLAGS: '-mod=mod' };
const log = (m) => console.error(`[flag-sources] ${m}`);

function go(args, cwd) {
  const r = spawnSync('go', args, { cwd, env, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`go ${args.join(' ')} failed (${r.status ?? r.signal}) in ${cwd}:\n${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/** A module for `go list` that requires kubernetes@version as lab/gen-replace.sh sets it up. */
function moduleFor(version) {
  const dir = join(WORK, version);
  mkdirSync(dir, { recursive: true });
  const info = JSON.parse(go(['mod', 'download', '-json', `k8s.io/kubernetes@${version}`], dir));
  const gomod = readFileSync(info.GoMod, 'utf8');
  const staging = [...new Set([...gomod.matchAll(/^\s*(k8s\.io\/\S+)\s+=>\s+\.\/staging\//gm)].map((m) => m[1]))].sort();
  if (staging.length === 0) throw new Error(`no staging replaces in k8s.io/kubernetes@${version}'s go.mod`);
  const goVersion = /^go\s+(\S+)/m.exec(gomod)?.[1] ?? '1.24';
  const stagingVersion = `v0.${version.slice(3)}`;
  writeFileSync(join(dir, 'go.mod'), `module flagsources\n\ngo ${goVersion}\n\nrequire k8s.io/kubernetes ${version}\n\nreplace (\n${staging.map((m) => `\t${m} => ${m} ${stagingVersion}`).join('\n')}\n)\n`);
  const req = (mod) => new RegExp(`^\\s*${mod.replace(/[./]/g, '\\$&')}\\s+(v\\S+)`, 'm').exec(gomod)?.[1];
  return {
    dir,
    modules: {
      'k8s.io/kubernetes': version,
      'k8s.io/component-base': stagingVersion,
      'github.com/google/cadvisor': req('github.com/google/cadvisor'),
      'github.com/google/cadvisor/lib': req('github.com/google/cadvisor/lib'),
      'k8s.io/klog/v2': req('k8s.io/klog/v2'),
      'github.com/spf13/pflag': req('github.com/spf13/pflag'),
      'github.com/spf13/cobra': req('github.com/spf13/cobra'),
    },
  };
}

/** The import name of `path` in a Go file, or undefined when the file does not import it. */
function importName(src, path) {
  const specs = [];
  for (const m of src.matchAll(/^import\s*\(([\s\S]*?)^\)/gm)) specs.push(...m[1].split('\n'));
  for (const m of src.matchAll(/^import\s+([^(\n][^\n]*)$/gm)) specs.push(m[1]);
  for (const line of specs) {
    const m = /^\s*([\w.]+\s+)?"([^"]+)"/.exec(line);
    if (m && m[2] === path) return m[1] ? m[1].trim() : path.split('/').pop();
  }
  return undefined;
}

/** The top-level comma-separated arguments of the call whose "(" is at `open`. */
function callArgs(src, open) {
  const args = [];
  let depth = 0;
  let cur = '';
  for (let i = open; i < src.length; i++) {
    const ch = src[i];
    if (ch === '"' || ch === '`' || ch === "'") {
      const end = ch === '`' ? src.indexOf('`', i + 1) : (() => { let j = i + 1; while (j < src.length && src[j] !== ch) j += src[j] === '\\' ? 2 : 1; return j; })();
      cur += src.slice(i, end + 1);
      i = end;
      continue;
    }
    if ('([{'.includes(ch)) { depth++; if (depth === 1 && ch === '(') continue; }
    if (')]}'.includes(ch)) { depth--; if (depth === 0) { args.push(cur.trim()); return args; } }
    if (ch === ',' && depth === 1) { args.push(cur.trim()); cur = ''; continue; }
    cur += ch;
  }
  return args;
}

const norm = (s) => s.replace(/\s+/g, ' ').trim();
// Registering functions: name position and default position in the arguments.
const GO_FLAG = /^(Bool|String|Int|Int64|Uint|Uint64|Float64|Duration)(Var)?$|^(Var|Func|BoolFunc|TextVar)$/;
const PFLAG = /^(Bool|String|Int|Int8|Int16|Int32|Int64|Uint|Uint8|Uint16|Uint32|Uint64|Float32|Float64|Duration|StringSlice|StringArray|StringToString|IntSlice|BoolSlice|DurationSlice|IP|IPMask|IPNet|Count|BytesHex|BytesBase64)(Var)?P?$|^(Var|VarP|VarPF)$/;

function registration(fn, args) {
  const isVar = /Var/.test(fn) || fn === 'TextVar';
  const p = /P$|VarPF$/.test(fn) && fn !== 'VarP' ? 1 : 0; // shorthand argument
  if (fn === 'Var' || fn === 'VarP' || fn === 'VarPF') return { name: args[1], value: norm(args[0] ?? '') };
  if (fn === 'Func' || fn === 'BoolFunc') return { name: args[0] };
  const name = isVar ? args[1] : args[0];
  const def = isVar ? args[2 + p] : args[1 + p];
  return { name, default: norm(def ?? '') };
}

/** Flags registered on the global Go and pflag flag sets by one file. */
function globalRegistrations(src, pkg, file) {
  const out = [];
  for (const [path, re, set] of [['flag', GO_FLAG, 'go'], ['github.com/spf13/pflag', PFLAG, 'pflag']]) {
    const alias = importName(src, path);
    if (!alias || alias === '_') continue;
    const call = new RegExp(`\\b${alias.replace(/\./g, '\\.')}\\.(?:CommandLine\\.)?(\\w+)\\(`, 'g');
    for (const m of src.matchAll(call)) {
      if (!re.test(m[1])) continue;
      const args = callArgs(src, m.index + m[0].length - 1);
      const r = registration(m[1], args);
      // A name that is not a string literal (zap's LevelFlag(name, ...), verflag's Version(name, ...))
      // is a helper's parameter: kept, by its call site, as a dynamic registration.
      const literal = /^"[^"]*"$/.test(r.name ?? '');
      out.push({ set, pkg, file, call: `${alias}.${m[1]}`, ...r, name: literal ? r.name.slice(1, -1) : `(${r.name} in ${pkg}/${file})`, ...(literal ? {} : { dynamic: true }) });
    }
  }
  return out;
}

/** The source of a Go function (by name, methods included), whitespace-normalised. */
function functionSource(src, name) {
  const re = new RegExp(`^func\\s+(\\([^)]*\\)\\s*)?${name}\\s*[\\[(]`, 'm');
  const m = re.exec(src);
  if (!m) return undefined;
  const end = src.indexOf('\n}', m.index);
  return src.slice(m.index, end < 0 ? undefined : end + 2);
}

// The explicit flag sets kubemark's command line is made of: [package, file (or all), functions (or whole file)].
const EXPLICIT = [
  ['k8s.io/kubernetes/cmd/kubemark', 'hollow-node.go', ['main']],
  ['k8s.io/kubernetes/cmd/kubemark/app', 'hollow_node.go', ['addFlags', 'NewHollowNodeCommand']],
  ['k8s.io/component-base/cli', 'run.go', ['Run', 'run']],
  ['k8s.io/component-base/cli/flag', 'flags.go', ['WordSepNormalizeFunc']],
  ['k8s.io/component-base/logs', 'logs.go', ['AddFlags', 'addFlags', 'init']],
  ['k8s.io/component-base/logs/api/v1', 'options.go', ['AddFlags', 'addFlags', 'apply']],
  ['k8s.io/component-base/logs/klogflags', 'klogflags.go', ['Init']],
  ['k8s.io/component-base/version/verflag', 'verflag.go', null],
  ['k8s.io/klog/v2', 'klog.go', ['InitFlags']],
];

function inspect(version) {
  const { dir, modules } = moduleFor(version);
  log(`${version}: go list -deps k8s.io/kubernetes/cmd/kubemark`);
  const lines = go(['list', '-deps', '-f', '{{if not .Standard}}{{.ImportPath}}|{{.Dir}}|{{join .GoFiles ","}}{{end}}', 'k8s.io/kubernetes/cmd/kubemark'], dir).split('\n').filter(Boolean);
  const pkgs = new Map(lines.map((l) => { const [p, d, f] = l.split('|'); return [p, { dir: d, files: f ? f.split(',') : [] }]; }));
  const flags = [];
  for (const [pkg, { dir: d, files }] of pkgs) {
    for (const f of files) {
      const src = readFileSync(join(d, f), 'utf8');
      if (!/"flag"|"github.com\/spf13\/pflag"/.test(src)) continue;
      flags.push(...globalRegistrations(src, pkg, f));
    }
  }
  const explicit = {};
  for (const [pkg, file, fns] of EXPLICIT) {
    const p = pkgs.get(pkg);
    if (!p) { explicit[`${pkg}/${file}`] = null; continue; }
    const path = join(p.dir, file);
    if (!existsSync(path)) { explicit[`${pkg}/${file}`] = null; continue; }
    const src = readFileSync(path, 'utf8');
    if (!fns) { explicit[`${pkg}/${file}`] = src.replace(/^\/\*[\s\S]*?\*\/\n/, ''); continue; }
    for (const fn of fns) {
      const s = functionSource(src, fn);
      if (s !== undefined) explicit[`${pkg}/${file}#${fn}`] = s;
    }
  }
  return { modules, packages: pkgs.size, flags: flags.sort((a, b) => `${a.set}${a.name}`.localeCompare(`${b.set}${b.name}`)), explicit };
}

const key = (f) => `${f.set}:${f.name}`;
const sig = (f) => `${f.call} ${f.default ?? f.value ?? ''}`;
const digest = (s) => (s == null ? null : createHash('sha256').update(norm(s)).digest('hex').slice(0, 16));

function compare(base, other) {
  const b = new Map(base.flags.map((f) => [key(f), f]));
  const o = new Map(other.flags.map((f) => [key(f), f]));
  const added = [...o.keys()].filter((k) => !b.has(k)).map((k) => ({ flag: k, ...o.get(k) }));
  const removed = [...b.keys()].filter((k) => !o.has(k)).map((k) => ({ flag: k, pkg: b.get(k).pkg }));
  const changed = [...o.keys()].filter((k) => b.has(k) && sig(b.get(k)) !== sig(o.get(k))).map((k) => ({ flag: k, baseline: sig(b.get(k)), this: sig(o.get(k)), pkg: o.get(k).pkg }));
  const sources = {};
  for (const k of new Set([...Object.keys(base.explicit), ...Object.keys(other.explicit)])) {
    sources[k] = digest(base.explicit[k]) === digest(other.explicit[k]) ? 'identical' : 'differs';
  }
  return { added, removed, changed, sources };
}

function main() {
  const versions = process.argv.slice(2).length ? process.argv.slice(2) : DEFAULT_VERSIONS;
  mkdirSync(WORK, { recursive: true });
  const base = inspect(BASELINE);
  const table = JSON.parse(readFileSync(join(repoRoot, 'src/core/kubemark-flags.v1.37.json'), 'utf8'));
  // The baseline's global flags must be in the generated table: the extraction sees what the real flag set has.
  const tableNames = new Set(table.flags.map((f) => f.name));
  const missed = base.flags.filter((f) => !f.dynamic && !tableNames.has(f.name.replace(/_/g, '-')));
  const result = {
    generatedBy: 'scripts/kubemark-flag-sources.mjs',
    baseline: { kubernetes: BASELINE, modules: base.modules, packages: base.packages, globalFlags: base.flags.map((f) => ({ flag: key(f), pkg: f.pkg, call: f.call, ...(f.default !== undefined ? { default: f.default } : {}), ...(f.dynamic ? { dynamic: true } : {}) })), explicitSources: Object.fromEntries(Object.entries(base.explicit).map(([k, v]) => [k, digest(v)])) },
    baselineGlobalFlagsNotInTable: missed.map(key),
    releases: {},
  };
  for (const v of versions) {
    const r = inspect(v);
    const c = compare(base, r);
    const diffSources = Object.entries(c.sources).filter(([, s]) => s !== 'identical');
    result.releases[v] = {
      modules: r.modules,
      packages: r.packages,
      // notInBaseline: registered by this release only; notInThisRelease: by the baseline only.
      globalFlags: { notInBaseline: c.added.map((f) => ({ flag: f.flag, pkg: f.pkg, call: f.call, default: f.default })), notInThisRelease: c.removed, changed: c.changed },
      explicitSources: c.sources,
      ...(diffSources.length ? { explicitSourceDiffs: Object.fromEntries(diffSources.map(([k]) => [k, { baseline: norm(base.explicit[k] ?? '(absent)'), this: norm(r.explicit[k] ?? '(absent)') }])) } : {}),
    };
    log(`${v}: ${r.packages} packages; global flags +${c.added.length} -${c.removed.length} ~${c.changed.length}; explicit sources differing: ${diffSources.map(([k]) => k).join(', ') || 'none'}`);
  }
  writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${OUT}`);
}

main();
