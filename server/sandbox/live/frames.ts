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
  let base = defaults.get(type) as T | undefined;
  if (!base) {
    base = type.decode(EMPTY);
    defaults.set(type, base);
  }
  return { ...base, ...partial };
}

export function encodeMessage<T>(type: MessageType<T>, message: T): Buffer {
  const bytes = type.encode(message, writer).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
  const key = `${user.userId}\u0000${user.handle}\u0000${user.nickname}`;
  let struct = userStructs.get(key);
  if (!struct) {
    if (userStructs.size >= USER_CACHE_LIMIT) userStructs.clear();
    struct = buildMessage(User, { id: user.userId, displayId: user.handle, nickname: user.nickname });
    userStructs.set(key, struct);
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

function common(method: string, msgId: string, roomId: string, createTime: number): CommonMessageData {
  return buildMessage(CommonMessageData, { method, msgId, roomId, createTime: String(createTime) });
}

/** One inner message, encoded once: stored in the room's log and reused for every socket and replay. */
export interface EncodedWebcastMessage {
  method: string;
  msgId: string;
  payload: Buffer;
}

function wrap<T>(method: string, type: MessageType<T>, message: T, msgId: string): EncodedWebcastMessage {
  return { method, msgId, payload: encodeMessage(type, message) };
}

export interface MessageContext {
  msgId: string;
  roomId: string;
  now: number;
}

export function giftMessage(ctx: MessageContext, input: { user: SandboxUser; gift: SandboxGiftKind; groupId: string; repeatCount: number; repeatEnd: boolean }): EncodedWebcastMessage {
  const message = buildMessage(WebcastGiftMessage, {
    common: common('WebcastGiftMessage', ctx.msgId, ctx.roomId, ctx.now),
    giftId: input.gift.giftId,
    groupId: input.groupId,
    repeatCount: input.repeatCount,
    comboCount: input.repeatCount,
    groupCount: 1,
    repeatEnd: input.repeatEnd ? 1 : 0,
    user: userStruct(input.user),
    gift: giftStruct(input.gift),
  });
  return wrap('WebcastGiftMessage', WebcastGiftMessage, message, ctx.msgId);
}

export function viewersMessage(ctx: MessageContext, total: number): EncodedWebcastMessage {
  const message = buildMessage(WebcastRoomUserSeqMessage, {
    common: common('WebcastRoomUserSeqMessage', ctx.msgId, ctx.roomId, ctx.now),
    total: String(total),
    totalUser: String(total),
  });
  return wrap('WebcastRoomUserSeqMessage', WebcastRoomUserSeqMessage, message, ctx.msgId);
}

export function likeMessage(ctx: MessageContext, input: { user: SandboxUser; count: number; total: number }): EncodedWebcastMessage {
  const message = buildMessage(WebcastLikeMessage, {
    common: common('WebcastLikeMessage', ctx.msgId, ctx.roomId, ctx.now),
    user: userStruct(input.user),
    count: input.count,
    total: String(input.total),
  });
  return wrap('WebcastLikeMessage', WebcastLikeMessage, message, ctx.msgId);
}

export function memberMessage(ctx: MessageContext, user: SandboxUser): EncodedWebcastMessage {
  const message = buildMessage(WebcastMemberMessage, {
    common: common('WebcastMemberMessage', ctx.msgId, ctx.roomId, ctx.now),
    user: userStruct(user),
    userId: user.userId,
    action: MemberMessageAction.MEMBER_MESSAGE_ACTION_JOINED,
  });
  return wrap('WebcastMemberMessage', WebcastMemberMessage, message, ctx.msgId);
}

export function chatMessage(ctx: MessageContext, input: { user: SandboxUser; text: string }): EncodedWebcastMessage {
  const message = buildMessage(WebcastChatMessage, {
    common: common('WebcastChatMessage', ctx.msgId, ctx.roomId, ctx.now),
    user: userStruct(input.user),
    content: input.text,
  });
  return wrap('WebcastChatMessage', WebcastChatMessage, message, ctx.msgId);
}

export function streamEndMessage(ctx: MessageContext): EncodedWebcastMessage {
  const message = buildMessage(WebcastControlMessage, {
    common: common('WebcastControlMessage', ctx.msgId, ctx.roomId, ctx.now),
    action: ControlAction.CONTROL_ACTION_STREAM_ENDED,
  });
  return wrap('WebcastControlMessage', WebcastControlMessage, message, ctx.msgId);
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
  const result = buildMessage(ProtoMessageFetchResult, {
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
  return encodeMessage(ProtoMessageFetchResult, result);
}

/** A push frame carrying a fetch result, gzip'd as the client asked (`compress=gzip`). */
export function encodeMessageFrame(input: { logId: string; seqId: string; fetchResult: Buffer; gzip: boolean }): Buffer {
  const payload = input.gzip ? gzipSync(input.fetchResult, { level: 1 }) : input.fetchResult;
  return encodePushFrame({ logId: input.logId, seqId: input.seqId, payloadType: 'msg', payload });
}

/** Any push frame (payload types: msg, hb, im_enter_room_resp, …). */
export function encodePushFrame(input: { logId?: string; seqId?: string; payloadType: string; payload?: Buffer }): Buffer {
  const frame = buildMessage(WebcastPushFrame, {
    logId: input.logId ?? '0',
    seqId: input.seqId ?? '0',
    payloadEncoding: 'pb',
    payloadType: input.payloadType,
    payload: input.payload ?? Buffer.alloc(0),
  });
  return encodeMessage(WebcastPushFrame, frame);
}
