/**
 * A session writer: the in-memory tally of one listener session (shared/live's rule) plus what has changed since
 * the last flush. Events are applied at once (the tally is always current); the changes are buffered and written
 * by the aggregator's flush (aggregator.ts) as one batch per interval.
 *
 * A resumed session (another instance died, or this one restarted) is seeded from what was persisted, so the
 * rule continues where the previous writer stopped: totals, viewer integral, like counter, gifters, and the
 * streaks that were settled without their end message (so a late continuation counts only the rest).
 */
import type { Types } from 'mongoose';
import {
  applyLiveEvent,
  createSessionTally,
  endSession,
  sessionLikes,
  settleSessionStreaks,
  topGifters,
  type CountedGift,
  type GifterTotal,
  type LiveEvent,
  type SessionTally,
  type TallyDelta,
} from '@shared/live';
import type { Lease } from '../../coordination/index';
import type { LiveSessionDoc } from './session-model';

/** A counted gift with the running streak count it was counted at, ready for the ledger. */
export interface PendingGift extends CountedGift {
  ledgerId: string;
  streakCount: number;
}

/** The gifts and members one flush took from a writer (given back if their acknowledgement fails). */
export interface PendingChanges {
  gifts: PendingGift[];
  members: string[];
}

/** The session-document update one flush builds for a writer: `$inc`/`$max`/`$set`, and what it covered. */
export interface SessionPatch {
  inc: { diamonds: number; gifts: number; newMembers: number; chats: number; viewerMs: number };
  max: Record<string, unknown>;
  set: Record<string, unknown>;
  viewerMs: number;
  forced: boolean;
}

/** Where a settlement without a message id lands in the ledger: the same streak settled at the same count is the same entry. */
export function ledgerIdFor(sessionId: Types.ObjectId | string, gift: CountedGift, streakCount: number): string {
  if (gift.msgId) return `${sessionId}:${gift.msgId}`;
  if (gift.settledBy === 'instant' || gift.settledBy === 'end') return `${sessionId}:nomsg:${gift.streakKey}:${gift.at}:${Math.random().toString(36).slice(2)}`;
  return `${sessionId}:settle:${gift.streakKey}:${streakCount}`;
}

export interface ResumeState {
  doc: LiveSessionDoc;
  /** The creator's lease the session was taken over with (session-open.ts wrote its fence on the document). */
  lease: Lease;
  gifters: GifterTotal[];
  /** streakKey → highest count already counted by settlements without an end message. */
  settledStreaks: Map<string, number>;
}

/**
 * One listener session in memory. The flush (session-flush.ts) talks to it in four verbs: take the pending
 * changes (gifts and members to acknowledge), acknowledge them (or give them back), build and confirm the
 * session patch (running totals), and ask whether a tally is due for publishing. Nothing outside flips its flags.
 */
export class SessionWriter {
  readonly sessionId: Types.ObjectId;
  readonly tenantId: Types.ObjectId;
  readonly creatorId: Types.ObjectId;
  readonly roomId: string;
  readonly tally: SessionTally;
  /** The lease this writer holds the session by; every write is conditional on its fence (session-flush.ts). */
  readonly lease: Lease;
  /** Why the stream ended, when TikTok said (a suspended stream: `suspended`). */
  endReason: string | null = null;

  private pendingGifts: PendingGift[] = [];
  private pendingMembers: string[] = [];
  /** Acknowledged counts not yet added to the session document's running totals (and chats, which have no ledger). */
  private unapplied = { diamonds: 0, gifts: 0, newMembers: 0, chats: 0 };
  /** Viewer-milliseconds already persisted (the patch adds the difference). */
  private persistedViewerMs: number;
  /** Ledger ids sent in a flush that failed: a duplicate-key answer for them on retry is our own earlier write. */
  private attemptedIds = new Set<string>();
  private sessionDirty = false;
  /** Write the session document on the next flush whatever the budget (ending, detaching). */
  private forceWrite = false;
  private lastWriteAt = 0;
  private changed = true;
  private lastPublishedAt = 0;
  private fencedOut = false;
  /** Rebalancing hands the room over: none, draining (lease given up, still listening), or the successor opened. */
  private handover: 'none' | 'draining' | 'succeeded' = 'none';

