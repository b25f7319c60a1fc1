/**
 * The seam between a listener and the real tiktok-live-connector: a `RoomConnector` opens `RoomConnection`s that
 * hand the listener already-normalised `LiveEvent`s. Two implementations, one interface, and the listener never
 * knows which one runs:
 * - in this thread (`createInThreadConnector`, LIVE_DECODE_WORKERS=0): the library's connection in the caller's
 *   event loop, as before;
 * - on a pool of worker threads (`createConnectorPool`, pool.ts): each worker runs this same in-thread connector
 *   for the rooms assigned to it, so the library's HTTP, WebSocket, gunzip and protobuf decode (the bulk of the
 *   work per event) run on every core, and only compact events reach the thread that keeps the tallies.
 */
import type { TikTokLiveConnection, TikTokLiveConstructorConnectionOptions } from 'tiktok-live-connector';
import { LIVE_EVENT_NAMES, toLiveEvent, type LiveEvent } from '@shared/live';
import { createLiveConnection, type LiveConnectionSettings } from '../connector';

/** What a connect found: the room, and when it went live by TikTok's room info (seconds), when it said. */
export interface RoomConnected {
  roomId: string;
  createTime: number | null;
}

export interface RoomConnectionHandlers {
  /**
   * One message of a kind the tallies read (`LIVE_EVENT_NAMES`): its `LiveEvent`, or null when the tallies ignore
   * it (a member message that is not a join): still a sign of life for the watchdog. `event.at` is the time the
   * library emitted it in the thread that decoded it; the listener stamps its own clock on it.
   */
  event(event: LiveEvent | null): void;
  /** The socket closed (TikTok dropped it, `disconnect()`, or the worker running it died). */
  disconnected(): void;
  /** The library reported a decode or socket problem (it goes on). */
  error(err: unknown): void;
}

export interface RoomConnection {
  /** Connects (room info, sign server, WebSocket). Throws what the library throws (offline, sign errors…). */
  connect(): Promise<RoomConnected>;
  /** Closes the socket but keeps the connection: `connect()` may be called again (watchdog, reconnects). */
  disconnect(): Promise<void>;
  /** Closes the socket for good and frees its place (the listener is done with the room). */
  close(): Promise<void>;
  /** Drops the socket at once, without a close handshake (a simulated crash). */
  terminate(): void;
}

export interface RoomConnectorStatus {
  /** Worker threads running the connections (0: they run in the main thread). */
  workers: number;
  /** Rooms assigned to each worker. */
  roomsPerWorker: number[];
  /** Workers that died and were replaced since the start. */
  workerRestarts: number;
}

export interface RoomConnector {
  open(handle: string, handlers: RoomConnectionHandlers): RoomConnection;
  /** The library's is-live check (the creator's LIVE page, then the room API; no signature). */
  isLive(handle: string): Promise<boolean>;
  status(): RoomConnectorStatus;
  /** Ends every connection still open and the workers (if any). */
  stop(): Promise<void>;
}

/** connect() on a connection that was closed (before or while it connected): nothing is left open. */
export class ConnectionClosedError extends Error {
  constructor() {
    super('this LIVE connection was closed');
    this.name = 'ConnectionClosedError';
  }
}

/** The room's `create_time` (seconds) from the room info the library fetched on connect, when numeric. */
function createTimeOf(connection: TikTokLiveConnection): number | null {
  const createTime = Number((connection.roomInfo as { data?: { create_time?: unknown } } | null)?.data?.create_time);
  return Number.isFinite(createTime) && createTime > 0 ? createTime : null;
}

/**
 * The library's connections, in the calling thread. `prepare` runs on each new library connection before any
 * listener is attached (decode workers install their own push-frame handling with it: push-frames.ts).
 */
export function createInThreadConnector(
  settings: LiveConnectionSettings,
  connectionOptions?: TikTokLiveConstructorConnectionOptions,
  prepare?: (connection: TikTokLiveConnection) => void,
): RoomConnector {
  const open = new Set<TikTokLiveConnection>();
  return {
    open(handle, handlers) {
      const connection = createLiveConnection(handle, settings, connectionOptions);
      prepare?.(connection);
      open.add(connection);
      const emitter = connection as unknown as { on(event: string, handler: (data: unknown) => void): void };
      for (const name of LIVE_EVENT_NAMES) emitter.on(name, (data) => handlers.event(toLiveEvent(name, data, Date.now())));
      emitter.on('disconnected', () => handlers.disconnected());
      // The library emits 'error' for decode and socket problems; without a handler EventEmitter would throw.
      emitter.on('error', (err) => handlers.error(err));
      let closed = false;
      return {
        async connect() {
          if (closed) throw new ConnectionClosedError();
          const state = await connection.connect();
          if (closed) {
            // close() came while this connect was in flight: its disconnect found no socket yet, so the socket
            // this connect opened would stay open with nobody owning it. It goes now.
            await connection.disconnect().catch(() => undefined);
            throw new ConnectionClosedError();
          }
          return { roomId: state.roomId, createTime: createTimeOf(connection) };
        },
        disconnect: () => connection.disconnect().catch(() => undefined),
        async close() {
          closed = true;
          open.delete(connection);
          await connection.disconnect().catch(() => undefined);
        },
        terminate() {
          (connection.wsClient as { terminate?: () => void } | null | undefined)?.terminate?.();
        },
      };
    },
    isLive: (handle) => createLiveConnection(handle, settings, connectionOptions).fetchIsLive(),
    status: () => ({ workers: 0, roomsPerWorker: [], workerRestarts: 0 }),
    async stop() {
      await Promise.all([...open].map((c) => c.disconnect().catch(() => undefined)));
      open.clear();
    },
  };
}
