/**
 * TikTok's webcast wire format, built with tiktok-live-connector's own protobuf classes (tiktok-live-proto v3):
 * inner messages (`WebcastGiftMessage`, …) are wrapped as `BaseProtoMessage`s in a `ProtoMessageFetchResult`,
 * which travels gzip'd in a `WebcastPushFrame`. The generated encoders skip default values and expect every
 * field present, so messages start from `T.decode(empty)` (all defaults) and get the few fields we set.
 *
 * Hot path: one shared `BinaryWriter` (its `finish()` resets it, so reusing it saves the buffer growth of a
 * fresh writer per message), gzip at level 1, and a room's pending messages batched into one frame.
 */
import { gzipSync } from 'node:zlib';
import {
  BaseProtoMessage,
  HeartBeatMessage,
  CommonMessageData,
  ControlAction,
  Gift,
  MemberMessageAction,
  ProtoMessageFetchResult,
  User,
  WebcastChatMessage,
  WebcastControlMessage,
  WebcastGiftMessage,
  WebcastLikeMessage,
  WebcastMemberMessage,
  WebcastPushFrame,
  WebcastRoomUserSeqMessage,
} from 'tiktok-live-connector';

const EMPTY = new Uint8Array(0);

/** The protobuf runtime's BinaryWriter, taken from an encode call so we need not import a transitive package. */
type BinaryWriter = ReturnType<typeof HeartBeatMessage.encode>;
const writer: BinaryWriter = HeartBeatMessage.encode(HeartBeatMessage.decode(EMPTY));
writer.finish();

interface MessageType<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: Uint8Array): T;
}

// All-defaults instances per type; a shallow copy of one is much cheaper than decode() per message. Their
// default arrays and maps are shared between copies, which is safe because nothing mutates a built message.
const defaults = new Map<unknown, object>();

/** A fully defaulted message with `partial` applied (`Object.assign(T.decode(empty), partial)`, cached). */
export function buildMessage<T extends object>(type: MessageType<T>, partial: Partial<T>): T {
  return { ...buildDefaults(type), ...partial };
}

