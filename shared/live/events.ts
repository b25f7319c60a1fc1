/**
 * The normalised LIVE event: the few fields of TikTok's webcast messages that the tallies need.
 * `toLiveEvent` (adapter.ts) builds these from tiktok-live-connector's raw decoded messages; tests and the
 * sandbox build them directly.
 *
 * Times are epoch milliseconds on the *listener's* clock (when the message was received), not TikTok's
 * `common.createTime`: streak timeouts and viewer averages compare them with the listener's `now`, and mixing
 * two clocks would let skew settle streaks early or bend averages. TikTok's time is kept as `createdAt`.
 */

/** A gift message. Streakable gifts (`giftType === 1`) repeat with a running `repeatCount` and end with `repeatEnd`. */
export interface LiveGiftEvent {
  kind: 'gift';
  /** `common.msgId`; '' when unknown (then the event cannot be deduplicated). */
  msgId: string;
  at: number;
  createdAt: number | null;
  userId: string;
  handle: string;
  nickname: string;
  giftId: string;
  giftName: string;
  /** `groupId`: identifies one streak (combo) of one user and one gift. */
  groupId: string;
  /** `gift.type`: 1 = streakable (combo) gift. */
  giftType: number;
  /** `gift.diamondCount`: diamonds per single gift. */
  diamondCount: number;
  /** Running total within a streak; the number of gifts sent at once otherwise. */
  repeatCount: number;
  repeatEnd: boolean;
}

/** `roomUser.total`: the current number of viewers. */
export interface LiveViewersEvent {
  kind: 'viewers';
  msgId: string;
  at: number;
  total: number;
}

/**
 * A like burst. `count` is the likes in this message (`WebcastLikeMessage.count`); `total` is TikTok's running
 * like counter for the whole room (`WebcastLikeMessage.total`), or null when absent.
 */
export interface LiveLikeEvent {
  kind: 'like';
  msgId: string;
  at: number;
  userId: string;
  count: number;
  total: number | null;
}

/** A viewer joined (`WebcastMemberMessage` with action JOINED, or unknown on older payloads). */
export interface LiveMemberEvent {
  kind: 'member';
  msgId: string;
  at: number;
  userId: string;
  handle: string;
  nickname: string;
}

export interface LiveChatEvent {
  kind: 'chat';
  msgId: string;
  at: number;
  userId: string;
  handle: string;
  nickname: string;
  text: string;
}

/** The stream ended (`streamEnd`: a control message with action STREAM_ENDED or STREAM_SUSPENDED). Not a bare disconnect. */
export interface LiveEndEvent {
  kind: 'end';
  msgId: string;
  at: number;
  /** TikTok ended it (STREAM_SUSPENDED: moderation), not the creator. */
  suspended?: boolean;
}

export type LiveEvent = LiveGiftEvent | LiveViewersEvent | LiveLikeEvent | LiveMemberEvent | LiveChatEvent | LiveEndEvent;
export type LiveEventKind = LiveEvent['kind'];

/** TikTok's `gift.type` for gifts that can be sent as a streak (combo). */
export const STREAKABLE_GIFT_TYPE = 1;
