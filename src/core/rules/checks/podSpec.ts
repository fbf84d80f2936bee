import { YAMLMap } from 'yaml';
import { asMap, child, contentEnd, getIn, keyNode, mapKeyColumn, nodeEnd, nodeStart, pairOf, podSpecOf, seqIndentStyle, seqItems, str } from '../ast';
import { Check, LintContext } from '../context';
import { insertLinesAfter } from '../edits';
import { containersOf, isKubemarkWorkload } from './containers';

/** Appends `lines` as new keys at the end of a block map. */
function appendToMap(ctx: LintContext, map: YAMLMap<unknown, unknown>, lines: string[]) {
  const last = map.items[map.items.length - 1];
  const end = contentEnd(ctx.src, last ? last.value ?? last.key : map);
  return insertLinesAfter(ctx.src, end, mapKeyColumn(ctx.src, map), lines);
}

/** Appends items (lines starting with "- ") after the last item of a block sequence; undefined for flow or empty ones. */
function appendToSeq(ctx: LintContext, seq: unknown, itemLines: string[]) {
  const s = seq as { items?: unknown[]; flow?: boolean } | undefined;
  const last = s?.items?.[s.items.length - 1];
  if (!last || s?.flow) return undefined;
  // The item's keys start two columns after its "- ".
  return insertLinesAfter(ctx.src, contentEnd(ctx.src, last), Math.max(0, ctx.src.positionAt(nodeStart(last)).character - 2), itemLines);
}

const TOLERATED = ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'];

