/**
 * The batched flush of listener sessions, in this order for all writers that changed:
 *   1. the counted gifts into the ledger (`live_gift_events`, `_id` = session + msgId, unordered insert): a
 *      duplicate `_id` means a previous writer already counted that gift (a replay) and it is not counted again;
 *   2. the per-session gifters (`$inc` upserts; an upsert that inserted is a new unique gifter);
 *   3. new members (unordered insert; duplicates are viewers already counted);
 *   4. one `$inc`/`$max`/`$set` update per session, fenced on `listenerInstanceId` (a writer that lost its lease
 *      to another instance is refused and stops).
 * The ledger is the source of truth for diamonds, gifts and gifters: a crash between 1 and 4 leaves the running
 * totals behind the ledger; the session is recomputed from it when resumed and when it ends (session-store.ts).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Connection } from 'mongoose';
import { liveGiftEventModel, liveGifterModel, liveMemberModel, type LiveGiftEventDoc } from './models';
import { liveSessionModel } from './session-model';
import { topGiftersOf, uncount, type PendingGift, type SessionWriter } from './writer';

/** Ids of the documents an unordered insert did not write because they already existed. */
async function insertIgnoringDuplicates(collection: { insertMany(docs: object[], options: object): Promise<unknown> }, docs: { _id: string }[]): Promise<Set<string>> {
  const duplicates = new Set<string>();
  if (docs.length === 0) return duplicates;
  try {
    await collection.insertMany(docs, { ordered: false });
  } catch (err) {
    const writeErrors = (err as { writeErrors?: { index: number; code: number }[] }).writeErrors;
    if (!writeErrors || writeErrors.some((e) => e.code !== 11000)) throw err;
    for (const e of writeErrors) duplicates.add(docs[e.index]._id);
  }
  return duplicates;
}