  constructor(resume: ResumeState) {
    const { doc } = resume;
    const tally = createSessionTally(doc.startedAt.getTime());
    tally.diamonds = doc.diamonds ?? 0;
    tally.gifts = doc.gifts ?? 0;
    tally.lastEventAt = Math.max(tally.startedAt, doc.lastEventAt?.getTime() ?? 0);
    tally.likesSeen = tally.likesReportedTotal = doc.likes ?? 0;
    tally.chats = doc.chats ?? 0;
    tally.viewers.peak = doc.peakViewers ?? 0;
    if (doc.viewersAt && doc.viewersFirstAt) {
      tally.viewers.current = doc.viewers ?? 0;
      tally.viewers.firstAt = doc.viewersFirstAt.getTime();
      tally.viewers.lastAt = doc.viewersAt.getTime();
      tally.viewers.viewerMs = doc.viewerMs ?? 0;
    }
    for (const gifter of resume.gifters) tally.gifters.set(gifter.userId, { ...gifter });
    for (const [key, count] of resume.settledStreaks) tally.streaks.settledEarly.set(key, count);
    this.sessionId = doc._id;
    this.tenantId = doc.tenantId;
    this.creatorId = doc.creatorId;
    this.roomId = doc.roomId ?? '';
    this.tally = tally;
    this.lease = resume.lease;
    this.persistedViewerMs = tally.viewers.viewerMs;
  }

  // ---- events ----

  apply(event: LiveEvent): TallyDelta {
    const delta = applyLiveEvent(this.tally, event);
    this.record(delta, event);
    return delta;
  }

  /** Settles streaks open longer than the timeout (their end never came). */
  settleTimedOut(now: number, timeoutMs: number): void {
    const delta = settleSessionStreaks(this.tally, now, { olderThanMs: timeoutMs });
    if (delta.counted.length) this.record(delta);
  }

  /** A bare disconnect: settle every open streak with its highest count, keep the session. */
  settleOnDisconnect(now: number): void {
    const delta = settleSessionStreaks(this.tally, now);
    if (delta.counted.length) this.record(delta);
  }

  /** The stream ended (or the listener gave up on it): settle everything, fix the end time, write at once. */
  end(at: number): void {
    this.record(endSession(this.tally, at));
    this.forceWrite = true;
  }

  private record(delta: TallyDelta, event?: LiveEvent): void {
    if (delta.duplicate || this.fencedOut) return;
    for (const gift of delta.counted) {
      // Settlements count up to the streak's highest count, which the rule remembers for late continuations.
      const streakCount =
        gift.settledBy === 'instant' ? gift.gifts : gift.settledBy === 'end' ? (event?.kind === 'gift' ? event.repeatCount : gift.gifts) : (this.tally.streaks.settledEarly.get(gift.streakKey) ?? gift.gifts);
      this.pendingGifts.push({ ...gift, streakCount, ledgerId: ledgerIdFor(this.sessionId, gift, streakCount) });
    }
    if (delta.newMembers && event?.kind === 'member') this.pendingMembers.push(event.userId);
    this.unapplied.chats += delta.chats;
    this.sessionDirty = true;
    this.changed = true;
  }

  // ---- phase 1: acknowledgement (ledger and members) ----

  /** Gifts or members to acknowledge (a fenced writer has none: it writes nothing more). */
  hasPending(): boolean {
    return this.pendingGifts.length > 0 || this.pendingMembers.length > 0;
  }

  /** Takes the gifts and members to acknowledge (synchronously, before the flush's first await). */
  takePending(): PendingChanges {
    const taken = { gifts: this.pendingGifts, members: this.pendingMembers };
    this.pendingGifts = [];
    this.pendingMembers = [];
    return taken;
  }

