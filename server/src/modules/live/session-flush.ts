/**
 * The batched flush of listener sessions, in two phases per tick:
 *   1. acknowledgement: the counted gifts go into the ledger (`live_gift_events`, `_id` = session + msgId,
 *      unordered insert; a duplicate `_id` is a gift a previous writer already counted — a replay — and is taken
 *      back out of the tally) and new members into `live_members` (duplicates are viewers already counted). Both
 *      are plain batched inserts, cheap even on FerretDB/SQLite, so every gift is persisted within a tick;
 *   2. running totals: one `$inc`/`$max`/`$set` update per session, fenced on `listenerInstanceId` (a writer that
 *      lost its lease is refused and stops). Updates cost far more than inserts on FerretDB/SQLite (each one
 *      scans), so at most `sessionWritesPerFlush` sessions are written per tick, least recently written first,
 *      each at most every `sessionWriteMinIntervalMs` unless it is ending.
 * The ledger is the source of truth for diamonds, gifts and gifters: whatever phase 2 had not written yet when
 * a process died is recomputed from the ledger when the session is resumed and when it ends (session-store.ts).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Connection } from 'mongoose';
import { liveGiftEventModel, liveMemberModel, type LiveGiftEventDoc } from './models';
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

export interface SessionFlushOptions {
  instanceId: string;
  now: () => number;
  log: FastifyBaseLogger;
  sessionWritesPerFlush: number;
  sessionWriteMinIntervalMs: number;
  /**
   * Checks the writers' fencing tokens against the ownership leases before anything is written (ledger included):
   * a writer whose lease another instance took writes nothing. Unreachable coordination: the database fence on
   * the session document still refuses the stale writer's totals.
   */
  stillOwned?: (writers: SessionWriter[]) => Promise<boolean[]>;
}

/** A writer's gifts and members taken for one flush, synchronously, before the first await. */
interface Taken {
  w: SessionWriter;
  gifts: PendingGift[];
  members: string[];
}

function take(w: SessionWriter): Taken {
  const taken = { w, gifts: w.pendingGifts, members: w.pendingMembers };
  w.pendingGifts = [];
  w.pendingMembers = [];
  w.dirty = false;
  return taken;
}

/** A failed acknowledgement gives its changes back (ahead of what arrived meanwhile) and remembers its ledger ids as ours. */
function giveBack(t: Taken): void {
  const w = t.w;
  w.pendingGifts = t.gifts.concat(w.pendingGifts);
  w.pendingMembers = t.members.concat(w.pendingMembers);
  w.dirty = true;
  for (const g of t.gifts) w.attemptedIds.add(g.ledgerId);
}

function ledgerDoc(w: SessionWriter, g: PendingGift): LiveGiftEventDoc {
  return {
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
  };
}

