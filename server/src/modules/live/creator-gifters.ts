/**
 * A creator's cross-session gifters (`live_creator_gifters`, `GET /creators/:id/top-gifters`) kept equal to the
 * sum of that creator's sessions' gifters, the way creator totals are (session-end.ts):
 *   - each session holds what those figures hold for it (`appliedGifters`, per gifter);
 *   - every change (first roll-up, a reopened session's roll-up, a late gift settled after it, a deletion) brings
 *     them to the session's gifters as they stand, and is recorded on the session (`pendingGiftersChange`: token
 *     and per-gifter deltas) before it is made;
 *   - each gifter document takes a token once: the `$inc` and the token's marker (`pendingTotals`) land in one
 *     write, and a repeat finds the marker and changes nothing. The marker is removed once the session has
 *     recorded the change as done; a crash in between is completed with the same token and deltas (the roll-up
 *     or the sweep), never recomputed and added again.
 * Tokens: `live:<id>` (the first change, as roll-ups always were), `live:<id>:g<generation>`, `delete:<id>`.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Connection, Types } from 'mongoose';
import { liveCreatorGifterModel, liveGifterModel, type GifterDoc } from './models';
import { liveSessionModel, type LiveSessionDoc } from './session-model';
import { settledMarkers } from './stray-markers';

type Applied = NonNullable<LiveSessionDoc['appliedGifters']>;
type Change = NonNullable<LiveSessionDoc['pendingGiftersChange']>['changes'][number];


/** A session's gifters that count (a `live_gifters` document with nothing in it names no gifter). */
const counted = (list: GifterDoc[]) => list.filter((g) => (g.diamonds ?? 0) > 0 || (g.gifts ?? 0) > 0);

