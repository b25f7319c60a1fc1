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
import { creatorLeaseKey } from './leases';
import { liveGiftEventModel } from './models';
import type { Lease } from '../../coordination/index';
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

// As the manager wires it: the flush checks the writers' leases against the ownership before writing anything.
const storeFor = (instanceId: string) =>
  createSessionStore(app.db, {
    instanceId,
    now: Date.now,
    log: app.log,
    publisher: createStreamPublisher(app.coordination.bus),
    sessionWriteMinIntervalMs: 0,
    stillOwned: (writers) => app.coordination.ownership.notTakenOver(writers.map((w) => w.lease)),
  });
/** The creator's lease, taken from whoever held it (as a takeover after the holder's TTL ran out). */
async function takeLease(creatorId: Types.ObjectId): Promise<Lease> {
  const key = creatorLeaseKey(creatorId);
  for (;;) {
    const lease = await app.coordination.ownership.acquire(key);
    if (lease) return lease;
    await app.coordination.ownership.release({ key, token: held.get(key)!, fence: 0 });
  }
}
const held = new Map<string, string>();
async function leaseFor(creatorId: Types.ObjectId): Promise<Lease> {
  const lease = await takeLease(creatorId);
  held.set(lease.key, lease.token);
  return lease;
}

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
    const writer = createWriter((await store.openSession({ tenantId, creatorId, roomId: 'inflight-room', startedAt: Date.now(), lease: await leaseFor(creatorId) }))!);
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
    const writerA = createWriter((await a.openSession({ tenantId, creatorId, roomId: 'replay-room', startedAt: Date.now(), lease: await leaseFor(creatorId) }))!);
    const gifts = [lion('1', 'r1'), lion('2', 'r2')];
    for (const g of gifts) applyToWriter(writerA, g);
    await a.flush([writerA]);

    // Instance b takes the session over (as after a crash) and TikTok replays the same messages, then a new one.
    const b = storeFor('store-b');
    const writerB = createWriter((await b.openSession({ tenantId, creatorId, roomId: 'replay-room', startedAt: Date.now(), lease: await leaseFor(creatorId) }))!);
    expect(writerB.tally.diamonds).toBe(2 * 29999); // resumed from what was persisted
    for (const g of gifts) applyToWriter(writerB, { ...g, at: Date.now() });
    applyToWriter(writerB, lion('3', 'r3'));
    await b.flush([writerB]);
    expect(writerB.tally.diamonds).toBe(3 * 29999); // the replayed two were taken back out of the in-memory tally
    expect(await liveSessionModel(app.db).findOne({ _id: writerB.sessionId, tenantId }).lean()).toMatchObject({ diamonds: 3 * 29999, gifts: 3, gifters: 3 });

    // The old writer is still around (a zombie: paused past its lease, resumed): it learns it lost the session
    // before writing anything, not even its ledger entry.
    applyToWriter(writerA, lion('4', 'r4'));
    await a.flush([writerA]);
    expect(writerA.fenced).toBe(true);
    expect(await liveGiftEventModel(app.db).exists({ _id: `${writerA.sessionId}:r4`, tenantId })).toBeNull();
    expect(await liveSessionModel(app.db).findOne({ _id: writerB.sessionId, tenantId }).lean()).toMatchObject({ diamonds: 3 * 29999, gifts: 3, fence: writerB.lease.fence });

    endWriter(writerB, Date.now());
    await b.flush([writerB]);
    await b.endSession({ tenantId, sessionId: writerB.sessionId, endedAt: Date.now(), reason: 'stream_end' });
    const ended = await liveSessionModel(app.db).findOne({ _id: writerB.sessionId, tenantId }).lean();
    expect(ended).toMatchObject({ status: 'ended', totalsApplied: true, diamonds: 3 * 29999, gifts: 3, gifters: 3 });
    expect((await creatorDoc(app, admin.agencyId, String(creatorId))).totals).toMatchObject({ diamonds: 3 * 29999, sessions: 1 });
    // Exactly once, whoever else tries.
    expect(await a.rollUp(tenantId, writerB.sessionId)).toBe(false);
    await b.endSession({ tenantId, sessionId: writerB.sessionId, endedAt: Date.now(), reason: 'stream_end' });
    expect((await creatorDoc(app, admin.agencyId, String(creatorId))).totals).toMatchObject({ diamonds: 3 * 29999, sessions: 1 });
  });

  it('a writer that slips past the lease check is refused by the session fence: totals and end untouched', async () => {
    const creatorId = await newCreator('store_fence');
    // No lease check here: only the database fence stands between a stale writer and the session.
    const unchecked = (id: string) => createSessionStore(app.db, { instanceId: id, now: Date.now, log: app.log, publisher: createStreamPublisher(app.coordination.bus), sessionWriteMinIntervalMs: 0 });
    const a = unchecked('fence-a');
    const writerA = createWriter((await a.openSession({ tenantId, creatorId, roomId: 'fence-room', startedAt: Date.now(), lease: await leaseFor(creatorId) }))!);
    applyToWriter(writerA, lion('1', 'f1'));
    await a.flush([writerA]);
    const b = unchecked('fence-b');
    const leaseB = await leaseFor(creatorId);
    const writerB = createWriter((await b.openSession({ tenantId, creatorId, roomId: 'fence-room', startedAt: Date.now(), lease: leaseB }))!);
    expect(leaseB.fence).toBeGreaterThan(writerA.lease.fence);
    // A reopening with its older lease (paused between acquiring and opening) cannot take the session back.
    await expect(a.openSession({ tenantId, creatorId, roomId: 'fence-room', startedAt: Date.now(), lease: writerA.lease })).rejects.toThrow(/fenced/);
    applyToWriter(writerA, lion('2', 'f2'));
    endWriter(writerA, Date.now());
    await a.flush([writerA]);
    expect(writerA.fenced).toBe(true);
    await a.endSession({ tenantId, sessionId: writerA.sessionId, endedAt: Date.now(), reason: 'stream_end', fence: writerA.lease.fence });
    const doc = await liveSessionModel(app.db).findOne({ _id: writerB.sessionId, tenantId }).lean();
    expect(doc).toMatchObject({ status: 'live', diamonds: 29999, gifts: 1, fence: leaseB.fence, totalsApplied: false });
    applyToWriter(writerB, lion('3', 'f3'));
    endWriter(writerB, Date.now());
    await b.flush([writerB]);
    await b.endSession({ tenantId, sessionId: writerB.sessionId, endedAt: Date.now(), reason: 'stream_end', fence: leaseB.fence });
    expect((await creatorDoc(app, admin.agencyId, String(creatorId))).totals).toMatchObject({ sessions: 1 });
    expect(await liveSessionModel(app.db).findOne({ _id: writerB.sessionId, tenantId }).lean()).toMatchObject({ status: 'ended', totalsApplied: true });
  });
});
