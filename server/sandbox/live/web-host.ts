/**
 * The sandbox's HTTPS web host, serving as both `TIKTOK_HOST_WEB` (www.tiktok.com) and `TIKTOK_HOST_WEBCAST`
 * (webcast.tiktok.com) for tiktok-live-connector (`webConfigOverrides`). Routes the library uses:
 * - `GET /@{handle}/live`: HTML with `<script id="SIGI_STATE" type="application/json">` whose
 *   `LiveRoom.liveRoomUserInfo` has `user.roomId` and `liveRoom.status` (first source for room id and is-live);
 * - `GET /api-live/user/room/?uniqueId=`: `{ statusCode: 0, data: { user: { roomId }, liveRoom: { status } } }`;
 * - `GET /webcast/room/info/?room_id=`: `{ data: { status } }`, 2 live, 4 offline (→ `UserOfflineError`);
 * - `GET /webcast/gift/list/`: `{ data: { gifts } }` (only with `enableExtendedGiftInfo`).
 * The same server takes the push WebSocket upgrades (push-server.ts), so one host:port and one CA cover all.
 */
import https from 'node:https';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SANDBOX_GIFTS } from './frames';
import { ROOM_STATUS_OFFLINE, type SandboxRoom, type SandboxRooms } from './rooms';

/** TikTok's API-live status code for an account that does not exist. */
const USER_NOT_FOUND_STATUS = 19881007;

export interface WebHost {
  server: https.Server;
  /** host:port, what `TIKTOK_HOST_WEB`/`TIKTOK_HOST_WEBCAST` take. */
  host: string;
  counts: { html: number; apiLive: number; roomInfo: number };
  close(): Promise<void>;
}

function sigiState(room: SandboxRoom | undefined): object {
  if (!room) return { AppContext: { appContext: { language: 'en' } }, LiveRoom: { loading: false } };
  return {
    AppContext: { appContext: { language: 'en' } },
    LiveRoom: {
      liveRoomUserInfo: {
        user: { id: room.owner.userId, uniqueId: room.owner.handle, nickname: room.owner.nickname, roomId: room.roomId, status: room.status },
        liveRoom: { status: room.status, title: room.title, startTime: room.startedAt ? Math.floor(room.startedAt / 1000) : 0, liveRoomStats: { userCount: room.viewers } },
      },
    },
  };
}

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function roomInfo(room: SandboxRoom | undefined, roomId: string): object {
  if (!room) return { status_code: 0, data: { id_str: roomId, status: ROOM_STATUS_OFFLINE, prompts: 'This LIVE has ended' } };
  return {
    status_code: 0,
    data: {
      id: Number(room.roomId),
      id_str: room.roomId,
      status: room.status,
      title: room.title,
      create_time: room.startedAt ? Math.floor(room.startedAt / 1000) : 0,
      finish_time: room.endedAt ? Math.floor(room.endedAt / 1000) : 0,
      user_count: room.viewers,
      stats: { total_user: room.viewers, like_count: room.likesTotal },
      owner: { id_str: room.owner.userId, display_id: room.owner.handle, nickname: room.owner.nickname },
    },
  };
}

export async function startWebHost(input: { rooms: SandboxRooms; certPem: string; keyPem: string; host?: string; port?: number }): Promise<WebHost> {
  const counts = { html: 0, apiLive: 0, roomInfo: 0 };

  function send(res: http.ServerResponse, status: number, type: string, body: string) {
    res.writeHead(status, { 'content-type': type, 'set-cookie': 'tt_csrf_token=sandbox; Path=/; Secure' });
    res.end(body);
  }

  const server = https.createServer({ cert: input.certPem, key: input.keyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://sandbox');
    const path = url.pathname;
    const liveMatch = /^\/@([^/]+)\/live\/?$/.exec(path);
    if (liveMatch) {
      counts.html += 1;
      const room = input.rooms.roomOf(decodeURIComponent(liveMatch[1]));
      const html = `<!DOCTYPE html><html><head><title>TikTok LIVE</title></head><body><script id="SIGI_STATE" type="application/json">${scriptJson(sigiState(room))}</script></body></html>`;
      return send(res, 200, 'text/html; charset=utf-8', html);
    }
    if (path === '/api-live/user/room/' || path === '/api-live/user/room') {
      counts.apiLive += 1;
      const room = input.rooms.roomOf(url.searchParams.get('uniqueId') ?? '');
      if (!room) return send(res, 200, 'application/json', JSON.stringify({ statusCode: USER_NOT_FOUND_STATUS, message: 'user_not_found', data: {} }));
      const state = sigiState(room) as { LiveRoom: { liveRoomUserInfo: object } };
      return send(res, 200, 'application/json', JSON.stringify({ statusCode: 0, message: '', data: state.LiveRoom.liveRoomUserInfo }));
    }
    if (path === '/webcast/room/info/' || path === '/webcast/room/info') {
      counts.roomInfo += 1;
      const roomId = url.searchParams.get('room_id') ?? '';
      return send(res, 200, 'application/json', JSON.stringify(roomInfo(input.rooms.roomById(roomId), roomId)));
    }
    if (path === '/webcast/gift/list/' || path === '/webcast/gift/list') {
      const gifts = SANDBOX_GIFTS.map((gift) => ({ id: Number(gift.giftId), name: gift.name, diamond_count: gift.diamondCount, type: gift.type, combo: gift.type === 1 }));
      return send(res, 200, 'application/json', JSON.stringify({ status_code: 0, data: { gifts } }));
    }
    send(res, 404, 'text/plain', `The sandbox web host does not serve ${path}`);
  });
  // Many rooms connect at once in demos and the benchmark.
  server.maxConnections = 0x7fffffff;

  await new Promise<void>((resolve) => server.listen(input.port ?? 0, input.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    host: `${input.host ?? '127.0.0.1'}:${port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
