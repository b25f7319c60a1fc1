/**
 * One listener: the real tiktok-live-connector connection to one creator's room, feeding a session writer.
 *
 * - `start()` connects (room info says offline → UserOfflineError, which the scheduler treats as a normal
 *   answer), then opens or resumes the room's session (`listener:<roomId>`).
 * - A bare `disconnected` is not an end (TikTok drops sockets mid-stream): open streaks are settled with their
 *   highest count and the listener reconnects with exponential backoff and jitter, continuing the same session.
 *   Reconnecting finds the creator's current room: the same room continues the session; another room means the
 *   old stream ended while we were away (it is closed and a new session opens); offline closes the session.
 * - `streamEnd` closes the session. A watchdog reconnects when no event arrived for `watchdogMs`.
 */
import { SignatureRateLimitError, UserOfflineError } from 'tiktok-live-connector';
import type { FastifyBaseLogger } from 'fastify';
import type { Types } from 'mongoose';
import type { LiveEvent } from '@shared/live';
import type { Aggregator } from './aggregator';
import type { Lease } from '../../coordination/index';
import type { RoomConnection, RoomConnector } from './decode-pool/room-connector';
import type { SessionStore } from './session-store';
import type { SignGate } from './sign-gate';
import { createWriter, type SessionWriter } from './writer';

export interface ListenerTarget {
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
  handle: string;
}

export interface ListenerDeps {
  /** Opens the room's library connection: in this thread, or on a decode worker (decode-pool/). */
  connector: RoomConnector;
  aggregator: Aggregator;
  store: SessionStore;
  /** The creator's lease this listener holds (taken before it was created): the session's fence. */
  lease: Lease;
  now: () => number;
  random: () => number;
  log: FastifyBaseLogger;
  watchdogMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** The instance's sign gate: a reconnect waits while it is closed, and a 429 closes it for every check. */
  signGate?: SignGate;
  /** The listener is done (session ended, or stopped): the manager forgets it and releases its lease. */
  onDone: (listener: Listener, reason: string) => void;
}

export type ListenerState = 'connecting' | 'live' | 'reconnecting' | 'ending' | 'stopped';

export interface Listener {
  target: ListenerTarget;
  state(): ListenerState;
  sessionId(): Types.ObjectId | null;
  roomId(): string | null;
  /** Connects and opens the session. Resolves 'live', or 'ended' when the room's session had already ended. Throws what the library throws (offline, sign errors). */
  start(): Promise<'live' | 'ended'>;
  /** Stops listening. `end: true` also ends the session now (tracking turned off); otherwise it stays open for whoever listens next. */
  stop(options: { end: boolean; reason: string; flush?: boolean }): Promise<void>;
  /**
   * Rebalancing hands the room over (make before break): the caller gives the lease up, and this listener keeps
   * listening, its writer no longer bound by the lease (writer.ts `handOver`), until the caller stops it once the
   * successor has opened the session.
   */
  handOver(): void;
  /** Simulated crash (tests): sockets dropped, nothing flushed, nothing released. */
  crash(): void;
  /** Connections made (first connect and reconnects). */
  connects(): number;
}

