/**
 * How a sandbox room's messages reach its sockets. Every message gets the next sequence number of its room
 * (the "cursor") and goes into a bounded log. A flush sends each socket the log entries after the last one it
 * got, so sockets that connect between the sign request (which hands out the cursor) and the WebSocket upgrade
 * lose nothing, and live sockets all get the same frame, encoded and gzip'd once.
 *
 * Flushes are batched: every message sent within one turn of the event loop (or within `batchWindowMs`) for a
 * room goes out as one frame, as TikTok batches several messages per `ProtoMessageFetchResult`.
 */
import { encodeFetchResult, encodeMessageFrame, type EncodedWebcastMessage } from './frames';

/** One WebSocket as the room sees it (implemented by push-server.ts). */
export interface RoomSubscriber {
  /** Sequence number of the last message this socket got. */
  lastSeq: number;
  /** The client asked for `compress=gzip`. */
  gzip: boolean;
  /** Sends a frame; `ackLogId` when the frame asks for an ack (needAck) with that logId. */
  send(frame: Buffer, ackLogId?: number): void;
  /**
   * Resolves when every frame sent so far has been acked by the client (or handed to the OS, for frames that
   * ask no ack), or after `timeoutMs`. A client acks after decoding, so a drop after this loses nothing sent.
   */
  whenDelivered(timeoutMs: number): Promise<void>;
  close(code: number, reason: string): void;
  terminate(): void;
}

export interface DeliveryStats {
  framesSent: number;
  messagesSent: number;
  acksReceived: number;
  heartbeatsReceived: number;
  enterRoomReceived: number;
  connectionsAccepted: number;
}

export interface DeliveryRoom {
  roomId: string;
  /** Last sequence number handed out. */
  seq: number;
  /** Last sequence number sent to caught-up sockets. */
  flushedSeq: number;
  log: EncodedWebcastMessage[];
  /** Sequence number of `log[0]`. */
  logFirstSeq: number;
  subscribers: Set<RoomSubscriber>;
  duplicateFrames: boolean;
  stats: DeliveryStats;
  nextLogId: number;
}

export function createDeliveryRoom(roomId: string): DeliveryRoom {
  return {
    roomId,
    seq: 0,
    flushedSeq: 0,
    log: [],
    logFirstSeq: 1,
    subscribers: new Set(),
    duplicateFrames: false,
    stats: { framesSent: 0, messagesSent: 0, acksReceived: 0, heartbeatsReceived: 0, enterRoomReceived: 0, connectionsAccepted: 0 },
    nextLogId: 1,
  };
}

/** The `internalExt` TikTok puts in fetch results (and the client echoes in acks); shaped like TikTok's. */
export function internalExtFor(roomId: string, seq: number, now: number): string {
  return `internal_src:dim|wss_push_room_id:${roomId}|wss_push_did:0|first_req_ms:${now}|fetch_time:${now}|seq:${seq}|wss_info:0-${now}-0-0|wrds_kvs:`;
}

interface OutgoingFrame {
  logId: number;
  bytes: Buffer;
}

export interface DeliveryOptions {
  /** 0: flush at the end of the current event-loop turn; otherwise wait this long to batch more. */
  batchWindowMs: number;
  /** Messages kept per room for replay to late sockets. */
  logCapacity: number;
  needAck: boolean;
  now: () => number;
}

export class RoomDelivery {
  private dirty = new Set<DeliveryRoom>();
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;

  constructor(private options: DeliveryOptions) {}

  /** Appends a message to the room's log and schedules a flush. */
  enqueue(room: DeliveryRoom, message: EncodedWebcastMessage): number {
    room.seq += 1;
    room.log.push(message);
    if (room.log.length > this.options.logCapacity * 2) this.trim(room);
    this.markDirty(room);
    return room.seq;
  }

  markDirty(room: DeliveryRoom): void {
    this.dirty.add(room);
    if (this.timer) return;
    this.timer = this.options.batchWindowMs > 0 ? setTimeout(() => this.flushAll(), this.options.batchWindowMs) : setImmediate(() => this.flushAll());
  }

  flushAll(): void {
    this.timer = null;
    const rooms = [...this.dirty];
    this.dirty.clear();
    for (const room of rooms) this.flush(room);
  }

  /** Sends every socket of the room what it has not had yet. */
  flush(room: DeliveryRoom): void {
    this.dirty.delete(room);
    const shared = new Map<boolean, OutgoingFrame>();
    for (const subscriber of room.subscribers) {
      if (subscriber.lastSeq >= room.seq) continue;
      let frame: OutgoingFrame;
      if (subscriber.lastSeq === room.flushedSeq) {
        frame = shared.get(subscriber.gzip) ?? this.frameFor(room, room.flushedSeq, subscriber.gzip);
        shared.set(subscriber.gzip, frame);
      } else {
        frame = this.frameFor(room, subscriber.lastSeq, subscriber.gzip);
      }
      const ackLogId = this.options.needAck ? frame.logId : undefined;
      subscriber.send(frame.bytes, ackLogId);
      if (room.duplicateFrames) subscriber.send(frame.bytes, ackLogId);
      room.stats.framesSent += room.duplicateFrames ? 2 : 1;
      room.stats.messagesSent += room.seq - Math.max(subscriber.lastSeq, room.logFirstSeq - 1);
      subscriber.lastSeq = room.seq;
    }
    room.flushedSeq = room.seq;
  }

  /** Sends one frame outside the log (e.g. a stream end to a socket that joined an ended room). */
  sendDirect(room: DeliveryRoom, subscriber: RoomSubscriber, messages: EncodedWebcastMessage[]): void {
    const now = this.options.now();
    const fetchResult = encodeFetchResult({ messages, cursor: String(room.seq), internalExt: internalExtFor(room.roomId, room.seq, now), needAck: this.options.needAck, now });
    const logId = room.nextLogId++;
    subscriber.send(encodeMessageFrame({ logId: String(logId), seqId: String(room.seq), fetchResult, gzip: subscriber.gzip }), this.options.needAck ? logId : undefined);
    room.stats.framesSent += 1;
  }

  private frameFor(room: DeliveryRoom, afterSeq: number, gzip: boolean): OutgoingFrame {
    const start = Math.max(afterSeq + 1, room.logFirstSeq) - room.logFirstSeq;
    const messages = room.log.slice(start);
    const now = this.options.now();
    const fetchResult = encodeFetchResult({ messages, cursor: String(room.seq), internalExt: internalExtFor(room.roomId, room.seq, now), needAck: this.options.needAck, now });
    const logId = room.nextLogId++;
    return { logId, bytes: encodeMessageFrame({ logId: String(logId), seqId: String(room.seq), fetchResult, gzip }) };
  }

  private trim(room: DeliveryRoom): void {
    // Trim in chunks (amortised O(1) per message) and never drop what a live socket has not had yet.
    const capacity = this.options.logCapacity;
    if (room.log.length <= capacity * 2) return;
    let oldestNeeded = room.flushedSeq + 1;
    for (const subscriber of room.subscribers) oldestNeeded = Math.min(oldestNeeded, subscriber.lastSeq + 1);
    const drop = Math.min(room.log.length - capacity, oldestNeeded - room.logFirstSeq);
    if (drop <= 0) return;
    room.log.splice(0, drop);
    room.logFirstSeq += drop;
  }

  stop(): void {
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.timer = null;
    this.dirty.clear();
  }
}
