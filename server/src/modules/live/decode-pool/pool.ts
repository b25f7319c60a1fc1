/**
 * Listeners on every core: a pool of worker threads (LIVE_DECODE_WORKERS, default one per core) that run the real
 * tiktok-live-connector connections, so the library's per-event work (WebSocket frames, gunzip, protobuf decode,
 * `toLiveEvent`) spreads over the cores, while the tallies, leases and persistence stay with their one owner in
 * the main thread. Same `RoomConnector` interface as the in-thread connector: listeners do not know which runs.
 *
 * - Rooms are sharded whole: a connection is placed on the least-loaded worker when it connects and stays there.
 * - Runtime objects do not cross threads: each worker gets the plain `LiveConnectionSettings` and builds its own
 *   sign client, proxy agent and TLS context (connector.ts). The sign gate stays in the main thread: listeners
 *   consult it before they ask a worker to connect, and a 429 comes back as the library's own
 *   `SignatureRateLimitError` (protocol.ts rebuilds the library's error classes), so the gate closes as before.
 * - A worker that dies (crash, `terminateWorker`): every connection it ran reports `disconnected` (a connect in
 *   flight fails), exactly as when TikTok drops a socket: the listener settles its open streaks at their highest
 *   count and reconnects, which places the room on a live worker; the tally rules (shared/live) dedupe by message
 *   id and settled streak count, so nothing is counted twice. The worker is replaced (after a pause when it dies
 *   young, so a worker that cannot start does not spin).
 * - Workers start as plain JavaScript: when this module runs as TypeScript (tsx, vitest), the worker's own
 *   files are bundled once with esbuild (packages stay external) into node_modules/.cache/liveroster/; a worker
 *   that loaded TypeScript through tsx's loader needed twice the time to start (its loader thread and
 *   transforms), and a pool starts one per core. Compiled, the `worker.js` beside this file is used.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import type { FastifyBaseLogger } from 'fastify';
import type { TikTokLiveConstructorConnectionOptions } from 'tiktok-live-connector';
import type { LiveEvent } from '@shared/live';
import type { LiveConnectionSettings } from '../connector';
import { deserializeError, type DecodeWorkerInit, type FromWorker, type ToWorker } from './protocol';
import { ConnectionClosedError, createInThreadConnector, type RoomConnected, type RoomConnection, type RoomConnectionHandlers, type RoomConnector } from './room-connector';

export interface ConnectorPoolOptions {
  /** Worker threads (≥ 1). */
  size: number;
  settings: LiveConnectionSettings;
  connectionOptions?: TikTokLiveConstructorConnectionOptions;
  log: FastifyBaseLogger;
  /** A worker that dies within this long of its start is replaced only after it (default 1 s). */
  respawnDelayMs?: number;
  /** Benchmarks' comparison only: the library's own push-frame path in the workers (acks before events). */
  libraryPushFrames?: boolean;
}

export interface ConnectorPool extends RoomConnector {
  /** Resolves when every worker has loaded (connects wait for their worker anyway). */
  ready(): Promise<void>;
  /** Kills one worker as a crash would (its rooms reconnect on the others). Operators' and tests' lever. */
  terminateWorker(index: number): Promise<void>;
  /** The worker a room's connection is placed on (null: not connected, or its worker died). */
  workerOf(handle: string): number | null;
  /** Each worker's event-loop utilisation since it started (diff two readings for a window; benchmarks). */
  eventLoopUtilization(): EventLoopUtilization[];
}

/** The worker died with this connect in flight: a network-like failure the caller retries. */
export class DecodeWorkerExitedError extends Error {
  constructor(index: number, cause: string) {
    super(`LIVE decode worker ${index} exited (${cause})`);
    this.name = 'DecodeWorkerExitedError';
  }
}

interface Pending {
  resolve(value: RoomConnected | undefined): void;
  reject(err: Error): void;
}

interface Slot {
  index: number;
  worker: Worker;
  alive: boolean;
  ready: Promise<void>;
  startedAt: number;
  rooms: Set<PooledConnection>;
  pending: Map<number, Pending>;
  /** Fails `ready` when the worker dies before it loaded. */
  failReady(err: Error): void;
}

interface PooledConnection {
  id: number;
  handle: string;
  handlers: RoomConnectionHandlers;
  slot: Slot | null;
  /** A socket is (or may be) open on the worker: its death is a disconnect. */
  connected: boolean;
  closed: boolean;
}

