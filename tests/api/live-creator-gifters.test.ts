/**
 * A creator's cross-session gifters (`GET /api/v1/creators/:id/top-gifters`) equal the sum over that creator's
 * sessions' gifters, exactly (real database): a session reopened after its first end that gets more gifts from
 * an existing and a new gifter, a late gift settled after the roll-up, a deleted session, and crashes between
 * recording a gifter change and making it (and between making it and marking it done), which the sweep
 * completes without adding twice. Creator totals and the audit stay exact throughout.
 */
import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, signupAgency, type Session } from '../helpers/app';
import { creatorModel } from '../../server/src/modules/creators/model';
import { createCreatorTotals } from '../../server/src/modules/creators/totals';
import { liveCreatorGifterModel, liveGiftEventModel, liveGifterModel, type GifterDoc } from '../../server/src/modules/live/models';
import { createSessionStore } from '../../server/src/modules/live/session-store';
import { liveSessionModel, type LiveSessionDoc } from '../../server/src/modules/live/session-model';
import { createStreamPublisher } from '../../server/src/modules/live/stream-log';
import { recordSessionForTests } from '../helpers/live/record-session';

let app: FastifyInstance;
let admin: Session;
let tenantId: Types.ObjectId;

beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'live_creator_gifters' });
  admin = await signupAgency(app, 'Gifters Agency');
  tenantId = new Types.ObjectId(admin.agencyId);
});
afterEach(() => vi.restoreAllMocks());
afterAll(async () => app?.close());

const storeOf = (instanceId: string, now: () => number = Date.now) =>
  createSessionStore(app.db, { instanceId, now, log: app.log, publisher: createStreamPublisher(app.coordination.bus) });

async function newCreator(handle: string): Promise<Types.ObjectId> {
  const res = await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } });
  expect(res.statusCode, res.body).toBe(201);
  return new Types.ObjectId(res.json().id as string);
}

/** A gift in a session's ledger, as a flush writes it (a listener that still hears the room, or a late one). */
async function ledgerGift(creatorId: Types.ObjectId, sessionId: string, msgId: string, userId: string, diamonds: number): Promise<void> {
  await liveGiftEventModel(app.db).collection.insertOne({
    _id: `${sessionId}:${msgId}`,
    tenantId,
    creatorId,
    sessionId: new Types.ObjectId(sessionId),
    msgId,
    userId,
    handle: `fan_${userId}`,
    nickname: `Fan ${userId}`,
    giftId: '5655',
    giftName: 'Rose',
    diamondCount: diamonds,
    gifts: 1,
    diamonds,
    streakCount: 1,
    at: new Date(),
  } as never);
}

type Figures = Record<string, { diamonds: number; gifts: number; sessions: number }>;

