/**
 * Persistence of listener sessions: open/resume, the batched flush (session-flush.ts), and the end with its
 * exactly-once rollup. The gift ledger is the source of truth for diamonds, gifts and gifters: the running totals
 * the flush keeps can fall behind it only through a crash mid-flush, so a session is recomputed from its ledger
 * when it is resumed (takeover, restart, reconnect) and when it ends.
 */
import { Types, type Connection } from 'mongoose';
import type { FastifyBaseLogger } from 'fastify';
import type { GifterTotal } from '@shared/live';
import { addSystemActivity } from '../activities/service';
import { creatorModel } from '../creators/model';
import { isDuplicateKeyError } from './leases';
import { createSessionFlush } from './session-flush';
import { liveCreatorGifterModel, liveGiftEventModel, liveGifterModel, type GifterDoc, type LiveGiftEventDoc } from './models';
import { liveSessionModel, listenerSessionKey, type LiveSessionDoc } from './session-model';
import type { LiveStreamPublisher } from './stream-log';
import type { ResumeState, SessionWriter } from './writer';

export interface SessionStoreOptions {
  instanceId: string;
  now: () => number;
  log: FastifyBaseLogger;
  publisher: LiveStreamPublisher;
  /** An imported session starting this close to a listener session is the same LIVE (imports use the same ±10 min). */
  reconcileToleranceMs?: number;
  /** Session documents written per flush at most (updates are expensive on FerretDB/SQLite). Default 32. */
  sessionWritesPerFlush?: number;
  /** A session document is written at most this often unless it is ending. Default 1000 ms. */
  sessionWriteMinIntervalMs?: number;
  /** Fencing-token check against the ownership leases before each flush writes anything (session-flush.ts). */
  stillOwned?: (writers: SessionWriter[]) => Promise<boolean[]>;
}

