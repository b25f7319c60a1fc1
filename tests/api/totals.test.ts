/**
 * One owner of creator totals (real database): a listener roll-up interrupted after its addition is completed by
 * the sweep without counting twice; GET /creators/:id keeps `totals` as finished sessions and adds the running
 * session (`live.diamonds`, `live.seconds`); the audit (route and `npm run audit:totals`) recomputes totals from
 * sessions and lists differences.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionContribution } from '@shared/live';
import { createTestApp, addManager, signupAgency, type Session } from '../helpers/app';
import { testDbUri } from '../helpers/db';
import { creatorModel } from '../../server/src/modules/creators/model';
import { createCreatorTotals } from '../../server/src/modules/creators/totals';
import { createSessionStore } from '../../server/src/modules/live/session-store';
import { liveSessionModel, type LiveSessionDoc } from '../../server/src/modules/live/session-model';
import { createStreamPublisher } from '../../server/src/modules/live/stream-log';
import { createWriter } from '../../server/src/modules/live/writer';
import { creatorLeaseKey } from '../../server/src/modules/live/leases';
import { recordSessionForTests } from '../helpers/live/record-session';

const repoRoot = resolve(__dirname, '..', '..');
let app: FastifyInstance;
let admin: Session;
let tenantId: Types.ObjectId;
const uri = testDbUri('totals');

beforeAll(async () => {
  app = await createTestApp({ MONGODB_URI: uri });
  admin = await signupAgency(app, 'Totals Agency');
  tenantId = new Types.ObjectId(admin.agencyId);
});
afterAll(async () => app?.close());

async function newCreator(handle: string): Promise<Types.ObjectId> {
  return new Types.ObjectId((await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } })).json().id as string);
}

const lion = (msgId: string) => ({ kind: 'gift' as const, msgId, at: Date.now(), createdAt: null, userId: '77', handle: 'fan', nickname: 'Fan', giftId: '6369', giftName: 'Lion', groupId: '0', giftType: 2, diamondCount: 29999, repeatCount: 1, repeatEnd: false });

describe('creator totals', () => {
  it('a roll-up that crashed after adding to the totals is completed by the sweep, never counted twice', async () => {
    const creatorId = await newCreator('totals_crash');
    const store = createSessionStore(app.db, { instanceId: 'totals-a', now: Date.now, log: app.log, publisher: createStreamPublisher(app.coordination.bus), sessionWriteMinIntervalMs: 0 });
    const writer = createWriter((await store.openSession({ tenantId, creatorId, roomId: `crash-${Date.now()}`, startedAt: Date.now() - 30_000, lease: (await app.coordination.ownership.acquire(creatorLeaseKey(creatorId)))! }))!);
    writer.apply(lion('c1'));
    writer.apply(lion('c2'));
    writer.end(Date.now());
    await store.flush([writer]);
    // The session ends, and the roller dies right after its addition (before `totalsApplied`): simulate exactly that.
    const sessions = liveSessionModel(app.db);
    await sessions.updateOne({ _id: writer.sessionId, tenantId }, { $set: { status: 'ended', endedAt: new Date(), durationSeconds: 30, diamonds: 2 * 29999, gifts: 2, endReason: 'stream_end' } });
    const ended = (await sessions.findOne({ _id: writer.sessionId, tenantId }).lean<LiveSessionDoc>())!;
    await createCreatorTotals(app.db).addOnce(tenantId, creatorId, `live:${writer.sessionId}`, sessionContribution(ended));
    expect((await creatorModel(app.db).findOne({ _id: creatorId, tenantId }).lean())!.totals).toMatchObject({ diamonds: 2 * 29999, sessions: 1 });

    // The sweep (any instance, twice) finishes it: the addition is not repeated.
    await store.rollUpPending();
    await store.rollUpPending();
    const creator = (await creatorModel(app.db).findOne({ _id: creatorId, tenantId }).lean())!;
    expect(creator.totals).toEqual({ diamonds: 2 * 29999, liveSeconds: 30, sessions: 1 });
    expect(creator.pendingTotals ?? []).toEqual([]);
    expect((await sessions.findOne({ _id: writer.sessionId, tenantId }).lean())!.totalsApplied).toBe(true);
    const audit = await admin.inject({ method: 'GET', url: '/api/v1/audit/totals' });
    expect(audit.json().differences.filter((d: { creatorId: string }) => d.creatorId === String(creatorId))).toEqual([]);
  });

  it('GET /creators/:id: totals are finished sessions; live.diamonds and live.seconds are the running one', async () => {
    const creatorId = await newCreator('totals_live');
    await recordSessionForTests(app, tenantId, creatorId); // one finished session: a Lion
    const store = createSessionStore(app.db, { instanceId: 'totals-b', now: Date.now, log: app.log, publisher: createStreamPublisher(app.coordination.bus), sessionWriteMinIntervalMs: 0 });
    const writer = createWriter((await store.openSession({ tenantId, creatorId, roomId: `running-${Date.now()}`, startedAt: Date.now() - 120_000, lease: (await app.coordination.ownership.acquire(creatorLeaseKey(creatorId)))! }))!);
    writer.apply(lion('r1'));
    writer.apply(lion('r2'));
    writer.requestSessionWrite();
    await store.flush([writer]);
    const res = await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}` });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.totals).toMatchObject({ diamonds: 29999, sessions: 1 });
    expect(body.live).toMatchObject({ isLive: true, sessionId: String(writer.sessionId), diamonds: 2 * 29999 });
    expect(body.live.seconds).toBeGreaterThanOrEqual(120);
    const byHandle = await admin.inject({ method: 'GET', url: '/api/v1/creators/by-handle/totals_live' });
    expect(byHandle.json().live).toMatchObject({ diamonds: 2 * 29999 });

    writer.end(Date.now());
    await store.flush([writer]);
    await store.endSession({ tenantId, sessionId: writer.sessionId, endedAt: Date.now(), reason: 'stream_end' });
    const after = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}` })).json();
    expect(after.totals).toMatchObject({ diamonds: 3 * 29999, sessions: 2 });
    expect(after.live).toMatchObject({ isLive: false, diamonds: 0, seconds: 0 });
  });

  it('the audit lists a creator whose totals differ from its sessions (route: admins of the agency; script: every agency)', async () => {
    const creatorId = await newCreator('totals_audit');
    await recordSessionForTests(app, tenantId, creatorId);
    const clean = await admin.inject({ method: 'GET', url: '/api/v1/audit/totals' });
    expect(clean.statusCode).toBe(200);
    expect(clean.json()).toMatchObject({ differences: [] });
    expect(clean.json().sessions).toBeGreaterThan(0);

    const script = () => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/audit-totals.ts'], { cwd: repoRoot, env: { ...process.env, MONGODB_URI: uri, LOG_LEVEL: 'silent' }, encoding: 'utf8' });
    const healthy = script();
    expect(healthy.stdout).toMatch(/0 difference\(s\)/);
    expect(healthy.status).toBe(0);

    await creatorModel(app.db).updateOne({ _id: creatorId, tenantId }, { $inc: { 'totals.diamonds': 5 } });
    const audit = (await admin.inject({ method: 'GET', url: '/api/v1/audit/totals' })).json();
    expect(audit.differences).toEqual([{ creatorId: String(creatorId), handle: 'totals_audit', stored: expect.objectContaining({ diamonds: 29999 + 5 }), fromSessions: expect.objectContaining({ diamonds: 29999, sessions: 1 }) }]);
    const broken = script();
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/1 difference\(s\)/);
    expect(broken.stdout).toContain('@totals_audit');

    const manager = await addManager(app, admin);
    expect((await manager.inject({ method: 'GET', url: '/api/v1/audit/totals' })).statusCode).toBe(403);
    await creatorModel(app.db).updateOne({ _id: creatorId, tenantId }, { $inc: { 'totals.diamonds': -5 } });
  });
});
