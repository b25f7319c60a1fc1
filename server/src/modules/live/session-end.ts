/**
 * Ending listener sessions and rolling them up into the creator's totals: the only place a listener session
 * ends, whatever ended it (stream end, suspension, offline, room change, tracking off, or `unobserved`: nobody
 * saw it end — a newer room opened, a check found the creator offline, or the sweeper found it uncovered).
 *
 * The roll-up survives a crash between any two of its writes:
 *   1. claim the roll-up (`rollupBy`/`rollupAt`, expiring) so one roller works on a session at a time;
 *   2. reconcile with an imported session of the same LIVE (theirs first, then ours; a retry finds its own claim);
 *   3. add the session's contribution (shared/live `sessionContribution`) to the creator's totals through their
 *      owner, idempotent per `live:<sessionId>` (creators/totals.ts), and its gifters likewise;
 *   4. `totalsApplied: true`, then settle the markers, clear the live flag, timeline entry, `session_end`.
 * A crash before 4 leaves `status: ended, totalsApplied: false`: the sweep (`rollUpPending`) repeats from 1 and
 * the markers keep 3 from adding twice.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Connection, Types } from 'mongoose';
import { reconciliationRecord, sessionContribution } from '@shared/live';
import { addSystemActivity } from '../activities/service';
import { creatorModel } from '../creators/model';
import { createCreatorTotals } from '../creators/totals';
import { announce, type LiveSessionEvents, type SessionSummary } from './events';
import { liveCreatorGifterModel, liveGifterModel, sessionGiftersOf, type GifterDoc } from './models';
import { liveSessionModel, type LiveSessionDoc } from './session-model';
import type { LiveStreamPublisher } from './stream-log';

export interface SessionEndOptions {
  instanceId: string;
  now: () => number;
  log: FastifyBaseLogger;
  publisher: LiveStreamPublisher;
  events?: LiveSessionEvents;
  /** An imported session starting this close to a listener session is the same LIVE (imports use the same ±10 min). */
  reconcileToleranceMs?: number;
  /** Recomputes a session's diamonds, gifts and gifters from its ledger (session-store.ts). */
  reconcileFromLedger: (tenantId: Types.ObjectId, sessionId: Types.ObjectId) => Promise<{ diamonds: number; gifts: number; gifters: number }>;
}

/** A roll-up claim older than this is abandoned (its roller died) and may be taken over. */
const ROLLUP_CLAIM_MS = 30_000;

/** The last moment we know a session was going: its last event, or the last flush written for it. */
export function lastSeenAt(doc: Pick<LiveSessionDoc, 'startedAt' | 'lastEventAt'> & { lastFlushAt?: Date | null }): number {
  return Math.max(doc.startedAt.getTime(), doc.lastEventAt?.getTime() ?? 0, doc.lastFlushAt?.getTime() ?? 0);
}

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

export function describeSession(summary: SessionSummary): string {
  return `LIVE session: ${formatDuration(summary.durationSeconds)}, ${summary.diamonds.toLocaleString('en-US')} diamonds from ${summary.gifts.toLocaleString('en-US')} gifts, peak ${summary.peakViewers} viewers (average ${Math.round(summary.avgViewers)}).`;
}

