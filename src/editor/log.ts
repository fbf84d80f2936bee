import * as vscode from 'vscode';
import { redact } from '../core/redact';

/** The one "Kubemark" output channel, with levels; every line passes through redact(). */
export class Log implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;

  constructor() {
    this.channel = vscode.window.createOutputChannel('Kubemark', { log: true });
  }

  info(msg: string): void {
    this.channel.info(redact(msg));
  }

  warn(msg: string): void {
    this.channel.warn(redact(msg));
  }

  error(msg: string, err?: unknown): void {
    this.channel.error(redact(err === undefined ? msg : `${msg}: ${describeError(err)}`));
  }

  debug(msg: string): void {
    this.channel.debug(redact(msg));
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
