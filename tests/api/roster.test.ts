import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addManager, createTestApp, signupAgency, type Session } from '../helpers/app';

let app: FastifyInstance;
beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'roster' });
});
afterAll(async () => app?.close());

async function addCreator(s: Session, payload: Record<string, unknown>) {
  const res = await s.inject({ method: 'POST', url: '/api/v1/creators', payload });
  if (res.statusCode !== 201) throw new Error(`${res.statusCode} ${res.body}`);
  return res.json();
}

describe('creators', () => {
  it('normalises handles, answers 409 on duplicates within an agency, allows them across agencies', async () => {
    const a = await signupAgency(app);
    const b = await signupAgency(app);
    const created = await addCreator(a, { handle: '@Dance.Queen', tags: ['dance'] });
    expect(created).toMatchObject({ handle: 'dance.queen', displayName: 'dance.queen', tags: ['dance'], tiktok: { status: 'not_connected' }, live: { tracking: false, isLive: false }, totals: { diamonds: 0, liveSeconds: 0, sessions: 0 } });
    const dup = await a.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle: 'DANCE.QUEEN' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('CREATOR_EXISTS');
    expect((await b.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle: 'dance.queen' } })).statusCode).toBe(201);
    const byHandle = await a.inject({ method: 'GET', url: '/api/v1/creators/by-handle/@Dance.Queen' });
    expect(byHandle.json().id).toBe(created.id);
  });

  it('rejects invalid handles, unknown fields and operator keys with 400 naming the field, storing nothing', async () => {
    const a = await signupAgency(app);
    const cases = [
      [{ handle: 'has space' }, 'handle'],
      [{ handle: 'ok_handle', color: 'red' }, 'color'],
      [{ handle: 'ok_handle', tags: 'notalist' }, 'tags'],
      [{ handle: { $gt: '' } }, 'handle.$gt'],
      [{ handle: 'ok_handle', notes: { 'a.b': 1 } }, 'notes.a.b'],
    ] as const;
    for (const [payload, field] of cases) {
      const res = await a.inject({ method: 'POST', url: '/api/v1/creators', payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    const list = await a.inject({ method: 'GET', url: '/api/v1/creators' });
    expect(list.json().items).toEqual([]);
    const query = await a.inject({ method: 'GET', url: '/api/v1/creators?q[$gt]=a' });
    expect(query.statusCode).toBe(400);
  });

  it('searches by handle or display-name prefix, filters by tag, pages with a cursor', async () => {
    const a = await signupAgency(app);
    for (let i = 0; i < 7; i++) await addCreator(a, { handle: `singer_${i}`, displayName: `Voice ${i}`, tags: i % 2 ? ['music'] : ['talk'] });
    await addCreator(a, { handle: 'zeta', displayName: 'Singer Z' });
    const prefix = await a.inject({ method: 'GET', url: '/api/v1/creators?q=SING' });
    expect(prefix.json().items.map((c: { handle: string }) => c.handle)).toEqual(['singer_0', 'singer_1', 'singer_2', 'singer_3', 'singer_4', 'singer_5', 'singer_6', 'zeta']);
    const byName = await a.inject({ method: 'GET', url: '/api/v1/creators?q=voice%203' });
    expect(byName.json().items.map((c: { handle: string }) => c.handle)).toEqual(['singer_3']);
    const tagged = await a.inject({ method: 'GET', url: '/api/v1/creators?tag=music' });
    expect(tagged.json().items).toHaveLength(3);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await a.inject({ method: 'GET', url: `/api/v1/creators?limit=3${cursor ? `&cursor=${cursor}` : ''}` });
      seen.push(...res.json().items.map((c: { handle: string }) => c.handle));
      cursor = res.json().nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(8);
    expect(new Set(seen).size).toBe(8);
    const badCursor = await a.inject({ method: 'GET', url: '/api/v1/creators?cursor=garbage' });
    expect(badCursor.statusCode).toBe(400);
    const tooMany = await a.inject({ method: 'GET', url: '/api/v1/creators?limit=500' });
    expect(tooMany.statusCode).toBe(400);
  });

  it('a manager sees and edits only their own creators; an admin sees all', async () => {
    const admin = await signupAgency(app);
    const manager = await addManager(app, admin);
    const mine = await addCreator(manager, { handle: 'mine_1' });
    expect(mine.managerId).toBe(manager.userId);
    const theirs = await addCreator(admin, { handle: 'theirs_1' });
    const list = await manager.inject({ method: 'GET', url: '/api/v1/creators' });
    expect(list.json().items.map((c: { id: string }) => c.id)).toEqual([mine.id]);
    expect((await manager.inject({ method: 'GET', url: `/api/v1/creators/${theirs.id}` })).statusCode).toBe(404);
    expect((await manager.inject({ method: 'PATCH', url: `/api/v1/creators/${theirs.id}`, payload: { notes: 'x' } })).statusCode).toBe(404);
    expect((await admin.inject({ method: 'GET', url: '/api/v1/creators' })).json().items).toHaveLength(2);
    const filtered = await admin.inject({ method: 'GET', url: `/api/v1/creators?managerId=${manager.userId}` });
    expect(filtered.json().items.map((c: { id: string }) => c.id)).toEqual([mine.id]);
    // Assigning a creator to a user of another agency is refused.
    const other = await signupAgency(app);
    const bad = await admin.inject({ method: 'PATCH', url: `/api/v1/creators/${theirs.id}`, payload: { managerId: other.userId } });
    expect(bad.statusCode).toBe(400);
  });

  it('deleting a creator removes its deals and activities', async () => {
    const a = await signupAgency(app);
    const c = await addCreator(a, { handle: 'leaving' });
    await a.inject({ method: 'POST', url: '/api/v1/deals', payload: { creatorId: c.id, brand: 'Acme', value: { amount: 1000, currency: 'USD' } } });
    await a.inject({ method: 'POST', url: `/api/v1/creators/${c.id}/activities`, payload: { type: 'note', body: 'hi' } });
    expect((await a.inject({ method: 'DELETE', url: `/api/v1/creators/${c.id}` })).statusCode).toBe(204);
    expect(await app.db.collection('deals').countDocuments({ creatorId: c.id })).toBe(0);
    const { Types } = await import('mongoose');
    expect(await app.db.collection('deals').countDocuments({ creatorId: new Types.ObjectId(c.id) })).toBe(0);
    expect(await app.db.collection('activities').countDocuments({ creatorId: new Types.ObjectId(c.id) })).toBe(0);
  });
});

describe('deals and activities', () => {
  it('deal creation and stage changes add system activities to the timeline', async () => {
    const a = await signupAgency(app);
    const c = await addCreator(a, { handle: 'brandable' });
    const deal = await a.inject({ method: 'POST', url: '/api/v1/deals', payload: { creatorId: c.id, brand: 'Glow Cosmetics', value: { amount: 125000, currency: 'USD' }, dueDate: '2026-12-24' } });
    expect(deal.statusCode).toBe(201);
    expect(deal.json()).toMatchObject({ stage: 'lead', dueDate: '2026-12-24T00:00:00.000Z', value: { amount: 125000, currency: 'USD' } });
    await a.inject({ method: 'PATCH', url: `/api/v1/deals/${deal.json().id}`, payload: { stage: 'contracted' } });
    await a.inject({ method: 'POST', url: `/api/v1/creators/${c.id}/activities`, payload: { type: 'call', body: 'Called about the brief' } });
    const timeline = (await a.inject({ method: 'GET', url: `/api/v1/creators/${c.id}/activities` })).json().items;
    expect(timeline.map((x: { type: string; system: boolean }) => [x.type, x.system])).toEqual([
      ['call', false],
      ['deal', true],
      ['deal', true],
    ]);
    expect(timeline[1].body).toContain('lead to contracted');
    expect(timeline[2].body).toContain('USD 1,250.00');
    const filtered = await a.inject({ method: 'GET', url: `/api/v1/deals?stage=contracted&creatorId=${c.id}` });
    expect(filtered.json().items).toHaveLength(1);
  });

  it('rejects float money, unknown stages and system activity types', async () => {
    const a = await signupAgency(app);
    const c = await addCreator(a, { handle: 'strict' });
    const float = await a.inject({ method: 'POST', url: '/api/v1/deals', payload: { creatorId: c.id, brand: 'X', value: { amount: 10.5, currency: 'USD' } } });
    expect(float.statusCode).toBe(400);
    expect(float.json().error.details[0].field).toBe('value.amount');
    const stage = await a.inject({ method: 'POST', url: '/api/v1/deals', payload: { creatorId: c.id, brand: 'X', value: { amount: 1, currency: 'USD' }, stage: 'won' } });
    expect(stage.statusCode).toBe(400);
    const sys = await a.inject({ method: 'POST', url: `/api/v1/creators/${c.id}/activities`, payload: { type: 'deal', body: 'fake' } });
    expect(sys.statusCode).toBe(400);
    expect((await a.inject({ method: 'GET', url: '/api/v1/deals' })).json().items).toEqual([]);
  });

  it('an Idempotency-Key replays the first answer and creates once, even for concurrent retries', async () => {
    const a = await signupAgency(app);
    const c = await addCreator(a, { handle: 'idem' });
    const payload = { creatorId: c.id, brand: 'Once Only', value: { amount: 500, currency: 'EUR' } };
    const headers = { 'idempotency-key': 'deal-key-1' };
    const results = await Promise.all([1, 2, 3].map(() => a.inject({ method: 'POST', url: '/api/v1/deals', payload, headers })));
    const created = results.filter((r) => r.statusCode === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const r of results) expect([201, 409]).toContain(r.statusCode);
    const replay = await a.inject({ method: 'POST', url: '/api/v1/deals', payload, headers });
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().id).toBe(created[0].json().id);
    expect((await a.inject({ method: 'GET', url: '/api/v1/deals' })).json().items).toHaveLength(1);
    const reused = await a.inject({ method: 'POST', url: '/api/v1/deals', payload: { ...payload, brand: 'Other' }, headers });
    expect(reused.statusCode).toBe(422);
    // The same key from another agency is a different key.
    const b = await signupAgency(app);
    const cb = await addCreator(b, { handle: 'idem' });
    const other = await b.inject({ method: 'POST', url: '/api/v1/deals', payload: { ...payload, creatorId: cb.id }, headers });
    expect(other.statusCode).toBe(201);
    expect(other.json().id).not.toBe(created[0].json().id);
  });
});

