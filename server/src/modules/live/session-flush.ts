/**
 * The batched flush of listener sessions, in two phases per tick:
 *   1. acknowledgement: the counted gifts go into the ledger (`live_gift_events`, `_id` = session + msgId,
 *      unordered insert; a duplicate `_id` is a gift a previous writer already counted — a replay — and is taken
 *      back out of the tally) and new members into `live_members` (duplicates are viewers already counted). Both
 *      are plain batched inserts, cheap even on FerretDB/SQLite, so every gift is persisted within a tick;
 *   2. running totals: one `$inc`/`$max`/`$set` update per session, conditional on the session's `fence` (the
 *      fencing token of the lease the writer took it with) and on it being live: a writer fenced out is refused
 *      and stops. Updates cost far more than inserts on FerretDB/SQLite (each one
 *      scans), so at most `sessionWritesPerFlush` sessions are written per tick, least recently written first,
 *      each at most every `sessionWriteMinIntervalMs` unless it is ending.
 * Before phase 1, the writers' leases are checked against the ownership (one Redis MGET, or memory): a writer
 * whose lease another instance took (it was paused past its TTL) writes nothing, not even to the ledger. The
 * database fence in phase 2 (and at the end, session-end.ts) refuses what slips between that check and the write.
 * The ledger is the source of truth for diamonds, gifts and gifters: whatever phase 2 had not written yet when
 * a process died is recomputed from the ledger when the session is resumed and when it ends (session-store.ts).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Connection, Types } from 'mongoose';
import { isDatabaseUnavailableError } from '../../db/availability';
import { liveGiftEventModel, liveMemberModel, type LiveGiftEventDoc } from './models';
import { liveSessionModel } from './session-model';
import { memberIdFor, type PendingChanges, type PendingGift, type SessionWriter } from './writer';

/** Ids of the documents an unordered insert did not write because they already existed. */
async function insertIgnoringDuplicates(collection: { insertMany(docs: object[], options: object): Promise<unknown> }, docs: { _id: string }[]): Promise<Set<string>> {
  const duplicates = new Set<string>();
  if (docs.length === 0) return duplicates;
  try {
    await collection.insertMany(docs, { ordered: false });
  } catch (err) {
    const writeErrors = (err as { writeErrors?: { index: number; code: number }[] }).writeErrors;
    // Only an answer made of duplicate keys is an answer: a bulk error with no write errors is a lost
    // connection (the database went away mid-insert), and the insert must be retried, not taken as done.
    if (!Array.isArray(writeErrors) || writeErrors.length === 0 || writeErrors.some((e) => e.code !== 11000) || isDatabaseUnavailableError(err)) throw err;
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
   * For each writer: whether its lease is still not taken over (coordination `notTakenOver`). Throws when the
   * coordination is unreachable; the flush then relies on the database fence alone.
   */
  stillOwned?: (writers: SessionWriter[]) => Promise<boolean[]>;
  /** Reopens a session that was ended while this instance still listens to it (session-end.ts `reopen`). */
  reopen: (tenantId: Types.ObjectId, sessionId: Types.ObjectId) => Promise<boolean>;
  /** Settles gifts added to the ledger of a session that had already rolled up (session-end.ts `settleLate`). */
  settleLate: (tenantId: Types.ObjectId, sessionId: Types.ObjectId) => Promise<unknown>;
}

/** A writer's gifts and members taken for one flush, synchronously, before the first await. */
interface Taken {
  w: SessionWriter;
  changes: PendingChanges;
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
    const duplicates = await insertIgnoringDuplicates(ledger.collection, batch.flatMap((t) => t.changes.gifts.map((g) => ledgerDoc(t.w, g))));
    const knownMembers = await insertIgnoringDuplicates(
      members.collection,
      batch.flatMap(({ w, changes }) => changes.members.map((userId) => ({ _id: memberIdFor(w.sessionId, userId), tenantId: w.tenantId, creatorId: w.creatorId, sessionId: w.sessionId }))),
    );
    for (const { w, changes } of batch) w.acknowledge(changes, duplicates, knownMembers);
  }

  /** Phase 2: the running totals of the sessions due (ending ones always), within the per-flush budget. */
  async function writeSessions(writers: SessionWriter[]): Promise<void> {
    const now = options.now();
    const due = writers
      .filter((w) => w.dueForSessionWrite(now, options.sessionWriteMinIntervalMs))
      .sort((a, b) => Number(b.forced()) - Number(a.forced()) || a.lastWrittenAt() - b.lastWrittenAt());
    const batch = due.filter((w, i) => w.forced() || i < options.sessionWritesPerFlush);
    if (batch.length === 0) return;
    const patches = batch.map((w) => ({ w, patch: w.sessionPatch(now) }));
    // Fenced on the lease's token, and on the session being live: an ended session's figures are what its roll-up
    // counted, and change only through session-end.ts (reopen, late settlement).
    const ops = patches.map(({ w, patch }) => ({
      updateOne: { filter: { _id: w.sessionId, tenantId: w.tenantId, fence: w.lease.fence, status: 'live' }, update: { $inc: patch.inc, $max: patch.max, $set: patch.set } },
    }));
    let result;
    try {
      result = await sessions.collection.bulkWrite(ops as never, { ordered: false });
    } catch (err) {
      for (const { w, patch } of patches) w.patchFailed(patch);
      throw err;
    }
    for (const { w, patch } of patches) w.patchWritten(patch, now);
    if (result.matchedCount < batch.length) {
      const docs = await sessions.collection.find({ _id: { $in: batch.map((w) => w.sessionId) } }, { projection: { _id: 1, fence: 1, status: 1 } }).toArray();
      const byId = new Map(docs.map((d) => [String(d._id), d as { fence?: number | null; status?: string }]));
      for (const w of batch) {
        const doc = byId.get(String(w.sessionId));
        if (doc?.fence !== w.lease.fence && w.handingOver) {
          // The instance this room was handed to has opened the session: this writer keeps what it holds (its
          // listener stops right after a last flush) and writes increments only from now on.
          w.successorOpened();
        } else if (doc?.fence !== w.lease.fence) {
          w.fence();
          options.log.warn({ sessionId: String(w.sessionId) }, 'live: session taken over by another instance; this writer stops');
        } else if (doc.status === 'ended') {
          // Ended under us (the sweeper or a check judged it gone) while we still hear its room: it is reopened
          // (its roll-up taken back out) and its figures written again on the next flush; the ledger holds every
          // gift acknowledged so far, and the reopen recomputed the session from it.
          await options.reopen(w.tenantId, w.sessionId);
          w.requestSessionWrite();
        }
      }
    }
  }

  /** Fences out, before anything is written, the writers whose lease another instance holds now. */
  async function checkLeases(writers: SessionWriter[]): Promise<void> {
    // A writer handing its room over gave its lease up on purpose: the successor's fence on the session ends it.
    const active = writers.filter((w) => !w.fenced && !w.handingOver);
    if (!options.stillOwned || active.length === 0) return;
    let owned: boolean[];
    try {
      owned = await options.stillOwned(active);
    } catch (err) {
      options.log.warn({ err }, 'live: lease check unavailable; the session fence alone guards this flush');
      return;
    }
    owned.forEach((ok, i) => {
      if (ok) return;
      active[i].fence();
      options.log.warn({ sessionId: String(active[i].sessionId) }, 'live: lease taken over by another instance; this writer stops before writing');
    });
  }

  /**
   * A fenced writer's gifts acknowledged after its lease was lost (held through an outage), and those a writer
   * that handed its room over acknowledges after the successor opened the session, are its own ledger entries:
   * their diamonds go into the session's running figures (not fenced on the instance: no one else counts these
   * entries), or, when the session has ended meanwhile, its late settlement adds them to the totals.
   */
  async function writeFencedIncrements(writers: SessionWriter[]): Promise<void> {
    const now = options.now();
    for (const w of writers) {
      if (!w.fenced && !w.handedOver) continue;
      const patch = w.sessionPatch(now);
      if (!patch.inc.diamonds && !patch.inc.gifts) {
        w.patchWritten(patch, now);
        continue;
      }
      let matched: number;
      try {
        matched = (await sessions.updateOne({ _id: w.sessionId, tenantId: w.tenantId, status: 'live' }, { $inc: { diamonds: patch.inc.diamonds, gifts: patch.inc.gifts } })).matchedCount;
      } catch (err) {
        w.patchFailed(patch);
        throw err;
      }
      w.patchWritten(patch, now);
      if (matched === 0) await options.settleLate(w.tenantId, w.sessionId);
    }
  }

  /**
   * One flush: acknowledges every writer's new gifts and members, then writes the running totals of the sessions
   * due. Throws on a database error; nothing is lost (phase 1 gives its changes back, phase 2 keeps its totals).
   */
  return async function flush(writers: SessionWriter[]): Promise<void> {
    await checkLeases(writers);
    const batch: Taken[] = writers.filter((w) => w.hasPending()).map((w) => ({ w, changes: w.takePending() }));
    if (batch.length) {
      try {
        await acknowledge(batch);
      } catch (err) {
        for (const t of batch) t.w.giveBack(t.changes);
        throw err;
      }
    }
    await writeSessions(writers);
    await writeFencedIncrements(writers);
  };
}
