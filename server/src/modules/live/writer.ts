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
import type { LiveSessionDoc } from './session-model';

/** A counted gift with the running streak count it was counted at, ready for the ledger. */
export interface PendingGift extends CountedGift {
  ledgerId: string;
  streakCount: number;
}

export interface SessionWriter {
  sessionId: Types.ObjectId;
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
  roomId: string;
  tally: SessionTally;
  /** Counted gifts and joined members not yet acknowledged (written to the ledger / members). */
  pendingGifts: PendingGift[];
  pendingMembers: string[];
  /** Acknowledged counts not yet added to the session document's running totals (and chats, which have no ledger). */
  unapplied: { diamonds: number; gifts: number; newMembers: number; chats: number };
  /** Viewer-milliseconds already persisted (the flush adds the difference). */
  persistedViewerMs: number;
  /** Ledger ids sent in a flush that failed: a duplicate-key answer for them on retry is our own earlier write. */
  attemptedIds: Set<string>;
  /** Gifts or members to acknowledge. */
  dirty: boolean;
  /** Anything changed since the session document was last written. */
  sessionDirty: boolean;
  /** Write the session document on the next flush whatever the budget (ending, detaching). */
  forceSessionWrite: boolean;
  lastSessionWriteAt: number;
  /** Something to publish on the realtime stream. */
  changed: boolean;
  lastPublishedAt: number;
  /** Another instance owns the session now (the flush was refused); stop without ending it. */
  fenced: boolean;
  /** The fencing token this writer took the session with (null: no ownership lease, e.g. a test recorder). */
  fence: string | null;
}

/** Where a settlement without a message id lands in the ledger: the same streak settled at the same count is the same entry. */
export function ledgerIdFor(sessionId: Types.ObjectId | string, gift: CountedGift, streakCount: number): string {
  if (gift.msgId) return `${sessionId}:${gift.msgId}`;
  if (gift.settledBy === 'instant' || gift.settledBy === 'end') return `${sessionId}:nomsg:${gift.streakKey}:${gift.at}:${Math.random().toString(36).slice(2)}`;
  return `${sessionId}:settle:${gift.streakKey}:${streakCount}`;
}

export interface ResumeState {
  doc: LiveSessionDoc;
  gifters: GifterTotal[];
  /** streakKey → highest count already counted by settlements without an end message. */
  settledStreaks: Map<string, number>;
}

export function createWriter(resume: ResumeState): SessionWriter {
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
  return {
    sessionId: doc._id,
    tenantId: doc.tenantId,
    creatorId: doc.creatorId,
    roomId: doc.roomId ?? '',
    tally,
    pendingGifts: [],
    pendingMembers: [],
    unapplied: { diamonds: 0, gifts: 0, newMembers: 0, chats: 0 },
    persistedViewerMs: tally.viewers.viewerMs,
    attemptedIds: new Set(),
    dirty: false,
    sessionDirty: false,
    forceSessionWrite: false,
    lastSessionWriteAt: 0,
    changed: true,
    lastPublishedAt: 0,
    fenced: false,
    fence: doc.listenerFence ?? null,
  };
}

function record(writer: SessionWriter, delta: TallyDelta, event?: LiveEvent): void {
  if (delta.duplicate) return;
  for (const gift of delta.counted) {
    // Settlements count up to the streak's highest count, which the rule remembers for late continuations.
    const streakCount =
      gift.settledBy === 'instant' ? gift.gifts : gift.settledBy === 'end' ? (event?.kind === 'gift' ? event.repeatCount : gift.gifts) : (writer.tally.streaks.settledEarly.get(gift.streakKey) ?? gift.gifts);
    writer.pendingGifts.push({ ...gift, streakCount, ledgerId: ledgerIdFor(writer.sessionId, gift, streakCount) });
  }
  if (delta.newMembers && event?.kind === 'member') writer.pendingMembers.push(event.userId);
  writer.unapplied.chats += delta.chats;
  if (writer.pendingGifts.length || writer.pendingMembers.length) writer.dirty = true;
  writer.sessionDirty = true;
  writer.changed = true;
}

export function applyToWriter(writer: SessionWriter, event: LiveEvent): TallyDelta {
  const delta = applyLiveEvent(writer.tally, event);
  record(writer, delta, event);
  return delta;
}

/** Settles streaks open longer than the timeout (their end never came). */
export function settleTimedOut(writer: SessionWriter, now: number, timeoutMs: number): void {
  const delta = settleSessionStreaks(writer.tally, now, { olderThanMs: timeoutMs });
  if (delta.counted.length) record(writer, delta);
}

/** A bare disconnect: settle every open streak with its highest count, keep the session. */
export function settleOnDisconnect(writer: SessionWriter, now: number): void {
  const delta = settleSessionStreaks(writer.tally, now);
  if (delta.counted.length) record(writer, delta);
}

/** The stream ended (or the listener gave up on it): settle everything and fix the end time. */
export function endWriter(writer: SessionWriter, at: number): void {
  record(writer, endSession(writer.tally, at));
  writer.forceSessionWrite = true;
}

/**
 * Takes back gifts the ledger refused as duplicates (a replay of something a previous writer already counted):
 * the in-memory tally counted them, the persisted totals did not.
 */
export function uncount(writer: SessionWriter, gifts: PendingGift[]): void {
  for (const gift of gifts) {
    writer.tally.diamonds -= gift.diamonds;
    writer.tally.gifts -= gift.gifts;
    const gifter = writer.tally.gifters.get(gift.userId);
    if (gifter) {
      gifter.diamonds -= gift.diamonds;
      gifter.gifts -= gift.gifts;
      if (gifter.gifts <= 0) writer.tally.gifters.delete(gift.userId);
    }
  }
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
