/**
 * The sandbox's sign server, standing in for Euler Stream (tiktok-live-connector's `SignConfig.basePath`).
 * What the library calls (tiktok-live-api-sdk 0.4, read from the library's dist):
 * - `GET /webcast/rooms/{roomId}/connect?client=ttlive-node&cursor=&user_agent=&client_enter=true&platform=web`
 *   with the key in `X-Api-Key` → 200 with a protobuf `ProtoMessageFetchResult` body (push server URL, cursor,
 *   internalExt, routeParams), header `x-set-tt-cookie` (required: the library fails with "Empty Cookies"
 *   without it) and `x-room-id`. 429 → JSON `{ message, limit_label }` with `retry-after` (s) and
 *   `x-ratelimit-reset`: the library throws `SignatureRateLimitError` with `retryAfter` in ms.
 * - `GET /webcast/anchors/{uniqueId}/room_id` → JSON `{ code, ok, room_id, is_live }`: the library's last
 *   resort for the room id when the web host's two sources fail.
 * Faults: an API key check (401), slowness, a per-minute connect budget, and a forced 429.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SlidingWindowLimiter } from '../tiktok/traffic';
import { encodeFetchResult } from './frames';
import { internalExtFor } from './room-delivery';
import { ROOM_STATUS_LIVE, type SandboxRooms } from './rooms';

export interface SignServerSettings {
  /** Require this key (`X-Api-Key` header or `apiKey` query); null accepts any request. */
  apiKey: string | null;
  /** Added before every answer. */
  delayMs: number;
  /** Connects allowed per minute per API key (or per client without one); null = unlimited. */
  connectsPerMinute: number | null;
  /** Answer every connect with 429 until turned off (seconds for `retry-after`). */
  forceRateLimitSeconds: number | null;
}

export interface SignToken {
  roomId: string;
  expiresAt: number;
}

export const SIGN_TOKEN_TTL_MS = 60_000;
/** The route param the signed push URL carries; the push server only accepts tokens it issued. */
export const SIGN_TOKEN_PARAM = 'sbx_sig';

export interface SignServer {
  url: string;
  settings: SignServerSettings;
  /** Changes settings on the fly (tests, demos). */
  configure(settings: Partial<SignServerSettings>): void;
  /** Requests answered, by outcome. */
  /** `unauthorized` counts every refused request; `unauthorizedConnects` only refused connects (one per connection attempt). */
  counts: { connect: number; rateLimited: number; unauthorized: number; unauthorizedConnects: number; roomId: number };
  /** Checks a token from a push-server URL; tokens are single room, short lived. */
  verifyToken(token: string | null, roomId: string): boolean;
  close(): Promise<void>;
}

