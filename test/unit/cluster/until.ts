// Polling with a deadline, for the cluster unit tests (no sleeps as synchronisation).

/** Resolves once f() holds, checking every `everyMs`; throws naming `what` after `ms`. */
export async function until(what: string, f: () => boolean, ms = 5000, everyMs = 2): Promise<void> {
  const deadline = Date.now() + ms;
  while (!f()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
