/**
 * A decode worker: runs the real tiktok-live-connector connections of the rooms the pool assigned to it (the
 * in-thread connector, with its own sign client, proxy agent and TLS context built from the plain settings in
 * `workerData`) and posts their normalised events to the main thread, which keeps the tallies.
 *
 * Push frames are ours (push-frames.ts: faster inflate and decode), and so are their acks: events are batched
 * once per event-loop turn (one message per turn instead of one per event), and the acks of the frames whose
 * events are in a batch are held until the main thread answers `taken` for it. A worker that dies therefore
 * never acked a frame whose events the tallies did not get; its rooms reconnect on another worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LiveEvent } from '@shared/live';
import { installPushFrames } from './push-frames';
import { createInThreadConnector, type RoomConnected, type RoomConnection } from './room-connector';
import { serializeError, type DecodeWorkerInit, type FromWorker, type ToWorker } from './protocol';

const port = parentPort!;
const init = workerData as DecodeWorkerInit;
const connections = new Map<number, RoomConnection>();

let batch: (number | LiveEvent | null)[] = [];
/** Acks of the frames whose events are in `batch` (or in batches already posted, for a frame with none). */
let batchAcks: (() => void)[] = [];
let flushQueued = false;
let nextBatch = 1;
/** Acks per posted batch, sent when the main thread answers `taken` for it. */
const heldAcks = new Map<number, (() => void)[]>();

const connector = createInThreadConnector(
  init.settings,
  init.connectionOptions,
  init.libraryPushFrames
    ? undefined
    : (connection) =>
        installPushFrames(connection, {
          ackWhenTaken(sendAck) {
            batchAcks.push(sendAck);
            queueFlush();
          },
        }),
);

function queueFlush(): void {
  if (flushQueued) return;
  flushQueued = true;
  setImmediate(flush);
}

function flush(): void {
  flushQueued = false;
  if (batch.length === 0 && batchAcks.length === 0) return;
  const entries = batch;
  batch = [];
  if (batchAcks.length === 0) return port.postMessage({ type: 'events', entries } satisfies FromWorker);
  const id = nextBatch++;
  heldAcks.set(id, batchAcks);
  batchAcks = [];
  port.postMessage({ type: 'events', entries, batch: id } satisfies FromWorker);
}

/** Any other message goes after the events before it, so the main thread sees them in order. */
function send(message: FromWorker): void {
  flush();
  port.postMessage(message);
}

function connectionFor(id: number, handle: string): RoomConnection {
  let connection = connections.get(id);
  if (!connection) {
    connection = connector.open(handle, {
      event(event) {
        batch.push(id, event);
        queueFlush();
      },
      disconnected: () => send({ type: 'disconnected', id }),
      error(err) {
        const { info, exception } = (err ?? {}) as { info?: unknown; exception?: unknown };
        const message = [info, exception instanceof Error ? exception.message : exception].filter(Boolean).join(': ');
        send({ type: 'error', id, message: message || String(err) });
      },
    });
    connections.set(id, connection);
  }
  return connection;
}

/** Runs one request and answers it (the connect's result, or the library's error). */
function answer(req: number, work: Promise<RoomConnected | void>): void {
  work.then(
    (connected) => send({ type: 'answer', req, ...(connected && { connected }) }),
    (err) => send({ type: 'failed', req, error: serializeError(err) }),
  );
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'connect':
      return answer(message.req, connectionFor(message.id, message.handle).connect());
    case 'disconnect':
      return answer(message.req, connections.get(message.id)?.disconnect() ?? Promise.resolve());
    case 'close': {
      const connection = connections.get(message.id);
      connections.delete(message.id);
      return answer(message.req, connection?.close() ?? Promise.resolve());
    }
    case 'terminate':
      connections.get(message.id)?.terminate();
      return;
    case 'taken': {
      const acks = heldAcks.get(message.batch);
      heldAcks.delete(message.batch);
      acks?.forEach((sendAck) => sendAck());
      return;
    }
  }
});

send({ type: 'ready' });