let workerScript: URL | null = null;

/**
 * The worker's entry as JavaScript: the compiled `worker.js` beside this file, or (running as TypeScript) a
 * bundle of worker.ts and the project files it imports, named by its content so processes share it and a
 * change makes a new one.
 */
function workerEntry(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./worker.js', import.meta.url);
  if (workerScript) return workerScript;
  const root = fileURLToPath(new URL('../../../../../', import.meta.url));
  const built = buildSync({
    absWorkingDir: root,
    entryPoints: [fileURLToPath(new URL('./worker.ts', import.meta.url))],
    tsconfig: join(root, 'tsconfig.json'),
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  const code = built.outputFiles[0].text;
  // Under node_modules, so the external packages resolve from it as from the project.
  const dir = join(root, 'node_modules', '.cache', 'liveroster');
  const file = join(dir, `live-decode-worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, code);
    renameSync(temporary, file);
  }
  return (workerScript = pathToFileURL(file));
}

function spawnWorker(init: DecodeWorkerInit): Worker {
  return new Worker(workerEntry(), { workerData: init, name: 'live-decode' });
}

export function createConnectorPool(options: ConnectorPoolOptions): ConnectorPool {
  if (!(options.size >= 1)) throw new Error('createConnectorPool: size must be at least 1 (0 means the in-thread connector)');
  const init: DecodeWorkerInit = { settings: options.settings, connectionOptions: options.connectionOptions, libraryPushFrames: options.libraryPushFrames };
  // Fails here, with the reason, when the options carry something a thread cannot receive (agents, functions).
  structuredClone(init);
  const log = options.log.child({ component: 'live-decode-pool' });
  const respawnDelayMs = options.respawnDelayMs ?? 1_000;
  // The is-live check is plain HTTP (no decode, within the check budget): it stays in this thread.
  const probe = createInThreadConnector(options.settings, options.connectionOptions);
  const connections = new Map<number, PooledConnection>();
  let nextId = 1;
  let nextReq = 1;
  let restarts = 0;
  let stopped = false;
  const respawnTimers = new Set<NodeJS.Timeout>();
  const slots: Slot[] = [];
  for (let index = 0; index < options.size; index++) slots.push(startSlot(index));

  function startSlot(index: number): Slot {
    const worker = spawnWorker(init);
    let markReady!: () => void;
    let failReady!: (err: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    ready.catch(() => undefined); // Nobody may be waiting; those who are get the error.
    const slot: Slot = { index, worker, alive: true, ready, startedAt: Date.now(), rooms: new Set(), pending: new Map(), failReady };
    worker.on('message', (message: FromWorker) => onMessage(slot, message, markReady));
    worker.on('error', (err) => log.error({ err, worker: index }, 'live: decode worker failed'));
    worker.on('exit', (code) => onExit(slot, code));
    return slot;
  }

  function onMessage(slot: Slot, message: FromWorker, markReady: () => void): void {
    switch (message.type) {
      case 'events': {
        const { entries } = message;
        for (let i = 0; i < entries.length; i += 2) {
          const connection = connections.get(entries[i] as number);
          if (connection && connection.slot === slot) connection.handlers.event(entries[i + 1] as LiveEvent | null);
        }
        // The listeners have them (tallied synchronously): the worker may now ack the frames they came in.
        if (message.batch !== undefined) slot.worker.postMessage({ type: 'taken', batch: message.batch } satisfies ToWorker);
        return;
      }
      case 'answer':
      case 'failed': {
        const pending = slot.pending.get(message.req);
        slot.pending.delete(message.req);
        if (message.type === 'answer') pending?.resolve(message.connected);
        else pending?.reject(deserializeError(message.error));
        return;
      }
      case 'disconnected': {
        const connection = connections.get(message.id);
        if (!connection || connection.slot !== slot) return;
        connection.connected = false;
        connection.handlers.disconnected();
        return;
      }
      case 'error':
        connections.get(message.id)?.handlers.error(new Error(message.message));
        return;
      case 'ready':
        markReady();
        log.debug({ worker: slot.index }, 'live: decode worker ready');
        return;
    }
  }

  function onExit(slot: Slot, code: number): void {
    slot.alive = false;
    const cause = stopped ? 'pool stopped' : `exit code ${code}`;
    slot.failReady(new DecodeWorkerExitedError(slot.index, cause));
    for (const pending of slot.pending.values()) pending.reject(new DecodeWorkerExitedError(slot.index, cause));
    slot.pending.clear();
    const orphans = [...slot.rooms];
    slot.rooms.clear();
    if (stopped) return;
    log.error({ worker: slot.index, code, rooms: orphans.length }, 'live: a decode worker exited; its rooms reconnect on the others');
    // Replaced before the orphans reconnect, so they can land on it too (least-loaded).
    const young = Date.now() - slot.startedAt < respawnDelayMs;
    const replace = () => {
      if (stopped) return;
      restarts++;
      slots[slot.index] = startSlot(slot.index);
    };
    if (young) {
      const timer = setTimeout(() => {
        respawnTimers.delete(timer);
        replace();
      }, respawnDelayMs);
      respawnTimers.add(timer);
    } else replace();
    for (const connection of orphans) {
      connection.slot = null;
      if (!connection.connected) continue;
      connection.connected = false;
      connection.handlers.disconnected();
    }
  }

  /** The live worker with the fewest rooms (ties: the lowest index); a dead one only when none is alive. */
  function leastLoaded(): Slot {
    let best: Slot | null = null;
    for (const slot of slots) {
      if (best === null || (slot.alive && !best.alive) || (slot.alive === best.alive && slot.rooms.size < best.rooms.size)) best = slot;
    }
    return best!;
  }

  function request(slot: Slot, message: ToWorker & { req: number }): Promise<RoomConnected | undefined> {
    if (!slot.alive) return Promise.reject(new DecodeWorkerExitedError(slot.index, 'not running'));
    return new Promise((resolve, reject) => {
      slot.pending.set(message.req, { resolve, reject });
      slot.worker.postMessage(message);
    });
  }

  function open(handle: string, handlers: RoomConnectionHandlers): RoomConnection {
    const connection: PooledConnection = { id: nextId++, handle, handlers, slot: null, connected: false, closed: false };
    connections.set(connection.id, connection);
    return {
      async connect() {
        if (connection.closed || stopped) throw new ConnectionClosedError();
        if (!connection.slot?.alive) {
          // Placed (or placed again, after its worker died) on the least-loaded worker.
          connection.slot = leastLoaded();
          connection.slot.rooms.add(connection);
        }
        const slot = connection.slot;
        await slot.ready;
        // Closed while its worker was starting: the close went to a worker that knew nothing of it, so a connect
        // sent now would open a socket nobody owns.
        if (connection.closed || stopped) throw new ConnectionClosedError();
        connection.connected = true;
        try {
          return (await request(slot, { type: 'connect', req: nextReq++, id: connection.id, handle }))!;
        } catch (err) {
          if (connection.slot === slot) connection.connected = false;
          throw err;
        }
      },
      async disconnect() {
        const slot = connection.slot;
        if (!slot?.alive) return;
        await request(slot, { type: 'disconnect', req: nextReq++, id: connection.id }).catch(() => undefined);
      },
      async close() {
        if (connection.closed) return;
        connection.closed = true;
        connections.delete(connection.id);
        const slot = connection.slot;
        connection.slot = null;
        if (!slot) return;
        slot.rooms.delete(connection);
        if (slot.alive) await request(slot, { type: 'close', req: nextReq++, id: connection.id }).catch(() => undefined);
      },
      terminate() {
        const slot = connection.slot;
        if (slot?.alive) slot.worker.postMessage({ type: 'terminate', id: connection.id } satisfies ToWorker);
      },
    };
  }

  return {
    open,
    isLive: (handle) => probe.isLive(handle),
    ready: () => Promise.all(slots.map((s) => s.ready)).then(() => undefined),
    status: () => ({ workers: slots.length, roomsPerWorker: slots.map((s) => s.rooms.size), workerRestarts: restarts }),
    eventLoopUtilization: () => slots.map((s) => s.worker.performance.eventLoopUtilization()),
    workerOf(handle) {
      for (const connection of connections.values()) if (connection.handle === handle && connection.slot?.alive) return connection.slot.index;
      return null;
    },
    async terminateWorker(index) {
      const slot = slots[index];
      if (!slot?.alive) return;
      await slot.worker.terminate();
    },
    async stop() {
      stopped = true;
      respawnTimers.forEach(clearTimeout);
      respawnTimers.clear();
      // Each worker closes its sockets as its thread ends; what listeners had not closed yet goes with it.
      await Promise.all(slots.map((s) => s.worker.terminate()));
      connections.clear();
    },
  };
}