async function topGifters(creatorId: Types.ObjectId): Promise<Figures> {
  const res = await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}/top-gifters?limit=100` });
  expect(res.statusCode, res.body).toBe(200);
  const out: Figures = {};
  for (const g of res.json().items as { userId: string; diamonds: number; gifts: number; sessions: number }[]) out[g.userId] = { diamonds: g.diamonds, gifts: g.gifts, sessions: g.sessions };
  return out;
}

/** The sum over the creator's sessions' own gifters (`live_gifters`). */
async function sumOfSessions(creatorId: Types.ObjectId): Promise<Figures> {
  const out: Figures = {};
  for (const g of await liveGifterModel(app.db).find({ tenantId, creatorId }).lean<GifterDoc[]>()) {
    if (!g.diamonds && !g.gifts) continue;
    const e = (out[g.userId] ??= { diamonds: 0, gifts: 0, sessions: 0 });
    e.diamonds += g.diamonds;
    e.gifts += g.gifts;
    e.sessions += 1;
  }
  return out;
}

async function expectExact(creatorId: Types.ObjectId): Promise<void> {
  expect(await topGifters(creatorId)).toEqual(await sumOfSessions(creatorId));
  const markers = await liveCreatorGifterModel(app.db).find({ tenantId, creatorId }).lean<(GifterDoc & { pendingTotals?: string[] })[]>();
  expect(markers.flatMap((g) => g.pendingTotals ?? [])).toEqual([]);
  const creator = (await creatorModel(app.db).findOne({ _id: creatorId, tenantId }).lean())!;
  expect(creator.pendingTotals ?? []).toEqual([]);
  expect((await createCreatorTotals(app.db).audit(tenantId)).differences).toEqual([]);
}

/** Makes the cross-session gifter writes die (a crash): before they reach the database, or right after. */
function crashGifterWrites(when: 'before' | 'after') {
  const collection = liveCreatorGifterModel(app.db).collection;
  const original = collection.bulkWrite.bind(collection);
  return vi.spyOn(collection, 'bulkWrite').mockImplementation((async (...args: Parameters<typeof original>) => {
    if (when === 'after') await original(...args);
    throw new Error(`simulated crash ${when} the gifter write`);
  }) as never);
}

describe('cross-session gifters', () => {
  it('a session reopened after its first end that gets more gifts from an existing and a new gifter: top gifters = the sum of its sessions', async () => {
    const creatorId = await newCreator('gifters_reopen');
    await recordSessionForTests(app, tenantId, creatorId);
    const second = await recordSessionForTests(app, tenantId, creatorId);
    expect(await topGifters(creatorId)).toEqual({ '424242': { diamonds: 2 * 29999, gifts: 2, sessions: 2 } });
    await expectExact(creatorId);

    // Ended as unobserved while its listener still heard the room: reopened, more gifts, then its real end.
    const store = storeOf('gifters-reopen');
    expect(await store.reopen(tenantId, new Types.ObjectId(second))).toBe(true);
    await ledgerGift(creatorId, second, 'again', '424242', 1);
    await ledgerGift(creatorId, second, 'newcomer', '777', 5);
    await store.endSession({ tenantId, sessionId: new Types.ObjectId(second), endedAt: Date.now(), reason: 'stream_end' });

    expect(await topGifters(creatorId)).toEqual({
      '424242': { diamonds: 2 * 29999 + 1, gifts: 3, sessions: 2 },
      '777': { diamonds: 5, gifts: 1, sessions: 1 },
    });
    await expectExact(creatorId);

    // A crash after the session recorded a change as done, before its markers came off: the sweep settles them.
    const gifters = liveCreatorGifterModel(app.db).collection;
    await gifters.updateOne({ _id: `${creatorId}:777` } as never, { $push: { pendingTotals: `live:${second}:g1` } } as never);
    await gifters.updateOne({ _id: `${creatorId}:424242` } as never, { $push: { pendingTotals: `live:${second}` } } as never);
    const before = await topGifters(creatorId);
    await storeOf('gifters-reopen-sweep').rollUpPending();
    expect(await topGifters(creatorId)).toEqual(before);
    await expectExact(creatorId);
  });

  it('a late gift settled after the roll-up reaches the top gifters once', async () => {
    const creatorId = await newCreator('gifters_late');
    const session = await recordSessionForTests(app, tenantId, creatorId);
    await ledgerGift(creatorId, session, 'late-1', '424242', 10);
    await ledgerGift(creatorId, session, 'late-2', '888', 3);
    const store = storeOf('gifters-late');
    expect(await store.settleLate(tenantId, new Types.ObjectId(session))).toBe(true);
    expect(await store.settleLate(tenantId, new Types.ObjectId(session))).toBe(false); // nothing more to settle
    expect(await topGifters(creatorId)).toEqual({ '424242': { diamonds: 30009, gifts: 2, sessions: 1 }, '888': { diamonds: 3, gifts: 1, sessions: 1 } });
    await expectExact(creatorId);
  });

  it('a session rolled up before sessions recorded their gifter figures: a late gift adds only itself', async () => {
    const creatorId = await newCreator('gifters_legacy');
    const session = await recordSessionForTests(app, tenantId, creatorId);
    // As such a session is stored: no `appliedGifters`, no `giftersGeneration` (its first roll-up added its gifters).
    await liveSessionModel(app.db).collection.updateOne({ _id: new Types.ObjectId(session) }, { $unset: { appliedGifters: '', giftersGeneration: '' } });
    await ledgerGift(creatorId, session, 'late', '424242', 2);
    expect(await storeOf('gifters-legacy').settleLate(tenantId, new Types.ObjectId(session))).toBe(true);
    expect(await topGifters(creatorId)).toEqual({ '424242': { diamonds: 30001, gifts: 2, sessions: 1 } });
    await expectExact(creatorId);
  });

  it('a roll-up that dies between recording its gifter change and making it, then after making it, is completed by the sweep without doubling', async () => {
    const creatorId = await newCreator('gifters_crash');
    await recordSessionForTests(app, tenantId, creatorId);
    const session = await recordSessionForTests(app, tenantId, creatorId);
    const sessionId = new Types.ObjectId(session);
    const store = storeOf('gifters-crash');
    expect(await store.reopen(tenantId, sessionId)).toBe(true);
    await ledgerGift(creatorId, session, 'more', '424242', 1);
    await ledgerGift(creatorId, session, 'first-time', '555', 99);

    // Dies before the gifter write reaches the database: the change is recorded on the session, nothing made.
    crashGifterWrites('before');
    await expect(store.endSession({ tenantId, sessionId, endedAt: Date.now(), reason: 'stream_end' })).rejects.toThrow(/simulated crash/);
    let doc = (await liveSessionModel(app.db).findOne({ _id: sessionId, tenantId }).lean<LiveSessionDoc>())!;
    expect(doc).toMatchObject({ status: 'ended', totalsApplied: false });
    expect(doc.pendingGiftersChange?.changes.map((c) => c.userId).sort()).toEqual(['424242', '555']);
    vi.restoreAllMocks();

    // The sweep repeats it and dies again, this time right after the gifter write went in (markers with it).
    crashGifterWrites('after');
    await expect(store.rollUpPending()).rejects.toThrow(/simulated crash/);
    vi.restoreAllMocks();

    await store.rollUpPending();
    await store.rollUpPending();
    doc = (await liveSessionModel(app.db).findOne({ _id: sessionId, tenantId }).lean<LiveSessionDoc>())!;
    expect(doc).toMatchObject({ status: 'ended', totalsApplied: true, pendingGiftersChange: null });
    expect(await topGifters(creatorId)).toEqual({ '424242': { diamonds: 2 * 29999 + 1, gifts: 3, sessions: 2 }, '555': { diamonds: 99, gifts: 1, sessions: 1 } });
    await expectExact(creatorId);
  });

  it('a late settlement that dies after its gifter write is completed by another instance\'s sweep once its claim expired', async () => {
    const creatorId = await newCreator('gifters_late_crash');
    const session = await recordSessionForTests(app, tenantId, creatorId);
    await ledgerGift(creatorId, session, 'late', '424242', 7);
    await ledgerGift(creatorId, session, 'late-new', '666', 2);
    crashGifterWrites('after');
    await expect(storeOf('gifters-late-a').settleLate(tenantId, new Types.ObjectId(session))).rejects.toThrow(/simulated crash/);
    vi.restoreAllMocks();

    // Another instance's sweep a minute later: the claim the dead one left has expired.
    const later = storeOf('gifters-late-b', () => Date.now() + 60_000);
    await later.rollUpPending();
    await later.rollUpPending();
    expect(await topGifters(creatorId)).toEqual({ '424242': { diamonds: 30006, gifts: 2, sessions: 1 }, '666': { diamonds: 2, gifts: 1, sessions: 1 } });
    const creator = (await creatorModel(app.db).findOne({ _id: creatorId, tenantId }).lean())!;
    expect(creator.totals).toMatchObject({ diamonds: 30008, sessions: 1 });
    await expectExact(creatorId);
  });

  it('deleting a session takes its gifters out of the top gifters (once, a crash before settling completed by the sweep)', async () => {
    const creatorId = await newCreator('gifters_delete');
    await recordSessionForTests(app, tenantId, creatorId);
    const gone = await recordSessionForTests(app, tenantId, creatorId);
    await ledgerGift(creatorId, gone, 'only-here', '999', 4);
    await storeOf('gifters-delete').settleLate(tenantId, new Types.ObjectId(gone));
    expect(await topGifters(creatorId)).toEqual({ '424242': { diamonds: 2 * 29999, gifts: 2, sessions: 2 }, '999': { diamonds: 4, gifts: 1, sessions: 1 } });

    // The deletion makes its changes and removes the session, then dies before removing its gifter markers.
    const gifters = liveCreatorGifterModel(app.db).collection;
    vi.spyOn(gifters, 'updateMany').mockImplementationOnce((async () => {
      throw new Error('simulated crash before settling');
    }) as never);
    await expect(storeOf('gifters-delete').deleteSession(tenantId, new Types.ObjectId(gone))).rejects.toThrow(/simulated crash/);
    vi.restoreAllMocks();
    expect(await liveSessionModel(app.db).countDocuments({ _id: new Types.ObjectId(gone), tenantId })).toBe(0);
    // And a `delete:` marker left on the creator by a crash of the same kind.
    await creatorModel(app.db).updateOne({ _id: creatorId, tenantId }, { $push: { pendingTotals: `delete:${gone}` } });
    const before = (await creatorModel(app.db).findOne({ _id: creatorId, tenantId }).lean())!.totals;

    await storeOf('gifters-delete-sweep').rollUpPending();
    expect((await creatorModel(app.db).findOne({ _id: creatorId, tenantId }).lean())!.totals).toEqual(before);
    expect(before).toMatchObject({ diamonds: 29999, sessions: 1 });
    expect(await topGifters(creatorId)).toEqual({ '424242': { diamonds: 29999, gifts: 1, sessions: 1 } });
    await expectExact(creatorId);
  });
});
