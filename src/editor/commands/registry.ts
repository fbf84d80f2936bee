import * as vscode from 'vscode';
import { CancelledError, KubemarkError } from '../../core/errors';
import { redact } from '../../core/redact';
import { Log } from '../log';
import { COMMAND_TITLES, COMMANDS, CommandId } from './ids';

export type CommandHandler = (...args: unknown[]) => unknown;

/**
 * Registers a command through one wrapper: it logs, and turns failures into one clear message
 * (what failed, what to do next) with the details in the output channel. The handler's result
 * is returned to the caller (tests and other extensions use it); on failure the error is thrown
 * on to programmatic callers too, after the message is shown.
 */
export function registerCommand(context: vscode.ExtensionContext, log: Log, id: CommandId, handler: CommandHandler): void {
  const title = `Kubemark: ${COMMAND_TITLES[id]}`;
  context.subscriptions.push(
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      log.debug(`${title}: started`);
      try {
        const result = await handler(...args);
        log.debug(`${title}: done`);
        return result;
      } catch (err) {
        reportFailure(log, title, err);
        if (args.some((a) => isOptions(a) && (a as { throwOnError?: boolean }).throwOnError)) throw err;
        return undefined;
      }
    }),
  );
}

function isOptions(a: unknown): boolean {
  return typeof a === 'object' && a !== null && !(a instanceof vscode.Uri);
}

/** A failure with next steps as buttons (a command each), e.g. "Show Problems". */
export class ActionableError extends KubemarkError {
  constructor(message: string, readonly actions: Array<{ title: string; command: string }>) {
    super(message);
    this.name = 'ActionableError';
  }
}

export function reportFailure(log: Log, title: string, err: unknown): void {
  if (err instanceof ActionableError) {
    log.error(`${title}: ${err.message}`);
    void vscode.window.showErrorMessage(`${title}: ${redact(err.message)}`, ...err.actions.map((a) => a.title)).then((choice) => {
      const a = err.actions.find((x) => x.title === choice);
      if (a) void vscode.commands.executeCommand(a.command);
    });
    return;
  }
  if (err instanceof CancelledError) {
    log.info(`${title}: ${err.message}`);
    void vscode.window.showInformationMessage(`${title}: ${err.message}`);
    return;
  }
  if (err instanceof KubemarkError) {
    log.error(`${title}: ${err.message}${err.detail ? `\n${err.detail}` : ''}`);
    void showWithOutput(log, `${title}: ${redact(err.message)}`);
    return;
  }
  log.error(`${title} failed`, err);
  const short = err instanceof Error ? err.message : String(err);
  void showWithOutput(log, `${title} failed: ${redact(short)}. See the Kubemark output for details.`);
}

async function showWithOutput(log: Log, message: string): Promise<void> {
  const choice = await vscode.window.showErrorMessage(message, 'Show Output');
  if (choice === 'Show Output') log.show();
}

export { COMMANDS };
