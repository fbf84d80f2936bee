// The list worker: reads list pages (JSON.parse, then keep and slim: src/cluster/pageShapes.ts)
// on a worker thread, so that the extension host's thread never parses a page of 500 nodes
// (1.4 MiB, ~10–20 ms of one thread, and its garbage) while the user waits for the tree
// (issue 11: event-loop delay during the initial sync of 5,000 nodes). The extension host
// fetches the bytes (it keeps the credentials) and posts them here; this thread posts back the
// slim records. Built as dist/listWorker.js; no vscode, no @kubernetes/client-node.
import { parentPort } from 'node:worker_threads';
import { decodePage } from './pageShapes';
import type { ListWorkerReply, ListWorkerRequest } from './pageDecoder';

const port = parentPort;
if (!port) throw new Error('listWorker.js runs only as a worker thread');
// ignoreBOM: a byte-order mark stays, as Buffer.toString keeps it on the extension host's
// fallback path: both threads read the same bytes the same way.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

port.on('message', (m: ListWorkerRequest) => {
  let reply: ListWorkerReply;
  try {
    reply = { id: m.id, page: decodePage(decoder.decode(m.bytes), m.shape) };
  } catch (err) {
    reply = { id: m.id, error: err instanceof Error ? err.message : String(err), name: err instanceof Error ? err.name : 'Error' };
  }
  port.postMessage(reply);
});
