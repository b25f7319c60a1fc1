/**
 * Is the database there? While it is gone (FerretDB killed and restarted, a MongoDB failover) the API answers
 * 503 `DATABASE_UNAVAILABLE` at once instead of hanging in the driver's server selection, `/readyz` says not
 * ready, and nothing needs a restart: the driver reconnects by itself and the state follows.
 *
 * The state comes from the driver's own server monitoring (heartbeats every couple of seconds): a heartbeat
 * that fails marks the database down, one that succeeds marks it up. An operation failing with a connection
 * error marks it down too (sooner than the next heartbeat).
 */
import type { Connection } from 'mongoose';

const UNAVAILABLE_ERROR_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'PoolClearedError',
  'PoolClearedOnNetworkError',
  'MongoServerClosedError',
]);

/** True for errors that mean "the database is not reachable" rather than "this operation is wrong". */
export function isDatabaseUnavailableError(err: unknown): boolean {
  for (let e = err as { name?: string; message?: string; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.name && UNAVAILABLE_ERROR_NAMES.has(e.name)) return true;
    // mongoose gives up on commands it buffered while disconnected.
    if (e.name === 'MongooseError' && /buffering timed out|Connection was force closed|client was closed/i.test(e.message ?? '')) return true;
    if (e.name === 'MongooseServerSelectionError') return true;
  }
  return false;
}

export interface DatabaseAvailability {
  /** False from the first failed heartbeat or connection error until a heartbeat succeeds again. */
  up(): boolean;
  /** Marks the database down after an operation failed with a connection error. */
  failed(err: unknown): void;
  /** Since when it is down (ms epoch), or null. */
  downSince(): number | null;
  /** When it was last seen down (ms epoch; 0 = never since the start): judgements that need a quiet database wait after it. */
  lastDownAt(): number;
}

export function trackAvailability(conn: Connection): DatabaseAvailability {
  let downSince: number | null = null;
  let lastDownAt = 0;
  const markDown = () => {
    downSince ??= Date.now();
    lastDownAt = Date.now();
  };
  const markUp = () => {
    if (downSince !== null) lastDownAt = Date.now();
    downSince = null;
  };
  const client = conn.getClient();
  client.on('serverHeartbeatFailed', markDown);
  client.on('serverHeartbeatSucceeded', markUp);
  conn.on('disconnected', markDown);
  conn.on('reconnected', markUp);
  return {
    up: () => downSince === null,
    failed(err) {
      if (isDatabaseUnavailableError(err)) markDown();
    },
    downSince: () => downSince,
    lastDownAt: () => (downSince !== null ? Date.now() : lastDownAt),
  };
}
