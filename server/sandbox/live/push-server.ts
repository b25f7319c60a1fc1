/**
 * The sandbox's WebSocket push server (TikTok's `webcast-ws` host), on the web host's HTTPS server at
 * `/webcast/im/ws_proxy/ws_reuse_supplement/`. The client (tiktok-live-connector's WebcastWebSocketClient):
 * - connects to the `pushServer` URL from the sign result with `room_id`, `cursor`, `internal_ext`,
 *   `compress=gzip` and the sign result's `routeParams` (our signature token, checked here: a URL the sign
 *   server did not issue is refused with 403 and a `handshake-msg` header, as TikTok does);
 * - sends `im_enter_room` (a `WebcastImEnterRoomMessage` in a push frame; answered with `im_enter_room_resp`),
 *   heartbeats every 10 s (`hb` frames with a `HeartBeatMessage`; answered with `hb`), and an `ack` frame
 *   (logId + internalExt) for every frame whose fetch result has `needAck`.
 * Messages flow from the room (room-delivery.ts): the socket starts at the cursor it was signed with.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { HeartBeatMessage, WebcastImEnterRoomMessage, WebcastPushFrame } from 'tiktok-live-connector';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodePushFrame, streamEndMessage } from './frames';
import type { RoomSubscriber } from './room-delivery';
import { ROOM_STATUS_LIVE, type SandboxRoom, type SandboxRooms } from './rooms';
import { SIGN_TOKEN_PARAM } from './sign-server';
import type http from 'node:http';

export const PUSH_PATH = '/webcast/im/ws_proxy/ws_reuse_supplement/';

export interface PushServerOptions {
  rooms: SandboxRooms;
  /** The web host's HTTPS server (wss://, the default) or a plain HTTP server (ws://). */
  server: http.Server;
  secure: boolean;
  verifyToken(token: string | null, roomId: string): boolean;
  /** Drop sockets silent (no heartbeat, ack or enter) for this long. TikTok's client beats every 10 s. */
  idleTimeoutMs?: number;
  now?: () => number;
}

export interface PushServer {
  /** The URL the sign server hands out. */
  url(host: string): string;
  counts: { refused: number; accepted: number };
  close(): void;
}

class PushSubscriber implements RoomSubscriber {
  lastSeq: number;
  lastActivityAt: number;
  entered = false;
  private inFlight = 0;
  private highestAckExpected = 0;
  private highestAcked = 0;
  private waiters: (() => void)[] = [];
  constructor(
    readonly socket: WebSocket,
    readonly room: SandboxRoom,
    readonly gzip: boolean,
    cursor: number,
    now: number,
  ) {
    this.lastSeq = cursor;
    this.lastActivityAt = now;
  }

  send(frame: Buffer, ackLogId?: number): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (ackLogId !== undefined) this.highestAckExpected = Math.max(this.highestAckExpected, ackLogId);
    this.inFlight += 1;
    this.socket.send(frame, () => {
      this.inFlight -= 1;
      this.wake();
    });
  }

  acked(logId: number): void {
    if (logId > this.highestAcked) this.highestAcked = logId;
    this.wake();
  }

  private delivered(): boolean {
    return this.inFlight === 0 && this.highestAcked >= this.highestAckExpected;
  }

  private wake(): void {
    if (this.delivered()) this.waiters.splice(0).forEach((resolve) => resolve());
  }

  whenDelivered(timeoutMs: number): Promise<void> {
    if (this.delivered() || this.socket.readyState !== this.socket.OPEN) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, reason);
  }

  terminate(): void {
    this.socket.terminate();
  }
}