export function createCreatorGifters(conn: Connection, log: FastifyBaseLogger) {
  const sessions = liveSessionModel(conn);
  const gifters = liveGifterModel(conn);
  const creatorGifters = liveCreatorGifterModel(conn);

  const idOf = (creatorId: Types.ObjectId, userId: string) => `${creatorId}:${userId}`;

  /** What the creator's gifters hold for this session now. */
  async function appliedOf(doc: LiveSessionDoc): Promise<Applied> {
    if (doc.appliedGifters) return doc.appliedGifters;
    // Rolled up (or reopened) before `appliedGifters` existed: its first roll-up added its gifters; as they stand.
    if (!doc.totalsApplied && !(doc.reopens ?? 0)) return [];
    const current = counted(await gifters.find({ tenantId: doc.tenantId, sessionId: doc._id }).lean<GifterDoc[]>());
    return current.map((g) => ({ userId: g.userId, diamonds: g.diamonds ?? 0, gifts: g.gifts ?? 0 }));
  }

  function tokenOf(doc: LiveSessionDoc): string {
    const generation = doc.giftersGeneration ?? 0;
    return generation === 0 ? `live:${doc._id}` : `live:${doc._id}:g${generation}`;
  }

  /** Per-gifter deltas from `applied` to `target` (`sessions` +1 for a gifter who enters, −1 for one who leaves). */
  function deltas(applied: Applied, target: GifterDoc[]): Change[] {
    const before = new Map(applied.map((a) => [a.userId, a]));
    const changes: Change[] = [];
    for (const g of target) {
      const a = before.get(g.userId);
      before.delete(g.userId);
      const diamonds = (g.diamonds ?? 0) - (a?.diamonds ?? 0);
      const gifts = (g.gifts ?? 0) - (a?.gifts ?? 0);
      if (a && !diamonds && !gifts) continue;
      changes.push({ userId: g.userId, handle: g.handle ?? '', nickname: g.nickname ?? '', diamonds, gifts, sessions: a ? 0 : 1 });
    }
    for (const a of before.values()) changes.push({ userId: a.userId, diamonds: -a.diamonds, gifts: -a.gifts, sessions: -1 });
    return changes;
  }

  function applyTo(applied: Applied, changes: Change[]): Applied {
    const byUser = new Map(applied.map((a) => [a.userId, { ...a }]));
    for (const c of changes) {
      const a = byUser.get(c.userId) ?? { userId: c.userId, diamonds: 0, gifts: 0 };
      a.diamonds += c.diamonds;
      a.gifts += c.gifts;
      if (c.sessions < 0) byUser.delete(c.userId);
      else byUser.set(c.userId, a);
    }
    return [...byUser.values()];
  }

  /**
   * Adds the deltas once per token: a gifter document that already carries the marker refuses the filter; an
   * addition's upsert then collides on `_id`, and that collision is "done". A removal never creates a document.
   */
  async function addOnce(tenantId: Types.ObjectId, creatorId: Types.ObjectId, token: string, changes: Change[]): Promise<void> {
    if (!changes.length) return;
    try {
      await creatorGifters.collection.bulkWrite(
        changes.map((c) => {
          const adds = c.sessions >= 0 && c.diamonds >= 0 && c.gifts >= 0;
          return {
            updateOne: {
              filter: { _id: idOf(creatorId, c.userId), tenantId, pendingTotals: { $ne: token } },
              update: {
                $inc: { diamonds: c.diamonds, gifts: c.gifts, sessions: c.sessions },
                ...(adds ? { $set: { handle: c.handle ?? '', nickname: c.nickname ?? '' }, $setOnInsert: { creatorId, userId: c.userId } } : {}),
                $push: { pendingTotals: token },
              },
              upsert: adds,
            },
          };
        }) as never,
        { ordered: false },
      );
    } catch (err) {
      const writeErrors = (err as { writeErrors?: { code: number }[] }).writeErrors;
      // Duplicate keys only (already added for this token); no write errors means a lost connection: retry.
      if (!Array.isArray(writeErrors) || writeErrors.length === 0 || writeErrors.some((e) => e.code !== 11000)) throw err;
    }
  }

  /** Removes a done change's markers, and the gifter documents it left empty (a deleted session's only gifters). */
  async function settle(creatorId: Types.ObjectId, token: string, changes: Change[]): Promise<void> {
    if (!changes.length) return;
    const ids = changes.map((c) => idOf(creatorId, c.userId));
    // $pullAll, not `$pull: {$in}`: FerretDB 1.24 accepts the latter and silently removes nothing.
    await creatorGifters.collection.updateMany({ _id: { $in: ids } } as never, { $pullAll: { pendingTotals: [token] } } as never);
    if (changes.some((c) => c.sessions < 0)) {
      // Only a document no change is under way on (no marker) and no session counts any more.
      await creatorGifters.collection.deleteMany({ _id: { $in: ids }, sessions: { $lte: 0 }, pendingTotals: { $size: 0 } } as never);
    }
  }

  /** Completes a change recorded on the session (a crash came between recording and finishing it). */
  async function completePending(doc: LiveSessionDoc): Promise<LiveSessionDoc> {
    const change = doc.pendingGiftersChange;
    if (!change) return doc;
    await addOnce(doc.tenantId, doc.creatorId, change.token, change.changes);
    // `appliedGifters` was made explicit when the change was recorded: the baseline of these deltas.
    await sessions.updateOne(
      { _id: doc._id, tenantId: doc.tenantId, 'pendingGiftersChange.token': change.token },
      { $set: { pendingGiftersChange: null, appliedGifters: applyTo(doc.appliedGifters ?? [], change.changes), giftersGeneration: (doc.giftersGeneration ?? 0) + 1 } },
    );
    await settle(doc.creatorId, change.token, change.changes);
    return (await sessions.findOne({ _id: doc._id, tenantId: doc.tenantId }).lean<LiveSessionDoc>()) ?? doc;
  }

  /**
   * Records a change bringing the creator's gifters to `target` for this session (guarded: nobody else changed
   * them meanwhile), with `extra` in the same write. Returns the session with the change pending, or null when
   * the session changed under us (nothing recorded).
   */
  async function record(doc: LiveSessionDoc, target: GifterDoc[], token: string, extra: Record<string, unknown> = {}, filter: Record<string, unknown> = {}): Promise<LiveSessionDoc | null> {
    const applied = await appliedOf(doc);
    const changes = deltas(applied, target);
    const res = await sessions.updateOne(
      // Generation 0 also matches sessions written before the field existed (no default on them).
      { _id: doc._id, tenantId: doc.tenantId, giftersGeneration: doc.giftersGeneration ? doc.giftersGeneration : { $in: [0, null] }, pendingGiftersChange: null, ...filter },
      { $set: { ...extra, appliedGifters: applied, pendingGiftersChange: changes.length ? { token, changes } : null } },
    );
    if (res.matchedCount !== 1) return null;
    return sessions.findOne({ _id: doc._id, tenantId: doc.tenantId }).lean<LiveSessionDoc>();
  }

  return {
    completePending,

    /**
     * A session rolled up before sessions recorded their gifter figures: pins what its first roll-up added (its
     * gifters as they stand) before anything new reaches them (a reopen, a late settlement's ledger recompute).
     */
    async pinLegacy(doc: LiveSessionDoc): Promise<void> {
      if (doc.appliedGifters || (!doc.totalsApplied && !(doc.reopens ?? 0))) return;
      await sessions.updateOne({ _id: doc._id, tenantId: doc.tenantId, appliedGifters: null }, { $set: { appliedGifters: await appliedOf(doc) } });
    },

    /**
     * Brings the creator's gifters to this session's gifters as they stand (a roll-up, a late settlement): a
     * pending change first, then the difference. The caller holds the session's roll-up claim.
     */
    async bringToSession(doc: LiveSessionDoc): Promise<LiveSessionDoc> {
      doc = await completePending(doc);
      const target = counted(await gifters.find({ tenantId: doc.tenantId, sessionId: doc._id }).lean<GifterDoc[]>());
      const recorded = await record(doc, target, tokenOf(doc), {}, { deleting: { $ne: true } });
      return recorded ? completePending(recorded) : doc;
    },

    /**
     * Records the deletion's change (every gifter of the session out, token `delete:<id>`) with the `deleting`
     * mark; `finishDeletion` makes it. Null when the session changed meanwhile.
     */
    recordDeletion(doc: LiveSessionDoc, extra: Record<string, unknown>, filter: Record<string, unknown>): Promise<LiveSessionDoc | null> {
      return record(doc, [], `delete:${doc._id}`, extra, filter);
    },

    /** Makes a marked deletion's change (before the session's gifters are deleted); `settle` follows the session's removal. */
    async applyDeletion(doc: LiveSessionDoc): Promise<void> {
      const change = doc.pendingGiftersChange;
      if (change) await addOnce(doc.tenantId, doc.creatorId, change.token, change.changes);
    },
    async settleDeletion(doc: LiveSessionDoc): Promise<void> {
      const change = doc.pendingGiftersChange;
      if (change) await settle(doc.creatorId, change.token, change.changes);
    },

    /**
     * Settles the markers (`live:…`, `delete:…`) a crash left on gifter documents: the change went in and the
     * session recorded it as done (or the deleted session is gone), but the process died before it removed them.
     * A marker whose change the session still has pending stays, and so does one of a session not rolled up yet
     * (a roll-up from before changes were recorded may still be refused by it). Returns the markers settled.
     */
    async settleStrayMarkers(): Promise<number> {
      // Two plain prefixes (not one alternation): each can use the `pendingTotals` index.
      const stray: (GifterDoc & { pendingTotals?: string[] })[] = [];
      for (const prefix of [/^live:/, /^delete:/]) {
        stray.push(
          ...(await creatorGifters
            .find({ pendingTotals: { $regex: prefix } }, { _id: 1, tenantId: 1, creatorId: 1, pendingTotals: 1 })
            .setOptions({ allTenants: true })
            .limit(100)
            .lean<(GifterDoc & { pendingTotals?: string[] })[]>()),
        );
      }
      let settled = 0;
      for (const g of stray) {
        const done = await settledMarkers(g.pendingTotals, async (sessionId, token) => {
          const session = await sessions
            .findOne({ _id: sessionId, tenantId: g.tenantId }, { pendingGiftersChange: 1, totalsApplied: 1, deleting: 1 })
            .lean<Pick<LiveSessionDoc, 'pendingGiftersChange' | 'totalsApplied' | 'deleting'>>();
          return session?.pendingGiftersChange?.token === token || (!!session && !session.totalsApplied && !session.deleting);
        });
        if (done.length === 0) continue;
        log.info({ gifterId: g._id, tokens: done }, 'live: settling cross-session gifter markers a crash left behind');
        await creatorGifters.collection.updateOne({ _id: g._id } as never, { $pullAll: { pendingTotals: done } } as never);
        // A deletion's crash may also have left the document empty (see `settle`).
        await creatorGifters.collection.deleteOne({ _id: g._id, sessions: { $lte: 0 }, pendingTotals: { $size: 0 } } as never);
        settled += done.length;
      }
      return settled;
    },
  };
}

export type CreatorGifters = ReturnType<typeof createCreatorGifters>;
