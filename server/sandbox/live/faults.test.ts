import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorReason, SignAPIError, SignatureRateLimitError, TikTokLiveConnection, type WebcastGiftMessage } from 'tiktok-live-connector';
import { settleSessionStreaks } from '@shared/live';
import { applySignSettings, startSandboxLive, type SandboxLive } from './index';
import { listenTo, waitFor } from './test-listener';

let live: SandboxLive;
beforeAll(async () => {
  live = await startSandboxLive();
});
afterAll(async () => {
  await live?.stop();
});
beforeEach(() => {
  live.sign.configure({ apiKey: null, delayMs: 0, connectsPerMinute: null, forceRateLimitSeconds: null });
});

describe('sign server faults', () => {
  it('rate limiting gives SignatureRateLimitError with retryAfter, which the scheduler can tell apart', async () => {
    live.rooms.goLive('limited');
    live.sign.configure({ connectsPerMinute: 1 });
    const first = live.createConnection('limited');
    await first.connect();
    await first.disconnect();

    const error = await live.createConnection('limited').connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignatureRateLimitError);
    expect(error).toBeInstanceOf(SignAPIError);
    expect((error as SignatureRateLimitError).reason).toBe(ErrorReason.RATE_LIMIT);
    expect((error as SignatureRateLimitError).retryAfter).toBeGreaterThan(0);
    expect((error as SignatureRateLimitError).retryAfter).toBeLessThanOrEqual(60_000);
    expect(live.sign.counts.rateLimited).toBe(1);
  });

  it('a forced 429 carries the retry-after the server chose', async () => {
    live.rooms.goLive('forced.limit');
    live.sign.configure({ forceRateLimitSeconds: 42 });
    const error = await live.createConnection('forced.limit').connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignatureRateLimitError);
    expect((error as SignatureRateLimitError).retryAfter).toBe(42_000);
  });

  it('checks the API key: a wrong key is a sign error, the right key connects', async () => {
    live.rooms.goLive('keyed');
    live.sign.configure({ apiKey: 'right-key' });
    // SignConfig is global: set the wrong key, then build the connection.
    applySignSettings({ ...live.settings, signApiKey: 'wrong-key' });
    const wrong = new TikTokLiveConnection('keyed', live.connectorOptions());
    const error = await wrong.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignAPIError);
    expect(error).not.toBeInstanceOf(SignatureRateLimitError);
    expect((error as SignAPIError).reason).toBe(ErrorReason.SIGN_NOT_200);
    expect(live.sign.counts.unauthorized).toBeGreaterThan(0);

    const right = live.createConnection('keyed');
    await right.connect();
    await right.disconnect();
  });

  it('a sign server slower than the sign timeout fails with a connect error; a slow one within it connects', async () => {
    live.rooms.goLive('slow.sign');
    live.sign.configure({ delayMs: 600 });
    applySignSettings({ ...live.settings, signTimeoutMs: 150 });
    const impatient = new TikTokLiveConnection('slow.sign', live.connectorOptions());
    const error = await impatient.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignAPIError);
    expect((error as SignAPIError).reason).toBe(ErrorReason.CONNECT_ERROR);

    const patient = live.createConnection('slow.sign');
    await patient.connect();
    await patient.disconnect();
  });
});