function refuse(socket: Duplex, status: number, message: string): void {
  socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Forbidden'}\r\nhandshake-msg: ${message}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}

export function attachPushServer(options: PushServerOptions): PushServer {
  const now = options.now ?? Date.now;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const subscribers = new Set<PushSubscriber>();
  const counts = { refused: 0, accepted: 0 };

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = new URL(req.url ?? '/', 'https://sandbox');
    if (url.pathname !== PUSH_PATH && url.pathname !== PUSH_PATH.slice(0, -1)) {
      counts.refused += 1;
      return refuse(socket, 404, 'unknown push path');
    }
    const roomId = url.searchParams.get('room_id') ?? '';
    const room = options.rooms.roomById(roomId);
    if (!room || !options.verifyToken(url.searchParams.get(SIGN_TOKEN_PARAM), roomId)) {
      counts.refused += 1;
      return refuse(socket, 403, 'invalid or expired signature');
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, room, url.searchParams));
  }

  function accept(ws: WebSocket, room: SandboxRoom, params: URLSearchParams) {
    counts.accepted += 1;
    room.stats.connectionsAccepted += 1;
    const cursor = Number.parseInt(params.get('cursor') ?? '', 10);
    const startAt = Number.isFinite(cursor) ? Math.min(Math.max(cursor, room.logFirstSeq - 1), room.seq) : room.seq;
    const subscriber = new PushSubscriber(ws, room, params.get('compress') === 'gzip', startAt, now());
    subscribers.add(subscriber);
    room.subscribers.add(subscriber);
    ws.on('message', (data: Buffer, isBinary: boolean) => onFrame(subscriber, isBinary ? data : Buffer.from(data)));
    ws.on('close', () => {
      subscribers.delete(subscriber);
      room.subscribers.delete(subscriber);
    });
    ws.on('error', () => ws.terminate());
    if (room.status !== ROOM_STATUS_LIVE) {
      // Joining a room that has ended: TikTok answers with the stream-end control message.
      options.rooms.delivery.sendDirect(room, subscriber, [streamEndMessage({ msgId: options.rooms.newMessageId(), roomId: room.roomId, now: now() })]);
      return;
    }
    if (subscriber.lastSeq < room.seq) options.rooms.delivery.markDirty(room);
  }

  function onFrame(subscriber: PushSubscriber, data: Buffer) {
    subscriber.lastActivityAt = now();
    let frame;
    try {
      frame = WebcastPushFrame.decode(data);
    } catch {
      subscriber.close(4400, 'undecodable frame');
      return;
    }
    const room = subscriber.room;
    switch (frame.payloadType) {
      case 'hb': {
        const beat = HeartBeatMessage.decode(frame.payload);
        room.stats.heartbeatsReceived += 1;
        if (beat.roomId && beat.roomId !== room.roomId) return subscriber.close(4403, 'heartbeat for another room');
        subscriber.send(encodePushFrame({ payloadType: 'hb' }));
        return;
      }
      case 'im_enter_room': {
        const enter = WebcastImEnterRoomMessage.decode(frame.payload);
        if (enter.roomId !== room.roomId) return subscriber.close(4403, 'entered another room');
        room.stats.enterRoomReceived += 1;
        subscriber.entered = true;
        subscriber.send(encodePushFrame({ payloadType: 'im_enter_room_resp', logId: frame.logId }));
        return;
      }
      case 'ack': {
        // The client echoes the frame's logId and the fetch result's internalExt.
        if (frame.logId !== '0' && frame.payload.toString('utf8').includes(`wss_push_room_id:${room.roomId}`)) {
          room.stats.acksReceived += 1;
          subscriber.acked(Number(frame.logId));
        }
        return;
      }
      default:
        return;
    }
  }

  options.server.on('upgrade', onUpgrade);
  const sweep = setInterval(() => {
    const deadline = now() - idleTimeoutMs;
    for (const subscriber of subscribers) if (subscriber.lastActivityAt < deadline) subscriber.close(4408, 'idle');
  }, Math.min(idleTimeoutMs, 5_000));
  sweep.unref();

  return {
    url: (host) => `${options.secure ? 'wss' : 'ws'}://${host}${PUSH_PATH}`,
    counts,
    close() {
      clearInterval(sweep);
      options.server.off('upgrade', onUpgrade);
      for (const subscriber of subscribers) subscriber.terminate();
      wss.close();
    },
  };
}
