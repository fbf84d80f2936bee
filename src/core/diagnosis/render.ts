// The diagnosis as Markdown, for a read-only virtual document (kubemark-diagnosis: scheme).
// Plain text first: it reads well in the editor, copies into a bug report as is, and the
// Markdown preview adds links (manifest line, Node) without a webview.
import { errorLines, formatCpu, formatMemory } from './engine';
import type { ConditionEvidence, ContainerStateEvidence, Diagnosis, EvidenceBundle } from './types';

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function age(now: number, iso: string | undefined): string {
  if (!iso) return '';
  const t = Date.parse(iso.replace(/(\.\d{3})\d+/, '$1'));
  if (!Number.isFinite(t)) return '';
  const s = Math.max(0, Math.round((now - t) / 1000));
  return s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${(s / 3600).toFixed(1)} h ago`;
}

function state(s: ContainerStateEvidence | undefined): string {
  if (!s || s.kind === 'none') return '—';
  const bits = [s.kind, s.reason, s.exitCode !== undefined ? `exit ${s.exitCode}` : undefined, s.signal ? `signal ${s.signal}` : undefined].filter(Boolean);
  return `${bits.join(', ')}${s.message ? `: ${s.message}` : ''}`;
}

function conditions(now: number, cs: ConditionEvidence[]): string[] {
  if (cs.length === 0) return ['(no conditions)'];
  return [
    '| condition | status | reason | message | last heartbeat |',
    '| --- | --- | --- | --- | --- |',
    ...cs.map((c) => `| ${c.type} | ${c.status} | ${esc(c.reason ?? '')} | ${esc(c.message ?? '')} | ${age(now, c.lastHeartbeatTime)} |`),
  ];
}

/** Markdown for the view; `title` defaults to "Why isn't <target> Ready?". */
export function renderDiagnosisMarkdown(b: EvidenceBundle, d: Diagnosis): string {
  const target = b.target.kind === 'pod' ? `pod ${b.target.namespace}/${b.target.name}` : `node ${b.target.name}`;
  const out: string[] = [];
  out.push(`# Why isn't ${target} Ready?`, '');
  out.push(`**Verdict: \`${d.code}\`** ${d.verdict}`, '');
  out.push(`**Next step:** ${d.nextStep}`, '');
  if (d.actions?.length) out.push(`**Actions:** ${d.actions.map((a) => a.title).join(' · ')}`, '');
  if (d.evidence.length) {
    out.push('**Because:**', '');
    for (const e of d.evidence) {
      const text = e.location ? `[${esc(e.text)}](${e.location.uri}#L${e.location.line + 1})` : esc(e.text);
      out.push(`- *${e.source}* ${text}`);
    }
    out.push('');
  }
  out.push(`_Collected ${new Date(b.now).toISOString()}._`, '');

  out.push('## The pod (workers cluster)', '');
  if (!b.pod) out.push('No such pod.', '');
  else {
    const p = b.pod;
    out.push(`Phase **${p.phase ?? '?'}**${p.deleting ? ' (terminating)' : ''}${p.nodeName ? ` on node \`${p.nodeName}\`` : ', not scheduled'}${p.owner ? `, owned by ${p.owner.kind}/${p.owner.name}` : ''}.`, '');
    if (p.requests) out.push(`Requests: ${formatCpu(p.requests.cpuMilli)}, ${formatMemory(p.requests.memoryBytes)}.`, '');
    out.push(...conditions(b.now, p.conditions), '');
    out.push('| container | ready | restarts | state | last termination |', '| --- | --- | --- | --- | --- |');
    for (const c of p.containers) out.push(`| ${c.init ? '(init) ' : ''}${c.name} | ${c.ready ? 'yes' : 'no'} | ${c.restartCount} | ${esc(state(c.state))} | ${esc(state(c.lastState))} |`);
    out.push('');
  }

  out.push('## Events', '');
  const events = [...b.podEvents, ...b.ownerEvents];
  if (events.length === 0) out.push('None recorded (events expire after an hour).', '');
  else {
    out.push('| when | object | type | reason | count | message |', '| --- | --- | --- | --- | --- | --- |');
    for (const e of events) out.push(`| ${age(b.now, e.lastSeen)} | ${e.object} | ${e.type} | ${e.reason} | ${e.count} | ${esc(e.message)} |`);
    out.push('');
  }

  out.push('## Log errors', '');
  const errs = errorLines(b);
  if (errs.length === 0) out.push('No logs read.', '');
  for (const c of errs) {
    out.push(`**${c.container}**: ${c.lines.length === 0 ? 'no error lines in the last lines read.' : ''}`, '');
    if (c.lines.length) out.push('```', ...c.lines.map((l) => l.trimEnd()), '```', '');
    for (const h of c.hints) out.push(`> ${h}`, '');
  }

  out.push('## The Node in masters', '');
  const n = b.mastersNode;
  if (!n) out.push('Not looked up (no masters cluster selected).', '');
  else if (!n.exists) out.push(`No Node \`${n.name}\` is registered.`, '');
  else {
    const lease = b.lease?.renewTime ? `Lease renewed ${age(b.now, b.lease.renewTime)} (duration ${b.lease.durationSeconds ?? '?'} s).` : 'No Lease in kube-node-lease.';
    out.push(`Node \`${n.name}\`${n.unschedulable ? ' (cordoned)' : ''}. ${lease}`, '');
    out.push(...conditions(b.now, n.conditions), '');
    out.push(`Taints: ${n.taints.length ? n.taints.map((t) => `\`${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}\``).join(', ') : 'none'}.`, '');
  }

  out.push('## The workers node', '');
  const w = b.workersNode;
  if (!w) out.push(b.pod?.nodeName ? 'Not read.' : 'The pod is not scheduled.', '');
  else if (!w.exists) out.push(`Node \`${w.name}\` does not exist any more.`, '');
  else out.push(`Node \`${w.name}\`.`, '', ...conditions(b.now, w.conditions), '');

  if (b.secret) {
    const s = b.secret;
    out.push('## The kubeconfig Secret', '');
    out.push(s.exists ? `Secret \`${s.namespace}/${s.name}\`: keys ${s.keys.map((k) => `\`${k}\``).join(', ') || '(none)'}; the pod reads ${s.expectedKeys.map((k) => `\`${k}\``).join(', ') || '(nothing found)'}${s.server ? `; server ${s.server}` : ''}. Values are not shown.` : `Secret \`${s.namespace}/${s.name}\` does not exist.`, '');
  }
  if (b.problems.length) out.push('## Not read', '', ...b.problems.map((p) => `- ${esc(p)}`), '');
  return out.join('\n');
}
