/**
 * Make-before-break handover: when a second instance joins, the first hands rooms over to spread them evenly,
 * and keeps listening to each until the successor has opened its session. Gifts sent all through the handover
 * (one every few tens of milliseconds, so some land while the successor connects) are all counted, once: the
 * sessions' ledgers hold exactly what the rooms were sent. Break-before-make (stop, then let the other take the
 * room) loses the gifts sent between the first's stop and the second's connect.
 */
import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxLive } from '../../../sandbox/live/index';
import type { Session } from '../../../../tests/helpers/app';
import type { LiveManager } from './manager';
import { liveGiftEventModel } from './models';
import { startTwoInstances, type TwoInstances } from '../../../../tests/helpers/live/two-instances';
import { sessionsOf, startManager, uniqueHandle, waitFor } from '../../../../tests/helpers/live/harness';

let live: SandboxLive;
let appA: FastifyInstance;
let appB: FastifyInstance;
let admin: Session;
const managers: LiveManager[] = [];

let instances: TwoInstances;

beforeAll(async () => {
  instances = await startTwoInstances('handover', 'Handover');
  ({ live, appA, appB, admin } = instances);
});
afterAll(async () => {
  for (const m of managers) await m.stop().catch(() => undefined);
  await instances?.stop();
});

describe('rebalancing hands rooms over', () => {
  it('make before break: every gift sent through the handover is counted once', async () => {
    const creators: { id: string; handle: string }[] = [];
    for (let i = 0; i < 4; i++) {
      const handle = uniqueHandle(`ho${i}`);
      const id = (await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } })).json().id as string;
      await admin.inject({ method: 'PUT', url: `/api/v1/creators/${id}/live-tracking`, payload: { enabled: true } });
      creators.push({ id, handle });
      live.rooms.goLive(handle);
    }
    const a = startManager(appA, live.settings, { instanceId: 'handover-a', leaseTtlMs: 5_000, leaseRenewMs: 300 });
    managers.push(a);
    await waitFor(() => creators.every((c) => live.rooms.snapshot(c.handle)!.openSockets === 1), 'A listens to every room', 30_000);
    await waitFor(async () => (await Promise.all(creators.map(async (c) => (await sessionsOf(appA, admin.agencyId, c.id))[0]?.status === 'live'))).every(Boolean), 'every session open', 30_000);

    // Gifts flow to every room, without pause, while B joins and A hands rooms over to it.
    const sent = new Map<string, number>(creators.map((c) => [c.id, 0]));
    let sending = true;
    let user = 0;
    const flow = (async () => {
      while (sending) {
        for (const c of creators) {
          const gift = await live.rooms.sendGift(c.handle, { userId: String(5000 + (user++ % 50)), giftId: '6369' }); // Lion, one message
          sent.set(c.id, sent.get(c.id)! + gift.diamonds);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const b = startManager(appB, live.settings, { instanceId: 'handover-b', leaseTtlMs: 5_000, leaseRenewMs: 300 });
    managers.push(b);
    // A holds 4 with 2 instances: a share of 3, so it hands one room over, which B opens (its fence on the session).
    const moved = await waitFor(async () => {
      for (const c of creators) {
        const [s] = await sessionsOf(appA, admin.agencyId, c.id);
        if (s?.listenerInstanceId === 'handover-b') return c;
      }
      return null;
    }, 'a room handed over to B', 60_000);
    // A lets go once B has the session: one socket on the room again.
    await waitFor(() => live.rooms.snapshot(moved.handle)!.openSockets === 1 && !a.listenerFor(moved.id), 'A to let the room go', 30_000);
    sending = false;
    await flow;

    const ledger = liveGiftEventModel(appA.db);
    for (const c of creators) {
      const want = sent.get(c.id)!;
      let got = 0;
      await waitFor(async () => {
        const sessions = await sessionsOf(appA, admin.agencyId, c.id);
        const rows = await ledger.find({ tenantId: new Types.ObjectId(admin.agencyId), sessionId: { $in: sessions.map((s) => s._id) } }, { diamonds: 1 }).lean();
        got = rows.reduce((n, r) => n + (r.diamonds ?? 0), 0);
        return got === want;
      }, `@${c.handle}'s ${want} diamonds in its ledger`, 30_000).catch(() => undefined);
      expect({ handle: c.handle, diamonds: got }).toEqual({ handle: c.handle, diamonds: want });
    }
    // One session per room, still live, and the moved one is B's.
    for (const c of creators) expect((await sessionsOf(appA, admin.agencyId, c.id)).map((s) => s.status)).toEqual(['live']);
    expect(b.listenerFor(moved.id)).toBeDefined();

    // The rooms end: every session ends with exactly what its room was sent.
    for (const c of creators) live.rooms.endStream(c.handle);
    for (const c of creators) {
      const [ended] = await waitFor(async () => {
        const list = await sessionsOf(appA, admin.agencyId, c.id);
        return list[0]?.status === 'ended' && list[0].totalsApplied ? list : null;
      }, `@${c.handle}'s session to end`, 30_000);
      expect({ handle: c.handle, diamonds: ended.diamonds }).toEqual({ handle: c.handle, diamonds: sent.get(c.id) });
    }
  }, 180_000);
});
