/**
 * Ending listener sessions and rolling them up into the creator's totals: the only place a listener session
 * ends, whatever ended it (stream end, suspension, offline, room change, tracking off, or `unobserved`: nobody
 * saw it end — a newer room opened, a check found the creator offline, or the sweeper found it uncovered).
 *
 * The roll-up survives a crash between any two of its writes:
 *   1. claim the roll-up (`rollupBy`/`rollupAt`, expiring) so one roller works on a session at a time;
 *   2. reconcile with an imported session of the same LIVE (theirs first, then ours; a retry finds its own claim);
 *   3. add the session's contribution (shared/live `sessionContribution`) to the creator's totals through their
 *      owner, idempotent per `live:<sessionId>` (creators/totals.ts), and its gifters to the creator's
 *      cross-session gifters likewise, at every roll-up the difference to what they hold (creator-gifters.ts);
 *   4. `totalsApplied: true`, then settle the markers, clear the live flag, timeline entry, `session_end`.
 * A crash before 4 leaves `status: ended, totalsApplied: false`: the sweep (`rollUpPending`) repeats from 1 and
 * the markers keep 3 from adding twice.
 *
 * Totals hold, for each session, its `appliedTotals`; every change to them (a roll-up, a reopen, a late gift, a
 * deletion) brings them to the session's contribution as it stands, with a token of its own (`live:<id>`, then
 * `live:<id>:<generation>`, `delete:<id>`). The change is recorded on the session (`pendingTotalsChange`) before it
 * is made, so a crash in between is completed with the same token and delta, never recomputed and added again.
 * A session whose listener still hears its room when it was ended (the sweeper or a check judged it gone) is
 * reopened (`reopen`): its contribution comes back out and it rolls up again when it really ends.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Connection, Types } from 'mongoose';
import { reconciliationRecord, sessionContribution, type CreatorTotals } from '@shared/live';
import { addSystemActivity } from '../activities/service';
import { creatorModel } from '../creators/model';
import { createCreatorTotals } from '../creators/totals';
import { announce, type LiveSessionEvents, type SessionSummary } from './events';
import { createCreatorGifters } from './creator-gifters';
import { liveGiftEventModel, liveGifterModel, liveMemberModel, type GifterDoc } from './models';
import { liveSessionModel, type LiveSessionDoc } from './session-model';
import type { LiveStreamPublisher } from './stream-log';
import { ROLLUP_MARKER, settledMarkers } from './stray-markers';


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

/** A session that cannot be deleted as it stands (live, reconciled with another, busy): a machine code and why. */
export class SessionNotDeletableError extends Error {
  constructor(
    readonly code: 'SESSION_LIVE' | 'SESSION_RECONCILED' | 'SESSION_BUSY',
    message: string,
  ) {
    super(message);
  }
}

/** A roll-up claim older than this is abandoned (its roller died) and may be taken over. */
const ROLLUP_CLAIM_MS = 30_000;

const ZERO: CreatorTotals = { diamonds: 0, liveSeconds: 0, sessions: 0 };
const minus = (a: CreatorTotals, b: CreatorTotals): CreatorTotals => ({ diamonds: a.diamonds - b.diamonds, liveSeconds: a.liveSeconds - b.liveSeconds, sessions: a.sessions - b.sessions });
const plus = (a: CreatorTotals, b: CreatorTotals): CreatorTotals => ({ diamonds: a.diamonds + b.diamonds, liveSeconds: a.liveSeconds + b.liveSeconds, sessions: a.sessions + b.sessions });
const isZero = (d: CreatorTotals) => !d.diamonds && !d.liveSeconds && !d.sessions;

/** A listener session an import stands for: the import's ledger took its figures out, so it holds nothing in totals. */
function reconciledListener(doc: LiveSessionDoc): boolean {
  return doc.source === 'listener' && !!(doc.reconciliation as { matchedSessionId?: unknown } | null | undefined)?.matchedSessionId;
}

/** What the creator's totals hold for this session now. */
export function appliedTotalsOf(doc: LiveSessionDoc): CreatorTotals {
  if (reconciledListener(doc)) return { ...ZERO };
  if (doc.appliedTotals) return { diamonds: doc.appliedTotals.diamonds ?? 0, liveSeconds: doc.appliedTotals.liveSeconds ?? 0, sessions: doc.appliedTotals.sessions ?? 0 };
  // Rolled up before `appliedTotals` existed (or an import, added by its batch): its contribution as it stands.
  return doc.totalsApplied ? sessionContribution(doc as never) : { ...ZERO };
}