describe('push server faults', () => {
  it('duplicate frames reach the library twice; msgId dedupe keeps the totals exact', async () => {
    live.rooms.goLive('dupes');
    live.rooms.setDuplicateFrames('dupes', true);
    const connection = live.createConnection('dupes');
    const listener = listenTo(connection);
    await connection.connect();
    await live.rooms.sendGift('dupes', { userId: '2001', giftId: '5655', repeat: 2 }); // Rose ×2 streak: 3 messages
    live.rooms.like('dupes', { userId: '2002', count: 4 });
    live.rooms.setViewers('dupes', 12);
    await waitFor(() => listener.raw.get('roomUser')!.length === 2, 'both copies of the viewer frame');
    expect(listener.raw.get('gift')).toHaveLength(6);
    expect(listener.summary()).toMatchObject({ diamonds: 2, gifts: 2, likes: 4, peakViewers: 12 });
    await connection.disconnect();
  });

  it('a socket dropped mid-streak: disconnected (1006), the streak settled at its highest count, nothing counted twice after reconnecting', async () => {
    live.rooms.goLive('dropper');
    const connection = live.createConnection('dropper');
    const listener = listenTo(connection);
    await connection.connect();
    const sent = await live.rooms.sendGift('dropper', { userId: '3001', giftId: '5879', repeat: 5, dropConnectionsAfter: 2 }); // Doughnut 30 💎
    expect(sent.diamonds).toBe(150);
    await waitFor(() => listener.disconnects.length === 1, 'disconnected');
    expect(listener.disconnects[0].code).toBe(1006);
    expect((listener.raw.get('gift') as WebcastGiftMessage[]).map((g) => g.repeatCount)).toEqual([1, 2]);
    // The listener settled on disconnect: 2 of the 5 gifts reached it.
    expect(listener.summary()).toMatchObject({ diamonds: 60, gifts: 2, openStreaks: 0 });
    expect(live.rooms.snapshot('dropper')!.status).toBe(2);

    // The library does not reconnect by itself; the listener connects again and keeps its tally.
    await connection.connect();
    await live.rooms.sendGift('dropper', { userId: '3001', giftId: '5655', repeat: 1 });
    await waitFor(() => listener.raw.get('gift')!.length === 4, 'gifts after reconnecting');
    expect(listener.summary()).toMatchObject({ diamonds: 61, gifts: 3 });
    await connection.disconnect();
  });

  it('a dropped socket leaves the room at once: the reconnect that follows is the room\'s only socket', async () => {
    live.rooms.goLive('dropped.at.once');
    const connection = live.createConnection('dropped.at.once');
    const listener = listenTo(connection);
    await connection.connect();
    await live.rooms.waitForSockets('dropped.at.once', 1);
    expect(await live.rooms.dropConnections('dropped.at.once')).toBe(1);
    // Gone from the room when the drop returns, not when the server's close event comes round: a client that
    // reconnects at once must not find its dead socket still counted (and still sent to) beside the new one.
    expect(live.rooms.snapshot('dropped.at.once')!.openSockets).toBe(0);
    await waitFor(() => listener.disconnects.length === 1, 'disconnected');
    await connection.connect();
    await live.rooms.waitForSockets('dropped.at.once', 1);
    expect(live.rooms.snapshot('dropped.at.once')!.openSockets).toBe(1);
    await connection.disconnect();
  });

  it('a streak whose end never comes stays open until the timeout settles it with the highest count', async () => {
    live.rooms.goLive('no.end');
    const connection = live.createConnection('no.end');
    const listener = listenTo(connection);
    await connection.connect();
    await live.rooms.sendGift('no.end', { userId: '4001', giftId: '5879', repeat: 4, omitEnd: true });
    await waitFor(() => listener.raw.get('gift')!.length === 4, 'the streak steps');
    expect(listener.summary()).toMatchObject({ diamonds: 0, openStreaks: 1, pendingDiamonds: 120 });
    const last = listener.tally.lastEventAt;
    expect(settleSessionStreaks(listener.tally, last + 1_000, { olderThanMs: 5_000 }).counted).toEqual([]);
    const settled = settleSessionStreaks(listener.tally, last + 5_000, { olderThanMs: 5_000 });
    expect(settled.counted).toHaveLength(1);
    expect(settled.counted[0]).toMatchObject({ gifts: 4, diamonds: 120, settledBy: 'timeout' });
    expect(listener.summary()).toMatchObject({ diamonds: 120, gifts: 4, openStreaks: 0 });
    await connection.disconnect();
  });

  it('messages sent while the client is between the sign answer and the WebSocket upgrade are replayed from its cursor', async () => {
    live.rooms.goLive('racer');
    const connection = live.createConnection('racer');
    const listener = listenTo(connection);
    const signedBefore = live.sign.counts.connect;
    const connecting = connection.connect();
    await waitFor(() => live.sign.counts.connect > signedBefore, 'the sign answer');
    for (let i = 1; i <= 20; i++) live.rooms.chat('racer', { userId: `50${i}`, text: `early ${i}` });
    await connecting;
    for (let i = 21; i <= 40; i++) live.rooms.chat('racer', { userId: `50${i}`, text: `late ${i}` });
    await waitFor(() => listener.raw.get('chat')!.length === 40, 'all forty chats');
    expect(listener.summary().chats).toBe(40);
    await connection.disconnect();
  });

  it('refuses a push connection the sign server did not sign', async () => {
    const { roomId } = live.rooms.goLive('unsigned');
    const { WebSocket } = await import('ws');
    const refused = await new Promise<string>((resolve) => {
      const socket = new WebSocket(`wss://${live.webHost}/webcast/im/ws_proxy/ws_reuse_supplement/?room_id=${roomId}&sbx_sig=forged`, { ca: live.caPem });
      socket.on('unexpected-response', (_req, res) => resolve(`${res.statusCode} ${res.headers['handshake-msg']}`));
      socket.on('open', () => resolve('open'));
      socket.on('error', () => undefined);
    });
    expect(refused).toMatch(/^403 /);
  });
});