export function createSessionFlush(conn: Connection, options: { instanceId: string; log: FastifyBaseLogger }) {
  const sessions = liveSessionModel(conn);
  const ledger = liveGiftEventModel(conn);
  const gifters = liveGifterModel(conn);
  const members = liveMemberModel(conn);

  /**
   * What one flush writes for one writer, taken synchronously before the first await: events applied while the
   * flush is in flight go into the writer's fresh buffers and the next flush.
   */
  interface Taken {
    w: SessionWriter;
    gifts: PendingGift[];
    members: string[];
    chats: number;
    viewerMs: number;
    viewers: { current: number; lastAt: number; firstAt: number } | null;
    peak: number;
    likes: number;
    lastEventAt: number;
  }

  function take(w: SessionWriter): Taken {
    const v = w.tally.viewers;
    const taken: Taken = {
      w,
      gifts: w.pendingGifts,
      members: w.pendingMembers,
      chats: w.pendingChats,
      viewerMs: v.viewerMs,
      viewers: v.lastAt !== null && v.firstAt !== null ? { current: v.current ?? 0, lastAt: v.lastAt, firstAt: v.firstAt } : null,
      peak: v.peak,
      likes: Math.max(w.tally.likesSeen, w.tally.likesReportedTotal),
      lastEventAt: w.tally.lastEventAt,
    };
    w.pendingGifts = [];
    w.pendingMembers = [];
    w.pendingChats = 0;
    w.dirty = false;
    return taken;
  }

  /** A failed flush gives its changes back (ahead of what arrived meanwhile) and remembers its ledger ids as ours. */
  function giveBack(t: Taken): void {
    const w = t.w;
    w.pendingGifts = t.gifts.concat(w.pendingGifts);
    w.pendingMembers = t.members.concat(w.pendingMembers);
    w.pendingChats += t.chats;
    w.dirty = true;
    for (const g of t.gifts) w.attemptedIds.add(g.ledgerId);
  }

  async function flushBatch(batch: Taken[]): Promise<void> {
    // 1. The ledger.
    const giftDocs: (LiveGiftEventDoc & { _id: string })[] = [];
    for (const { w, gifts: pending } of batch) {
      for (const g of pending) {
        giftDocs.push({
          _id: g.ledgerId,
          tenantId: w.tenantId,
          creatorId: w.creatorId,
          sessionId: w.sessionId,
          msgId: g.msgId,
          streakKey: g.streakKey,
          userId: g.userId,
          handle: g.handle,
          nickname: g.nickname,
          giftId: g.giftId,
          giftName: g.giftName,
          diamondCount: g.diamondCount,
          gifts: g.gifts,
          diamonds: g.diamonds,
          streakCount: g.streakCount,
          settledBy: g.settledBy,
          at: new Date(g.at),
        });
      }
    }
    const duplicates = await insertIgnoringDuplicates(ledger.collection, giftDocs);

    // 2. Gifters of the gifts actually written (per session and user).
    const counted = new Map<Taken, { gifts: PendingGift[]; refused: PendingGift[] }>();
    const gifterOps: object[] = [];
    const gifterOpOwner: Taken[] = [];
    for (const t of batch) {
      const { w } = t;
      const entry = { gifts: [] as PendingGift[], refused: [] as PendingGift[] };
      for (const g of t.gifts) (duplicates.has(g.ledgerId) && !w.attemptedIds.has(g.ledgerId) ? entry.refused : entry.gifts).push(g);
      counted.set(t, entry);
      const perUser = new Map<string, { diamonds: number; gifts: number; handle: string; nickname: string }>();
      for (const g of entry.gifts) {
        const u = perUser.get(g.userId) ?? { diamonds: 0, gifts: 0, handle: '', nickname: '' };
        u.diamonds += g.diamonds;
        u.gifts += g.gifts;
        if (g.handle) u.handle = g.handle;
        if (g.nickname) u.nickname = g.nickname;
        perUser.set(g.userId, u);
      }
      for (const [userId, u] of perUser) {
        gifterOps.push({
          updateOne: {
            filter: { _id: `${w.sessionId}:${userId}`, tenantId: w.tenantId },
            update: { $inc: { diamonds: u.diamonds, gifts: u.gifts }, $set: { handle: u.handle, nickname: u.nickname }, $setOnInsert: { creatorId: w.creatorId, sessionId: w.sessionId, userId } },
            upsert: true,
          },
        });
        gifterOpOwner.push(t);
      }
    }
    const newGifters = new Map<Taken, number>();
    if (gifterOps.length) {
      const result = await gifters.collection.bulkWrite(gifterOps as never, { ordered: false });
      for (const index of Object.keys(result.upsertedIds ?? {})) {
        const owner = gifterOpOwner[Number(index)];
        newGifters.set(owner, (newGifters.get(owner) ?? 0) + 1);
      }
    }

    // 3. Members.
    const memberDocs = batch.flatMap(({ w, members: joined }) => joined.map((userId) => ({ _id: `${w.sessionId}:${userId}`, tenantId: w.tenantId, creatorId: w.creatorId, sessionId: w.sessionId })));
    const knownMembers = await insertIgnoringDuplicates(members.collection, memberDocs);

    // 4. One update per session, fenced on the writing instance.
    const sessionOps = batch.map((t) => {
      const { w } = t;
      const { gifts } = counted.get(t)!;
      const inc = {
        diamonds: gifts.reduce((sum, g) => sum + g.diamonds, 0),
        gifts: gifts.reduce((sum, g) => sum + g.gifts, 0),
        gifters: newGifters.get(t) ?? 0,
        newMembers: t.members.filter((u) => !knownMembers.has(`${w.sessionId}:${u}`)).length,
        chats: t.chats,
        viewerMs: t.viewerMs - w.persistedViewerMs,
      };
      const set: Record<string, unknown> = { topGifters: topGiftersOf(w) };
      if (t.viewers) {
        set.viewers = t.viewers.current;
        set.viewersAt = new Date(t.viewers.lastAt);
        set.viewersFirstAt = new Date(t.viewers.firstAt);
      }
      return {
        updateOne: {
          filter: { _id: w.sessionId, tenantId: w.tenantId, listenerInstanceId: options.instanceId },
          update: { $inc: inc, $max: { peakViewers: t.peak, likes: t.likes, lastEventAt: new Date(t.lastEventAt) }, $set: set },
        },
      };
    });
    const result = await sessions.collection.bulkWrite(sessionOps as never, { ordered: false });

    for (const t of batch) {
      const { w } = t;
      const { refused } = counted.get(t)!;
      if (refused.length) uncount(w, refused);
      w.persistedViewerMs = t.viewerMs;
      for (const g of t.gifts) w.attemptedIds.delete(g.ledgerId);
    }
    if (result.matchedCount < batch.length) {
      const ours = await sessions.collection
        .find({ _id: { $in: batch.map((t) => t.w.sessionId) }, listenerInstanceId: options.instanceId }, { projection: { _id: 1 } })
        .toArray();
      const kept = new Set(ours.map((d) => String(d._id)));
      for (const { w } of batch) {
        if (!kept.has(String(w.sessionId))) {
          w.fenced = true;
          options.log.warn({ sessionId: String(w.sessionId) }, 'live: session taken over by another instance; this writer stops');
        }
      }
    }
  }

  /**
   * Writes what changed in these writers. Throws on a database error; the writers get their changes back, and
   * the ledger ids this attempt sent are remembered as ours, so the retry's duplicate-key answers for them count
   * (they are our own earlier insert, not a replay).
   */
  return async function flush(writers: SessionWriter[]): Promise<void> {
    const batch = writers.filter((w) => w.dirty && !w.fenced).map(take);
    if (batch.length === 0) return;
    try {
      await flushBatch(batch);
    } catch (err) {
      batch.forEach(giveBack);
      throw err;
    }
  };
}