export function createSessionEnder(conn: Connection, options: SessionEndOptions) {
  const sessions = liveSessionModel(conn);
  const gifters = liveGifterModel(conn);
  const creatorGifters = liveCreatorGifterModel(conn);
  const creators = creatorModel(conn);
  const totals = createCreatorTotals(conn);

  /**
   * The listener-side half of reconciliation with imports (the import side is imports/ledger.ts): an imported
   * session of the same creator starting within the tolerance that no one has matched yet — or that we matched
   * in an attempt that crashed — is the same LIVE, already counted with the export's figures. The import is
   * claimed first (compare-and-set), then our own record: a crash in between is finished by the retry, which
   * finds the import already pointing at us.
   */
  async function reconcileWithImport(doc: LiveSessionDoc): Promise<void> {
    const ours = doc.reconciliation as { matchedSessionId?: Types.ObjectId } | null | undefined;
    if (ours?.matchedSessionId) return;
    const tolerance = options.reconcileToleranceMs ?? 10 * 60_000;
    const start = doc.startedAt.getTime();
    const imported = await sessions
      .findOne({
        tenantId: doc.tenantId,
        creatorId: doc.creatorId,
        source: 'import',
        startTimeKnown: { $ne: false },
        $or: [{ reconciliation: null }, { 'reconciliation.matchedSessionId': doc._id }],
        startedAt: { $gte: new Date(start - tolerance), $lte: new Date(start + tolerance) },
      })
      .lean<LiveSessionDoc>();
    if (!imported) return;
    const listener = { diamonds: doc.diamonds, seconds: doc.durationSeconds };
    const importFigures = { diamonds: imported.diamonds, seconds: imported.durationSeconds };
    const theirs = await sessions.updateOne(
      { _id: imported._id, tenantId: doc.tenantId, $or: [{ reconciliation: null }, { 'reconciliation.matchedSessionId': doc._id }] },
      { $set: { reconciliation: reconciliationRecord(doc._id, listener, importFigures) } },
    );
    if (theirs.matchedCount !== 1) return; // another listener session took that import meanwhile
    await sessions.updateOne({ _id: doc._id, tenantId: doc.tenantId }, { $set: { reconciliation: reconciliationRecord(imported._id, listener, importFigures) } });
  }

  /**
   * A suspended stream (ended by TikTok's moderation) is an account-health event on the timeline. People hear of
   * it through the alert `creator.stream_suspended` (alerts/live-alerts.ts: admins and the manager, per preferences).
   */
  async function recordSuspension(doc: LiveSessionDoc, endedAt: number): Promise<void> {
    const creator = await creators.findOne({ _id: doc.creatorId, tenantId: doc.tenantId }, { handle: 1 }).lean();
    const handle = creator?.handle ? `@${creator.handle}` : 'A creator';
    const body = `TikTok suspended ${handle}'s LIVE (ended by moderation, not by the creator) at ${new Date(endedAt).toISOString()}.`;
    await addSystemActivity(conn, { tenantId: doc.tenantId, creatorId: doc.creatorId, type: 'account_health', body, data: { event: 'live_suspended', sessionId: String(doc._id), roomId: doc.roomId ?? null, endedAt: new Date(endedAt).toISOString() } });
  }

  /**
   * Roll-ups running in this instance, by session: the claim below admits this instance again (a retry after its
   * own failure), so two of its callers at once (a listener's end and the sweep) would both pass it, and the second
   * could add the totals again after the first settled their marker. The second waits for the first instead.
   */
  const rolling = new Map<string, Promise<boolean>>();

  async function rollUp(tenantId: Types.ObjectId, sessionId: Types.ObjectId): Promise<boolean> {
    const key = String(sessionId);
    const running = rolling.get(key);
    if (running) return running.then(() => false, () => false);
    const run = rollUpOnce(tenantId, sessionId).finally(() => rolling.delete(key));
    rolling.set(key, run);
    return run;
  }

  async function rollUpOnce(tenantId: Types.ObjectId, sessionId: Types.ObjectId): Promise<boolean> {
    const now = options.now();
    const claim = await sessions.updateOne(
      { _id: sessionId, tenantId, status: 'ended', totalsApplied: false, $or: [{ rollupBy: null }, { rollupBy: options.instanceId }, { rollupAt: { $lt: new Date(now - ROLLUP_CLAIM_MS) } }] },
      { $set: { rollupBy: options.instanceId, rollupAt: new Date(now) } },
    );
    if (claim.matchedCount !== 1) return false;
    let doc = await sessions.findOne({ _id: sessionId, tenantId }).lean<LiveSessionDoc>();
    if (!doc || doc.totalsApplied) return false;
    await reconcileWithImport(doc);
    doc = (await sessions.findOne({ _id: sessionId, tenantId }).lean<LiveSessionDoc>())!;
    const token = `live:${sessionId}`;
    const contribution = sessionContribution(doc as never);
    await totals.addOnce(tenantId, doc.creatorId, token, contribution);
    const sessionGifters = await sessionGiftersOf(conn, tenantId, sessionId);
    if (sessionGifters.length) await addGiftersOnce(tenantId, doc.creatorId, token, sessionGifters);
    const done = await sessions.updateOne({ _id: sessionId, tenantId, totalsApplied: false }, { $set: { totalsApplied: true, rollupBy: null, rollupAt: null } });
    if (done.modifiedCount !== 1) return false;
    await creators.updateOne({ _id: doc.creatorId, tenantId, 'live.sessionId': sessionId }, { $set: { 'live.isLive': false, 'live.sessionId': null } });
    await totals.settle(tenantId, doc.creatorId, [token]);
    if (sessionGifters.length) {
      const creatorId = doc.creatorId;
      await creatorGifters.collection.updateMany({ _id: { $in: sessionGifters.map((g) => `${creatorId}:${g.userId}`) } } as never, { $pull: { pendingTotals: token } } as never);
    }
    const summary: SessionSummary = { durationSeconds: doc.durationSeconds, diamonds: doc.diamonds, gifts: doc.gifts, peakViewers: doc.peakViewers, avgViewers: doc.avgViewers };
    await addSystemActivity(conn, {
      tenantId,
      creatorId: doc.creatorId,
      type: 'live_session',
      body: describeSession(summary),
      data: { sessionId: String(sessionId), ...summary, uniqueGifters: doc.gifters, likes: doc.likes, newMembers: doc.newMembers, topGifters: doc.topGifters, endReason: doc.endReason ?? null },
    });
    await options.publisher.publish(tenantId, [{ type: 'session_end', creatorId: doc.creatorId, data: { creatorId: String(doc.creatorId), sessionId: String(sessionId), summary, endReason: doc.endReason ?? null } }]);
    await announce(options.log, options.events?.sessionEnded?.bind(options.events), {
      tenantId,
      creatorId: doc.creatorId,
      sessionId,
      startedAt: doc.startedAt,
      endedAt: doc.endedAt ?? new Date(now),
      endReason: doc.endReason ?? 'stream_end',
      summary,
    });
    return true;
  }

  /**
   * Cross-session gifters, once per roll-up token: the marker goes in with the `$inc`; a gifter document that
   * already carries it refuses the filter, the upsert then collides on `_id`, and that collision is "done".
   */
  async function addGiftersOnce(tenantId: Types.ObjectId, creatorId: Types.ObjectId, token: string, list: GifterDoc[]): Promise<void> {
    try {
      await creatorGifters.collection.bulkWrite(
        list.map((g) => ({
          updateOne: {
            filter: { _id: `${creatorId}:${g.userId}`, tenantId, pendingTotals: { $ne: token } },
            update: { $inc: { diamonds: g.diamonds, gifts: g.gifts, sessions: 1 }, $set: { handle: g.handle ?? '', nickname: g.nickname ?? '' }, $setOnInsert: { creatorId, userId: g.userId }, $push: { pendingTotals: token } },
            upsert: true,
          },
        })) as never,
        { ordered: false },
      );
    } catch (err) {
      const writeErrors = (err as { writeErrors?: { code: number }[] }).writeErrors;
      // Duplicate keys only (already added for this token); no write errors means a lost connection: retry.
      if (!Array.isArray(writeErrors) || writeErrors.length === 0 || writeErrors.some((e) => e.code !== 11000)) throw err;
    }
  }

  return {
    rollUp,

    /**
     * Ends a session (idempotent): recomputes it from its ledger, fixes end time, duration, average viewers and
     * why it ended (status live → ended, once), then rolls it up.
     */
    async endSession(input: { tenantId: Types.ObjectId; sessionId: Types.ObjectId; endedAt: number; reason: string; fence?: number }): Promise<void> {
      const { tenantId, sessionId } = input;
      // A listener ends its session only while it still holds it: a newer fence means another one took it over.
      const fenced = input.fence === undefined ? {} : { fence: input.fence };
      if (input.fence !== undefined && !(await sessions.exists({ _id: sessionId, tenantId, ...fenced }))) return;
      const ledgerTotals = await options.reconcileFromLedger(tenantId, sessionId);
      const doc = await sessions.findOne({ _id: sessionId, tenantId }).lean<LiveSessionDoc>();
      if (!doc) return;
      if (doc.status === 'live') {
        const endedAt = Math.max(input.endedAt, doc.startedAt.getTime());
        const top = await gifters.find({ tenantId, sessionId }).sort({ diamonds: -1 }).limit(5).lean<GifterDoc[]>();
        const ended = await sessions.updateOne(
          { _id: sessionId, tenantId, status: 'live', ...fenced },
          {
            $set: {
              ...ledgerTotals,
              status: 'ended',
              endedAt: new Date(endedAt),
              durationSeconds: Math.round((endedAt - doc.startedAt.getTime()) / 1000),
              avgViewers: Math.round(averageViewersOf(doc, endedAt) * 100) / 100,
              topGifters: top.map((g) => ({ userId: g.userId, handle: g.handle, nickname: g.nickname, diamonds: g.diamonds })),
              endReason: input.reason,
            },
          },
        );
        if (ended.modifiedCount === 1 && input.reason === 'suspended') {
          await recordSuspension(doc, endedAt).catch((err) => options.log.error({ err }, 'live: recording a suspended stream failed'));
        }
      }
      await rollUp(tenantId, sessionId);
    },

    /** Ends a session nobody saw end, at the last moment we know it was going (`endReason: "unobserved"`). */
    async endUnobserved(doc: LiveSessionDoc): Promise<void> {
      await this.endSession({ tenantId: doc.tenantId, sessionId: doc._id, endedAt: lastSeenAt(doc), reason: 'unobserved' });
    },

    /** Ended listener sessions whose roll-up did not finish (the instance died in between): cross-tenant sweep. */
    async rollUpPending(): Promise<number> {
      // Cross-tenant on purpose: the sweep finishes any agency's session whose writer died before its roll-up.
      const pending = await sessions
        .find({ status: 'ended', totalsApplied: false, source: 'listener' }, { _id: 1, tenantId: 1 })
        .setOptions({ allTenants: true })
        .limit(100)
        .lean();
      let done = 0;
      for (const p of pending) if (await rollUp(p.tenantId, p._id)) done++;
      return done;
    },
  };
}

export type SessionEnder = ReturnType<typeof createSessionEnder>;
