/**
 * Adapter from tiktok-live-connector 2.x events to `LiveEvent`. The library emits the raw decoded protobuf
 * objects (tiktok-live-proto v3): int64 fields are decimal strings, nested messages may be undefined. Field
 * names checked against the library's proto typings:
 * - gift (`WebcastGiftMessage`): `common.msgId`, `common.createTime` (ms), `giftId`, `groupId`, `repeatCount`,
 *   `repeatEnd` (0/1), `gift.type`, `gift.diamondCount`, `gift.name`, `user.id`, `user.displayId` (the handle),
 *   `user.nickname`;
 * - roomUser (`WebcastRoomUserSeqMessage`): `total` (viewers now, string);
 * - like (`WebcastLikeMessage`): `count` (likes in this message, number), `total` (room's running counter, string);
 * - member (`WebcastMemberMessage`): `user`, `action` (1 = JOINED, 0 = unknown on older payloads, 3 = subscribed);
 * - chat (`WebcastChatMessage`): `user`, `content`;
 * - streamEnd: `{ action }` only (no msgId).
 * Kept structural (no import of the library) so this stays pure and the extension can import it.
 */
import type { LiveEvent } from './events';

/** Event names as `WebcastEvent` spells them in tiktok-live-connector 2.x. */
/** tiktok-live-proto's ControlAction.CONTROL_ACTION_STREAM_SUSPENDED: the stream was ended by moderation. */
export const CONTROL_ACTION_STREAM_SUSPENDED = 4;

export const LIVE_EVENT_NAMES = ['gift', 'roomUser', 'like', 'member', 'chat', 'streamEnd'] as const;
export type LiveEventName = (typeof LIVE_EVENT_NAMES)[number];

const MEMBER_ACTION_UNKNOWN = 0;
const MEMBER_ACTION_JOINED = 1;

type Raw = Record<string, unknown> | null | undefined;

function obj(value: unknown): Raw {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

function str(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return '';
}

/** int64 strings and numbers to a finite number (0 when absent or not numeric). */
function num(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' || typeof value === 'bigint' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : 0;
}

function userOf(raw: Raw): { userId: string; handle: string; nickname: string } {
  const user = obj(raw?.user);
  // `user.id` is the stable numeric id; a few messages only carry a top-level `userId`.
  const userId = str(user?.id) || str(raw?.userId);
  return { userId: userId === '0' ? '' : userId, handle: str(user?.displayId), nickname: str(user?.nickname) };
}

function commonOf(raw: Raw): { msgId: string; createdAt: number | null } {
  const common = obj(raw?.common);
  const msgId = str(common?.msgId);
  const createTime = num(common?.createTime);
  return { msgId: msgId === '0' ? '' : msgId, createdAt: createTime > 0 ? createTime : null };
}

/**
 * Converts one library event to a `LiveEvent`, or null for events the tallies ignore (e.g. a member message
 * that is not a join). `receivedAt` is the listener's clock when the event arrived.
 */
export function toLiveEvent(eventName: string, raw: unknown, receivedAt: number): LiveEvent | null {
  const message = obj(raw);
  const { msgId, createdAt } = commonOf(message);
  switch (eventName) {
    case 'gift': {
      const gift = obj(message?.gift);
      return {
        kind: 'gift',
        msgId,
        at: receivedAt,
        createdAt,
        ...userOf(message),
        giftId: str(message?.giftId) || str(gift?.id),
        giftName: str(gift?.name),
        groupId: str(message?.groupId),
        giftType: num(gift?.type),
        diamondCount: num(gift?.diamondCount),
        repeatCount: num(message?.repeatCount),
        repeatEnd: num(message?.repeatEnd) === 1 || message?.repeatEnd === true,
      };
    }
    case 'roomUser':
      return { kind: 'viewers', msgId, at: receivedAt, total: num(message?.total) };
    case 'like': {
      const total = num(message?.total);
      return { kind: 'like', msgId, at: receivedAt, userId: userOf(message).userId, count: num(message?.count), total: total > 0 ? total : null };
    }
    case 'member': {
      const action = num(message?.action);
      if (action !== MEMBER_ACTION_JOINED && action !== MEMBER_ACTION_UNKNOWN) return null;
      return { kind: 'member', msgId, at: receivedAt, ...userOf(message) };
    }
    case 'chat':
      return { kind: 'chat', msgId, at: receivedAt, ...userOf(message), text: str(message?.content) };
    case 'streamEnd':
      // ControlAction: 3 STREAM_ENDED (by the creator), 4 STREAM_SUSPENDED (by TikTok's moderation).
      return { kind: 'end', msgId, at: receivedAt, ...(num(message?.action) === CONTROL_ACTION_STREAM_SUSPENDED && { suspended: true }) };
    default:
      return null;
  }
}
