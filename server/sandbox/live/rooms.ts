/**
 * The sandbox's LIVE rooms and the control API that plays them: accounts go live (room status 2) and end
 * (status 4, with a stream-end control message), and rooms receive gifts, viewer counts, likes, members and
 * chat, plus faults on demand. Each go-live opens a new room id, as on TikTok.
 */
import { randomBytes } from 'node:crypto';
import { normaliseHandle } from '@shared/handles';
import {
  SANDBOX_GIFTS,
  chatMessage,
  giftMessage,
  likeMessage,
  memberMessage,
  streamEndMessage,
  viewersMessage,
  type EncodedWebcastMessage,
  type SandboxGiftKind,
  type SandboxUser,
} from './frames';
import { RoomDelivery, createDeliveryRoom, type DeliveryRoom, type DeliveryStats } from './room-delivery';

export const ROOM_STATUS_LIVE = 2;
export const ROOM_STATUS_OFFLINE = 4;

export interface SandboxRoom extends DeliveryRoom {
  handle: string;
  owner: SandboxUser;
  status: typeof ROOM_STATUS_LIVE | typeof ROOM_STATUS_OFFLINE;
  title: string;
  startedAt: number | null;
  endedAt: number | null;
  viewers: number;
  likesTotal: number;
}

interface SandboxAccount {
  user: SandboxUser;
  room: SandboxRoom;
}

export interface SendGiftInput {
  userId: string;
  handle?: string;
  nickname?: string;
  /** A catalogue gift id (frames.ts SANDBOX_GIFTS) or any id with `diamondCount`. */
  giftId?: string;
  giftName?: string;
  diamondCount?: number;
  /** Streakable (gift.type 1): sent as repeatCount 1…repeat, then repeat again with repeatEnd. Default: the catalogue's type. */
  streakable?: boolean;
  /** Gifts in the streak (streakable) or sent at once (repeatCount of the single message). Default 1. */
  repeat?: number;
  /** Pause between streak messages; 0 sends the whole streak in one frame. */
  intervalMs?: number;
  /** Fault: the streak's repeatEnd message is never sent. */
  omitEnd?: boolean;
  /** Fault: after this many streak messages are delivered, every socket of the room is dropped (abruptly). */
  dropConnectionsAfter?: number;
}

export interface SentGift {
  groupId: string;
  msgIds: string[];
  /** What the gifter actually gave: diamondCount × repeat. */
  diamonds: number;
  gifts: number;
}

export interface RoomSnapshot {
  handle: string;
  roomId: string;
  userId: string;
  status: number;
  viewers: number;
  likesTotal: number;
  openSockets: number;
  cursor: number;
  stats: DeliveryStats;
}

const COUNTER_DIGITS = 17;
function idMaker(prefix: string): () => string {
  let counter = Number.parseInt(randomBytes(3).toString('hex'), 16) * 1000;
  return () => prefix + String(++counter).padStart(COUNTER_DIGITS, '0');
}

export class SandboxRooms {
  private accounts = new Map<string, SandboxAccount>();
  private roomsById = new Map<string, SandboxRoom>();
  private nextMsgId = idMaker('73');
  private nextRoomId = idMaker('76');
  private nextUserId = idMaker('68');
  private nextGroupId = idMaker('17');

  constructor(
    readonly delivery: RoomDelivery,
    private now: () => number = Date.now,
    private closeAfterEndMs = 1_000,
  ) {}

  // ---- accounts and rooms ----

  /** Creates the account if needed (offline, with an ended room as real accounts have) and returns it. */
  addAccount(handle: string, profile: { nickname?: string; userId?: string } = {}): RoomSnapshot {
    return this.snapshotOf(this.accountFor(handle, profile).room);
  }

  private accountFor(handle: string, profile: { nickname?: string; userId?: string } = {}): SandboxAccount {
    const key = this.key(handle);
    let account = this.accounts.get(key);
    if (!account) {
      const user: SandboxUser = { userId: profile.userId ?? this.nextUserId(), handle: key, nickname: profile.nickname ?? key };
      account = { user, room: this.newRoom(user) };
      this.accounts.set(key, account);
    }
    return account;
  }

  private key(handle: string): string {
    const key = normaliseHandle(handle);
    if (!key) throw new Error(`Not a TikTok handle: ${JSON.stringify(handle)}`);
    return key;
  }

  private newRoom(owner: SandboxUser): SandboxRoom {
    const room: SandboxRoom = {
      ...createDeliveryRoom(this.nextRoomId()),
      handle: owner.handle,
      owner,
      status: ROOM_STATUS_OFFLINE,
      title: `${owner.nickname} is LIVE`,
      startedAt: null,
      endedAt: null,
      viewers: 0,
      likesTotal: 0,
    };
    this.roomsById.set(room.roomId, room);
    return room;
  }

