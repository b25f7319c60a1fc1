/**
 * Two server instances (two apps, one database, one sandbox): each room is listened to by exactly one of them
 * (the sandbox counts every socket a room ever accepted), and when one dies its rooms are taken over once its
 * leases expire, continuing the same sessions with exact totals.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxLive } from '../../../sandbox/live/index';
import type { Session } from '../../../../tests/helpers/app';
import type { LiveManager } from './manager';
import { startTwoInstances, type TwoInstances } from '../../../../tests/helpers/live/two-instances';
import { creatorDoc, endedSession, sessionsOf, startManager, uniqueHandle, waitFor } from '../../../../tests/helpers/live/harness';

let live: SandboxLive;
let appA: FastifyInstance;
let appB: FastifyInstance;
let admin: Session;
const managers: LiveManager[] = [];

let instances: TwoInstances;

beforeAll(async () => {
  instances = await startTwoInstances('instances', 'Two Instances');
  ({ live, appA, appB, admin } = instances);
});
afterAll(async () => {
  for (const m of managers) await m.stop().catch(() => undefined);
  await instances?.stop();
});

describe('two server instances', () => {
  it('listen to each room exactly once, and take over the rooms of an instance that died (exact totals)', async () => {
    const rooms = 6;
    const creators: { id: string; handle: string }[] = [];
    for (let i = 0; i < rooms; i++) {
      const handle = uniqueHandle(`two${i}`);
      const id = (await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } })).json().id as string;
      await admin.inject({ method: 'PUT', url: `/api/v1/creators/${id}/live-tracking`, payload: { enabled: true } });
      creators.push({ id, handle });
    }
    const leaseTtlMs = 2_500;
    const a = startManager(appA, live.settings, { instanceId: 'instance-a', leaseTtlMs, leaseRenewMs: 500 });
    const b = startManager(appB, live.settings, { instanceId: 'instance-b', leaseTtlMs, leaseRenewMs: 500 });
    managers.push(a, b);
    // Both instances see each other (a renewal or two) before the rooms go live: each takes its share at once.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const c of creators) live.rooms.goLive(c.handle);

    await waitFor(() => creators.every((c) => live.rooms.snapshot(c.handle)!.openSockets === 1), 'every room listened to');
    await waitFor(async () => (await Promise.all(creators.map(async (c) => (await sessionsOf(appA, admin.agencyId, c.id)).length === 1))).every(Boolean), 'every session open');
    // Both schedulers keep running (50 ms ticks, lease renewals): still one socket per room, ever.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const c of creators) expect(live.rooms.snapshot(c.handle)!.stats.connectionsAccepted).toBe(1);
    expect(a.listeners().length + b.listeners().length).toBe(rooms);
    // Spread over both instances (fair share with room for one more: 3 ± 1 each).
    expect(Math.abs(a.listeners().length - b.listeners().length)).toBeLessThanOrEqual(2);

    // Gifts before the crash, each room: a Lion, and a streak that is still open when an instance dies.
    for (const c of creators) {
      await live.rooms.sendGift(c.handle, { userId: '8001', giftId: '6369' });
      live.rooms.giftStep(c.handle, { userId: '8002', giftId: '5879', groupId: '99', repeatCount: 1, repeatEnd: false });
      live.rooms.giftStep(c.handle, { userId: '8002', giftId: '5879', groupId: '99', repeatCount: 2, repeatEnd: false });
    }
    for (const c of creators) await waitFor(async () => (await sessionsOf(appA, admin.agencyId, c.id))[0].diamonds === 29999, 'the Lion persisted');

    // The instance with more rooms dies (no flush, no lease release). The other one takes its rooms over.
    const [dead, survivor] = a.listeners().length >= b.listeners().length ? [a, b] : [b, a];
    const orphaned = dead.listeners().map((l) => String(l.target.creatorId));
    expect(orphaned.length).toBeGreaterThan(0);
    await dead.crash();
    const orphanHandles = creators.filter((c) => orphaned.includes(c.id)).map((c) => c.handle);
    await waitFor(() => orphanHandles.every((h) => live.rooms.snapshot(h)!.stats.connectionsAccepted === 2 && live.rooms.snapshot(h)!.openSockets === 1), 'the takeover', 60_000); // the requirement: a dead instance's rooms are taken over within a minute (≈5 s when the machine is idle)
    expect(survivor.listeners().length).toBe(rooms);
    expect(creators.every((c) => survivor.leases.holds(c.id))).toBe(true);

    // After the takeover: the open streak ends (3 gifts in all), another Lion; then the streams end.
    for (const c of creators) {
      live.rooms.giftStep(c.handle, { userId: '8002', giftId: '5879', groupId: '99', repeatCount: 3, repeatEnd: false });
      live.rooms.giftStep(c.handle, { userId: '8002', giftId: '5879', groupId: '99', repeatCount: 3, repeatEnd: true });
      await live.rooms.sendGift(c.handle, { userId: '8003', giftId: '6369' });
    }
    for (const c of creators) await waitFor(async () => (await sessionsOf(appA, admin.agencyId, c.id))[0].diamonds === 2 * 29999 + 90, 'the gifts after the takeover');
    for (const c of creators) live.rooms.endStream(c.handle);

    for (const c of creators) {
      const ended = await endedSession(appA, admin.agencyId, c.id);
      expect(ended).toMatchObject({ diamonds: 2 * 29999 + 90, gifts: 5, gifters: 3 });
      expect(await sessionsOf(appA, admin.agencyId, c.id)).toHaveLength(1);
      expect((await creatorDoc(appA, admin.agencyId, c.id)).totals).toMatchObject({ diamonds: 2 * 29999 + 90, sessions: 1 });
      expect(live.rooms.snapshot(c.handle)!.stats.connectionsAccepted).toBe(orphaned.includes(c.id) ? 2 : 1);
    }
  }, 150_000);
});
