import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidResponseCompositeError, SignConfig, TikTokLiveConnection, UserOfflineError, WebcastEvent, type WebcastGiftMessage } from 'tiktok-live-connector';
import { applySignSettings, connectorOptionsFor, liveConnectionSettingsFromEnv, startSandboxLive, type SandboxLive } from './index';
import { listenTo, waitFor } from './test-listener';

let live: SandboxLive;
beforeAll(async () => {
  live = await startSandboxLive();
});
afterAll(async () => {
  await live?.stop();
});

describe('the real tiktok-live-connector against the sandbox', () => {
  it('connects through SignConfig.basePath, webConfigOverrides and the CA, and tallies a streak, a one-off gift, viewers and the stream end', async () => {
    live.rooms.goLive('streak.creator', { viewers: 0 });
    // Heartbeats every 50 ms instead of 10 s, through the supported wsConfigOverrides.
    const connection = live.createConnection('streak.creator', { wsConfigOverrides: { DEFAULT_WS_PING_INTERVAL: 50 } });
    expect(SignConfig.basePath).toBe(live.signUrl);
    const listener = listenTo(connection);
    const state = await connection.connect();
    expect(state.roomId).toBe(live.rooms.snapshot('streak.creator')!.roomId);
    expect(state.roomInfo?.data.status).toBe(2);

    live.rooms.setViewers('streak.creator', 100);
    await live.rooms.sendGift('streak.creator', { userId: '1001', handle: 'big.fan', nickname: 'Big Fan', giftId: '5879', repeat: 3 }); // Doughnut, 30 💎, streakable
    await live.rooms.sendGift('streak.creator', { userId: '1002', giftId: '6369', repeat: 1 }); // Lion, 29999 💎, not streakable
    await waitFor(() => listener.raw.get('gift')!.length === 5, 'five gift events');
    live.rooms.setViewers('streak.creator', 300);
    live.rooms.like('streak.creator', { userId: '1003', count: 7 });
    live.rooms.member('streak.creator', { userId: '1004' });
    live.rooms.chat('streak.creator', { userId: '1001', text: 'hi' });
    await waitFor(() => listener.raw.get('chat')!.length === 1, 'the chat');
    await waitFor(() => live.rooms.snapshot('streak.creator')!.stats.heartbeatsReceived >= 2, 'heartbeats');

    live.rooms.endStream('streak.creator');
    await waitFor(() => listener.raw.get('streamEnd')!.length === 1 && listener.disconnects.length === 1, 'streamEnd then disconnected');

    const gifts = listener.raw.get('gift') as WebcastGiftMessage[];
    expect(gifts.map((g) => [g.repeatCount, g.repeatEnd, g.gift?.type, g.gift?.diamondCount])).toEqual([
      [1, 0, 1, 30],
      [2, 0, 1, 30],
      [3, 0, 1, 30],
      [3, 1, 1, 30],
      [1, 0, 2, 29999],
    ]);
    expect(gifts[0].user).toMatchObject({ id: '1001', displayId: 'big.fan', nickname: 'Big Fan' });
    expect(new Set(gifts.map((g) => g.common?.msgId)).size).toBe(5);

    const summary = listener.summary();
    expect(summary).toMatchObject({ diamonds: 3 * 30 + 29999, gifts: 4, uniqueGifters: 2, peakViewers: 300, likes: 7, newMembers: 1, chats: 1, openStreaks: 0 });
    expect(summary.endedAt).not.toBeNull();
    expect(summary.averageViewers).toBeGreaterThan(100);
    expect(summary.averageViewers).toBeLessThan(300);
    expect(summary.topGifters[0]).toMatchObject({ userId: '1002', diamonds: 29999 });

    const stats = live.rooms.snapshot('streak.creator')!.stats;
    expect(stats.enterRoomReceived).toBe(1);
    expect(stats.acksReceived).toBeGreaterThan(0);
    expect(live.rooms.snapshot('streak.creator')!.status).toBe(4);
  });

  it("an offline room gives the library's UserOfflineError", async () => {
    live.rooms.addAccount('sleepy.creator');
    const connection = live.createConnection('sleepy.creator');
    await expect(connection.connect()).rejects.toBeInstanceOf(UserOfflineError);

    // After a stream has ended too: room info says status 4.
    live.rooms.goLive('was.live');
    live.rooms.endStream('was.live');
    await expect(live.createConnection('was.live').connect()).rejects.toBeInstanceOf(UserOfflineError);
  });

  it('an ended room joined by room id (no room info) gets a streamEnd', async () => {
    const { roomId } = live.rooms.goLive('ended.by.id');
    live.rooms.endStream('ended.by.id');
    const connection = live.createConnection('ended.by.id', { fetchRoomInfoOnConnect: false });
    const listener = listenTo(connection);
    await connection.connect(roomId);
    await waitFor(() => listener.raw.get('streamEnd')!.length === 1, 'streamEnd');
  });

  it('an unknown account fails room-id lookup from every source', async () => {
    const error = await live.createConnection('nobody.here').connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseCompositeError);
  });

  it('each go-live is a new room id; the library follows it', async () => {
    const first = live.rooms.goLive('twice.live').roomId;
    live.rooms.endStream('twice.live');
    const second = live.rooms.goLive('twice.live').roomId;
    expect(second).not.toBe(first);
    const connection = live.createConnection('twice.live');
    expect((await connection.connect()).roomId).toBe(second);
    await connection.disconnect();
  });

  it('explicit TIKTOK_LIVE_* values (CA from a file) reach the same implementation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'live-ca-'));
    writeFileSync(join(dir, 'ca.pem'), live.caPem);
    const settings = liveConnectionSettingsFromEnv({ TIKTOK_LIVE_SIGN_URL: live.signUrl, TIKTOK_LIVE_WEB_HOST: live.webHost, TIKTOK_LIVE_CA_FILE: join(dir, 'ca.pem') });
    expect(settings).not.toBeNull();
    expect(liveConnectionSettingsFromEnv({})).toBeNull();

    live.rooms.goLive('env.creator');
    applySignSettings(settings!);
    const connection = new TikTokLiveConnection('env.creator', connectorOptionsFor(settings!));
    const listener = listenTo(connection);
    await connection.connect();
    live.rooms.setViewers('env.creator', 5);
    await waitFor(() => listener.raw.get(WebcastEvent.ROOM_USER)!.length === 1, 'viewer count');
    await connection.disconnect();
  });

  it('without the CA the library cannot reach the web host', async () => {
    live.rooms.goLive('untrusted');
    applySignSettings(live.settings);
    const connection = new TikTokLiveConnection('untrusted', { webConfigOverrides: { TIKTOK_HOST_WEB: live.webHost, TIKTOK_HOST_WEBCAST: live.webHost } });
    await expect(connection.connect()).rejects.toThrow(/certificate/);
  });
});
