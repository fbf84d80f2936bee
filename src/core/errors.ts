/**
 * A failure the user can act on: `message` says what failed and what to do next; `detail`
 * goes to the output channel only. Messages never carry credentials.
 */
export class KubemarkError extends Error {
  constructor(message: string, readonly detail?: string) {
    super(message);
    this.name = 'KubemarkError';
  }
}

/** The user (or a cancellation token) stopped the work; not a failure. */
export class CancelledError extends Error {
  constructor(message = 'Cancelled.') {
    super(message);
    this.name = 'CancelledError';
  }
}

export interface CancelSignal {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export function throwIfCancelled(token: CancelSignal | undefined, what = 'Cancelled.'): void {
  if (token?.isCancellationRequested) throw new CancelledError(what);
}