export function encodeMessage<T>(type: MessageType<T>, message: T): Buffer {
  const bytes = type.encode(message, writer).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// Hot path: one mutable all-defaults instance per type, filled, encoded and reset at once (encoding is
// synchronous), instead of copying a 60-field object for every message.
const scratch = new Map<unknown, Record<string, unknown>>();

function scratchOf<T>(type: MessageType<T>): Record<string, unknown> {
  let instance = scratch.get(type);
  if (!instance) {
    instance = type.decode(EMPTY) as Record<string, unknown>;
    scratch.set(type, instance);
  }
  return instance;
}

/** Encodes `partial` over the type's defaults without allocating a full message. */
export function encodePartial<T extends object>(type: MessageType<T>, partial: Partial<T>): Buffer {
  const instance = scratchOf(type);
  const pristine = buildDefaults(type) as Record<string, unknown>;
  const keys = Object.keys(partial);
  for (const key of keys) instance[key] = (partial as Record<string, unknown>)[key];
  try {
    return encodeMessage(type, instance as T);
  } finally {
    for (const key of keys) instance[key] = pristine[key];
  }
}

function buildDefaults<T>(type: MessageType<T>): T {
  let base = defaults.get(type) as T | undefined;
  if (!base) {
    base = type.decode(EMPTY);
    defaults.set(type, base as object);
  }
  return base;
}

/** A viewer or creator as TikTok's `User` struct. */
export interface SandboxUser {
  userId: string;
  handle: string;
  nickname: string;
}

export interface SandboxGiftKind {
  giftId: string;
  name: string;
  diamondCount: number;
  /** 1 = streakable (combo), anything else = counted at once. */
  type: number;
}

/** A small catalogue, real gift ids and prices. */
export const SANDBOX_GIFTS: readonly SandboxGiftKind[] = [
  { giftId: '5655', name: 'Rose', diamondCount: 1, type: 1 },
  { giftId: '5269', name: 'TikTok', diamondCount: 1, type: 1 },
  { giftId: '5879', name: 'Doughnut', diamondCount: 30, type: 1 },
  { giftId: '6064', name: 'GG', diamondCount: 1, type: 1 },
  { giftId: '5827', name: 'Ice Cream Cone', diamondCount: 1, type: 1 },
  { giftId: '6427', name: 'Hat and Mustache', diamondCount: 99, type: 1 },
  { giftId: '6369', name: 'Lion', diamondCount: 29999, type: 2 },
  { giftId: '7934', name: 'Heart Me', diamondCount: 1, type: 2 },
  { giftId: '6834', name: 'Gift Box', diamondCount: 3999, type: 2 },
];

// Nested structs are the same for every message of one user or gift kind: build them once.
const userStructs = new Map<string, User>();
const giftStructs = new Map<string, Gift>();
const USER_CACHE_LIMIT = 200_000;

function userStruct(user: SandboxUser): User {
  let struct = userStructs.get(user.userId);
  if (!struct || struct.displayId !== user.handle || struct.nickname !== user.nickname) {
    if (userStructs.size >= USER_CACHE_LIMIT) userStructs.clear();
    struct = buildMessage(User, { id: user.userId, displayId: user.handle, nickname: user.nickname });
    userStructs.set(user.userId, struct);
  }
  return struct;
}

function giftStruct(gift: SandboxGiftKind): Gift {
  const key = `${gift.giftId}\u0000${gift.name}\u0000${gift.diamondCount}\u0000${gift.type}`;
  let struct = giftStructs.get(key);
  if (!struct) {
    struct = buildMessage(Gift, { id: gift.giftId, name: gift.name, diamondCount: gift.diamondCount, type: gift.type, combo: gift.type === 1 });
    giftStructs.set(key, struct);
  }
  return struct;
}

// `common` is the same for every message type; one instance is refilled per message, which is safe because
// each message is encoded right after (encodePartial) and never kept.
const sharedCommon = buildMessage(CommonMessageData, {});
function common(method: string, msgId: string, roomId: string, createTime: number): CommonMessageData {
  sharedCommon.method = method;
  sharedCommon.msgId = msgId;
  sharedCommon.roomId = roomId;
  sharedCommon.createTime = String(createTime);
  return sharedCommon;
}

/** One inner message, encoded once: stored in the room's log and reused for every socket and replay. */
export interface EncodedWebcastMessage {
  method: string;
  msgId: string;
  payload: Buffer;
}

function wrap<T extends object>(method: string, type: MessageType<T>, partial: Partial<T>, msgId: string): EncodedWebcastMessage {
  return { method, msgId, payload: encodePartial(type, partial) };
}

export interface MessageContext {
  msgId: string;
  roomId: string;
  now: number;
}

export function giftMessage(ctx: MessageContext, input: { user: SandboxUser; gift: SandboxGiftKind; groupId: string; repeatCount: number; repeatEnd: boolean }): EncodedWebcastMessage {
  return wrap('WebcastGiftMessage', WebcastGiftMessage, {
    common: common('WebcastGiftMessage', ctx.msgId, ctx.roomId, ctx.now),
    giftId: input.gift.giftId,
    groupId: input.groupId,
    repeatCount: input.repeatCount,
    comboCount: input.repeatCount,
    groupCount: 1,
    repeatEnd: input.repeatEnd ? 1 : 0,
    user: userStruct(input.user),
    gift: giftStruct(input.gift),
  }, ctx.msgId);
}

export function viewersMessage(ctx: MessageContext, total: number): EncodedWebcastMessage {
  return wrap('WebcastRoomUserSeqMessage', WebcastRoomUserSeqMessage, {
    common: common('WebcastRoomUserSeqMessage', ctx.msgId, ctx.roomId, ctx.now),
    total: String(total),
    totalUser: String(total),
  }, ctx.msgId);
}

export function likeMessage(ctx: MessageContext, input: { user: SandboxUser; count: number; total: number }): EncodedWebcastMessage {
  return wrap('WebcastLikeMessage', WebcastLikeMessage, {
    common: common('WebcastLikeMessage', ctx.msgId, ctx.roomId, ctx.now),
    user: userStruct(input.user),
    count: input.count,
    total: String(input.total),
  }, ctx.msgId);
}

export function memberMessage(ctx: MessageContext, user: SandboxUser): EncodedWebcastMessage {
  return wrap('WebcastMemberMessage', WebcastMemberMessage, {
    common: common('WebcastMemberMessage', ctx.msgId, ctx.roomId, ctx.now),
    user: userStruct(user),
    userId: user.userId,
    action: MemberMessageAction.MEMBER_MESSAGE_ACTION_JOINED,
  }, ctx.msgId);
}

export function chatMessage(ctx: MessageContext, input: { user: SandboxUser; text: string }): EncodedWebcastMessage {
  return wrap('WebcastChatMessage', WebcastChatMessage, {
    common: common('WebcastChatMessage', ctx.msgId, ctx.roomId, ctx.now),
    user: userStruct(input.user),
    content: input.text,
  }, ctx.msgId);
}

/** The stream-end control message: STREAM_ENDED (the creator ended it) or STREAM_SUSPENDED (TikTok's moderation did). */
export function streamEndMessage(ctx: MessageContext, suspended = false): EncodedWebcastMessage {
  return wrap('WebcastControlMessage', WebcastControlMessage, {
    common: common('WebcastControlMessage', ctx.msgId, ctx.roomId, ctx.now),
    action: suspended ? ControlAction.CONTROL_ACTION_STREAM_SUSPENDED : ControlAction.CONTROL_ACTION_STREAM_ENDED,
  }, ctx.msgId);
}

export interface FetchResultInput {
  messages: readonly EncodedWebcastMessage[];
  cursor: string;
  internalExt: string;
  needAck: boolean;
  now: number;
  pushServer?: string;
  routeParams?: Record<string, string>;
  isFirst?: boolean;
}

/** A `ProtoMessageFetchResult`: what the sign server returns as its body and the push server sends in frames. */
export function encodeFetchResult(input: FetchResultInput): Buffer {
  return encodePartial(ProtoMessageFetchResult, {
    messages: input.messages.map((m) => buildMessage(BaseProtoMessage, { method: m.method, payload: m.payload, msgId: m.msgId })),
    cursor: input.cursor,
    fetchInterval: '1000',
    now: String(input.now),
    internalExt: input.internalExt,
    needAck: input.needAck,
    pushServer: input.pushServer ?? '',
    routeParams: input.routeParams ?? {},
    heartbeatDuration: '10000',
    isFirst: input.isFirst ?? false,
  });
}

/** A push frame carrying a fetch result, gzip'd as the client asked (`compress=gzip`). */
export function encodeMessageFrame(input: { logId: string; seqId: string; fetchResult: Buffer; gzip: boolean }): Buffer {
  const payload = input.gzip ? gzipSync(input.fetchResult, { level: 1 }) : input.fetchResult;
  return encodePushFrame({ logId: input.logId, seqId: input.seqId, payloadType: 'msg', payload });
}

/** Any push frame (payload types: msg, hb, im_enter_room_resp, …). */
export function encodePushFrame(input: { logId?: string; seqId?: string; payloadType: string; payload?: Buffer }): Buffer {
  return encodePartial(WebcastPushFrame, {
    logId: input.logId ?? '0',
    seqId: input.seqId ?? '0',
    payloadEncoding: 'pb',
    payloadType: input.payloadType,
    payload: input.payload ?? Buffer.alloc(0),
  });
}
