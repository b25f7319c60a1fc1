/**
 * The listener end to end: the real tiktok-live-connector against the sandbox LIVE, the real app and database.
 * Streaks, one-off gifts, duplicate frames, a missing streak end, and the stream end with its rollup.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxLive, type SandboxLive } from '../../../sandbox/live/index';
import { createTestApp, signupAgency, type Session } from '../../../../tests/helpers/app';
import type { LiveManager } from './manager';
import { creatorDoc, endedSession, sessionsOf, startManager, uniqueHandle, waitFor } from '../../../../tests/helpers/live/harness';

let live: SandboxLive;
let app: FastifyInstance;
let admin: Session;
let manager: LiveManager;

beforeAll(async () => {
  live = await startSandboxLive();
  app = await createTestApp({ DB_LABEL: 'live_tallies' }, undefined, { liveConnection: live.settings });
  admin = await signupAgency(app, 'Tally Agency');
  manager = startManager(app, live.settings, { streakTimeoutMs: 400 });
});
afterAll(async () => {
  await manager?.stop();
  await app?.close();
  await live?.stop();
});

async function trackedLiveCreator(options: { viewers?: number } = {}): Promise<{ id: string; handle: string }> {
  const handle = uniqueHandle('tally');
  const created = await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } });
  expect(created.statusCode).toBe(201);
  const id = created.json().id as string;
  const tracked = await admin.inject({ method: 'PUT', url: `/api/v1/creators/${id}/live-tracking`, payload: { enabled: true } });
  expect(tracked.statusCode).toBe(200);
  expect(tracked.json().live.tracking).toBe(true);
  live.rooms.goLive(handle, { viewers: options.viewers ?? 0 });
  await live.rooms.waitForSockets(handle, 1, 15_000);
  await waitFor(async () => (await sessionsOf(app, admin.agencyId, id)).length === 1 && (await creatorDoc(app, admin.agencyId, id)).live.isLive, 'the session to open');
  return { id, handle };
}

async function persisted(creatorId: string, predicate: (s: Awaited<ReturnType<typeof sessionsOf>>[number]) => boolean, what: string) {
  return waitFor(async () => (await sessionsOf(app, admin.agencyId, creatorId)).find(predicate), what);
}

describe('LIVE listener tallies (real library, sandbox, database)', () => {
  it('counts a 1,2,3,3(end) streak as 3 gifts and a non-streak gift at once; the stream end closes the session with duration, peak and average viewers, and rolls up once', async () => {
    const { id, handle } = await trackedLiveCreator();
    expect((await creatorDoc(app, admin.agencyId, id)).live.isLive).toBe(true);

    live.rooms.setViewers(handle, 100);
    const streak = await live.rooms.sendGift(handle, { userId: '1001', handle: 'big.fan', nickname: 'Big Fan', giftId: '5879', repeat: 3 }); // Doughnut 30 💎, streakable
    const lion = await live.rooms.sendGift(handle, { userId: '1002', handle: 'lion.king', giftId: '6369', repeat: 1 }); // Lion 29999 💎, not streakable
    expect(streak.msgIds).toHaveLength(4);
    live.rooms.like(handle, { userId: '1003', count: 7 });
    live.rooms.member(handle, { userId: '1004' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    live.rooms.setViewers(handle, 300);
    const expectedDiamonds = streak.diamonds + lion.diamonds;
    expect(expectedDiamonds).toBe(90 + 29999);

    const running = await persisted(id, (s) => s.diamonds === expectedDiamonds && s.peakViewers === 300 && s.likes === 7, 'the running totals');
    expect(running).toMatchObject({ status: 'live', gifts: 4, gifters: 2, newMembers: 1, viewers: 300 });

    const now = await admin.inject({ method: 'GET', url: '/api/v1/live/now' });
    expect(now.statusCode).toBe(200);
    const item = now.json().items.find((i: { creatorId: string }) => i.creatorId === id);
    expect(item).toMatchObject({ sessionId: String(running._id), diamonds: expectedDiamonds, gifts: 4, peakViewers: 300, viewers: 300, likes: 7 });
    expect(item.topGifters.map((g: { userId: string }) => g.userId)).toEqual(['1002', '1001']);
    expect(item.topGifters[1]).toMatchObject({ handle: 'big.fan', nickname: 'Big Fan', diamonds: 90 });

    await new Promise((resolve) => setTimeout(resolve, 1_100));
    live.rooms.endStream(handle);
    const ended = await endedSession(app, admin.agencyId, id);
    expect(ended).toMatchObject({ diamonds: expectedDiamonds, gifts: 4, gifters: 2, peakViewers: 300, likes: 7, newMembers: 1, endReason: 'stream_end' });
    expect(ended.endedAt!.getTime()).toBeGreaterThan(ended.startedAt.getTime());
    expect(ended.durationSeconds).toBe(Math.round((ended.endedAt!.getTime() - ended.startedAt.getTime()) / 1000));
    expect(ended.durationSeconds).toBeGreaterThanOrEqual(1);
    // 100 viewers for ~300 ms, then 300 until the end (> 1 s): the time-weighted average lies strictly between.
    expect(ended.avgViewers).toBeGreaterThan(200);
    expect(ended.avgViewers).toBeLessThan(300);

    const creator = await creatorDoc(app, admin.agencyId, id);
    expect(creator.totals).toEqual({ diamonds: expectedDiamonds, liveSeconds: ended.durationSeconds, sessions: 1 });
    expect(creator.live).toMatchObject({ isLive: false, sessionId: null });

    // Exactly once: a second rollup (another instance, the sweep) finds totalsApplied already set.
    expect(await manager.store.rollUp(ended.tenantId, ended._id)).toBe(false);
    expect((await creatorDoc(app, admin.agencyId, id)).totals.diamonds).toBe(expectedDiamonds);

    const gifts = await admin.inject({ method: 'GET', url: `/api/v1/live/sessions/${ended._id}/gifts` });
    expect(gifts.statusCode).toBe(200);
    const ledger = gifts.json().items as { msgId: string; gifts: number; diamonds: number; settledBy: string }[];
    expect(ledger.map((g) => [g.msgId, g.gifts, g.diamonds, g.settledBy]).sort()).toEqual(
      [
        [streak.msgIds[3], 3, 90, 'end'],
        [lion.msgIds[0], 1, 29999, 'instant'],
      ].sort(),
    );

    const activities = await admin.inject({ method: 'GET', url: `/api/v1/creators/${id}/activities` });
    const summary = activities.json().items.find((a: { type: string }) => a.type === 'live_session');
    expect(summary).toMatchObject({ system: true, data: { sessionId: String(ended._id), diamonds: expectedDiamonds, gifts: 4, peakViewers: 300 } });

    const top = await admin.inject({ method: 'GET', url: `/api/v1/creators/${id}/top-gifters?limit=5` });
    expect(top.json().items).toEqual([
      { userId: '1002', handle: 'lion.king', nickname: 'lion.king', diamonds: 29999, gifts: 1, sessions: 1 },
      { userId: '1001', handle: 'big.fan', nickname: 'Big Fan', diamonds: 90, gifts: 3, sessions: 1 },
    ]);

    // The realtime log: coalesced tallies for this creator ending at the final numbers, then one session_end.
    const stream = await admin.inject({ method: 'GET', url: '/api/v1/live/stream?follow=false&lastEventId=0' });
    const events = stream.body
      .split('\n\n')
      .map((block) => ({ event: /^event: (.*)$/m.exec(block)?.[1], data: /^data: (.*)$/m.exec(block)?.[1] }))
      .filter((e) => e.event && e.data && JSON.parse(e.data).creatorId === id);
    const tallies = events.filter((e) => e.event === 'tally').map((e) => JSON.parse(e.data!));
    expect(tallies.length).toBeGreaterThan(0);
    expect(tallies[tallies.length - 1]).toMatchObject({ sessionId: String(ended._id), diamonds: expectedDiamonds, gifts: 4, peakViewers: 300, likes: 7 });
    const ends = events.filter((e) => e.event === 'session_end').map((e) => JSON.parse(e.data!));
    expect(ends).toEqual([{ creatorId: id, sessionId: String(ended._id), summary: { durationSeconds: ended.durationSeconds, diamonds: expectedDiamonds, gifts: 4, peakViewers: 300, avgViewers: ended.avgViewers }, endReason: 'stream_end' }]);

    const detail = await admin.inject({ method: 'GET', url: `/api/v1/live/sessions/${ended._id}` });
    expect(detail.json()).toMatchObject({ status: 'ended', source: 'listener', diamonds: expectedDiamonds, uniqueGifters: 2, topGifters: [{ userId: '1002' }, { userId: '1001' }] });
  });

  it('duplicate frames (same msgIds twice) are counted once', async () => {
    const { id, handle } = await trackedLiveCreator();
    live.rooms.setDuplicateFrames(handle, true);
    const a = await live.rooms.sendGift(handle, { userId: '2001', giftId: '5655', repeat: 2 }); // Rose 1 💎 streak ×2
    const b = await live.rooms.sendGift(handle, { userId: '2002', giftId: '6369' }); // Lion
    live.rooms.like(handle, { userId: '2003', count: 4 });
    live.rooms.member(handle, { userId: '2004' });
    live.rooms.setViewers(handle, 12);
    await waitFor(() => live.rooms.snapshot(handle)!.stats.framesSent >= 2, 'frames');
    live.rooms.setDuplicateFrames(handle, false);
    live.rooms.endStream(handle);
    const ended = await endedSession(app, admin.agencyId, id);
    expect(ended).toMatchObject({ diamonds: a.diamonds + b.diamonds, gifts: 3, gifters: 2, likes: 4, newMembers: 1, peakViewers: 12 });
    expect((await creatorDoc(app, admin.agencyId, id)).totals).toMatchObject({ diamonds: a.diamonds + b.diamonds, sessions: 1 });
  });

  it('a streak whose end never comes is settled at its highest count after the timeout; a late end adds nothing more', async () => {
    const { id, handle } = await trackedLiveCreator();
    const open = await live.rooms.sendGift(handle, { userId: '3001', giftId: '5879', repeat: 4, omitEnd: true }); // 4 × 30 💎, no repeatEnd
    const settled = await persisted(id, (s) => s.diamonds === 120, 'the timed-out streak to be settled');
    expect(settled.gifts).toBe(4);
    // The end arrives after all (TikTok sent it late): nothing beyond the 4 already counted.
    live.rooms.giftStep(handle, { userId: '3001', giftId: '5879', groupId: open.groupId, repeatCount: 4, repeatEnd: true });
    live.rooms.endStream(handle);
    const ended = await endedSession(app, admin.agencyId, id);
    expect(ended).toMatchObject({ diamonds: 120, gifts: 4 });
    const gifts = (await admin.inject({ method: 'GET', url: `/api/v1/live/sessions/${ended._id}/gifts` })).json().items;
    expect(gifts).toHaveLength(1);
    expect(gifts[0]).toMatchObject({ settledBy: 'timeout', gifts: 4, diamonds: 120, msgId: '' });
  });

  it('turning tracking off ends the running session', async () => {
    const { id, handle } = await trackedLiveCreator();
    await live.rooms.sendGift(handle, { userId: '4001', giftId: '6369' });
    await persisted(id, (s) => s.diamonds === 29999, 'the gift');
    const off = await admin.inject({ method: 'PUT', url: `/api/v1/creators/${id}/live-tracking`, payload: { enabled: false } });
    expect(off.json().live.tracking).toBe(false);
    const ended = await endedSession(app, admin.agencyId, id);
    expect(ended).toMatchObject({ diamonds: 29999, endReason: 'tracking_stopped' });
    await waitFor(() => live.rooms.snapshot(handle)!.openSockets === 0, 'the socket to close');
  });
});
