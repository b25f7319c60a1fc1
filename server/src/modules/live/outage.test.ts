/**
 * A database outage (its own FerretDB process, SIGKILLed and started again on the same port and files): routes
 * that need the database answer 503 DATABASE_UNAVAILABLE and /readyz is not ready; the listener keeps counting
 * in memory; once the database is back it writes what it held, counted once, with no restart of anything.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startEmbeddedDb, type EmbeddedDb } from '../../../embedded-db/index';
import { startSandboxLive, type SandboxLive } from '../../../sandbox/live/index';
import { createTestApp, signupAgency, type Session } from '../../../../tests/helpers/app';
import { createCreatorTotals } from '../creators/totals';
import type { LiveManager } from './manager';
import { creatorDoc, endedSession, sessionsOf, startManager, uniqueHandle, waitFor } from '../../../../tests/helpers/live/harness';

let live: SandboxLive;
let db: EmbeddedDb;
let app: FastifyInstance;
let admin: Session;
let manager: LiveManager | null = null;
const dataDir = mkdtempSync(join(tmpdir(), 'liveroster-outage-'));
let port: number;

beforeAll(async () => {
  live = await startSandboxLive();
  port = await freePort();
  db = await startEmbeddedDb({ dataDir, port });
  app = await createTestApp({ MONGODB_URI: `${db.uri}outage`}, (config) => ({ ...config, live: { ...config.live, connectionSettings: live.settings } }));
  admin = await signupAgency(app, 'Outage Agency');
});
afterAll(async () => {
  await manager?.stop().catch(() => undefined);
  await app?.close().catch(() => undefined);
  await db?.stop();
  await live?.stop();
});

describe('a database outage', () => {
  it('answers 503 DATABASE_UNAVAILABLE meanwhile, keeps counting, writes back once the database is back: every gift once', async () => {
    const handle = uniqueHandle('outage');
    const id = (await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } })).json().id as string;
    await admin.inject({ method: 'PUT', url: `/api/v1/creators/${id}/live-tracking`, payload: { enabled: true } });
    live.rooms.goLive(handle);
    // A lease long enough to outlive the outage (the takeover window is not what this test is about).
    manager = startManager(app, live.settings, { instanceId: 'outage-a', leaseTtlMs: 60_000, leaseRenewMs: 1_000 });
    await live.rooms.waitForSockets(handle, 1, 30_000);
    const before = await live.rooms.sendGift(handle, { userId: '1', giftId: '6369' });
    await waitFor(async () => (await sessionsOf(app, admin.agencyId, id))[0]?.diamonds === before.diamonds, 'the first gift persisted');

    process.kill(db.pid, 'SIGKILL');
    const during = [
      await live.rooms.sendGift(handle, { userId: '2', giftId: '6369' }),
      await live.rooms.sendGift(handle, { userId: '3', giftId: '5879', repeat: 3 }),
      await live.rooms.sendGift(handle, { userId: '2', giftId: '5655', repeat: 2 }),
    ];
    const res = await waitFor(async () => {
      const r = await admin.inject({ method: 'GET', url: '/api/v1/creators' });
      return r.statusCode === 503 ? r : null;
    }, 'the API to answer 503', 30_000);
    expect(res.json()).toMatchObject({ error: { code: 'DATABASE_UNAVAILABLE' } });
    expect(res.headers['retry-after']).toBeDefined();
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ error: { code: 'DATABASE_UNAVAILABLE' } });
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    // The listener holds what it heard.
    const writer = manager.aggregator.writers().find((w) => String(w.creatorId) === id)!;
    const expected = before.diamonds + during.reduce((n, g) => n + g.diamonds, 0);
    await waitFor(() => writer.tally.diamonds === expected, 'the listener to count the gifts in memory');

    db = await startEmbeddedDb({ dataDir, port });
    await waitFor(async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 'ready again', 60_000);
    await waitFor(async () => (await sessionsOf(app, admin.agencyId, id))[0]?.diamonds === expected, 'what was held to be written', 60_000);
    expect((await admin.inject({ method: 'GET', url: '/api/v1/creators' })).statusCode).toBe(200);

    const after = await live.rooms.sendGift(handle, { userId: '4', giftId: '6369' });
    live.rooms.endStream(handle);
    const ended = await endedSession(app, admin.agencyId, id, 60_000);
    expect(ended).toMatchObject({ diamonds: expected + after.diamonds, endReason: 'stream_end' });
    expect((await creatorDoc(app, admin.agencyId, id)).totals).toMatchObject({ diamonds: expected + after.diamonds, sessions: 1 });
    expect((await createCreatorTotals(app.db).audit(new Types.ObjectId(admin.agencyId))).differences).toEqual([]);
  });
});
