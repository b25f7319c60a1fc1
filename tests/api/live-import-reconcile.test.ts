/**
 * Reconciliation in the other order: the export of a LIVE is imported while the listener is still
 * recording it. When the listener session ends, its roll-up must find the imported session and leave the
 * creator's totals at TikTok's figures (one session), noting the difference on both documents.
 */
import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSessionStore } from '../../server/src/modules/live/session-store';
import { liveGiftEventModel } from '../../server/src/modules/live/models';
import { liveSessionModel } from '../../server/src/modules/live/session-model';
import { createStreamPublisher } from '../../server/src/modules/live/stream-log';
import { multipartBody } from '../helpers/imports';
import { createTestApp, signupAgency, type Session } from '../helpers/app';

let app: FastifyInstance;

/** The listener's gift ledger for a session (what its roll-up recomputes the session from): one gift of `diamonds`. */
async function ledgerGift(tenantId: Types.ObjectId, creatorId: Types.ObjectId, sessionId: Types.ObjectId, diamonds: number, at: Date): Promise<void> {
  await liveGiftEventModel(app.db).create({
    _id: `${sessionId}:g1`, tenantId, creatorId, sessionId, msgId: 'g1', streakKey: 'u1:g', userId: 'u1', handle: 'fan', nickname: 'Fan',
    giftId: 'g', giftName: 'Gift', diamondCount: diamonds, gifts: 1, diamonds, streakCount: 1, at,
  });
}
let admin: Session;
beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'live_import' });
  admin = await signupAgency(app);
});
afterAll(async () => app?.close());

it('a listener session ending after its export was imported adds nothing on top of the import', async () => {
  const created = await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle: 'late_listener' } });
  const creatorId = new Types.ObjectId(created.json().id);
  const tenantId = new Types.ObjectId(admin.agencyId);

  // The listener has been recording since 20:02; not ended yet.
  const listener = await liveSessionModel(app.db).create({
    tenantId, creatorId, key: 'listener:room-late', source: 'listener', status: 'live',
    startedAt: new Date('2026-09-01T20:02:00Z'), durationSeconds: 0, diamonds: 0, totalsApplied: false,
  });

  const csv = 'Username,Start time,Duration,Diamonds\nlate_listener,2026-09-01 20:00,3600,1000\n';
  const { payload, headers } = multipartBody({}, { content: csv });
  const imported = await admin.inject({ method: 'POST', url: '/api/v1/imports', payload, headers });
  expect(imported.json()).toMatchObject({ inserted: 1, reconciled: 0 });

  // The listener session ends with its own (provisional) tallies and rolls up.
  await ledgerGift(tenantId, creatorId, listener._id, 950, new Date('2026-09-01T20:30:00Z'));
  await liveSessionModel(app.db).updateOne(
    { _id: listener._id, tenantId },
    { $set: { status: 'ended', endedAt: new Date('2026-09-01T21:00:00Z'), durationSeconds: 3480, diamonds: 950 } },
  );
  const store = createSessionStore(app.db, { instanceId: 'test', now: Date.now, log: app.log, publisher: createStreamPublisher(app.coordination.bus) });
  expect(await store.rollUp(tenantId, listener._id)).toBe(true);
  expect(await store.rollUp(tenantId, listener._id)).toBe(false);

  const creator = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}` })).json();
  expect(creator.totals).toEqual({ diamonds: 1000, liveSeconds: 3600, sessions: 1 });
  const [ours, theirs] = await Promise.all([
    liveSessionModel(app.db).findOne({ _id: listener._id, tenantId }).lean(),
    liveSessionModel(app.db).findOne({ tenantId, creatorId, source: 'import' }).lean(),
  ]);
  expect(ours!.reconciliation).toMatchObject({ matchedSessionId: theirs!._id, listenerDiamonds: 950, importDiamonds: 1000, difference: 50 });
  expect(theirs!.reconciliation).toMatchObject({ matchedSessionId: listener._id, listenerDiamonds: 950, importDiamonds: 1000, difference: 50 });
});

it('a listener session with no overlapping import rolls up in full', async () => {
  const created = await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle: 'plain_listener' } });
  const creatorId = new Types.ObjectId(created.json().id);
  const tenantId = new Types.ObjectId(admin.agencyId);
  const csv = 'Username,Start time,Duration,Diamonds\nplain_listener,2026-09-01 20:00,3600,1000\n';
  const { payload, headers } = multipartBody({}, { content: csv });
  await admin.inject({ method: 'POST', url: '/api/v1/imports', payload, headers });
  // Starts 30 minutes after the imported LIVE: a different LIVE.
  const listener = await liveSessionModel(app.db).create({
    tenantId, creatorId, key: 'listener:room-other', source: 'listener', status: 'ended',
    startedAt: new Date('2026-09-01T21:30:00Z'), endedAt: new Date('2026-09-01T22:00:00Z'), durationSeconds: 1800, diamonds: 70, totalsApplied: false,
  });
  await ledgerGift(tenantId, creatorId, listener._id, 70, new Date('2026-09-01T21:40:00Z'));
  const store = createSessionStore(app.db, { instanceId: 'test', now: Date.now, log: app.log, publisher: createStreamPublisher(app.coordination.bus) });
  expect(await store.rollUp(tenantId, listener._id)).toBe(true);
  const creator = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}` })).json();
  expect(creator.totals).toEqual({ diamonds: 1070, liveSeconds: 5400, sessions: 2 });
});
