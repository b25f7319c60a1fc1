/**
 * Persistence of listener sessions: open/resume, the batched flush (session-flush.ts), and the end with its
 * exactly-once rollup. The gift ledger is the source of truth for diamonds, gifts and gifters: the running totals
 * the flush keeps can fall behind it only through a crash mid-flush, so a session is recomputed from its ledger
 * when it is resumed (takeover, restart, reconnect) and when it ends.
 */
import type { Connection, Types } from 'mongoose';
import type { FastifyBaseLogger } from 'fastify';
import type { GifterTotal } from '@shared/live';
import type { LiveSessionEvents } from './events';
import { createSessionEnder } from './session-end';
import { createSessionFlush } from './session-flush';
import { createSessionOpener } from './session-open';
import { liveGiftEventModel, liveGifterModel, sessionGiftersOf, type LiveGiftEventDoc } from './models';
import { liveSessionModel } from './session-model';
import type { LiveStreamPublisher } from './stream-log';
import type { SessionWriter } from './writer';

export interface SessionStoreOptions {
  instanceId: string;
  now: () => number;
  log: FastifyBaseLogger;
  publisher: LiveStreamPublisher;
  /** Session opened / ended announcements (alerts, webhooks hook in here). */
  events?: LiveSessionEvents;
  /** An imported session starting this close to a listener session is the same LIVE (imports use the same ±10 min). */
  reconcileToleranceMs?: number;
  /** Session documents written per flush at most (updates are expensive on FerretDB/SQLite). Default 32. */
  sessionWritesPerFlush?: number;
  /** A session document is written at most this often unless it is ending. Default 1000 ms. */
  sessionWriteMinIntervalMs?: number;
  /** The lease check before each flush writes anything (session-flush.ts); the manager passes its ownership's. */
  stillOwned?: (writers: SessionWriter[]) => Promise<boolean[]>;
}

export function createSessionStore(conn: Connection, options: SessionStoreOptions) {
  const sessions = liveSessionModel(conn);
  const ledger = liveGiftEventModel(conn);
  const gifters = liveGifterModel(conn);
  const flush = createSessionFlush(conn, {
    instanceId: options.instanceId,
    now: options.now,
    log: options.log,
    sessionWritesPerFlush: options.sessionWritesPerFlush ?? 32,
    sessionWriteMinIntervalMs: options.sessionWriteMinIntervalMs ?? 1_000,
    stillOwned: options.stillOwned,
    reopen: (tenantId, sessionId) => ender.reopen(tenantId, sessionId),
    settleLate: (tenantId, sessionId) => ender.settleLate(tenantId, sessionId),
  });

  /** Recomputes diamonds, gifts and gifters of a session from its ledger and writes them where they differ. */
  async function reconcileFromLedger(tenantId: Types.ObjectId, sessionId: Types.ObjectId): Promise<{ diamonds: number; gifts: number; gifters: number }> {
    // Summed here rather than with $group: FerretDB (1.24) computes only the first accumulator of a $group.
    type Row = Pick<LiveGiftEventDoc, 'userId' | 'handle' | 'nickname' | 'diamonds' | 'gifts' | 'creatorId'>;
    const byUser = new Map<string, { userId: string; handle: string; nickname: string; diamonds: number; gifts: number }>();
    let creatorId: Types.ObjectId | null = null;
    const cursor = ledger.find({ tenantId, sessionId }, { userId: 1, handle: 1, nickname: 1, diamonds: 1, gifts: 1, creatorId: 1 }).lean<Row[]>().cursor();
    for await (const g of cursor as AsyncIterable<Row>) {
      creatorId = g.creatorId;
      const entry = byUser.get(g.userId) ?? { userId: g.userId, handle: '', nickname: '', diamonds: 0, gifts: 0 };
      entry.diamonds += g.diamonds ?? 0;
      entry.gifts += g.gifts ?? 0;
      if (g.handle) entry.handle = g.handle;
      if (g.nickname) entry.nickname = g.nickname;
      byUser.set(g.userId, entry);
    }
    const perGifter = [...byUser.values()];
    // Session gifters are kept from the ledger (not per flush: updates are the expensive writes on FerretDB).
    const stored = await sessionGiftersOf(conn, tenantId, sessionId);
    const storedById = new Map(stored.map((g) => [g.userId, g]));
    const fixes = perGifter
      .filter((g) => storedById.get(g.userId)?.diamonds !== g.diamonds || storedById.get(g.userId)?.gifts !== g.gifts)
      .map((g) => ({
        updateOne: {
          filter: { _id: `${sessionId}:${g.userId}`, tenantId },
          update: { $set: { diamonds: g.diamonds, gifts: g.gifts, handle: g.handle, nickname: g.nickname }, $setOnInsert: { creatorId, sessionId, userId: g.userId } },
          upsert: true,
        },
      }));
    if (fixes.length) await gifters.bulkWrite(fixes as never, { ordered: false });
    const totals = {
      diamonds: perGifter.reduce((sum, g) => sum + g.diamonds, 0),
      gifts: perGifter.reduce((sum, g) => sum + g.gifts, 0),
      gifters: perGifter.filter((g) => g.gifts > 0).length,
    };
    await sessions.updateOne({ _id: sessionId, tenantId }, { $set: totals });
    return totals;
  }

  async function loadGifters(tenantId: Types.ObjectId, sessionId: Types.ObjectId): Promise<GifterTotal[]> {
    const docs = await sessionGiftersOf(conn, tenantId, sessionId);
    return docs.map((g) => ({ userId: g.userId, handle: g.handle ?? '', nickname: g.nickname ?? '', diamonds: g.diamonds ?? 0, gifts: g.gifts ?? 0 }));
  }

  const ender = createSessionEnder(conn, {
    instanceId: options.instanceId,
    now: options.now,
    log: options.log,
    publisher: options.publisher,
    events: options.events,
    reconcileToleranceMs: options.reconcileToleranceMs,
    reconcileFromLedger,
  });
  const opener = createSessionOpener(conn, { instanceId: options.instanceId, log: options.log, events: options.events, ender, reconcileFromLedger, loadGifters });

  return {
    reconcileFromLedger,
    /** Finds or creates the room's session and takes it over; older live sessions of the creator end (session-open.ts). */
    openSession: opener.openSession,
    /** Acknowledges new gifts and members, and writes the running totals of the sessions due (session-flush.ts). */
    flush,
    /** Ends a session (idempotent) and rolls it up exactly once (session-end.ts). */
    endSession: ender.endSession.bind(ender),
    endUnobserved: ender.endUnobserved.bind(ender),
    reopen: ender.reopen,
    settleLate: ender.settleLate,
    deleteSession: ender.deleteSession,
    rollUp: ender.rollUp,
    rollUpPending: ender.rollUpPending,
    liveSessionsOf: opener.liveSessionsOf,
    endOlderSessions: opener.endOlderSessions,
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;

export { averageViewersOf, describeSession } from './session-end';