  /** The account's current (or last) room, by handle; undefined for unknown accounts. */
  roomOf(handle: string): SandboxRoom | undefined {
    const key = normaliseHandle(handle);
    return key ? this.accounts.get(key)?.room : undefined;
  }

  roomById(roomId: string): SandboxRoom | undefined {
    return this.roomsById.get(roomId);
  }

  accountOf(handle: string): SandboxUser | undefined {
    const key = normaliseHandle(handle);
    return key ? this.accounts.get(key)?.user : undefined;
  }

  /** Goes live: a new room with status 2 (the same room if already live). */
  goLive(handle: string, options: { viewers?: number; title?: string; nickname?: string } = {}): RoomSnapshot {
    const account = this.accountFor(handle, { nickname: options.nickname });
    if (account.room.status !== ROOM_STATUS_LIVE) {
      const room = account.room.startedAt === null ? account.room : this.newRoom(account.user);
      room.status = ROOM_STATUS_LIVE;
      room.startedAt = this.now();
      room.viewers = options.viewers ?? 0;
      if (options.title) room.title = options.title;
      account.room = room;
    }
    return this.snapshotOf(account.room);
  }

  /**
   * Ends the stream: a stream-end control message to every socket, room status 4, sockets closed shortly after.
   * `suspended`: TikTok's moderation ended it (control action STREAM_SUSPENDED instead of STREAM_ENDED).
   */
  endStream(handle: string, options: { suspended?: boolean } = {}): RoomSnapshot {
    const room = this.liveRoom(handle);
    this.enqueue(room, (ctx) => streamEndMessage(ctx, options.suspended));
    room.status = ROOM_STATUS_OFFLINE;
    room.endedAt = this.now();
    this.delivery.flush(room);
    const subscribers = [...room.subscribers];
    setTimeout(() => subscribers.forEach((s) => s.close(1000, 'stream ended')), this.closeAfterEndMs).unref();
    return this.snapshotOf(room);
  }

  /** Same as `endStream`: going offline is how TikTok ends a LIVE. */
  goOffline(handle: string): RoomSnapshot {
    return this.endStream(handle);
  }

  private liveRoom(handle: string): SandboxRoom {
    const room = this.roomOf(handle);
    if (!room) throw new Error(`Unknown sandbox account @${handle}`);
    if (room.status !== ROOM_STATUS_LIVE) throw new Error(`@${handle} is not live`);
    return room;
  }

  private enqueue(room: SandboxRoom, build: (ctx: { msgId: string; roomId: string; now: number }) => EncodedWebcastMessage): string {
    const msgId = this.nextMsgId();
    this.delivery.enqueue(room, build({ msgId, roomId: room.roomId, now: this.now() }));
    return msgId;
  }

  // ---- events ----

  async sendGift(handle: string, input: SendGiftInput): Promise<SentGift> {
    const room = this.liveRoom(handle);
    const kind = this.giftKind(input);
    const user = this.viewer(input);
    const repeat = Math.max(1, Math.floor(input.repeat ?? 1));
    const groupId = this.nextGroupId();
    const msgIds: string[] = [];
    const send = (repeatCount: number, repeatEnd: boolean) => msgIds.push(this.enqueue(room, (ctx) => giftMessage(ctx, { user, gift: kind, groupId, repeatCount, repeatEnd })));

    if (kind.type !== 1) {
      send(repeat, false);
    } else {
      for (let count = 1; count <= repeat; count++) {
        send(count, false);
        if (input.dropConnectionsAfter === count) await this.dropConnections(handle);
        else if (input.intervalMs && count < repeat) await sleep(input.intervalMs);
      }
      if (!input.omitEnd) send(repeat, true);
    }
    return { groupId, msgIds, diamonds: kind.diamondCount * repeat, gifts: repeat };
  }

  /**
   * One gift message, as is: the building block for callers that play streaks step by step (the traffic
   * generator). `sendGift` is the usual way.
   */
  giftStep(handle: string, input: { userId: string; handle?: string; nickname?: string; giftId: string; groupId: string; repeatCount: number; repeatEnd: boolean; streakable?: boolean; diamondCount?: number }): string {
    const room = this.liveRoom(handle);
    const kind = this.giftKind(input);
    const user = this.viewer(input);
    return this.enqueue(room, (ctx) => giftMessage(ctx, { user, gift: kind, groupId: input.groupId, repeatCount: input.repeatCount, repeatEnd: input.repeatEnd }));
  }

