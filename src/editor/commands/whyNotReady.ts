// "Kubemark: Why Not Ready?" on a hollow-node pod, its owner or a fake node (tree context menu),
// or from the palette with a quick pick of those not Ready. Opens the diagnosis as a read-only
// Markdown document and returns { code, verdict, nextStep, evidence, uri }.
import * as vscode from 'vscode';
import { CancelledError, KubemarkError } from '../../core/errors';
import { DiagnosisTarget, whyNotReady } from '../../cluster/diagnosis';
import { podHealth, sortByName } from '../../cluster/viewModel';
import { ClusterModel } from '../model';
import { DiagnosisDocuments, WhyNotReadyResult } from '../diagnosis/documents';
import { TreeNode } from '../tree/node';
import { WorkloadNode } from '../tree/workloadNode';
import { PodNode } from '../tree/podNode';
import { FakeNodeNode } from '../tree/fakeNodeNode';
import { optionsOf } from './common';

function targetOfNode(arg: unknown): DiagnosisTarget | undefined {
  if (arg instanceof PodNode) return { pod: `${arg.record.namespace}/${arg.record.name}` };
  if (arg instanceof FakeNodeNode) return { node: arg.record.name };
  // An owner (a workload, bare pods, a controller not watched): its first pod that is not
  // healthy, else its first pod. The tree's group holds its pods, whatever the owner kind.
  if (arg instanceof WorkloadNode) {
    const g = arg.group;
    const pods = sortByName(g.pods);
    const pick = pods.find((p) => podHealth(p) !== 'ok') ?? pods[0];
    if (pick) return { pod: `${pick.namespace}/${pick.name}` };
    throw new KubemarkError(`${g.kind ?? 'The bare pods'} ${g.namespace}/${g.name} has no pods to diagnose. Is it scaled to 0?`);
  }
  return undefined;
}

async function pickNotReady(model: ClusterModel): Promise<DiagnosisTarget> {
  const items: Array<vscode.QuickPickItem & { target: DiagnosisTarget }> = [];
  for (const p of sortByName(model.workers?.pods.items.values() ?? [])) {
    if (podHealth(p) !== 'ok') items.push({ label: `$(symbol-event) ${p.name}`, description: `pod · ${p.status}`, detail: p.namespace, target: { pod: `${p.namespace}/${p.name}` } });
  }
  for (const n of sortByName(model.masters?.nodes.items.values() ?? [])) {
    if (n.hollow && n.condition !== 'Ready') items.push({ label: `$(server) ${n.name}`, description: `fake node · ${n.reason ?? n.condition}`, target: { node: n.name } });
  }
  if (items.length === 0) throw new KubemarkError('Every hollow-node pod and fake node is Ready. Pick a pod or node in the Kubemark view to look at it anyway.');
  const pick = await vscode.window.showQuickPick(items, { title: 'Why is it not Ready?', placeHolder: 'A hollow-node pod or fake node that is not Ready', matchOnDescription: true });
  if (!pick) throw new CancelledError('Nothing chosen.');
  return pick.target;
}

export function whyNotReadyCommand(model: ClusterModel, documents: DiagnosisDocuments) {
  return async (arg?: unknown): Promise<WhyNotReadyResult> => {
    if (!model.workers && !model.masters) throw new KubemarkError('Select the workers and masters clusters first (Kubemark: Select Workers Cluster).');
    const o = optionsOf<{ pod: string; node: string }>(arg, (a) => a instanceof TreeNode);
    const target: DiagnosisTarget = o?.pod ? { pod: o.pod } : o?.node ? { node: o.node } : targetOfNode(arg) ?? (await pickNotReady(model));
    // The open manifest, if it is one, lets a bad argument link to its line.
    const editor = vscode.window.activeTextEditor;
    const manifest = editor && editor.document.languageId === 'yaml' ? { uri: editor.document.uri.toString(), text: editor.document.getText() } : undefined;
    const { bundle, diagnosis } = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Kubemark: looking at it…' },
      () => whyNotReady({ ...(model.workers ? { workers: model.workers.session } : {}), ...(model.masters ? { masters: model.masters.session } : {}) }, target, { namespace: model.namespace, ...(manifest ? { manifest } : {}) }),
    );
    return documents.show(bundle, diagnosis);
  };
}