export const checkPodSpec: Check = (ctx, d) => {
  if (!isKubemarkWorkload(ctx.src, d)) return;
  const spec = podSpecOf(d);
  if (!spec) return;
  const containersPair = pairOf(spec, 'containers');
  const anchor = containersPair ? keyNode(containersPair) : spec.items[0]?.key;
  const seqIndent = ' '.repeat(seqIndentStyle(ctx.src, containersPair));

  // 1. inotify init container
  const inits = containersOf(ctx.src, d).filter((c) => c.init);
  const raisesInotify = inits.some((c) => ctx.src.text.slice(nodeStart(c.map), nodeEnd(c.map)).includes('fs.inotify.max_user_instances'));
  if (!raisesInotify) {
    const block = [
      `${seqIndent}- name: init-inotify-limit`,
      `${seqIndent}  image: busybox:1.36`,
      `${seqIndent}  command: ['sysctl', '-w', 'fs.inotify.max_user_instances=1000']`,
      `${seqIndent}  securityContext:`,
      `${seqIndent}    privileged: true`,
    ];
    const initPair = pairOf(spec, 'initContainers');
    const edit = initPair ? appendToSeq(ctx, initPair.value, block.map((l) => l.slice(seqIndent.length))) : appendToMap(ctx, spec, ['initContainers:', ...block]);
    ctx.report('missing-inotify-init', nodeStart(anchor), nodeEnd(anchor), 'No init container raises fs.inotify.max_user_instances: with many hollow kubelets on one node they run out of inotify instances and fail. Add the init-inotify-limit init container (privileged sysctl), as the official template does.', edit ? { title: 'Add the init-inotify-limit init container', edits: [edit] } : undefined);
  }

  // 2. requests on kubemark containers
  for (const c of containersOf(ctx.src, d)) {
    if (!c.invocation) continue;
    const requests = getIn(c.map, 'resources', 'requests');
    if (str(getIn(requests, 'cpu')) && str(getIn(requests, 'memory'))) continue;
    const isProxy = /--morph[= ]proxy/.test(ctx.src.text.slice(nodeStart(c.map), nodeEnd(c.map)));
    const [cpu, memory] = isProxy ? ['20m', '100Mi'] : ['40m', '100Mi'];
    const namePair = pairOf(c.map, 'name');
    const at = namePair ? namePair.value ?? namePair.key : c.map.items[0]?.key;
    const resources = asMap(child(c.map, 'resources'));
    const requestsMap = asMap(requests);
    let edit;
    if (!resources) edit = appendToMap(ctx, c.map, ['resources:', '  requests:', `    cpu: ${cpu}`, `    memory: ${memory}`]);
    else if (!requestsMap) edit = appendToMap(ctx, resources, ['requests:', `  cpu: ${cpu}`, `  memory: ${memory}`]);
    else {
      const missing = [!str(getIn(requestsMap, 'cpu')) ? `cpu: ${cpu}` : '', !str(getIn(requestsMap, 'memory')) ? `memory: ${memory}` : ''].filter(Boolean);
      edit = requestsMap.flow ? undefined : appendToMap(ctx, requestsMap, missing);
    }
    ctx.report('missing-requests', nodeStart(at), nodeEnd(at), `Container "${c.invocation.containerName}" has no CPU and memory requests: the scheduler packs hollow nodes blindly and the workers nodes run out of memory. Request about ${cpu} CPU and ${memory} (test/kubemark/start-kubemark.sh defaults).`, edit ? { title: `Request ${cpu} CPU and ${memory}`, edits: [edit] } : undefined);
  }

  // 3. NoExecute tolerations
  const tolPair = pairOf(spec, 'tolerations');
  const tolerations = seqItems(tolPair?.value);
  const tolerates = (key: string) =>
    tolerations.some((t) => {
      const k = str(child(t, 'key'));
      const effect = str(child(t, 'effect'));
      const op = str(child(t, 'operator')) ?? 'Equal';
      return (k === key || (k === undefined && op === 'Exists')) && (effect === undefined || effect === 'NoExecute');
    });
  const missing = TOLERATED.filter((k) => !tolerates(k));
  if (missing.length > 0) {
    const items = missing.flatMap((k) => [`- key: ${k}`, '  operator: Exists', '  effect: NoExecute']);
    const edit = tolPair ? appendToSeq(ctx, tolPair.value, items) : appendToMap(ctx, spec, ['tolerations:', ...items.map((l) => seqIndent + l)]);
    const at = tolPair ? keyNode(tolPair) : anchor;
    const fix = edit ? { title: 'Add NoExecute tolerations', edits: [edit] } : undefined;
    if (missing.length === 1 && missing[0] === 'node.kubernetes.io/not-ready') {
      // Upstream's template tolerates only unreachable (for 900 s), on purpose (kubernetes#67120).
      ctx.report('missing-noexecute-tolerations', nodeStart(at), nodeEnd(at), 'Tolerates node.kubernetes.io/unreachable but not node.kubernetes.io/not-ready, as upstream\'s template does on purpose: hollow-node pods stay through a workers node\'s network blip, but are evicted (and their fake nodes vanish) when it turns NotReady. Tolerate not-ready too if a test must survive that.', fix, 'info');
    } else {
      ctx.report('missing-noexecute-tolerations', nodeStart(at), nodeEnd(at), `No NoExecute toleration for ${missing.join(' and ')}: when a workers node blips, its hollow-node pods are evicted and their fake nodes vanish mid-test. Tolerate them (operator Exists, effect NoExecute).`, fix);
    }
  }

  // 4. StatefulSet pods start in parallel
  if (d.kind === 'StatefulSet') {
    const sts = asMap(child(d.root, 'spec'));
    const pmp = pairOf(sts, 'podManagementPolicy');
    const value = str(pmp?.value);
    if (sts && value !== 'Parallel') {
      const at = pmp ? pmp.value : pairOf(d.root, 'spec')?.key;
      const edit = pmp ? ctx.src.edit(nodeStart(pmp.value), nodeEnd(pmp.value), 'Parallel') : appendToMap(ctx, sts, ['podManagementPolicy: Parallel']);
      ctx.report('pod-management-policy', nodeStart(at), nodeEnd(at), `${value ? `podManagementPolicy ${value}` : 'The default podManagementPolicy (OrderedReady)'} starts hollow nodes one at a time: 5,000 of them take hours. Use podManagementPolicy: Parallel.`, { title: 'Set podManagementPolicy: Parallel', edits: [edit] });
    }
  }
};