export async function startSignServer(input: { rooms: SandboxRooms; pushServerUrl: () => string; host?: string; port?: number; settings?: Partial<SignServerSettings>; now?: () => number }): Promise<SignServer> {
  const now = input.now ?? Date.now;
  const settings: SignServerSettings = { apiKey: null, delayMs: 0, connectsPerMinute: null, forceRateLimitSeconds: null, ...input.settings };
  let limiter = new SlidingWindowLimiter(settings.connectsPerMinute ?? Number.MAX_SAFE_INTEGER, now);
  const tokens = new Map<string, SignToken>();
  const counts = { connect: 0, rateLimited: 0, unauthorized: 0, unauthorizedConnects: 0, roomId: 0 };

  function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': randomBytes(8).toString('hex'), ...headers });
    res.end(JSON.stringify(body));
  }

  function issueToken(roomId: string): string {
    const at = now();
    if (tokens.size > 10_000) for (const [token, entry] of tokens) if (entry.expiresAt < at) tokens.delete(token);
    const token = randomBytes(12).toString('hex');
    tokens.set(token, { roomId, expiresAt: at + SIGN_TOKEN_TTL_MS });
    return token;
  }

  function connect(res: http.ServerResponse, roomId: string, key: string) {
    if (settings.forceRateLimitSeconds !== null || !limiter.take(key)) {
      counts.rateLimited += 1;
      const retryAfter = settings.forceRateLimitSeconds ?? limiter.retryAfterSeconds(key);
      json(res, 429, { code: 429, message: 'Sandbox sign server: too many connects, slow down.', limit_label: 'sandbox connects/min' }, {
        'retry-after': String(retryAfter),
        'x-ratelimit-reset': String(Math.ceil(now() / 1000) + retryAfter),
        'x-log-id': randomBytes(8).toString('hex'),
      });
      return;
    }
    const room = input.rooms.roomById(roomId);
    if (!room) {
      json(res, 404, { code: 404, message: `Room ${roomId} not found` });
      return;
    }
    counts.connect += 1;
    const at = now();
    const body = encodeFetchResult({
      messages: [],
      cursor: String(room.seq),
      internalExt: internalExtFor(room.roomId, room.seq, at),
      needAck: false,
      now: at,
      pushServer: input.pushServerUrl(),
      routeParams: { [SIGN_TOKEN_PARAM]: issueToken(room.roomId), room_status: room.status === ROOM_STATUS_LIVE ? 'live' : 'ended' },
      isFirst: true,
    });
    res.writeHead(200, {
      'content-type': 'application/x-protobuf',
      'x-set-tt-cookie': `ttwid=1%7Csandbox${randomBytes(8).toString('hex')}; Path=/; Domain=tiktok.com; HttpOnly`,
      'x-room-id': room.roomId,
      'x-request-id': randomBytes(8).toString('hex'),
    });
    res.end(body);
  }

  function roomIdOf(res: http.ServerResponse, uniqueId: string) {
    counts.roomId += 1;
    const room = input.rooms.roomOf(uniqueId);
    if (!room) return json(res, 200, { code: 404, ok: false, message: `User @${uniqueId} not found`, room_id: null, is_live: false });
    json(res, 200, { code: 200, ok: true, message: 'ok', room_id: room.roomId, is_live: room.status === ROOM_STATUS_LIVE });
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const presentedKey = (req.headers['x-api-key'] as string | undefined) ?? url.searchParams.get('apiKey');
    const answer = () => {
      const connectMatch = /^\/webcast\/rooms\/([^/]+)\/connect\/?$/.exec(url.pathname);
      if (settings.apiKey !== null && presentedKey !== settings.apiKey) {
        counts.unauthorized += 1;
        if (connectMatch) counts.unauthorizedConnects += 1;
        return json(res, 401, { code: 401, message: 'Invalid or missing API key.' });
      }
      if (connectMatch && req.method === 'GET') return connect(res, decodeURIComponent(connectMatch[1]), presentedKey ?? req.socket.remoteAddress ?? 'anonymous');
      const roomIdMatch = /^\/webcast\/anchors\/([^/]+)\/room_id\/?$/.exec(url.pathname);
      if (roomIdMatch && req.method === 'GET') return roomIdOf(res, decodeURIComponent(roomIdMatch[1]));
      json(res, 404, { code: 404, message: `The sandbox sign server does not implement ${req.method} ${url.pathname}` });
    };
    if (settings.delayMs > 0) setTimeout(answer, settings.delayMs);
    else answer();
  });

  await new Promise<void>((resolve) => server.listen(input.port ?? 0, input.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${input.host ?? '127.0.0.1'}:${port}`,
    settings,
    counts,
    configure(changes) {
      Object.assign(settings, changes);
      if ('connectsPerMinute' in changes) limiter = new SlidingWindowLimiter(settings.connectsPerMinute ?? Number.MAX_SAFE_INTEGER, now);
    },
    verifyToken(token, roomId) {
      if (!token) return false;
      const entry = tokens.get(token);
      return !!entry && entry.roomId === roomId && entry.expiresAt >= now();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