export function createListener(target: ListenerTarget, deps: ListenerDeps): Listener {
  let state: ListenerState = 'connecting';
  let connection: RoomConnection | null = null;
  let roomCreateTime: number | null = null;
  let writer: SessionWriter | null = null;
  let buffered: LiveEvent[] = [];
  let lastActivityAt = deps.now();
  let watchdog: NodeJS.Timeout | null = null;
  let reconnectTimer: NodeJS.Timeout | null = null;
  let reconnectAttempt = 0;
  let connectCount = 0;
  let handingOver = false;
  const log = deps.log.child({ creatorId: String(target.creatorId), handle: target.handle });

  const self: Listener = {
    target,
    state: () => state,
    sessionId: () => writer?.sessionId ?? null,
    roomId: () => writer?.roomId ?? null,
    connects: () => connectCount,
    start,
    stop,
    handOver() {
      handingOver = true;
      writer?.handOver();
    },
    crash,
  };

  function newConnection(): RoomConnection {
    const conn: RoomConnection = deps.connector.open(target.handle, {
      event: (event) => onEvent(conn, event),
      disconnected: () => onDisconnected(conn),
      error: (err) => log.debug({ err }, 'live: library error'),
    });
    return conn;
  }

  /** When the room went live: room info's `create_time` (seconds) when plausible, else now (we joined late or it is missing). */
  function roomStartedAt(): number {
    const now = deps.now();
    const createTime = Number(roomCreateTime);
    return Number.isFinite(createTime) && createTime > 0 && createTime * 1000 <= now ? createTime * 1000 : now;
  }

  async function openSessionFor(roomId: string): Promise<boolean> {
    const resume = await deps.store.openSession({ tenantId: target.tenantId, creatorId: target.creatorId, roomId, startedAt: roomStartedAt(), lease: deps.lease });
    if (!resume) return false;
    writer = createWriter(resume);
    if (handingOver) writer.handOver();
    deps.aggregator.add(writer);
    const early = buffered;
    buffered = [];
    for (const event of early) apply(event);
    return true;
  }

  async function start(): Promise<'live' | 'ended'> {
    connection = newConnection();
    connectCount++;
    const connected = await connection.connect();
    roomCreateTime = connected.createTime;
    if (state === 'stopped') {
      await connection.close().catch(() => undefined);
      return 'ended';
    }
    if (!(await openSessionFor(connected.roomId))) {
      state = 'stopped';
      await connection.close().catch(() => undefined);
      return 'ended';
    }
    state = 'live';
    lastActivityAt = deps.now();
    startWatchdog();
    return 'live';
  }

  function apply(event: LiveEvent): void {
    if (!writer) {
      buffered.push(event);
      return;
    }
    writer.apply(event);
    // A suspended stream (TikTok's moderation) is kept apart: an account-health event (session-end.ts).
    if (event.kind === 'end') void finish(event.at, event.suspended ? 'suspended' : 'stream_end');
  }

  function onEvent(from: RoomConnection, event: LiveEvent | null): void {
    if (from !== connection || state === 'stopped' || state === 'ending') return;
    const now = deps.now();
    lastActivityAt = now;
    if (!event) return;
    // The listener's clock, not the decoding thread's (streak timeouts and viewer time compare with deps.now).
    event.at = now;
    apply(event);
  }

  function onDisconnected(from: RoomConnection): void {
    if (from !== connection || state !== 'live') return;
    state = 'reconnecting';
    if (writer) void deps.aggregator.disconnected(writer);
    scheduleReconnect();
  }

  function scheduleReconnect(delayMs?: number): void {
    if (state !== 'reconnecting') return;
    const backoff = Math.min(deps.reconnectMaxMs, deps.reconnectMinMs * 2 ** reconnectAttempt);
    const delay = delayMs ?? backoff * (0.75 + deps.random() * 0.5);
    reconnectAttempt++;
    reconnectTimer = setTimeout(() => void reconnect(), delay);
  }

  async function reconnect(): Promise<void> {
    reconnectTimer = null;
    if (state !== 'reconnecting' || !writer) return;
    // Another check or reconnect got a 429: no sign request before the time the server gave.
    const gateWait = deps.signGate?.waitMs() ?? 0;
    if (gateWait > 0) return scheduleReconnect(gateWait * (1 + deps.random() * 0.1));
    try {
      connectCount++;
      const connected = await connection!.connect();
      roomCreateTime = connected.createTime;
      if (state !== 'reconnecting') {
        await connection!.close().catch(() => undefined);
        return;
      }
      reconnectAttempt = 0;
      lastActivityAt = deps.now();
      if (connected.roomId !== writer.roomId) {
        // The stream we followed ended while we were away and the creator is live again in a new room.
        log.info({ from: writer.roomId, to: connected.roomId }, 'live: creator is in a new room; closing the previous session');
        const previous = writer;
        writer = null;
        await deps.aggregator.end(previous, previous.tally.lastEventAt, 'room_changed');
        if (!(await openSessionFor(connected.roomId))) return void finish(deps.now(), 'ended');
      }
      state = 'live';
    } catch (err) {
      if (state !== 'reconnecting') return;
      if (err instanceof UserOfflineError) {
        // Offline now: the stream ended while we were disconnected. It ended after the last event we saw.
        return void finish(writer?.tally.lastEventAt ?? deps.now(), 'offline');
      }
      if (err instanceof SignatureRateLimitError) {
        const waitMs = deps.signGate?.rateLimited(err, deps.reconnectMinMs) ?? err.retryAfter;
        log.warn({ retryAfterMs: err.retryAfter, resetTime: err.resetTime }, 'live: sign server rate limit while reconnecting');
        return scheduleReconnect(Math.max(waitMs, deps.reconnectMinMs) * (1 + deps.random() * 0.2));
      }
      log.warn({ err: (err as Error)?.message }, 'live: reconnect failed; retrying');
      scheduleReconnect();
    }
  }

  function startWatchdog(): void {
    const every = Math.max(250, Math.min(5_000, Math.floor(deps.watchdogMs / 4)));
    watchdog = setInterval(() => {
      if (state !== 'live' || deps.now() - lastActivityAt < deps.watchdogMs) return;
      log.info({ silentMs: deps.now() - lastActivityAt }, 'live: no event for too long; reconnecting');
      lastActivityAt = deps.now();
      // Closing the socket emits `disconnected`, which settles open streaks and reconnects.
      void connection?.disconnect().catch(() => undefined);
    }, every);
  }

  function clearTimers(): void {
    if (watchdog) clearInterval(watchdog);
    if (reconnectTimer) clearTimeout(reconnectTimer);
    watchdog = reconnectTimer = null;
  }

  async function finish(at: number, reason: string): Promise<void> {
    if (state === 'ending' || state === 'stopped') return;
    state = 'ending';
    clearTimers();
    const current = writer;
    try {
      if (current) await deps.aggregator.end(current, at, reason);
    } catch (err) {
      log.error({ err }, 'live: ending the session failed; the rollup sweep will finish it');
    }
    state = 'stopped';
    await connection?.close().catch(() => undefined);
    deps.onDone(self, reason);
  }

  async function stop(options: { end: boolean; reason: string; flush?: boolean }): Promise<void> {
    if (state === 'stopped') return;
    if (options.end && writer) return finish(deps.now(), options.reason);
    state = 'stopped';
    clearTimers();
    if (writer) await deps.aggregator.detach(writer, options.flush !== false);
    await connection?.close().catch(() => undefined);
    deps.onDone(self, options.reason);
  }

  function crash(): void {
    state = 'stopped';
    clearTimers();
    if (writer) void deps.aggregator.detach(writer, false);
    connection?.terminate();
    void connection?.close();
  }

  return self;
}
