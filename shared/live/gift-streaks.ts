/**
 * The gift-streak rule, the one place diamonds are counted:
 * - a streakable gift (`gift.type === 1`) arrives as a run of messages with a running `repeatCount` and counts
 *   once, at `repeatEnd`, as `diamondCount × repeatCount` (1, 2, 3, 3(end) is 3 gifts, not 9);
 * - any other gift counts at once as `diamondCount × repeatCount`;
 * - the end of a streak sometimes never arrives (socket dropped, TikTok lost it): the open streak, keyed by
 *   (user, gift, group), keeps its highest repeatCount and is settled with it on timeout or disconnect.
 *
 * A streak settled early can still continue (the end arrives after our timeout, or the socket comes back):
 * then only the gifts beyond what was already settled count, so nothing is counted twice. Duplicate msgIds are
 * removed before this rule (session-tally.ts).
 */
import { STREAKABLE_GIFT_TYPE, type LiveGiftEvent } from './events';

export type GiftSettledBy = 'instant' | 'end' | 'timeout' | 'disconnect' | 'streamEnd';

/** A gift that has been counted: add `diamonds` and `gifts` to the totals. */
export interface CountedGift {
  /** `${userId}|${giftId}|${groupId}`: the streak this count belongs to. */
  streakKey: string;
  /** msgId of the message that triggered the count ('' for a settlement on timeout/disconnect). */
  msgId: string;
  userId: string;
  handle: string;
  nickname: string;
  giftId: string;
  giftName: string;
  diamondCount: number;
  /** Number of single gifts counted now. */
  gifts: number;
  /** `diamondCount × gifts`. */
  diamonds: number;
  /** When it was counted (the triggering event's time, or `now` for a settlement). */
  at: number;
  settledBy: GiftSettledBy;
}

/** A streak whose end has not arrived yet. */
export interface OpenStreak {
  key: string;
  last: LiveGiftEvent;
  highestRepeatCount: number;
  /** Gifts of this streak already counted by an earlier settlement (0 for a fresh streak). */
  alreadyCounted: number;
  lastSeenAt: number;
}

export interface GiftStreakState {
  open: Map<string, OpenStreak>;
  /** Streaks settled on timeout/disconnect: key → gifts counted, so a late continuation counts only the rest. */
  settledEarly: Map<string, number>;
  /** Bound on `settledEarly`; the oldest entries are forgotten first. */
  settledEarlyCapacity: number;
}

export function createGiftStreakState(settledEarlyCapacity = 1024): GiftStreakState {
  return { open: new Map(), settledEarly: new Map(), settledEarlyCapacity };
}

export function streakKeyOf(gift: Pick<LiveGiftEvent, 'userId' | 'giftId' | 'groupId'>): string {
  return `${gift.userId}|${gift.giftId}|${gift.groupId}`;
}

export function isStreakable(gift: Pick<LiveGiftEvent, 'giftType'>): boolean {
  return gift.giftType === STREAKABLE_GIFT_TYPE;
}

function countGift(from: LiveGiftEvent, streakKey: string, gifts: number, at: number, msgId: string, settledBy: GiftSettledBy): CountedGift {
  return {
    streakKey,
    msgId,
    userId: from.userId,
    handle: from.handle,
    nickname: from.nickname,
    giftId: from.giftId,
    giftName: from.giftName,
    diamondCount: from.diamondCount,
    gifts,
    diamonds: from.diamondCount * gifts,
    at,
    settledBy,
  };
}

/**
 * Applies one (already deduplicated) gift message. Returns the gifts counted by it: none while a streak runs,
 * one at its end or for a non-streakable gift.
 */
export function applyGift(state: GiftStreakState, gift: LiveGiftEvent): CountedGift[] {
  const key = streakKeyOf(gift);
  const repeatCount = Math.max(1, Math.floor(gift.repeatCount) || 1);
  if (!isStreakable(gift)) {
    return [countGift(gift, key, repeatCount, gift.at, gift.msgId, 'instant')];
  }

  let open = state.open.get(key);
  if (!open) {
    let alreadyCounted = state.settledEarly.get(key) ?? 0;
    // A running count below what we settled means a new streak reusing the key, not a continuation.
    if (repeatCount < alreadyCounted) alreadyCounted = 0;
    state.settledEarly.delete(key);
    open = { key, last: gift, highestRepeatCount: 0, alreadyCounted, lastSeenAt: gift.at };
    state.open.set(key, open);
  }
  open.highestRepeatCount = Math.max(open.highestRepeatCount, repeatCount);
  open.last = gift;
  open.lastSeenAt = Math.max(open.lastSeenAt, gift.at);

  if (!gift.repeatEnd) return [];
  state.open.delete(key);
  const gifts = open.highestRepeatCount - open.alreadyCounted;
  return gifts > 0 ? [countGift(gift, key, gifts, gift.at, gift.msgId, 'end')] : [];
}

export interface SettleOptions {
  /** Settle only streaks not seen for at least this long (the timeout); all open streaks when omitted. */
  olderThanMs?: number;
  /** Recorded on the counted gifts; 'timeout' when `olderThanMs` is given, else 'disconnect'. */
  reason?: 'timeout' | 'disconnect' | 'streamEnd';
}

/** Settles open streaks with their highest repeatCount (timeout, disconnect, stream end). */
export function settleOpenStreaks(state: GiftStreakState, now: number, options: SettleOptions = {}): CountedGift[] {
  const reason = options.reason ?? (options.olderThanMs === undefined ? 'disconnect' : 'timeout');
  const counted: CountedGift[] = [];
  for (const open of [...state.open.values()]) {
    if (options.olderThanMs !== undefined && now - open.lastSeenAt < options.olderThanMs) continue;
    state.open.delete(open.key);
    const gifts = open.highestRepeatCount - open.alreadyCounted;
    rememberSettledEarly(state, open.key, open.highestRepeatCount);
    if (gifts > 0) counted.push(countGift(open.last, open.key, gifts, now, '', reason));
  }
  return counted;
}

function rememberSettledEarly(state: GiftStreakState, key: string, gifts: number): void {
  state.settledEarly.delete(key);
  state.settledEarly.set(key, gifts);
  while (state.settledEarly.size > state.settledEarlyCapacity) {
    const oldest = state.settledEarly.keys().next().value as string;
    state.settledEarly.delete(oldest);
  }
}

/** Diamonds of the open streaks at their highest count so far: shown as provisional, not yet counted. */
export function pendingStreakDiamonds(state: GiftStreakState): number {
  let diamonds = 0;
  for (const open of state.open.values()) diamonds += open.last.diamondCount * Math.max(0, open.highestRepeatCount - open.alreadyCounted);
  return diamonds;
}
