/**
 * The sandbox TikTok LIVE: sign server + HTTPS web host + WebSocket push server, and the rooms they play.
 * The real tiktok-live-connector connects to it through its supported options only:
 *
 *   const live = await startSandboxLive();
 *   const connection = live.createConnection('creator');      // applies SignConfig, builds the options
 *   live.rooms.goLive('creator');
 *   await connection.connect();
 *   await live.rooms.sendGift('creator', { userId: '1', giftId: '5655', repeat: 3 });
 *
 * Or by hand: `applySignSettings(live.settings)` then `new TikTokLiveConnection(handle, live.connectorOptions())`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TikTokLiveConnection, TikTokLiveConstructorConnectionOptions } from 'tiktok-live-connector';
import { createSandboxCertificates, type SandboxCertificates } from './certificates';
import { connectorOptionsFor, createLiveConnection, DEFAULT_SIGN_TIMEOUT_MS, type LiveConnectionSettings } from '../../src/modules/live/connector';
import { attachPushServer } from './push-server';
import { RoomDelivery } from './room-delivery';
import { SandboxRooms } from './rooms';
import { startSignServer, type SignServer, type SignServerSettings } from './sign-server';
import { driveTraffic, type TrafficOptions, type TrafficResult } from './traffic';
import { startWebHost } from './web-host';

export interface SandboxLiveOptions {
  /** Interface to listen on (default 127.0.0.1: the library only uses https for loopback hosts). */
  host?: string;
  signPort?: number;
  webPort?: number;
  /** Initial sign server behaviour (API key, delay, rate limit); change later with `sign.configure`. */
  sign?: Partial<SignServerSettings>;
  /** Batch window for push frames: 0 sends at the end of the current event-loop turn. */
  batchWindowMs?: number;
  /** Messages kept per room for clients that connect late (replay from their cursor). */
  logCapacity?: number;
  /** Ask clients to ack every frame (TikTok's `needAck`). Default true. */
  needAck?: boolean;
  /** Close sockets that sent nothing (heartbeat/ack) for this long. Default 60 s. */
  idleTimeoutMs?: number;
  /**
   * Serve the push WebSocket over TLS on the web host (wss://, as TikTok does; default) or, when false, over
   * plain ws:// on its own port: one TLS handshake less per room for large benchmarks.
   */
  pushTls?: boolean;
  /** Reuse certificates (making them takes ~0.5 s); default: made once per process. */
  certificates?: SandboxCertificates;
}

export interface SandboxLive {
  /** Sign server base URL: the value for `SignConfig.basePath` (and TIKTOK_LIVE_SIGN_URL). */
  signUrl: string;
  /** host:port for `TIKTOK_HOST_WEB` and `TIKTOK_HOST_WEBCAST` (and TIKTOK_LIVE_WEB_HOST). */
  webHost: string;
  /** The CA that signed the web host's certificate (TIKTOK_LIVE_CA_FILE's content). */
  caPem: string;
  /** Connection settings for this sandbox, as `liveConnectionSettingsFromEnv` would read them. */
  settings: LiveConnectionSettings;
  /** Options for `new TikTokLiveConnection(handle, options)`; set `SignConfig` first (`applySignSettings(settings)`). */
  connectorOptions(extra?: TikTokLiveConstructorConnectionOptions): TikTokLiveConstructorConnectionOptions;
  /** Applies the sign settings and returns a new connection for `handle`. */
  createConnection(handle: string, extra?: TikTokLiveConstructorConnectionOptions): TikTokLiveConnection;
  /** Room control: goLive, endStream/goOffline, sendGift, setViewers, like, member, chat, faults. */
  rooms: SandboxRooms;
  /** Sign server control (`configure({ apiKey, delayMs, connectsPerMinute, forceRateLimitSeconds })`) and counters. */
  sign: SignServer;
  /** Drives N rooms × M events/s; resolves with the exact totals each room should tally. */
  driveTraffic(options: TrafficOptions): Promise<TrafficResult>;
  stop(): Promise<void>;
}

async function listenPlain(host = '127.0.0.1'): Promise<{ server: http.Server; host: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    host: `${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let processCertificates: SandboxCertificates | undefined;

export async function startSandboxLive(options: SandboxLiveOptions = {}): Promise<SandboxLive> {
  const certificates = options.certificates ?? (processCertificates ??= createSandboxCertificates());
  const delivery = new RoomDelivery({ batchWindowMs: options.batchWindowMs ?? 0, logCapacity: options.logCapacity ?? 5_000, needAck: options.needAck ?? true, now: Date.now });
  const rooms = new SandboxRooms(delivery);
  const web = await startWebHost({ rooms, certPem: certificates.certPem, keyPem: certificates.keyPem, host: options.host, port: options.webPort });
  let pushUrl = '';
  const sign = await startSignServer({ rooms, pushServerUrl: () => pushUrl, host: options.host, port: options.signPort, settings: options.sign });
  const plainPush = options.pushTls === false ? await listenPlain(options.host) : null;
  const push = attachPushServer({ rooms, server: plainPush?.server ?? web.server, secure: !plainPush, verifyToken: sign.verifyToken, idleTimeoutMs: options.idleTimeoutMs });
  pushUrl = push.url(plainPush?.host ?? web.host);

  const settings: LiveConnectionSettings = {
    signBasePath: sign.url,
    // Follows `sign.configure({ apiKey })`; a sandbox without a key accepts any.
    get signApiKey() {
      return sign.settings.apiKey;
    },
    webHost: web.host,
    caPem: certificates.caPem,
    signTimeoutMs: DEFAULT_SIGN_TIMEOUT_MS,
  };

  return {
    signUrl: sign.url,
    webHost: web.host,
    caPem: certificates.caPem,
    settings,
    connectorOptions: (extra) => connectorOptionsFor(settings, extra),
    createConnection: (handle, extra) => createLiveConnection(handle, settings, extra),
    rooms,
    sign,
    driveTraffic: (trafficOptions) => driveTraffic(rooms, trafficOptions),
    async stop() {
      delivery.stop();
      push.close();
      await Promise.all([web.close(), sign.close(), plainPush?.close()]);
    },
  };
}

export { applySignSettings, connectorOptionsFor, createLiveConnection, liveConnectionSettingsFromEnv, type LiveConnectionSettings } from '../../src/modules/live/connector';
export { SANDBOX_GIFTS, type SandboxGiftKind } from './frames';
export { ROOM_STATUS_LIVE, ROOM_STATUS_OFFLINE, type RoomSnapshot, type SendGiftInput, type SentGift, SandboxRooms } from './rooms';
export type { SignServerSettings } from './sign-server';
export type { ExpectedRoomTotals, TrafficOptions, TrafficResult } from './traffic';
