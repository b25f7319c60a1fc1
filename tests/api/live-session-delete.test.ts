/**
 * DELETE /api/v1/live/sessions/:id (real database): an ended session goes, with its gifts, and leaves its
 * creator's totals through the totals owner (token `delete:<id>`, once); the creator's manager may delete it, a
 * manager of other creators and another agency get 404; a running session is refused (409 SESSION_LIVE); a
 * deletion a crash interrupted is finished by the sweep without subtracting twice. The audit stays at 0
 * differences throughout.
 */
import { creatorLeaseKey } from '../../server/src/modules/live/leases';
import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addManager, createTestApp, signupAgency, type Session } from '../helpers/app';
import { creatorModel } from '../../server/src/modules/creators/model';
import { createCreatorTotals } from '../../server/src/modules/creators/totals';
import { liveGiftEventModel } from '../../server/src/modules/live/models';
import { appliedTotalsOf } from '../../server/src/modules/live/session-end';
import { createSessionStore } from '../../server/src/modules/live/session-store';
import { liveSessionModel, type LiveSessionDoc } from '../../server/src/modules/live/session-model';
import { createStreamPublisher } from '../../server/src/modules/live/stream-log';
import { createWriter } from '../../server/src/modules/live/writer';
import { recordSessionForTests } from '../helpers/live/record-session';

let app: FastifyInstance;
let admin: Session;
let tenantId: Types.ObjectId;

beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'live_session_delete' });
  admin = await signupAgency(app, 'Deleting Agency');
  tenantId = new Types.ObjectId(admin.agencyId);
});
afterAll(async () => app?.close());

async function newCreator(handle: string, managerId?: string): Promise<Types.ObjectId> {
  const res = await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle, ...(managerId ? { managerId } : {}) } });
  expect(res.statusCode, res.body).toBe(201);
  return new Types.ObjectId(res.json().id as string);
}

const totalsOf = async (creatorId: Types.ObjectId) => (await creatorModel(app.db).findOne({ _id: creatorId, tenantId }).lean())!;
const audit = async () => (await createCreatorTotals(app.db).audit(tenantId)).differences;

describe('DELETE /api/v1/live/sessions/:id', () => {
  it('removes an ended session and its gifts, subtracts it from the totals once; a repeat is 404', async () => {
    const creatorId = await newCreator('del_admin');
    const keep = await recordSessionForTests(app, tenantId, creatorId);
    const gone = await recordSessionForTests(app, tenantId, creatorId);
    expect((await totalsOf(creatorId)).totals).toMatchObject({ diamonds: 2 * 29999, sessions: 2 });

    const res = await admin.inject({ method: 'DELETE', url: `/api/v1/live/sessions/${gone}` });
    expect(res.statusCode, res.body).toBe(204);
    const creator = await totalsOf(creatorId);
    expect(creator.totals).toMatchObject({ diamonds: 29999, sessions: 1 });
    expect(creator.pendingTotals ?? []).toEqual([]);
    expect((await admin.inject({ method: 'GET', url: `/api/v1/live/sessions/${gone}` })).statusCode).toBe(404);
    expect(await liveGiftEventModel(app.db).countDocuments({ tenantId, sessionId: new Types.ObjectId(gone) })).toBe(0);
    expect((await admin.inject({ method: 'GET', url: `/api/v1/live/sessions/${keep}` })).statusCode).toBe(200);

    const again = await admin.inject({ method: 'DELETE', url: `/api/v1/live/sessions/${gone}` });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await totalsOf(creatorId)).totals).toMatchObject({ diamonds: 29999, sessions: 1 });
    expect(await audit()).toEqual([]);
  });

  it("the creator's manager may delete it; a manager of other creators and another agency get 404 and change nothing", async () => {
    const manager = await addManager(app, admin);
    const otherManager = await addManager(app, admin);
    const creatorId = await newCreator('del_managed', manager.userId);
    const sessionId = await recordSessionForTests(app, tenantId, creatorId);
    const stranger = await signupAgency(app, 'Other Agency');

    for (const caller of [otherManager, stranger]) {
      const res = await caller.inject({ method: 'DELETE', url: `/api/v1/live/sessions/${sessionId}` });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
    expect((await totalsOf(creatorId)).totals).toMatchObject({ diamonds: 29999, sessions: 1 });

    expect((await manager.inject({ method: 'DELETE', url: `/api/v1/live/sessions/${sessionId}` })).statusCode).toBe(204);
    expect((await totalsOf(creatorId)).totals).toEqual({ diamonds: 0, liveSeconds: 0, sessions: 0 });
    expect(await audit()).toEqual([]);
  });

  it('a running session is refused with 409 SESSION_LIVE', async () => {
    const creatorId = await newCreator('del_running');
    const store = createSessionStore(app.db, { instanceId: 'del-test', now: Date.now, log: app.log, publisher: createStreamPublisher(app.coordination.bus) });
    const writer = createWriter((await store.openSession({ tenantId, creatorId, roomId: `running-${Date.now()}`, startedAt: Date.now() - 10_000, lease: (await app.coordination.ownership.acquire(creatorLeaseKey(creatorId)))! }))!);
    const res = await admin.inject({ method: 'DELETE', url: `/api/v1/live/sessions/${writer.sessionId}` });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: { code: 'SESSION_LIVE' } });
    expect(await liveSessionModel(app.db).countDocuments({ _id: writer.sessionId, tenantId })).toBe(1);
  });

  it('a deletion interrupted after its subtraction is finished by the sweep, not subtracted twice', async () => {
    const creatorId = await newCreator('del_crash');
    await recordSessionForTests(app, tenantId, creatorId);
    const sessionId = new Types.ObjectId(await recordSessionForTests(app, tenantId, creatorId));
    const sessions = liveSessionModel(app.db);
    const doc = (await sessions.findOne({ _id: sessionId, tenantId }).lean<LiveSessionDoc>())!;
    const applied = appliedTotalsOf(doc);
    expect(applied).toMatchObject({ diamonds: 29999, sessions: 1 });
    // The deletion's first steps (as deleteSession takes them), then the process dies before removing anything.
    const delta = { diamonds: -applied.diamonds, liveSeconds: -applied.liveSeconds, sessions: -applied.sessions };
    await sessions.updateOne({ _id: sessionId, tenantId }, { $set: { deleting: true, pendingTotalsChange: { token: `delete:${sessionId}`, delta } } });
    await createCreatorTotals(app.db).addOnce(tenantId, creatorId, `delete:${sessionId}`, delta);
    expect((await totalsOf(creatorId)).totals).toMatchObject({ diamonds: 29999, sessions: 1 });
    // The audit already leaves the session out: it is being deleted, and its subtraction is done.
    expect(await audit()).toEqual([]);

    const store = createSessionStore(app.db, { instanceId: 'del-sweeper', now: Date.now, log: app.log, publisher: createStreamPublisher(app.coordination.bus) });
    await store.rollUpPending();
    await store.rollUpPending();
    const creator = await totalsOf(creatorId);
    expect(creator.totals).toMatchObject({ diamonds: 29999, sessions: 1 });
    expect(creator.pendingTotals ?? []).toEqual([]);
    expect(await sessions.countDocuments({ _id: sessionId, tenantId })).toBe(0);
    expect(await audit()).toEqual([]);
  });
});
