// "Deploy to <workers context>" above each hollow-node workload of a kubemark manifest.
import * as vscode from 'vscode';
import { workloadLines } from '../core/manifest/lenses';
import { COMMANDS } from './commands/ids';

export class DeployCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;

  constructor(private readonly workersContext: () => string | undefined) {}

  /** The workers context changed: the lens titles name it. */
  refresh(): void {
    this.emitter.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const ctx = this.workersContext();
    return workloadLines(doc.getText()).map((line) => new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
      title: ctx ? `$(rocket) Deploy to ${ctx}` : '$(rocket) Deploy This Manifest (select a workers cluster first)',
      tooltip: 'Kubemark: lint, create what is missing, apply every object of this file, and follow its fake nodes until Ready',
      command: ctx ? COMMANDS.deployManifest : COMMANDS.selectWorkersCluster,
      arguments: ctx ? [doc.uri] : [],
    }));
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
