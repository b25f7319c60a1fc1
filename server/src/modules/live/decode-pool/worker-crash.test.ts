/**
 * A decode worker killed mid-stream (mid-streak) under the real listener manager: its rooms reconnect on another
 * worker into the same sessions, the open streaks are settled at their highest count and continue with only the
 * rest, and every room's totals stay exact (nothing lost, nothing counted twice). Real library, sandbox LIVE,
 * real app and database.
 *
 * And the acks (push-frames.ts): a worker killed with frames in flight never acked a frame whose events this
 * thread did not take. What it had received but not handed over is not sent again: the library reconnects from
 * the sign server's latest cursor, and so does the sandbox (README, known limits).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxLive, type SandboxLive } from '../../../../sandbox/live/index';
import { createTestApp, signupAgency, type Session } from '../../../../../tests/helpers/app';
import { creatorDoc, endedSession, sessionsOf, startManager, uniqueHandle, waitFor } from '../../../../../tests/helpers/live/harness';
import type { LiveManager } from '../manager';
import { createConnectorPool, type ConnectorPool } from './pool';
import type { RoomConnection } from './room-connector';

let live: SandboxLive;
let app: FastifyInstance;
let admin: Session;
let pool: ConnectorPool;
let manager: LiveManager;

beforeAll(async () => {
  live = await startSandboxLive();
  app = await createTestApp({ DB_LABEL: 'live_decode_crash' }, undefined, { liveConnection: live.settings });
  admin = await signupAgency(app, 'Decode Crash Agency');
  pool = createConnectorPool({ size: 2, settings: live.settings, log: app.log, respawnDelayMs: 200 });
});
afterAll(async () => {
  await manager?.stop();
  await pool?.stop();
  await app?.close();
  await live?.stop();
});

const DOUGHNUT = { giftId: '5879', diamonds: 30 }; // streakable
const LION = { giftId: '6369', diamonds: 29_999 }; // not streakable

describe('LIVE decode worker killed mid-stream', () => {
  it('its rooms reconnect on a live worker into the same sessions and every total stays exact', async () => {
    const rooms: { id: string; handle: string }[] = [];
    for (let i = 0; i < 4; i++) {
      const handle = uniqueHandle('wk');
      const id = (await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } })).json().id as string;
      expect((await admin.inject({ method: 'PUT', url: `/api/v1/creators/${id}/live-tracking`, payload: { enabled: true } })).statusCode).toBe(200);
      live.rooms.goLive(handle);
      rooms.push({ id, handle });
    }
    manager = startManager(app, live.settings, { connector: pool });
    for (const { handle } of rooms) await live.rooms.waitForSockets(handle, 1, 20_000);
    await waitFor(async () => (await Promise.all(rooms.map((r) => creatorDoc(app, admin.agencyId, r.id)))).every((c) => c.live.isLive), 'the sessions');
    expect(pool.status().roomsPerWorker).toEqual([2, 2]);

    // Each room: a streak at 2 so far (open: not counted yet) and a one-off gift after it, persisted before the kill
    // (the same socket delivers in order, so the streak's steps reached the tally before the gift).
    const step = (handle: string, repeatCount: number, repeatEnd = false) => live.rooms.giftStep(handle, { userId: '8001', giftId: DOUGHNUT.giftId, groupId: '4242', repeatCount, repeatEnd });
    for (const { handle } of rooms) {
      step(handle, 1);
      step(handle, 2);
      await live.rooms.sendGift(handle, { userId: '8002', giftId: LION.giftId });
    }
    for (const { id } of rooms) {
      await waitFor(async () => (await sessionsOf(app, admin.agencyId, id)).find((s) => s.diamonds === LION.diamonds), 'the first one-off gift persisted');
    }

    const victim = pool.workerOf(rooms[0].handle)!;
    const orphaned = rooms.filter((r) => pool.workerOf(r.handle) === victim);
    const survivors = rooms.filter((r) => pool.workerOf(r.handle) !== victim);
    expect(orphaned).toHaveLength(2);
    await pool.terminateWorker(victim);
    // Their open streaks are settled at the highest count seen (2) when the worker's death reads as a disconnect.
    for (const { id } of orphaned) {
      await waitFor(async () => (await sessionsOf(app, admin.agencyId, id)).find((s) => s.diamonds === 2 * DOUGHNUT.diamonds + LION.diamonds), 'the settled streaks persisted');
    }

    // The orphans reconnect (a second accepted socket each) on a live worker; the others never dropped.
    await waitFor(
      () =>
        orphaned.every((r) => live.rooms.snapshot(r.handle)!.stats.connectionsAccepted === 2 && live.rooms.snapshot(r.handle)!.openSockets === 1 && pool.workerOf(r.handle) !== null) &&
        manager.listeners().length === rooms.length &&
        manager.listeners().every((l) => l.state() === 'live'),
      'the orphaned rooms to reconnect',
      20_000,
    );
    for (const r of survivors) expect(live.rooms.snapshot(r.handle)!.stats.connectionsAccepted).toBe(1);
    expect(pool.status().workerRestarts).toBe(1);

    // The streaks continue to 4 and end; one more one-off gift each; then the streams end.
    for (const { handle } of rooms) {
      step(handle, 3);
      step(handle, 4);
      step(handle, 4, true);
      await live.rooms.sendGift(handle, { userId: '8003', giftId: LION.giftId });
    }
    const expected = 4 * DOUGHNUT.diamonds + 2 * LION.diamonds;
    for (const { id } of rooms) await waitFor(async () => (await sessionsOf(app, admin.agencyId, id)).find((s) => s.diamonds === expected), 'the later gifts persisted');
    for (const { handle } of rooms) live.rooms.endStream(handle);

    for (const { id } of rooms) {
      const ended = await endedSession(app, admin.agencyId, id);
      expect(ended).toMatchObject({ diamonds: expected, gifts: 6, gifters: 3 });
      expect(await sessionsOf(app, admin.agencyId, id)).toHaveLength(1);
      expect((await creatorDoc(app, admin.agencyId, id)).totals).toMatchObject({ diamonds: expected, sessions: 1 });
    }
    // The orphans' streaks were settled at 2 on the disconnect and counted only the rest at their end.
    const ledger = (await admin.inject({ method: 'GET', url: `/api/v1/live/sessions/${(await sessionsOf(app, admin.agencyId, orphaned[0].id))[0]._id}/gifts` })).json().items;
    expect(ledger.map((g: { settledBy: string; gifts: number }) => [g.settledBy, g.gifts]).sort()).toEqual([['disconnect', 2], ['end', 2], ['instant', 1], ['instant', 1]].sort());
  });
});

describe('acks when a decode worker is killed with frames in flight', () => {
  it('the sandbox never got an ack for a frame whose events this thread did not take; the room goes on, nothing twice', async () => {
    const handle = uniqueHandle('wa');
    live.rooms.goLive(handle);
    const taken = new Map<string, number>(); // gift msgId → times taken
    const BURST = 60;
    const KILL_AT = 10;
    let victim: number | null = null;
    let disconnects = 0;
    let connection: RoomConnection;
    connection = pool.open(handle, {
      event(event) {
        if (event?.kind !== 'gift') return;
        taken.set(event.msgId, (taken.get(event.msgId) ?? 0) + 1);
        // Killed from inside the take of a batch: its 'taken' answer, and every frame behind it, are in flight.
        if (taken.size === KILL_AT && victim === null) {
          victim = pool.workerOf(handle);
          void pool.terminateWorker(victim!);
        }
      },
      disconnected: () => void disconnects++,
      error: () => undefined,
    });
    await connection.connect();
    await live.rooms.waitForSockets(handle, 1);
    const before = live.rooms.snapshot(handle)!.stats;
    const acksBefore = before.acksReceived;

    // One gift per frame: the sandbox flushes a room at the end of the turn it was written in.
    const burst: string[] = [];
    for (let i = 0; i < BURST; i++) {
      burst.push(...(await live.rooms.sendGift(handle, { userId: `90${i}`, giftId: '6369' })).msgIds);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => disconnects === 1 && live.rooms.snapshot(handle)!.openSockets === 0, 'the dead worker’s socket to close');
    const stats = live.rooms.snapshot(handle)!.stats;
    expect(stats.framesSent - before.framesSent).toBeGreaterThanOrEqual(KILL_AT);
    const burstTaken = burst.filter((id) => taken.has(id)).length;
    // Every acked frame's gift was taken here (frames and gifts are one to one in the burst).
    expect(stats.acksReceived - acksBefore).toBeLessThanOrEqual(burstTaken);

    // The room reconnects on a live worker; later gifts arrive once each, and nothing was taken twice.
    await connection.connect();
    expect(pool.workerOf(handle)).not.toBeNull();
    const after = (await live.rooms.sendGift(handle, { userId: '9999', giftId: '6369' })).msgIds;
    await waitFor(() => after.every((id) => taken.has(id)), 'a gift after the reconnect');
    expect([...taken.values()].every((times) => times === 1)).toBe(true);
    await connection.close();
  });
});
