import * as vscode from 'vscode';
import { ObjectPresence } from '../../cluster/records';
import { CONFIGMAP_NAME, KUBELET_KUBECONFIG_KEY, PROXY_KUBECONFIG_KEY, SECRET_NAME } from '../../core/manifest/options';
import { CONTEXT, TreeNode } from './node';
import { DetailNode } from './detailNode';

export interface SetupRecords {
  namespace: string;
  ns?: ObjectPresence;
  configMap?: ObjectPresence;
  secret?: ObjectPresence;
}

const REQUIRED_SECRET_KEYS = [KUBELET_KUBECONFIG_KEY, PROXY_KUBECONFIG_KEY];

/** Namespace, node-configmap and the kubeconfig Secret with its keys: present or missing. */
export class SetupNode extends TreeNode {
  constructor(private readonly s: SetupRecords) {
    super();
  }

  private missing(): string[] {
    const m: string[] = [];
    if (!this.s.ns) m.push(`namespace ${this.s.namespace}`);
    if (!this.s.configMap) m.push(CONFIGMAP_NAME);
    if (!this.s.secret) m.push(`secret ${SECRET_NAME}`);
    else for (const k of REQUIRED_SECRET_KEYS) if (!this.s.secret.keys.includes(k)) m.push(`key ${k}`);
    return m;
  }

  getTreeItem(): vscode.TreeItem {
    const missing = this.missing();
    const item = new vscode.TreeItem('Setup', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = 'w:setup';
    item.description = missing.length ? `missing: ${missing.join(', ')}` : 'complete';
    item.contextValue = CONTEXT.setup;
    item.iconPath = new vscode.ThemeIcon(missing.length ? 'warning' : 'check', new vscode.ThemeColor(missing.length ? 'problemsWarningIcon.foreground' : 'testing.iconPassed'));
    item.tooltip = missing.length ? `Missing ${missing.join(', ')}. Run "Kubemark: Scaffold Config and Secret".` : `Namespace ${this.s.namespace}, ${CONFIGMAP_NAME} and secret ${SECRET_NAME} are in place.`;
    return item;
  }

  override getChildren(): TreeNode[] {
    const present = (p: ObjectPresence | undefined) => (p ? 'present' : 'missing');
    const icon = (p: ObjectPresence | undefined) => (p ? 'check' : 'close');
    const secretKeys = this.s.secret
      ? [...new Set([...REQUIRED_SECRET_KEYS, ...this.s.secret.keys])].map((k) => new DetailNode(`w:setup:secret:${k}`, k, this.s.secret!.keys.includes(k) ? 'present' : 'missing', [], this.s.secret!.keys.includes(k) ? 'key' : 'close'))
      : [];
    return [
      new DetailNode('w:setup:ns', `Namespace ${this.s.namespace}`, present(this.s.ns), [], icon(this.s.ns)),
      new DetailNode('w:setup:cm', `ConfigMap ${CONFIGMAP_NAME}`, this.s.configMap ? `keys: ${this.s.configMap.keys.join(', ') || 'none'}` : 'missing', [], icon(this.s.configMap)),
      new DetailNode('w:setup:secret', `Secret ${SECRET_NAME}`, this.s.secret ? `${this.s.secret.keys.length} keys` : 'missing', secretKeys, icon(this.s.secret)),
    ];
  }
}