export function createSessionStore(conn: Connection, options: SessionStoreOptions) {
  const sessions = liveSessionModel(conn);
  const ledger = liveGiftEventModel(conn);
  const gifters = liveGifterModel(conn);
  const creatorGifters = liveCreatorGifterModel(conn);
  const creators = creatorModel(conn);
  const flush = createSessionFlush(conn, {
    instanceId: options.instanceId,
    now: options.now,
    log: options.log,
    sessionWritesPerFlush: options.sessionWritesPerFlush ?? 32,
    sessionWriteMinIntervalMs: options.sessionWriteMinIntervalMs ?? 1_000,
    stillOwned: options.stillOwned,
  });

  /**
   * The listener-side half of reconciliation with CSV imports (the import side is in modules/imports): an
   * imported session of the same creator starting within the tolerance that no one has matched yet is the same
   * LIVE, already counted with the export's figures. Both documents are claimed by compare-and-set, ours first:
   * if an import claims us in between, it has credited only the difference and we must count in full.
   */
  async function reconcileWithImport(doc: LiveSessionDoc): Promise<Types.ObjectId | null> {
    const tolerance = options.reconcileToleranceMs ?? 10 * 60_000;
    const start = new Date(doc.startedAt).getTime();
    const imported = await sessions
      .findOne({
        tenantId: doc.tenantId,
        creatorId: doc.creatorId,
        source: 'import',
        startTimeKnown: { $ne: false },
        reconciliation: null,
        startedAt: { $gte: new Date(start - tolerance), $lte: new Date(start + tolerance) },
      })
      .lean<LiveSessionDoc>();
    if (!imported) return null;
    const note = (matched: Types.ObjectId) => ({
      matchedSessionId: matched,
      listenerDiamonds: doc.diamonds,
      importDiamonds: imported.diamonds,
      difference: imported.diamonds - doc.diamonds,
      listenerSeconds: doc.durationSeconds,
      importSeconds: imported.durationSeconds,
    });
    const ours = await sessions.updateOne({ _id: doc._id, tenantId: doc.tenantId, reconciliation: null }, { $set: { reconciliation: note(imported._id) } });
    if (ours.modifiedCount !== 1) return null;
    const theirs = await sessions.updateOne({ _id: imported._id, tenantId: doc.tenantId, reconciliation: null }, { $set: { reconciliation: note(doc._id) } });
    if (theirs.modifiedCount !== 1) {
      // The import matched another listener session meanwhile: count ours in full after all.
      await sessions.updateOne({ _id: doc._id, tenantId: doc.tenantId }, { $set: { reconciliation: null } });
      return null;
    }
    return imported._id;
  }

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
    const stored = await gifters.find({ tenantId, sessionId }).lean<GifterDoc[]>();
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
    const docs = await gifters.find({ tenantId, sessionId }).lean<GifterDoc[]>();
    return docs.map((g) => ({ userId: g.userId, handle: g.handle ?? '', nickname: g.nickname ?? '', diamonds: g.diamonds ?? 0, gifts: g.gifts ?? 0 }));
  }

  return {
    reconcileFromLedger,

    /**
     * Finds or creates the session of this room and takes it over (fencing out any previous writer). Returns null
     * when the room's session has already ended. A session that existed is recomputed from its ledger first.
     */
    async openSession(input: { tenantId: Types.ObjectId; creatorId: Types.ObjectId; roomId: string; startedAt: number; fence?: string }): Promise<ResumeState | null> {
      const key = listenerSessionKey(input.roomId);
      // Taking the session over stamps our instance and our lease's fencing token: the previous writer's flushes
      // (filtered on both) are refused from now on.
      const owner = { listenerInstanceId: options.instanceId, listenerFence: input.fence ?? null };
      let doc: LiveSessionDoc | null;
      try {
        doc = await sessions
          .findOneAndUpdate(
            { tenantId: input.tenantId, key },
            {
              $setOnInsert: { creatorId: input.creatorId, source: 'listener', status: 'live', startedAt: new Date(input.startedAt), roomId: input.roomId },
              $set: owner,
            },
            { upsert: true, returnDocument: 'after' },
          )
          .lean<LiveSessionDoc>();
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        doc = await sessions.findOneAndUpdate({ tenantId: input.tenantId, key }, { $set: owner }, { returnDocument: 'after' }).lean<LiveSessionDoc>();
      }
      if (!doc) throw new Error(`session ${key} could not be opened`);
      if (doc.status === 'ended') return null;
      // A session that existed (a takeover, a restart, a reconnect) continues from its ledger: a writer that died
      // between its ledger insert and its session update left the running totals behind.
      Object.assign(doc, await reconcileFromLedger(input.tenantId, doc._id));
      const settledStreaks = new Map<string, number>();
      {
        const settled = await ledger
          .find({ tenantId: input.tenantId, sessionId: doc._id, settledBy: { $in: ['timeout', 'disconnect', 'streamEnd'] } }, { streakKey: 1, streakCount: 1 })
          .lean<Pick<LiveGiftEventDoc, 'streakKey' | 'streakCount'>[]>();
        for (const s of settled) settledStreaks.set(s.streakKey, Math.max(settledStreaks.get(s.streakKey) ?? 0, s.streakCount));
      }
      await creators.updateOne({ _id: input.creatorId, tenantId: input.tenantId }, { $set: { 'live.isLive': true, 'live.sessionId': doc._id } });
      return { doc, gifters: await loadGifters(input.tenantId, doc._id), settledStreaks };
    },

    /** Acknowledges new gifts and members, and writes the running totals of the sessions due (session-flush.ts). */
    flush,

    /**
     * Ends a session (idempotent): recomputes it from its ledger, fixes end time, duration and average viewers
     * (status live → ended, once), then rolls it up into the creator's totals exactly once.
     */
    async endSession(input: { tenantId: Types.ObjectId; sessionId: Types.ObjectId; endedAt: number; reason: string }): Promise<void> {
      const { tenantId, sessionId } = input;
      const totals = await reconcileFromLedger(tenantId, sessionId);
      const doc = await sessions.findOne({ _id: sessionId, tenantId }).lean<LiveSessionDoc>();
      if (!doc) return;
      if (doc.status === 'live') {
        const endedAt = Math.max(input.endedAt, doc.startedAt.getTime());
        const top = await gifters.find({ tenantId, sessionId }).sort({ diamonds: -1 }).limit(5).lean<GifterDoc[]>();
        await sessions.updateOne(
          { _id: sessionId, tenantId, status: 'live' },
          {
            $set: {
              ...totals,
              status: 'ended',
              endedAt: new Date(endedAt),
              durationSeconds: Math.round((endedAt - doc.startedAt.getTime()) / 1000),
              avgViewers: Math.round(averageViewersOf(doc, endedAt) * 100) / 100,
              topGifters: top.map((g) => ({ userId: g.userId, handle: g.handle, nickname: g.nickname, diamonds: g.diamonds })),
              endReason: input.reason,
            },
          },
        );
      }
      await this.rollUp(tenantId, sessionId);
    },

    /**
     * Adds an ended session to the creator's totals and cross-session gifters, exactly once: only the caller
     * that flips `totalsApplied` false→true does it. Also clears the creator's live flag, writes the timeline
     * entry and publishes `session_end`.
     */
    async rollUp(tenantId: Types.ObjectId, sessionId: Types.ObjectId): Promise<boolean> {
      const won = await sessions.updateOne({ _id: sessionId, tenantId, status: 'ended', totalsApplied: false }, { $set: { totalsApplied: true } });
      if (won.modifiedCount !== 1) return false;
      const doc = await sessions.findOne({ _id: sessionId, tenantId }).lean<LiveSessionDoc>();
      if (!doc) return false;
      // An export of this LIVE may have been imported while we were still listening: then TikTok's own figures
      // are already in the creator's totals and ours only annotate them (see reconcileWithImport).
      const reconciledWith = await reconcileWithImport(doc);
      if (!reconciledWith) {
        await creators.updateOne({ _id: doc.creatorId, tenantId }, { $inc: { 'totals.diamonds': doc.diamonds, 'totals.liveSeconds': doc.durationSeconds, 'totals.sessions': 1 } });
      }
      const sessionGifters = await gifters.find({ tenantId, sessionId }).lean<GifterDoc[]>();
      if (sessionGifters.length) {
        await creatorGifters.collection.bulkWrite(
          sessionGifters.map((g) => ({
            updateOne: {
              filter: { _id: `${doc.creatorId}:${g.userId}`, tenantId },
              update: { $inc: { diamonds: g.diamonds, gifts: g.gifts, sessions: 1 }, $set: { handle: g.handle ?? '', nickname: g.nickname ?? '' }, $setOnInsert: { creatorId: doc.creatorId, userId: g.userId } },
              upsert: true,
            },
          })) as never,
          { ordered: false },
        );
      }
      await creators.updateOne({ _id: doc.creatorId, tenantId, 'live.sessionId': sessionId }, { $set: { 'live.isLive': false, 'live.sessionId': null } });
      const summary = { durationSeconds: doc.durationSeconds, diamonds: doc.diamonds, gifts: doc.gifts, peakViewers: doc.peakViewers, avgViewers: doc.avgViewers };
      await addSystemActivity(conn, {
        tenantId,
        creatorId: doc.creatorId,
        type: 'live_session',
        body: describeSession(summary),
        data: { sessionId: String(sessionId), ...summary, uniqueGifters: doc.gifters, likes: doc.likes, newMembers: doc.newMembers, topGifters: doc.topGifters },
      });
      await options.publisher.publish(tenantId, [{ type: 'session_end', creatorId: doc.creatorId, data: { creatorId: String(doc.creatorId), sessionId: String(sessionId), summary } }]);
      return true;
    },

    /** Ended listener sessions whose rollup did not happen (the instance died in between): cross-tenant sweep. */
    async rollUpPending(): Promise<number> {
      // Cross-tenant on purpose: the sweep finishes any agency's session whose writer died before its rollup.
      const pending = await sessions
        .find({ status: 'ended', totalsApplied: false, source: 'listener' }, { _id: 1, tenantId: 1 })
        .setOptions({ allTenants: true })
        .limit(100)
        .lean();
      let done = 0;
      for (const p of pending) if (await this.rollUp(p.tenantId, p._id)) done++;
      return done;
    },

    /** The creator's sessions still marked live (to close them when the creator is found offline). */
    async liveSessionsOf(tenantId: Types.ObjectId, creatorId: Types.ObjectId): Promise<LiveSessionDoc[]> {
      return sessions.find({ tenantId, creatorId, status: 'live', source: 'listener' }).lean<LiveSessionDoc[]>();
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;

/** Time-weighted average viewers of a persisted session until `until` (the last sample holds until then). */
export function averageViewersOf(doc: Pick<LiveSessionDoc, 'viewerMs' | 'viewers' | 'viewersAt' | 'viewersFirstAt'>, until: number): number {
  if (!doc.viewersAt || !doc.viewersFirstAt) return 0;
  const last = doc.viewersAt.getTime();
  const end = Math.max(until, last);
  const span = end - doc.viewersFirstAt.getTime();
  if (span <= 0) return doc.viewers ?? 0;
  return ((doc.viewerMs ?? 0) + (doc.viewers ?? 0) * (end - last)) / span;
}

function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h ? `${h}h ${m}m` : m ? `${m}m ${s}s` : `${s}s`;
}

export function describeSession(summary: { durationSeconds: number; diamonds: number; gifts: number; peakViewers: number; avgViewers: number }): string {
  return `LIVE session: ${formatDuration(summary.durationSeconds)}, ${summary.diamonds.toLocaleString('en-US')} diamonds from ${summary.gifts.toLocaleString('en-US')} gifts, peak ${summary.peakViewers} viewers (average ${Math.round(summary.avgViewers)}).`;
}