  /** A failed acknowledgement: the changes go back ahead of what arrived meanwhile, their ledger ids remembered as ours. */
  giveBack(taken: PendingChanges): void {
    if (this.fencedOut) return;
    this.pendingGifts = taken.gifts.concat(this.pendingGifts);
    this.pendingMembers = taken.members.concat(this.pendingMembers);
    for (const g of taken.gifts) this.attemptedIds.add(g.ledgerId);
  }

  /**
   * The ledger and members inserts answered: `duplicateIds` are ledger ids that existed already (a replay of
   * something a previous writer counted, unless it was our own failed attempt), `knownMembers` the member ids
   * that existed. The rest moves to the running totals the next patch adds.
   */
  acknowledge(taken: PendingChanges, duplicateIds: Set<string>, knownMembers: Set<string>): void {
    const refused: PendingGift[] = [];
    for (const g of taken.gifts) {
      if (duplicateIds.has(g.ledgerId) && !this.attemptedIds.has(g.ledgerId)) refused.push(g);
      else {
        this.unapplied.diamonds += g.diamonds;
        this.unapplied.gifts += g.gifts;
      }
      this.attemptedIds.delete(g.ledgerId);
    }
    if (refused.length) this.uncount(refused);
    this.unapplied.newMembers += taken.members.filter((u) => !knownMembers.has(memberIdFor(this.sessionId, u))).length;
    this.sessionDirty = true;
  }

  /** Takes back gifts the ledger refused as duplicates: the in-memory tally counted them, the persisted totals did not. */
  private uncount(gifts: PendingGift[]): void {
    for (const gift of gifts) {
      this.tally.diamonds -= gift.diamonds;
      this.tally.gifts -= gift.gifts;
      const gifter = this.tally.gifters.get(gift.userId);
      if (gifter) {
        gifter.diamonds -= gift.diamonds;
        gifter.gifts -= gift.gifts;
        if (gifter.gifts <= 0) this.tally.gifters.delete(gift.userId);
      }
    }
    this.changed = true;
  }

  // ---- phase 2: the session document's running totals ----

  /** Write the session document on the next flush, whatever the budget (detaching, shutting down). */
  requestSessionWrite(): void {
    this.forceWrite = true;
  }

  forced(): boolean {
    return this.forceWrite && !this.fencedOut;
  }

  lastWrittenAt(): number {
    return this.lastWriteAt;
  }

  dueForSessionWrite(now: number, minIntervalMs: number): boolean {
    return !this.fencedOut && this.handover !== 'succeeded' && (this.forceWrite || (this.sessionDirty && now - this.lastWriteAt >= minIntervalMs));
  }

  /** The update that brings the session document up to this writer's tally; the writer counts itself clean until told otherwise. */
  sessionPatch(now: number): SessionPatch {
    const v = this.tally.viewers;
    const set: Record<string, unknown> = { topGifters: topGiftersOf(this) };
    if (v.lastAt !== null && v.firstAt !== null) {
      set.viewers = v.current ?? 0;
      set.viewersAt = new Date(v.lastAt);
      set.viewersFirstAt = new Date(v.firstAt);
    }
    const patch: SessionPatch = {
      inc: { ...this.unapplied, viewerMs: v.viewerMs - this.persistedViewerMs },
      max: {
        peakViewers: v.peak,
        likes: Math.max(this.tally.likesSeen, this.tally.likesReportedTotal),
        lastEventAt: new Date(this.tally.lastEventAt),
        gifters: this.tally.gifters.size,
        // When we last wrote for this session: a session no one writes any more ended about then (session-end.ts).
        lastFlushAt: new Date(now),
      },
      set,
      viewerMs: v.viewerMs,
      forced: this.forceWrite,
    };
    this.sessionDirty = false;
    this.forceWrite = false;
    return patch;
  }

  /** The patch is in the database: its increments are no longer pending. */
  patchWritten(patch: SessionPatch, now: number): void {
    this.unapplied.diamonds -= patch.inc.diamonds;
    this.unapplied.gifts -= patch.inc.gifts;
    this.unapplied.newMembers -= patch.inc.newMembers;
    this.unapplied.chats -= patch.inc.chats;
    this.persistedViewerMs = patch.viewerMs;
    this.lastWriteAt = now;
  }