describe('roster page cache', () => {
  it('never serves a page older than the last write, whoever wrote it', async () => {
    const a = await signupAgency(app);
    const c = await addCreator(a, { handle: 'cached_one', displayName: 'Before' });
    const first = await a.inject({ method: 'GET', url: '/api/v1/creators?limit=10' });
    expect(first.json().items[0].displayName).toBe('Before');
    // A write through the API…
    await a.inject({ method: 'PATCH', url: `/api/v1/creators/${c.id}`, payload: { displayName: 'After' } });
    expect((await a.inject({ method: 'GET', url: '/api/v1/creators?limit=10' })).json().items[0].displayName).toBe('After');
    // …and a write straight through the model (as the LIVE and TikTok workers do).
    const { creatorModel } = await import('../../server/src/modules/creators/model');
    const { Types } = await import('mongoose');
    await creatorModel(app.db).updateOne({ _id: c.id, tenantId: new Types.ObjectId(a.agencyId) }, { $inc: { 'totals.diamonds': 42 } });
    expect((await a.inject({ method: 'GET', url: '/api/v1/creators?limit=10' })).json().items[0].totals.diamonds).toBe(42);
    await addCreator(a, { handle: 'cached_two' });
    expect((await a.inject({ method: 'GET', url: '/api/v1/creators?limit=10' })).json().items).toHaveLength(2);
  });
});