  /** A fresh message id (int64 as a string, like TikTok's). */
  newMessageId(): string {
    return this.nextMsgId();
  }

  private giftKind(input: Pick<SendGiftInput, 'giftId' | 'giftName' | 'diamondCount' | 'streakable'>): SandboxGiftKind {
    const known = SANDBOX_GIFTS.find((gift) => gift.giftId === (input.giftId ?? '5655'));
    const type = input.streakable === undefined ? (known?.type ?? 1) : input.streakable ? 1 : 2;
    return {
      giftId: input.giftId ?? known?.giftId ?? '5655',
      name: input.giftName ?? known?.name ?? `Gift ${input.giftId}`,
      diamondCount: input.diamondCount ?? known?.diamondCount ?? 1,
      type,
    };
  }

  private viewer(input: { userId: string; handle?: string; nickname?: string }): SandboxUser {
    const handle = input.handle ?? `viewer_${input.userId}`;
    return { userId: input.userId, handle, nickname: input.nickname ?? handle };
  }

  /** `roomUser.total`: the viewer count. */
  setViewers(handle: string, total: number): string {
    const room = this.liveRoom(handle);
    room.viewers = Math.max(0, Math.floor(total));
    return this.enqueue(room, (ctx) => viewersMessage(ctx, room.viewers));
  }

  like(handle: string, input: { userId: string; handle?: string; nickname?: string; count?: number }): string {
    const room = this.liveRoom(handle);
    const count = Math.max(1, Math.floor(input.count ?? 1));
    room.likesTotal += count;
    const total = room.likesTotal;
    return this.enqueue(room, (ctx) => likeMessage(ctx, { user: this.viewer(input), count, total }));
  }

  member(handle: string, input: { userId: string; handle?: string; nickname?: string }): string {
    const room = this.liveRoom(handle);
    return this.enqueue(room, (ctx) => memberMessage(ctx, this.viewer(input)));
  }

  chat(handle: string, input: { userId: string; handle?: string; nickname?: string; text: string }): string {
    const room = this.liveRoom(handle);
    return this.enqueue(room, (ctx) => chatMessage(ctx, { user: this.viewer(input), text: input.text }));
  }

  // ---- faults ----

  /** Fault: every frame of this room is sent twice (same msgIds), until turned off. */
  setDuplicateFrames(handle: string, on: boolean): void {
    const room = this.roomOf(handle);
    if (!room) throw new Error(`Unknown sandbox account @${handle}`);
    room.duplicateFrames = on;
  }

  /**
   * Fault: sends what is pending, waits until the clients have acked it (at most `ackTimeoutMs`), then drops
   * every socket of the room abruptly (no close frame: the client sees 1006). The room stays live. Waiting for
   * the ack matters: tiktok-live-connector decodes frames asynchronously and forgets a frame still being
   * decoded when the socket closes, so a drop right after a send would lose it inside the library.
   * The sockets leave the room as they are dropped. Returns the number of sockets dropped.
   */
  async dropConnections(handle: string, ackTimeoutMs = 2_000): Promise<number> {
    const room = this.roomOf(handle);
    if (!room) return 0;
    this.delivery.flush(room);
    const subscribers = [...room.subscribers];
    await Promise.all(subscribers.map((s) => s.whenDelivered(ackTimeoutMs)));
    // Out of the room at once, not when the server's close event comes round a little later: a client that
    // reconnects right away must be the room's only socket (the dead one neither counted nor sent to).
    subscribers.forEach((s) => {
      room.subscribers.delete(s);
      s.terminate();
    });
    return subscribers.length;
  }

  // ---- inspection ----

  snapshot(handle: string): RoomSnapshot | undefined {
    const room = this.roomOf(handle);
    return room && this.snapshotOf(room);
  }

  private snapshotOf(room: SandboxRoom): RoomSnapshot {
    return {
      handle: room.handle,
      roomId: room.roomId,
      userId: room.owner.userId,
      status: room.status,
      viewers: room.viewers,
      likesTotal: room.likesTotal,
      openSockets: room.subscribers.size,
      cursor: room.seq,
      stats: { ...room.stats },
    };
  }

  /** Waits until `handle`'s room has at least `count` open sockets (for tests and the traffic generator). */
  async waitForSockets(handle: string, count = 1, timeoutMs = 10_000): Promise<void> {
    const deadline = this.now() + timeoutMs;
    while ((this.roomOf(handle)?.subscribers.size ?? 0) < count) {
      if (this.now() > deadline) throw new Error(`@${handle}: ${count} socket(s) did not connect within ${timeoutMs} ms`);
      await sleep(10);
    }
  }

}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
