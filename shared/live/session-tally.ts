/**
 * The per-session tally: one LIVE session of one creator, fed event by event. The state is a plain mutable
 * object owned by one listener (mutating keeps 20k events/s cheap); every function here is pure apart from
 * that state: no I/O, no clock (times come in as arguments).
 *
 * `applyLiveEvent` returns what the event changed (`TallyDelta`), so the server can persist with `$inc` for the
 * additive totals and `$max` for peak viewers, and write each `CountedGift` once.
 */
import type { LiveEvent } from './events';
import { applyGift, createGiftStreakState, pendingStreakDiamonds, settleOpenStreaks, type CountedGift, type GiftStreakState, type SettleOptions } from './gift-streaks';
import { createSeenMessageIds, markMessageIdSeen, type SeenMessageIds } from './seen-message-ids';
import { addViewerSample, averageViewers, createViewerStats, type ViewerStats } from './viewer-stats';

export interface GifterTotal {
  userId: string;
  handle: string;
  nickname: string;
  diamonds: number;
  gifts: number;
}

export interface SessionTally {
  startedAt: number;
  endedAt: number | null;
  /** Time of the latest event applied (or `startedAt`). */
  lastEventAt: number;
  diamonds: number;
  /** Single gifts counted (a 1, 2, 3, 3(end) streak is 3). */
  gifts: number;
  gifters: Map<string, GifterTotal>;
  viewers: ViewerStats;
  /** Sum of `count` over like messages seen. */
  likesSeen: number;
  /** Highest room-wide like counter TikTok reported (`total`), 0 if never reported. */
  likesReportedTotal: number;
  members: Set<string>;
  chats: number;
  streaks: GiftStreakState;
  seen: SeenMessageIds;
}

/** What one call changed. Additive fields are deltas (ready for `$inc`); all zero for a duplicate. */
export interface TallyDelta {
  duplicate: boolean;
  counted: CountedGift[];
  diamonds: number;
  gifts: number;
  likes: number;
  newMembers: number;
  chats: number;
  /** userIds that gave their first counted gift of the session with this call. */
  newGifters: string[];
  /** The viewer sample applied, with the peak after it. */
  viewers: { total: number; peak: number } | null;
  /** True when this call ended the session. */
  ended: boolean;
}

export interface SessionTallyOptions {
  /** How many recent msgIds to remember for deduplication (see seen-message-ids.ts). */
  seenMessageIdCapacity?: number;
}

export function createSessionTally(startedAt: number, options: SessionTallyOptions = {}): SessionTally {
  return {
    startedAt,
    endedAt: null,
    lastEventAt: startedAt,
    diamonds: 0,
    gifts: 0,
    gifters: new Map(),
    viewers: createViewerStats(),
    likesSeen: 0,
    likesReportedTotal: 0,
    members: new Set(),
    chats: 0,
    streaks: createGiftStreakState(),
    seen: createSeenMessageIds(options.seenMessageIdCapacity),
  };
}

function emptyDelta(): TallyDelta {
  return { duplicate: false, counted: [], diamonds: 0, gifts: 0, likes: 0, newMembers: 0, chats: 0, newGifters: [], viewers: null, ended: false };
}

/**
 * Session likes: TikTok's room counter when it reports one (it survives reconnects and messages we missed),
 * otherwise the likes we saw. Both only grow, so the delta is never negative.
 */
export function sessionLikes(tally: SessionTally): number {
  return Math.max(tally.likesSeen, tally.likesReportedTotal);
}

function addCounted(tally: SessionTally, delta: TallyDelta, counted: CountedGift[]): void {
  for (const gift of counted) {
    tally.diamonds += gift.diamonds;
    tally.gifts += gift.gifts;
    let gifter = tally.gifters.get(gift.userId);
    if (!gifter) {
      gifter = { userId: gift.userId, handle: gift.handle, nickname: gift.nickname, diamonds: 0, gifts: 0 };
      tally.gifters.set(gift.userId, gifter);
      delta.newGifters.push(gift.userId);
    }
    gifter.diamonds += gift.diamonds;
    gifter.gifts += gift.gifts;
    if (gift.handle) gifter.handle = gift.handle;
    if (gift.nickname) gifter.nickname = gift.nickname;
    delta.counted.push(gift);
    delta.diamonds += gift.diamonds;
    delta.gifts += gift.gifts;
  }
}