/** The token of a session's next totals change: the first is `live:<id>` (as roll-ups always were). */
function changeToken(doc: LiveSessionDoc): string {
  const generation = doc.totalsGeneration ?? 0;
  return generation === 0 ? `live:${doc._id}` : `live:${doc._id}:${generation}`;
}

/** Sessions whose roll-up claim is free (or ours, or abandoned). */
const claimFree = (instanceId: string, now: number) => ({ $or: [{ rollupBy: null }, { rollupBy: instanceId }, { rollupAt: { $lt: new Date(now - ROLLUP_CLAIM_MS) } }] });

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
  const creatorGifters = createCreatorGifters(conn, options.log);
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

  /**
   * Completes a totals change recorded on the session (a crash came between recording and finishing it): the
   * same token and delta (the marker keeps the addition from happening twice). Returns the session as it is now.
   */
  async function completePendingChange(doc: LiveSessionDoc): Promise<LiveSessionDoc> {
    const change = doc.pendingTotalsChange;
    if (!change) return doc;
    await totals.addOnce(doc.tenantId, doc.creatorId, change.token, change.delta);
    await sessions.updateOne(
      { _id: doc._id, tenantId: doc.tenantId, 'pendingTotalsChange.token': change.token },
      { $set: { pendingTotalsChange: null, appliedTotals: plus(appliedTotalsOf({ ...doc, pendingTotalsChange: null }), change.delta), totalsGeneration: (doc.totalsGeneration ?? 0) + 1 } },
    );
    await totals.settle(doc.tenantId, doc.creatorId, [change.token]);
    return (await sessions.findOne({ _id: doc._id, tenantId: doc.tenantId }).lean<LiveSessionDoc>()) ?? doc;
  }

  /**
   * Brings the creator's totals to this session's contribution as it stands (`target`): records the change on the
   * session (guarded by `filter`), adds it once, and marks it done together with `done`. False when the session
   * changed under us (someone else's change, a flip): nothing was added.
   */
  async function changeTotals(
    doc: LiveSessionDoc,
    target: CreatorTotals,
    filter: Record<string, unknown>,
    done: Record<string, unknown>,
    /** The state change goes in with the recorded intent (a reopen: a crash leaves a live session whose change completes to 0). */
    flipWithRecord = false,
  ): Promise<{ ok: boolean; token: string | null }> {
    const generation = doc.totalsGeneration ?? 0;
    const delta = minus(target, appliedTotalsOf(doc));
    const base = { _id: doc._id, tenantId: doc.tenantId, totalsGeneration: generation, pendingTotalsChange: null, ...filter };
    if (isZero(delta)) {
      const res = await sessions.updateOne(base, { $set: { ...done, appliedTotals: target } });
      return { ok: res.matchedCount === 1, token: null };
    }
    const token = changeToken(doc);
    const recorded = await sessions.updateOne(base, { $set: { ...(flipWithRecord ? done : {}), pendingTotalsChange: { token, delta } } });
    if (recorded.matchedCount !== 1) return { ok: false, token: null };
    await totals.addOnce(doc.tenantId, doc.creatorId, token, delta);
    const res = await sessions.updateOne(
      { _id: doc._id, tenantId: doc.tenantId, 'pendingTotalsChange.token': token },
      { $set: { ...(flipWithRecord ? {} : done), pendingTotalsChange: null, appliedTotals: target, totalsGeneration: generation + 1 } },
    );
    return { ok: res.matchedCount === 1, token };
  }

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
      { _id: sessionId, tenantId, status: 'ended', totalsApplied: false, ...claimFree(options.instanceId, now) },
      { $set: { rollupBy: options.instanceId, rollupAt: new Date(now) } },
    );
    if (claim.matchedCount !== 1) return false;
    let doc = await sessions.findOne({ _id: sessionId, tenantId }).lean<LiveSessionDoc>();
    if (!doc || doc.totalsApplied) return false;
    // Recomputed after the session was marked ended: a writer that still added to its ledger before then is in
    // (and one that adds later finds it ended and settles what it added: settleLate).
    if (doc.source === 'listener') await options.reconcileFromLedger(tenantId, sessionId);
    await reconcileWithImport((await sessions.findOne({ _id: sessionId, tenantId }).lean<LiveSessionDoc>())!);
    doc = await completePendingChange((await sessions.findOne({ _id: sessionId, tenantId }).lean<LiveSessionDoc>())!);
    const top = await gifters.find({ tenantId, sessionId }).sort({ diamonds: -1 }).limit(5).lean<GifterDoc[]>();
    // Cross-session gifters brought to the session's gifters before it is marked done (every roll-up, a reopened
    // session's too: only the difference to what they already hold for it; creator-gifters.ts).
    doc = await creatorGifters.bringToSession(doc);
    const { ok, token } = await changeTotals(doc, sessionContribution(doc as never), { totalsApplied: false }, {
      totalsApplied: true,
      rollupBy: null,
      rollupAt: null,
      topGifters: top.map((g) => ({ userId: g.userId, handle: g.handle, nickname: g.nickname, diamonds: g.diamonds })),
    });
    if (!ok) return false;
    doc = (await sessions.findOne({ _id: sessionId, tenantId }).lean<LiveSessionDoc>())!;
    await creators.updateOne({ _id: doc.creatorId, tenantId, 'live.sessionId': sessionId }, { $set: { 'live.isLive': false, 'live.sessionId': null } });
    if (token) await totals.settle(tenantId, doc.creatorId, [token]);
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
   * Settles the roll-up markers (`live:<id>`, `live:<id>:<generation>`) that a crash left in creators'
   * `pendingTotals`: the addition went in with its marker and the session recorded the change as done, but the
   * process died before it removed the marker. A marker whose change the session still has pending
   * (`pendingTotalsChange` with that token) stays: it is what keeps completing that change from adding twice.
   * Tokens are per generation, so a settled one is never used again. Returns the markers settled.
   */
  async function settleStrayMarkers(): Promise<number> {
    const stray = await creators
      .find({ pendingTotals: { $regex: ROLLUP_MARKER } }, { _id: 1, tenantId: 1, pendingTotals: 1 })
      .setOptions({ allTenants: true })
      .limit(100)
      .lean<{ _id: Types.ObjectId; tenantId: Types.ObjectId; pendingTotals?: string[] }[]>();
    let settled = 0;
    for (const c of stray) {
      // `delete:<id>`: a deletion that changed the totals and removed the session, then died before settling.
      const done = await settledMarkers(c.pendingTotals, async (sessionId, token) => {
        const session = await sessions.findOne({ _id: sessionId, tenantId: c.tenantId }, { pendingTotalsChange: 1 }).lean<Pick<LiveSessionDoc, 'pendingTotalsChange'>>();
        return session?.pendingTotalsChange?.token === token;
      });
      if (done.length === 0) continue;
      options.log.info({ creatorId: String(c._id), tokens: done }, 'live: settling roll-up markers a crash left behind');
      await totals.settle(c.tenantId, c._id, done);
      settled += done.length;
    }
    return settled + (await creatorGifters.settleStrayMarkers());
  }

  /** A marked deletion: its totals change, then everything the session owns, the session last. */
  async function finishDeletion(doc: LiveSessionDoc): Promise<void> {
    const change = doc.pendingTotalsChange;
    if (change) await totals.addOnce(doc.tenantId, doc.creatorId, change.token, change.delta);
    await creatorGifters.applyDeletion(doc);
    const filter = { tenantId: doc.tenantId, sessionId: doc._id };
    await liveGiftEventModel(conn).deleteMany(filter);
    await gifters.deleteMany(filter);
    await liveMemberModel(conn).deleteMany(filter);
    await sessions.deleteOne({ _id: doc._id, tenantId: doc.tenantId, deleting: true });
    await creators.updateOne({ _id: doc.creatorId, tenantId: doc.tenantId, 'live.sessionId': doc._id }, { $set: { 'live.isLive': false, 'live.sessionId': null } });
    if (change) await totals.settle(doc.tenantId, doc.creatorId, [change.token]);
    await creatorGifters.settleDeletion(doc);
  }

  const api = {
    rollUp,

    /**
     * Ends a session (idempotent): fixes end time, duration, average viewers and why it ended (status live →
     * ended, once), then rolls it up (recomputed from its ledger after the flip: roll-up).
     */
    async endSession(input: { tenantId: Types.ObjectId; sessionId: Types.ObjectId; endedAt: number; reason: string; fence?: number }): Promise<void> {
      const { tenantId, sessionId } = input;
      // A listener ends its session only while it still holds it: a newer fence means another one took it over.
      const fenced = input.fence === undefined ? {} : { fence: input.fence };
      if (input.fence !== undefined && !(await sessions.exists({ _id: sessionId, tenantId, ...fenced }))) return;
      const doc = await sessions.findOne({ _id: sessionId, tenantId }).lean<LiveSessionDoc>();
      if (!doc) return;
      if (doc.status === 'live') {
        const endedAt = Math.max(input.endedAt, doc.startedAt.getTime());
        const ended = await sessions.updateOne(
          { _id: sessionId, tenantId, status: 'live', ...fenced },
          {
            $set: {
              status: 'ended',
              endedAt: new Date(endedAt),
              durationSeconds: Math.round((endedAt - doc.startedAt.getTime()) / 1000),
              avgViewers: Math.round(averageViewersOf(doc, endedAt) * 100) / 100,
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

    /**
     * Reopens a session that was ended while its listener still hears its room (the sweeper or an offline check
     * judged it gone; TikTok did not say it ended): its contribution comes back out of the totals (a change of its
     * own, recorded with the flip) and it is live again, to roll up when it really ends. The caller holds the
     * creator's lease. False when it cannot be reopened now (its roll-up is in progress elsewhere): try again.
     */
    async reopen(tenantId: Types.ObjectId, sessionId: Types.ObjectId): Promise<boolean> {
      let doc = await sessions.findOne({ _id: sessionId, tenantId }).lean<LiveSessionDoc>();
      if (!doc) return false;
      if (doc.status === 'live') return true;
      if (!doc.totalsApplied) {
        await rollUp(tenantId, sessionId);
        doc = await sessions.findOne({ _id: sessionId, tenantId }).lean<LiveSessionDoc>();
        if (!doc?.totalsApplied) return false;
      }
      doc = await completePendingChange(doc);
      await creatorGifters.pinLegacy(doc);
      options.log.warn({ sessionId: String(sessionId), endReason: doc.endReason }, 'live: reopening a session ended while its listener still hears the room');
      const { ok, token } = await changeTotals(doc, { ...ZERO }, { status: 'ended', totalsApplied: true, ...claimFree(options.instanceId, options.now()) }, {
        status: 'live',
        endedAt: null,
        endReason: null,
        durationSeconds: 0,
        totalsApplied: false,
        listenerInstanceId: options.instanceId,
        reopens: (doc.reopens ?? 0) + 1,
      }, true);
      if (!ok) return (await sessions.findOne({ _id: sessionId, tenantId }, { status: 1 }).lean<LiveSessionDoc>())?.status === 'live';
      if (token) await totals.settle(tenantId, doc.creatorId, [token]);
      await options.reconcileFromLedger(tenantId, sessionId);
      await creators.updateOne({ _id: doc.creatorId, tenantId }, { $set: { 'live.isLive': true, 'live.sessionId': sessionId } });
      return true;
    },

    /**
     * A writer added gifts to the ledger of a session that had already ended and rolled up (its lease was lost
     * while it held them): recomputes the session from its ledger and adds the difference to the totals.
     */
    async settleLate(tenantId: Types.ObjectId, sessionId: Types.ObjectId, wait = true): Promise<boolean> {
      // A roll-up in progress may have read the ledger before these gifts: wait for it, then settle after it.
      for (let attempt = 0; ; attempt++) {
        const now = options.now();
        const claim = await sessions.updateOne(
          { _id: sessionId, tenantId, status: 'ended', totalsApplied: true, ...claimFree(options.instanceId, now) },
          { $set: { rollupBy: options.instanceId, rollupAt: new Date(now) } },
        );
        if (claim.matchedCount === 1) break;
        if (!wait) return false;
        const doc = await sessions.findOne({ _id: sessionId, tenantId }, { status: 1 }).lean<LiveSessionDoc>();
        // Gone, or live again (reopened: its end recomputes from the ledger); else a roll-up or another settlement runs.
        if (!doc || doc.status === 'live') return false;
        if (attempt > (ROLLUP_CLAIM_MS * 2) / 250) throw new Error(`late settlement of session ${sessionId}: its roll-up did not finish`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      // A settlement that fails keeps its claim: once it expires, the sweep (`rollUpPending`) settles the session
      // again and completes a change it had recorded; releasing it would leave that change to no one.
      await creatorGifters.pinLegacy((await sessions.findOne({ _id: sessionId, tenantId }).lean<LiveSessionDoc>())!);
      await options.reconcileFromLedger(tenantId, sessionId);
      let doc = await completePendingChange((await sessions.findOne({ _id: sessionId, tenantId }).lean<LiveSessionDoc>())!);
      doc = await creatorGifters.bringToSession(doc);
      const { token } = await changeTotals(doc, sessionContribution(doc as never), { status: 'ended', totalsApplied: true }, {});
      if (token) await totals.settle(tenantId, doc.creatorId, [token]);
      await sessions.updateOne({ _id: sessionId, tenantId, rollupBy: options.instanceId }, { $set: { rollupBy: null, rollupAt: null } });
      return !!token;
    },

    /**
     * Deletes an ended session and takes it out of the creator's totals (token `delete:<id>`, recorded with the
     * `deleting` mark; the sweep finishes a deletion a crash interrupted). `false` when it is not there.
     */
    async deleteSession(tenantId: Types.ObjectId, sessionId: Types.ObjectId): Promise<boolean> {
      let doc = await sessions.findOne({ _id: sessionId, tenantId }).lean<LiveSessionDoc>();
      if (!doc) return false;
      if (!doc.deleting) {
        if (doc.status !== 'ended') throw new SessionNotDeletableError('SESSION_LIVE', 'This session is still live: it can be deleted once it has ended.');
        if (doc.reconciliation && (doc.reconciliation as { matchedSessionId?: unknown }).matchedSessionId) {
          throw new SessionNotDeletableError('SESSION_RECONCILED', 'This session is reconciled with another (a listener session and its imported figures): delete neither, or the creator.');
        }
        if (!doc.totalsApplied) {
          await rollUp(tenantId, sessionId);
          doc = await sessions.findOne({ _id: sessionId, tenantId }).lean<LiveSessionDoc>();
          if (!doc) return false;
          if (!doc.totalsApplied) throw new SessionNotDeletableError('SESSION_BUSY', 'This session is being added to its creator\'s totals: try again in a minute.');
        }
        doc = await creatorGifters.completePending(await completePendingChange(doc));
        const delta = minus(ZERO, appliedTotalsOf(doc));
        // The totals change and the cross-session gifters' change (every gifter of the session out) are recorded with the mark.
        const marked = await creatorGifters.recordDeletion(
          doc,
          { deleting: true, pendingTotalsChange: isZero(delta) ? null : { token: `delete:${sessionId}`, delta } },
          { pendingTotalsChange: null, totalsGeneration: doc.totalsGeneration ?? 0 },
        );
        if (!marked) throw new SessionNotDeletableError('SESSION_BUSY', 'This session changed while it was being deleted: try again.');
        doc = marked;
      }
      await finishDeletion(doc);
      return true;
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
      // Deletions a crash interrupted (their mark is on the session).
      const deleting = await sessions.find({ deleting: true }).setOptions({ allTenants: true }).limit(100).lean<LiveSessionDoc[]>();
      for (const d of deleting) await finishDeletion(d);
      // Late settlements a crash interrupted (their roll-up claim was left behind): settled again from the ledger,
      // a change they had recorded completed with its own token (totals and cross-session gifters).
      const abandoned = await sessions
        .find({ rollupAt: { $lt: new Date(options.now() - ROLLUP_CLAIM_MS) }, status: 'ended', totalsApplied: true, deleting: { $ne: true } }, { _id: 1, tenantId: 1 })
        .setOptions({ allTenants: true })
        .limit(100)
        .lean();
      for (const a of abandoned) await api.settleLate(a.tenantId, a._id, false);
      await settleStrayMarkers();
      return done;
    },
  };
  return api;
}

export type SessionEnder = ReturnType<typeof createSessionEnder>;
