import * as vscode from 'vscode';
import { CancelledError } from '../../core/errors';
import { HollowNodeOptions, generateHollowNodeManifest, withDefaults } from '../../core/manifest';
import { isPlaceholderImage } from '../../core/rules/checks/image';
import { defaultImage } from '../../cluster/preflight';
import { ServerInfo } from '../../cluster/session';

export interface NewManifestOptions extends Partial<HollowNodeOptions> {
  /** Open the editor (default true); tests may only want the text. */
  show?: boolean;
}

export function validateImage(value: string): string | undefined {
  const v = value.trim();
  if (!v) return 'Give the kubemark image, for example registry.example.com/kubemark:v1.34.1.';
  if (/\s/.test(v)) return 'An image reference has no spaces.';
  if (isPlaceholderImage(v)) return `"${v}" looks like a placeholder: give your real kubemark image.`;
  return undefined;
}

export function validateReplicas(value: string): string | undefined {
  return /^\d+$/.test(value.trim()) ? undefined : 'Give a whole number of hollow nodes, 0 or more.';
}

export async function askImage(defaultImage: string): Promise<string> {
  const image = await vscode.window.showInputBox({
    title: 'Kubemark image',
    prompt: "The kubemark image, tagged with the masters cluster's Kubernetes version",
    value: defaultImage,
    placeHolder: 'registry.example.com/kubemark:v1.34.1',
    ignoreFocusOut: true,
    validateInput: validateImage,
  });
  if (image === undefined) throw new CancelledError('No image given; nothing was created.');
  return image.trim();
}

export async function askReplicas(defaultReplicas: number): Promise<number> {
  const replicas = await vscode.window.showInputBox({
    title: 'Hollow nodes',
    prompt: 'How many hollow nodes (fake Nodes in the masters cluster)',
    value: String(defaultReplicas),
    ignoreFocusOut: true,
    validateInput: validateReplicas,
  });
  if (replicas === undefined) throw new CancelledError('No replica count given; nothing was created.');
  return Number(replicas.trim());
}

/**
 * "Kubemark: New Hollow Node Manifest": asks for image and replicas, opens the YAML in a new
 * editor. The image offered is the configured repository tagged with the masters version, when
 * a masters cluster is selected and answers.
 */
export function newManifestCommand(mastersVersion: () => ServerInfo | undefined) {
  return (arg?: unknown) => newManifest(arg, mastersVersion());
}

export async function newManifest(arg: unknown, masters: ServerInfo | undefined): Promise<vscode.TextDocument> {
  const options = (typeof arg === 'object' && arg !== null ? arg : {}) as NewManifestOptions;
  const config = vscode.workspace.getConfiguration('kubemark');
  const image = options.image ?? (await askImage(defaultImage(config.get<string>('image', ''), masters)));
  const replicas = options.replicas ?? (await askReplicas(config.get<number>('replicas', 3)));
  const { show, ...rest } = options;
  const manifest = generateHollowNodeManifest(withDefaults({ namespace: config.get<string>('namespace', 'kubemark'), ...rest, image, replicas }));
  const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: manifest.yaml });
  if (show !== false) await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}