export function createSessionFlush(conn: Connection, options: SessionFlushOptions) {
  const sessions = liveSessionModel(conn);
  const ledger = liveGiftEventModel(conn);
  const members = liveMemberModel(conn);

  /** Phase 1: ledger and members. On success the counts move to the writers' unapplied totals. */
  async function acknowledge(batch: Taken[]): Promise<void> {
    const duplicates = await insertIgnoringDuplicates(ledger.collection, batch.flatMap((t) => t.gifts.map((g) => ledgerDoc(t.w, g))));
    const knownMembers = await insertIgnoringDuplicates(
      members.collection,
      batch.flatMap(({ w, members: joined }) => joined.map((userId) => ({ _id: `${w.sessionId}:${userId}`, tenantId: w.tenantId, creatorId: w.creatorId, sessionId: w.sessionId }))),
    );
    for (const { w, gifts, members: joined } of batch) {
      const refused: PendingGift[] = [];
      for (const g of gifts) {
        // A duplicate of an id we sent in a failed attempt is our own earlier insert, not a replay.
        if (duplicates.has(g.ledgerId) && !w.attemptedIds.has(g.ledgerId)) refused.push(g);
        else {
          w.unapplied.diamonds += g.diamonds;
          w.unapplied.gifts += g.gifts;
        }
        w.attemptedIds.delete(g.ledgerId);
      }
      if (refused.length) uncount(w, refused);
      w.unapplied.newMembers += joined.filter((u) => !knownMembers.has(`${w.sessionId}:${u}`)).length;
      w.sessionDirty = true;
    }
  }

  /** Phase 2: the running totals of the sessions due (ending ones always), within the per-flush budget. */
  async function writeSessions(writers: SessionWriter[]): Promise<void> {
    const now = options.now();
    const due = writers
      .filter((w) => !w.fenced && (w.forceSessionWrite || (w.sessionDirty && now - w.lastSessionWriteAt >= options.sessionWriteMinIntervalMs)))
      .sort((a, b) => Number(b.forceSessionWrite) - Number(a.forceSessionWrite) || a.lastSessionWriteAt - b.lastSessionWriteAt);
    const batch = due.filter((w, i) => w.forceSessionWrite || i < options.sessionWritesPerFlush);
    if (batch.length === 0) return;
    const snapshots = batch.map((w) => {
      const v = w.tally.viewers;
      const inc = { ...w.unapplied, viewerMs: v.viewerMs - w.persistedViewerMs };
      const set: Record<string, unknown> = { topGifters: topGiftersOf(w) };
      if (v.lastAt !== null && v.firstAt !== null) {
        set.viewers = v.current ?? 0;
        set.viewersAt = new Date(v.lastAt);
        set.viewersFirstAt = new Date(v.firstAt);
      }
      const max = { peakViewers: v.peak, likes: Math.max(w.tally.likesSeen, w.tally.likesReportedTotal), lastEventAt: new Date(w.tally.lastEventAt), gifters: w.tally.gifters.size };
      const snapshot = { w, inc, viewerMs: v.viewerMs, force: w.forceSessionWrite };
      w.sessionDirty = false;
      w.forceSessionWrite = false;
      const filter: Record<string, unknown> = { _id: w.sessionId, tenantId: w.tenantId, listenerInstanceId: options.instanceId };
      if (w.fence) filter.listenerFence = w.fence; // the lease's fencing token: refused once another holder took over
      return { snapshot, op: { updateOne: { filter, update: { $inc: inc, $max: max, $set: set } } } };
    });
    let result;
    try {
      result = await sessions.collection.bulkWrite(snapshots.map((s) => s.op) as never, { ordered: false });
    } catch (err) {
      for (const { snapshot } of snapshots) {
        snapshot.w.sessionDirty = true;
        snapshot.w.forceSessionWrite ||= snapshot.force;
      }
      throw err;
    }
    for (const { snapshot } of snapshots) {
      const { w, inc } = snapshot;
      w.unapplied.diamonds -= inc.diamonds;
      w.unapplied.gifts -= inc.gifts;
      w.unapplied.newMembers -= inc.newMembers;
      w.unapplied.chats -= inc.chats;
      w.persistedViewerMs = snapshot.viewerMs;
      w.lastSessionWriteAt = now;
    }
    if (result.matchedCount < batch.length) {
      const ours = await sessions.collection.find({ _id: { $in: batch.map((w) => w.sessionId) }, listenerInstanceId: options.instanceId }, { projection: { _id: 1, listenerFence: 1 } }).toArray();
      const kept = new Map(ours.map((d) => [String(d._id), (d as { listenerFence?: string | null }).listenerFence ?? null]));
      for (const w of batch) {
        if (!kept.has(String(w.sessionId)) || (w.fence && kept.get(String(w.sessionId)) !== w.fence)) {
          w.fenced = true;
          options.log.warn({ sessionId: String(w.sessionId) }, 'live: session taken over by another instance; this writer stops');
        }
      }
    }
  }

  /**
   * One flush: acknowledges every writer's new gifts and members, then writes the running totals of the sessions
   * due. Throws on a database error; nothing is lost (phase 1 gives its changes back, phase 2 keeps its totals).
   */
  return async function flush(writers: SessionWriter[]): Promise<void> {
    if (options.stillOwned) {
      const fenced = writers.filter((w) => !w.fenced && w.fence);
      const owned = fenced.length ? await options.stillOwned(fenced).catch(() => null) : null;
      owned?.forEach((ok, i) => {
        if (ok) return;
        fenced[i].fenced = true;
        options.log.warn({ sessionId: String(fenced[i].sessionId) }, 'live: lease taken over by another instance; this writer stops before writing');
      });
    }
    const batch = writers.filter((w) => w.dirty && !w.fenced).map(take);
    if (batch.length) {
      try {
        await acknowledge(batch);
      } catch (err) {
        batch.forEach(giveBack);
        throw err;
      }
    }
    await writeSessions(writers);
  };
}
