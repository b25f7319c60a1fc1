import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TikTokLiveConnection } from 'tiktok-live-connector';
import { startSandboxLive, type SandboxLive } from './index';
import { listenTo, waitFor, type TestListener } from './test-listener';

let live: SandboxLive;
beforeAll(async () => {
  live = await startSandboxLive({ batchWindowMs: 10 });
});
afterAll(async () => {
  await live?.stop();
});

describe('traffic generator', () => {
  it('drives N rooms through the real library with zero loss: every tally equals the expected totals', async () => {
    const handles = Array.from({ length: 8 }, (_, i) => `load_${i}`);
    for (const handle of handles) live.rooms.goLive(handle, { viewers: 0 });
    const listeners = new Map<string, { connection: TikTokLiveConnection; listener: TestListener }>();
    for (const handle of handles) {
      const connection = live.createConnection(handle);
      const listener = listenTo(connection);
      await connection.connect();
      listeners.set(handle, { connection, listener });
    }

    const result = await live.driveTraffic({ rooms: handles, eventsPerSecond: 2_000, durationMs: 800, seed: 7, endStreams: true });
    expect(result.messages).toBeGreaterThanOrEqual(1_600);
    for (const handle of handles) {
      const { listener } = listeners.get(handle)!;
      await waitFor(() => listener.tally.endedAt !== null, `@${handle} stream end`);
      const expected = result.rooms.find((room) => room.handle === handle)!;
      expect(expected.messages).toBeGreaterThan(100);
      expect(expected.diamonds).toBeGreaterThan(0);
      const summary = listener.summary();
      expect({
        diamonds: summary.diamonds,
        gifts: summary.gifts,
        uniqueGifters: summary.uniqueGifters,
        likes: summary.likes,
        newMembers: summary.newMembers,
        chats: summary.chats,
        peakViewers: summary.peakViewers,
        openStreaks: summary.openStreaks,
      }).toEqual({
        diamonds: expected.diamonds,
        gifts: expected.gifts,
        uniqueGifters: expected.uniqueGifters,
        likes: expected.likes,
        newMembers: expected.newMembers,
        chats: expected.chats,
        peakViewers: expected.peakViewers,
        openStreaks: 0,
      });
      // Every webcast message arrived (the stream end is one more).
      const received = [...listener.raw.values()].reduce((sum, events) => sum + events.length, 0);
      expect(received).toBe(expected.messages + 1);
    }
  });

  it('the same seed gives the same traffic', async () => {
    const a = await live.driveTraffic({ rooms: ['seed_a'], eventsPerSecond: 500, durationMs: 100, seed: 99 });
    const b = await live.driveTraffic({ rooms: ['seed_b'], eventsPerSecond: 500, durationMs: 100, seed: 99 });
    const strip = (room: (typeof a.rooms)[number]) => ({ ...room, handle: '', roomId: '' });
    expect(strip(a.rooms[0])).toEqual(strip(b.rooms[0]));
  });
});