/** Applies one event: drops duplicate msgIds, applies the streak rule, updates viewers, likes, members and chats. */
export function applyLiveEvent(tally: SessionTally, event: LiveEvent): TallyDelta {
  const delta = emptyDelta();
  if (markMessageIdSeen(tally.seen, event.msgId)) {
    delta.duplicate = true;
    return delta;
  }
  if (event.at > tally.lastEventAt) tally.lastEventAt = event.at;

  switch (event.kind) {
    case 'gift':
      addCounted(tally, delta, applyGift(tally.streaks, event));
      break;
    case 'viewers':
      addViewerSample(tally.viewers, event.total, event.at);
      delta.viewers = { total: tally.viewers.current ?? 0, peak: tally.viewers.peak };
      break;
    case 'like': {
      const before = sessionLikes(tally);
      tally.likesSeen += Math.max(0, Math.floor(event.count) || 0);
      if (event.total !== null && event.total > tally.likesReportedTotal) tally.likesReportedTotal = event.total;
      delta.likes = sessionLikes(tally) - before;
      break;
    }
    case 'member':
      if (event.userId && !tally.members.has(event.userId)) {
        tally.members.add(event.userId);
        delta.newMembers = 1;
      }
      break;
    case 'chat':
      tally.chats += 1;
      delta.chats = 1;
      break;
    case 'end':
      endInto(tally, event.at, delta);
      break;
  }
  return delta;
}

/**
 * Settles open streaks (timeout when `olderThanMs` is given, disconnect otherwise) and adds them to the totals.
 * Call it on a timer with the streak timeout, and with no options when the socket drops.
 */
export function settleSessionStreaks(tally: SessionTally, now: number, options: SettleOptions = {}): TallyDelta {
  const delta = emptyDelta();
  addCounted(tally, delta, settleOpenStreaks(tally.streaks, now, options));
  return delta;
}

/** Ends the session at `at` (idempotent): settles every open streak and fixes the end time. */
export function endSession(tally: SessionTally, at: number): TallyDelta {
  const delta = emptyDelta();
  endInto(tally, at, delta);
  return delta;
}

function endInto(tally: SessionTally, at: number, delta: TallyDelta): void {
  if (tally.endedAt !== null) return;
  addCounted(tally, delta, settleOpenStreaks(tally.streaks, at, { reason: 'streamEnd' }));
  tally.endedAt = Math.max(at, tally.startedAt);
  if (tally.endedAt > tally.lastEventAt) tally.lastEventAt = tally.endedAt;
  delta.ended = true;
}

export interface SessionSummary {
  startedAt: number;
  endedAt: number | null;
  durationMs: number;
  diamonds: number;
  gifts: number;
  uniqueGifters: number;
  topGifters: GifterTotal[];
  peakViewers: number;
  averageViewers: number;
  likes: number;
  newMembers: number;
  chats: number;
  /** Streaks still open (not yet counted) and their diamonds at the highest count so far: provisional. */
  openStreaks: number;
  pendingDiamonds: number;
}

/** Top gifters by diamonds (ties: more gifts, then userId for a stable order). */
export function topGifters(tally: SessionTally, limit = 10): GifterTotal[] {
  return [...tally.gifters.values()]
    .sort((a, b) => b.diamonds - a.diamonds || b.gifts - a.gifts || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0))
    .slice(0, limit)
    .map((gifter) => ({ ...gifter }));
}

/**
 * The session's numbers as of `at` (default: its end, or the latest event while it runs). Duration and the
 * average viewers run until `at`.
 */
export function summarizeSession(tally: SessionTally, at?: number, topGifterLimit = 10): SessionSummary {
  const until = at ?? tally.endedAt ?? tally.lastEventAt;
  return {
    startedAt: tally.startedAt,
    endedAt: tally.endedAt,
    durationMs: Math.max(0, until - tally.startedAt),
    diamonds: tally.diamonds,
    gifts: tally.gifts,
    uniqueGifters: tally.gifters.size,
    topGifters: topGifters(tally, topGifterLimit),
    peakViewers: tally.viewers.peak,
    averageViewers: averageViewers(tally.viewers, until),
    likes: sessionLikes(tally),
    newMembers: tally.members.size,
    chats: tally.chats,
    openStreaks: tally.streaks.open.size,
    pendingDiamonds: pendingStreakDiamonds(tally.streaks),
  };
}
