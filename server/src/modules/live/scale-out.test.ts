/**
 * Three instances (three apps: one database, one Redis of this test's own, the sandbox LIVE): A and B listen, C
 * only serves the API. A stream opened on C receives the tallies of rooms listened to on A and on B; a rename on
 * A is visible on C at once; A dies and its rooms are taken over within 30 s with exact totals; the stream client
 * reconnects to B with Last-Event-ID and misses nothing, nothing twice; Redis restarts mid-run and everything
 * resumes without restarting a server; C then starts listening and takes its share of the rooms. (A dies in process here: sockets dropped, nothing flushed or released; scale-out-processes.test.ts runs the story with real processes and SIGKILL/SIGSTOP;
 * sigkill.test.ts kills a real process.)
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxLive, type SandboxLive } from '../../../sandbox/live/index';
import { createTestApp, signupAgency, type Session } from '../../../../tests/helpers/app';
import { testDbUri } from '../../../../tests/helpers/db';
import { randomPrefix, startPrivateRedis } from '../../coordination/testing';
import type { LiveManager } from './manager';
import { sessionsOf, startManager, uniqueHandle, waitFor } from '../../../../tests/helpers/live/harness';
import { openLiveStream, type SseEvent } from '../../../../tests/helpers/live/sse-client';

let live: SandboxLive;
let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
const apps: FastifyInstance[] = [];
const managers: LiveManager[] = [];
let admin: Session;

/** The stream of `token`'s agency on that instance, collecting events. */
const openStream = (app: FastifyInstance, token: string, lastEventId?: string) => openLiveStream(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`, token, { lastEventId });

const diamondsOf = (events: SseEvent[], creatorId: string) => Math.max(0, ...events.filter((e) => e.event === 'tally' && e.data.creatorId === creatorId).map((e) => Number(e.data.diamonds)));

beforeAll(async () => {
  live = await startSandboxLive();
  redis = await startPrivateRedis();
  const uri = testDbUri('live_scale_out');
  const env = { MONGODB_URI: uri, REDIS_URL: redis.url, REDIS_KEY_PREFIX: randomPrefix('scale'), JWT_SECRET: 's'.repeat(48) };
  for (let i = 0; i < 3; i++) {
    const app = await createTestApp(env, undefined, { liveConnection: live.settings });
    await app.listen({ port: 0, host: '127.0.0.1' });
    apps.push(app);
  }
  admin = await signupAgency(apps[0], 'Scale Out');
});
afterAll(async () => {
  for (const m of managers) await m.stop().catch(() => undefined);
  for (const app of apps) {
    // The dropped streams' sockets linger on undici's side; don't wait for them to time out.
    app.server.closeAllConnections();
    await app.close().catch(() => undefined);
  }
  await live?.stop();
  await redis?.stop();
});

describe('three instances on one database and one Redis', () => {
  it('fan-out, invalidation, takeover, resume on another instance, Redis restart', async () => {
    const [A, B, C] = apps;
    const onC = (url: string) => C.inject({ method: 'GET', url, headers: { authorization: `Bearer ${admin.token}` } });
    const rooms = 4;
    const creators: { id: string; handle: string }[] = [];
    for (let i = 0; i < rooms; i++) {
      const handle = uniqueHandle(`so${i}`);
      const id = (await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } })).json().id as string;
      await admin.inject({ method: 'PUT', url: `/api/v1/creators/${id}/live-tracking`, payload: { enabled: true } });
      creators.push({ id, handle });
    }

    // Invalidation: C caches the roster page; a rename on A is visible on C at once.
    expect((await onC('/api/v1/creators')).statusCode).toBe(200);
    const patched = await admin.inject({ method: 'PATCH', url: `/api/v1/creators/${creators[0].id}`, payload: { displayName: 'Renamed On A' } });
    expect(patched.statusCode).toBe(200);
    // Delivered through Redis pub/sub as the write returns: a few milliseconds (allow a loaded machine 2 s).
    await waitFor(async () => (await onC('/api/v1/creators')).body.includes('Renamed On A'), 'the rename on C', 2_000);

    const leaseTtlMs = 6_000;
    const a = startManager(A, live.settings, { instanceId: 'A', leaseTtlMs, leaseRenewMs: 1_000 });
    const b = startManager(B, live.settings, { instanceId: 'B', leaseTtlMs, leaseRenewMs: 1_000 });
    managers.push(a, b);
    await new Promise((r) => setTimeout(r, 2_500)); // both see each other: rooms spread over them
    for (const c of creators) live.rooms.goLive(c.handle);
    await waitFor(() => creators.every((c) => live.rooms.snapshot(c.handle)!.openSockets === 1), 'every room listened to', 30_000);
    expect(a.listeners().length).toBeGreaterThan(0);
    expect(b.listeners().length).toBeGreaterThan(0);

    // A stream on C gets the tallies of rooms on A and on B.
    const first = await openStream(C, admin.token);
    for (const c of creators) await live.rooms.sendGift(c.handle, { userId: '7001', giftId: '6369' });
    await waitFor(() => creators.every((c) => diamondsOf(first.events, c.id) === 29999), 'tallies of every room on C', 30_000);

    // A dies: its rooms are taken over by B within 30 s.
    const orphaned = a.listeners().map((l) => String(l.target.creatorId));
    const diedAt = Date.now();
    await a.crash();
    const orphanHandles = creators.filter((c) => orphaned.includes(c.id)).map((c) => c.handle);
    await waitFor(() => orphanHandles.every((h) => live.rooms.snapshot(h)!.openSockets === 1 && live.rooms.snapshot(h)!.stats.connectionsAccepted === 2), 'the takeover', 30_000);
    expect(Date.now() - diedAt).toBeLessThan(30_000);
    expect(b.listeners().length).toBe(rooms);

    // The client drops and reconnects to B with the last id it saw; meanwhile more gifts.
    await first.close();
    const lastSeen = first.events[first.events.length - 1].id;
    for (const c of creators) await live.rooms.sendGift(c.handle, { userId: '7002', giftId: '5879' }); // 30 💎
    const second = await openStream(B, admin.token, lastSeen);
    await waitFor(() => creators.every((c) => diamondsOf(second.events, c.id) === 29999 + 30), 'tallies after the takeover on B', 30_000).catch(async (err) => {
      const state = await Promise.all(creators.map(async (c) => ({ second: diamondsOf(second.events, c.id), persisted: (await sessionsOf(C, admin.agencyId, c.id))[0]?.diamonds, fence: (await sessionsOf(C, admin.agencyId, c.id))[0]?.fence, listener: b.listenerFor(c.id)?.state() })));
      throw new Error(`${(err as Error).message}: ${JSON.stringify(state)} events=${second.events.length}`);
    });

    // Redis restarts: the stream, invalidation and leases resume without a server restart.
    await redis.restart();
    for (const c of creators) await live.rooms.sendGift(c.handle, { userId: '7003', giftId: '5879' });
    await waitFor(() => creators.every((c) => diamondsOf(second.events, c.id) === 29999 + 60), 'tallies after the Redis restart', 60_000);
    await waitFor(async () => {
      await admin.inject({ method: 'PATCH', url: `/api/v1/creators/${creators[1].id}`, payload: { displayName: 'After Restart' } });
      return (await onC('/api/v1/creators')).body.includes('After Restart');
    }, 'invalidation after the Redis restart', 30_000);
    for (const c of creators) expect(live.rooms.snapshot(c.handle)!.openSockets).toBe(1);

    // Exact totals: each room counted once, across the takeover and the restart.
    for (const c of creators) await waitFor(async () => (await sessionsOf(C, admin.agencyId, c.id))[0]?.diamonds === 29999 + 60, 'persisted totals');
    for (const c of creators) expect(await sessionsOf(C, admin.agencyId, c.id)).toHaveLength(1);

    // C starts listening too: B hands rooms over (flushed, left open) until both hold their share (±1).
    const c = startManager(C, live.settings, { instanceId: 'C', leaseTtlMs, leaseRenewMs: 1_000 });
    managers.push(c);
    // Handed over means: C's listeners are live on new sockets, B's old ones closed.
    await waitFor(
      () =>
        c.listeners().length >= 1 &&
        [...b.listeners(), ...c.listeners()].every((l) => l.state() === 'live') &&
        b.listeners().length + c.listeners().length === rooms &&
        creators.every((x) => live.rooms.snapshot(x.handle)!.openSockets === 1),
      'C to take its share',
      30_000,
    );
    expect(b.listeners().length).toBeLessThanOrEqual(3);
    for (const x of creators) await live.rooms.sendGift(x.handle, { userId: '7004', giftId: '5879' });
    for (const x of creators) await waitFor(async () => (await sessionsOf(C, admin.agencyId, x.id))[0]?.diamonds === 29999 + 90, 'totals after the handover');

    // Nothing missed, nothing twice: what the two connections got is the feed after the first id, in order.
    await second.close();
    const got = [...first.events, ...second.events].map((e) => e.id);
    expect(new Set(got).size).toBe(got.length);
    const feed = await B.inject({ method: 'GET', url: `/api/v1/live/stream?follow=false&lastEventId=${first.events[0].id}`, headers: { authorization: `Bearer ${admin.token}` } });
    const feedIds = feed.body.split('\n').filter((l) => l.startsWith('id: ')).map((l) => l.slice(4));
    // The Redis restart emptied the stream: compare what is still held (events since the restart) with what was delivered.
    const sinceRestart = got.filter((id) => feedIds.includes(id));
    expect(sinceRestart).toEqual(feedIds.filter((id) => got.includes(id)));
    expect(feedIds.every((id) => got.includes(id) || id > got[got.length - 1])).toBe(true);
    // Before the restart the feed was complete: every id the second stream replayed follows the last seen one.
    expect(second.events.length).toBeGreaterThan(0);
  }, 240_000);
});