  /** The patch's write failed: write again on the next flush (the increments are still pending). */
  patchFailed(patch: SessionPatch): void {
    this.sessionDirty = true;
    this.forceWrite ||= patch.forced;
  }

  // ---- fencing ----

  /**
   * Another instance owns the session now (its lease or the session's fence is newer than ours): this writer
   * stops without ending it and writes nothing more, not even what it still held (the new owner's session is
   * recomputed from the ledger it writes; see the README's known limits).
   */
  fence(): void {
    this.fencedOut = true;
    this.pendingGifts = [];
    this.pendingMembers = [];
  }

  get fenced(): boolean {
    return this.fencedOut;
  }

  // ---- handover (make before break) ----

  /**
   * The manager hands this room to another instance (rebalancing): it gave the lease up, and this writer goes on
   * until the successor has opened the session, so no gift falls between the two. Meanwhile its gifts still go
   * into the ledger (idempotent per message: what both instances heard is counted once) whatever the lease says,
   * and its session writes stay conditional on its fence.
   */
  handOver(): void {
    if (this.handover === 'none') this.handover = 'draining';
  }

  /** Handing over (lease given up): the flush skips its lease check. */
  get handingOver(): boolean {
    return this.handover !== 'none';
  }

  /**
   * The successor's fence is on the session: no more session writes; what this writer still acknowledges goes in
   * as plain increments, as a fenced writer's late entries do (session-flush.ts). Unlike `fence()`, nothing it
   * holds is dropped: gifts heard before the successor connected are only here.
   */
  successorOpened(): void {
    if (this.handover !== 'none') this.handover = 'succeeded';
  }

  /** The successor has opened the session (see `successorOpened`). */
  get handedOver(): boolean {
    return this.handover === 'succeeded';
  }

  // ---- realtime ----

  /** The tally to publish now, or null when nothing changed or one was published less than `intervalMs` ago. */
  takeTally(now: number, intervalMs: number, force = false): TallyPayload | null {
    if (!force && (!this.changed || now - this.lastPublishedAt < intervalMs)) return null;
    this.changed = false;
    this.lastPublishedAt = now;
    return tallyPayload(this, now);
  }
}

export function createWriter(resume: ResumeState): SessionWriter {
  return new SessionWriter(resume);
}

/** The `live_members` id of a viewer who joined a session. */
export function memberIdFor(sessionId: Types.ObjectId | string, userId: string): string {
  return `${sessionId}:${userId}`;
}

/** Applies one event (the listener's path). */
export function applyToWriter(writer: SessionWriter, event: LiveEvent): TallyDelta {
  return writer.apply(event);
}

/** The stream ended (or the listener gave up on it). */
export function endWriter(writer: SessionWriter, at: number): void {
  writer.end(at);
}

export interface TallyPayload {
  creatorId: string;
  sessionId: string;
  startedAt: string;
  diamonds: number;
  gifts: number;
  viewers: number;
  peakViewers: number;
  likes: number;
  topGifters: { userId: string; handle: string; nickname: string; diamonds: number }[];
  at: string;
}

export const TOP_GIFTERS_IN_TALLY = 5;

export function topGiftersOf(writer: SessionWriter, limit = TOP_GIFTERS_IN_TALLY) {
  return topGifters(writer.tally, limit).map(({ userId, handle, nickname, diamonds }) => ({ userId, handle, nickname, diamonds }));
}

/** The realtime `tally` event of this session as of now. */
export function tallyPayload(writer: SessionWriter, now: number): TallyPayload {
  const tally = writer.tally;
  return {
    creatorId: String(writer.creatorId),
    sessionId: String(writer.sessionId),
    startedAt: new Date(tally.startedAt).toISOString(),
    diamonds: tally.diamonds,
    gifts: tally.gifts,
    viewers: tally.viewers.current ?? 0,
    peakViewers: tally.viewers.peak,
    likes: sessionLikes(tally),
    topGifters: topGiftersOf(writer),
    at: new Date(now).toISOString(),
  };
}
