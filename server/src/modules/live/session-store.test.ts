/**
 * The session store against the real database, without TikTok: events applied while a flush is in flight,
 * a replay after a takeover (persisted msgId dedupe), fencing, and the exactly-once rollup.
 */
import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveEvent, LiveGiftEvent } from '@shared/live';
import { createTestApp, signupAgency, type Session } from '../../../../tests/helpers/app';
import { createSessionStore } from './session-store';
import { liveSessionModel } from './session-model';
import { createStreamPublisher } from './stream-log';
import { applyToWriter, createWriter, endWriter } from './writer';
import { creatorDoc } from '../../../../tests/helpers/live/harness';

let app: FastifyInstance;
let admin: Session;
let tenantId: Types.ObjectId;

beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'live_store' });
  admin = await signupAgency(app, 'Store Agency');
  tenantId = new Types.ObjectId(admin.agencyId);
});
afterAll(async () => app?.close());

const storeFor = (instanceId: string) => createSessionStore(app.db, { instanceId, now: Date.now, log: app.log, publisher: createStreamPublisher(app.coordination.bus), sessionWriteMinIntervalMs: 0 });

async function newCreator(handle: string): Promise<Types.ObjectId> {
  return new Types.ObjectId((await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } })).json().id as string);
}

let msg = 0;
function lion(userId: string, msgId = `m${++msg}`): LiveGiftEvent {
  return { kind: 'gift', msgId, at: Date.now(), createdAt: null, userId, handle: `u${userId}`, nickname: '', giftId: '6369', giftName: 'Lion', groupId: '0', giftType: 2, diamondCount: 29999, repeatCount: 1, repeatEnd: false };
}

describe('session store', () => {
  it('events applied while a flush is in flight are written by the next flush, none lost', async () => {
    const store = storeFor('store-a');
    const creatorId = await newCreator('store_inflight');
    const writer = createWriter((await store.openSession({ tenantId, creatorId, roomId: 'inflight-room', startedAt: Date.now() }))!);
    applyToWriter(writer, lion('1'));
    const first = store.flush([writer]);
    const during: LiveEvent[] = [lion('2'), lion('3'), { kind: 'member', msgId: 'mm1', at: Date.now(), userId: '9', handle: '', nickname: '' }];
    for (const event of during) applyToWriter(writer, event);
    await first;
    await store.flush([writer]);
    const doc = await liveSessionModel(app.db).findOne({ _id: writer.sessionId, tenantId }).lean();
    expect(doc).toMatchObject({ diamonds: 3 * 29999, gifts: 3, gifters: 3, newMembers: 1 });
  });

  it('a replay after a takeover counts nothing twice (persisted msgId dedupe), and the old writer is fenced out', async () => {
    const creatorId = await newCreator('store_replay');
    const a = storeFor('store-a');
    const writerA = createWriter((await a.openSession({ tenantId, creatorId, roomId: 'replay-room', startedAt: Date.now() }))!);
    const gifts = [lion('1', 'r1'), lion('2', 'r2')];
    for (const g of gifts) applyToWriter(writerA, g);
    await a.flush([writerA]);

    // Instance b takes the session over (as after a crash) and TikTok replays the same messages, then a new one.
    const b = storeFor('store-b');
    const writerB = createWriter((await b.openSession({ tenantId, creatorId, roomId: 'replay-room', startedAt: Date.now() }))!);
    expect(writerB.tally.diamonds).toBe(2 * 29999); // resumed from what was persisted
    for (const g of gifts) applyToWriter(writerB, { ...g, at: Date.now() });
    applyToWriter(writerB, lion('3', 'r3'));
    await b.flush([writerB]);
    expect(writerB.tally.diamonds).toBe(3 * 29999); // the replayed two were taken back out of the in-memory tally
    expect(await liveSessionModel(app.db).findOne({ _id: writerB.sessionId, tenantId }).lean()).toMatchObject({ diamonds: 3 * 29999, gifts: 3, gifters: 3 });

    // The old writer is still around (a zombie): its flush is refused and it learns it lost the session.
    applyToWriter(writerA, lion('4', 'r4'));
    await a.flush([writerA]);
    expect(writerA.fenced).toBe(true);

    endWriter(writerB, Date.now());
    await b.flush([writerB]);
    await b.endSession({ tenantId, sessionId: writerB.sessionId, endedAt: Date.now(), reason: 'stream_end' });
    // The ledger is the truth at the end: the zombie's r4 reached the ledger before its session update was refused.
    const ended = await liveSessionModel(app.db).findOne({ _id: writerB.sessionId, tenantId }).lean();
    expect(ended).toMatchObject({ status: 'ended', totalsApplied: true, diamonds: 4 * 29999, gifts: 4, gifters: 4 });
    expect((await creatorDoc(app, admin.agencyId, String(creatorId))).totals).toMatchObject({ diamonds: 4 * 29999, sessions: 1 });
    // Exactly once, whoever else tries.
    expect(await a.rollUp(tenantId, writerB.sessionId)).toBe(false);
    await b.endSession({ tenantId, sessionId: writerB.sessionId, endedAt: Date.now(), reason: 'stream_end' });
    expect((await creatorDoc(app, admin.agencyId, String(creatorId))).totals).toMatchObject({ diamonds: 4 * 29999, sessions: 1 });
  });
});
