/**
 * Alerts without a LIVE room: preferences and agency defaults, the cooldown, went_quiet (a moved clock), a
 * suspended stream end, and notifications (paged, per-user read state).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import mongoose, { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQuietCheck } from '../../server/src/modules/alerts/quiet';
import { creatorModel } from '../../server/src/modules/creators/model';
import { liveSessionModel } from '../../server/src/modules/live/session-model';
import { multipartBody } from '../helpers/imports';
import { waitFor } from '../helpers/live/harness';
import { addManager, createTestApp, signupAgency, type Session } from '../helpers/app';

let app: FastifyInstance;
let admin: Session;
let manager: Session;

beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'alerts' });
  admin = await signupAgency(app, 'Alert Prefs');
  manager = await addManager(app, admin);
});
afterAll(async () => {
  await app?.close();
});

async function creator(managerId: string | null = manager.userId, tracking = false): Promise<string> {
  const res = await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle: `al${randomBytes(4).toString('hex')}`, managerId } });
  expect(res.statusCode).toBe(201);
  if (tracking) await admin.inject({ method: 'PUT', url: `/api/v1/creators/${res.json().id}/live-tracking`, payload: { enabled: true } });
  return res.json().id;
}

const DAY = 86_400_000;

async function uploadCsv(session: Session, content: string) {
  const { payload, headers } = multipartBody({}, { name: 'sessions.csv', content });
  const res = await session.inject({ method: 'POST', url: '/api/v1/imports', payload, headers });
  return res.json();
}

/** One LIVE session imported for a handle (UTC start, whole minutes). */
async function importSession(handle: string, startedAt: number, seconds: number): Promise<void> {
  const start = new Date(startedAt).toISOString().slice(0, 16).replace('T', ' ');
  expect(await uploadCsv(admin, `Username,Start time,Duration,Diamonds\n${handle},${start},${seconds},5\n`)).toMatchObject({ status: 'completed', inserted: 1 });
}

/** Agencies in this test database with tracked creators that are not live (the quiet job visits each). */
async function agenciesWithTracked(): Promise<number> {
  const tracked = await creatorModel(app.db).find({ 'live.tracking': true, 'live.isLive': { $ne: true } }, { tenantId: 1 }).setOptions({ allTenants: true }).lean();
  return new Set(tracked.map((c) => String(c.tenantId))).size;
}

async function notesOf(session: Session, creatorId: string, type?: string) {
  const items = (await session.inject({ method: 'GET', url: '/api/v1/notifications?limit=200' })).json().items as { id: string; type: string; creatorId: string; data?: Record<string, unknown>; readAt: string | null }[];
  return items.filter((n) => n.creatorId === creatorId && (!type || n.type === type));
}

describe('alert preferences', () => {
  it('defaults, my changes over the agency defaults (admins set them), null goes back, bad values refused', async () => {
    const mine = await manager.inject({ method: 'GET', url: '/api/v1/me/alert-preferences' });
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toMatchObject({ quietDays: 3, spikeFloor: 1000, events: { 'creator.live_started': true, 'gift.spike': true, 'tiktok.connection_expired': true } });
    expect(Object.keys(mine.json().events).sort()).toEqual(['creator.live_ended', 'creator.live_started', 'creator.stream_suspended', 'creator.went_quiet', 'gift.spike', 'tier.reached', 'tiktok.connection_expired']);

    expect((await manager.inject({ method: 'PUT', url: '/api/v1/agency/alert-preferences', payload: { spikeFloor: 5000 } })).statusCode).toBe(403);
    const defaults = await admin.inject({ method: 'PUT', url: '/api/v1/agency/alert-preferences', payload: { spikeFloor: 5000, events: { 'creator.went_quiet': false } } });
    expect(defaults.statusCode).toBe(200);
    expect(defaults.json()).toMatchObject({ spikeFloor: 5000, quietDays: 3, events: { 'creator.went_quiet': false } });

    const inherited = (await manager.inject({ method: 'GET', url: '/api/v1/me/alert-preferences' })).json();
    expect(inherited).toMatchObject({ spikeFloor: 5000, events: { 'creator.went_quiet': false }, agencyDefaults: { spikeFloor: 5000 } });
    const changed = await manager.inject({ method: 'PUT', url: '/api/v1/me/alert-preferences', payload: { spikeFloor: 200, quietDays: 7, events: { 'creator.went_quiet': true, 'creator.live_started': false } } });
    expect(changed.json()).toMatchObject({ spikeFloor: 200, quietDays: 7, events: { 'creator.went_quiet': true, 'creator.live_started': false, 'gift.spike': true } });
    const partial = await manager.inject({ method: 'PUT', url: '/api/v1/me/alert-preferences', payload: { events: { 'gift.spike': false } } });
    expect(partial.json().events).toMatchObject({ 'gift.spike': false, 'creator.live_started': false, 'creator.went_quiet': true });
    const reset = await manager.inject({ method: 'PUT', url: '/api/v1/me/alert-preferences', payload: { spikeFloor: null } });
    expect(reset.json()).toMatchObject({ spikeFloor: 5000, quietDays: 7 });
    // The admin's own preferences are untouched by the manager's.
    expect((await admin.inject({ method: 'GET', url: '/api/v1/me/alert-preferences' })).json().events['creator.live_started']).toBe(true);

    for (const payload of [{ spikeFloor: 0 }, { quietDays: 1.5 }, { events: { 'gift.spiky': true } }, { events: { 'gift.spike': 'yes' } }, { extra: 1 }]) {
      const res = await manager.inject({ method: 'PUT', url: '/api/v1/me/alert-preferences', payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
    // Back to plain defaults for the other tests.
    await admin.inject({ method: 'PUT', url: '/api/v1/agency/alert-preferences', payload: { spikeFloor: null, events: { 'creator.went_quiet': true } } });
    await manager.inject({ method: 'PUT', url: '/api/v1/me/alert-preferences', payload: { quietDays: null, events: { 'creator.live_started': true, 'gift.spike': true } } });
  });
});

describe('raising', () => {
  it('the same kind for the same creator at most once per cooldown, except live_started/live_ended', async () => {
    const creatorId = await creator();
    const base = { tenantId: new Types.ObjectId(admin.agencyId), creatorId: new Types.ObjectId(creatorId), title: 't', text: 'x', data: {} };
    const now = Date.now();
    expect(await app.alerts.service.raise({ ...base, kind: 'gift.spike', source: 'a', at: now })).toBe('raised');
    expect(await app.alerts.service.raise({ ...base, kind: 'gift.spike', source: 'a', at: now })).toBe('duplicate');
    expect(await app.alerts.service.raise({ ...base, kind: 'gift.spike', source: 'b', at: now + 9 * 60_000 })).toBe('cooldown');
    expect(await app.alerts.service.raise({ ...base, kind: 'gift.spike', source: 'c', at: now + 10 * 60_000 + 1 })).toBe('raised');
    expect(await app.alerts.service.raise({ ...base, kind: 'creator.live_started', source: 's1', at: now })).toBe('raised');
    expect(await app.alerts.service.raise({ ...base, kind: 'creator.live_started', source: 's2', at: now + 1 })).toBe('raised');
    expect(await notesOf(admin, creatorId, 'gift.spike')).toHaveLength(2);
    expect(await notesOf(manager, creatorId, 'creator.live_started')).toHaveLength(2);
    // Another creator's manager does not get this creator's alerts; a second manager of the agency neither.
    const other = await addManager(app, admin);
    expect(await notesOf(other, creatorId)).toHaveLength(0);
  });

  it('went_quiet: once per quiet spell, at each recipient\'s own threshold, from imported and ended sessions', async () => {
    const creatorId = await creator(manager.userId, true);
    const handle = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}` })).json().handle as string;
    await manager.inject({ method: 'PUT', url: '/api/v1/me/alert-preferences', payload: { quietDays: 5 } });
    // Sessions arrive the way they do in production (an import moves the creator's totals), all in the past.
    const firstEnd = Math.floor(Date.now() / 60_000) * 60_000 - 10 * DAY;
    await importSession(handle, firstEnd - 3600_000, 3600);
    let now = firstEnd + 4 * DAY;
    const quiet = createQuietCheck(app.db, app.alerts.service, { now: () => now });
    await quiet.run();
    expect(await notesOf(admin, creatorId, 'creator.went_quiet')).toHaveLength(1);
    expect(await notesOf(manager, creatorId, 'creator.went_quiet')).toHaveLength(0);
    const [note] = await notesOf(admin, creatorId, 'creator.went_quiet');
    expect(note.data).toMatchObject({ quietDays: 3, lastLiveAt: new Date(firstEnd).toISOString() });
    await quiet.run();
    expect(await notesOf(admin, creatorId, 'creator.went_quiet')).toHaveLength(1);
    now = firstEnd + 5 * DAY + 1;
    await quiet.run();
    expect(await notesOf(manager, creatorId, 'creator.went_quiet')).toHaveLength(1);
    expect(await notesOf(admin, creatorId, 'creator.went_quiet')).toHaveLength(1);
    // A new LIVE ends the spell; quiet again for 3 days is a new spell, a new alert.
    const secondEnd = firstEnd + 6 * DAY + 3600_000;
    await importSession(handle, secondEnd - 3600_000, 3600);
    now = secondEnd + 2 * DAY;
    await quiet.run();
    expect(await notesOf(admin, creatorId, 'creator.went_quiet')).toHaveLength(1);
    now = secondEnd + 3 * DAY + 1;
    await quiet.run();
    const spells = await notesOf(admin, creatorId, 'creator.went_quiet');
    expect(spells).toHaveLength(2);
    expect(spells.map((n) => n.data?.lastLiveAt)).toContain(new Date(secondEnd).toISOString());
    await manager.inject({ method: 'PUT', url: '/api/v1/me/alert-preferences', payload: { quietDays: null } });
  });

  it('went_quiet reads a constant number of queries per agency and round, whatever the roster size', async () => {
    const bigAgency = await signupAgency(app, 'Quiet Roster');
    const handles: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await bigAgency.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle: `qq${randomBytes(4).toString('hex')}` } });
      await bigAgency.inject({ method: 'PUT', url: `/api/v1/creators/${res.json().id}/live-tracking`, payload: { enabled: true } });
      handles.push(res.json().handle);
    }
    const lastEnd = Math.floor(Date.now() / 60_000) * 60_000 - 5 * DAY;
    const rows = handles.map((h, i) => `${h},${new Date(lastEnd - 3600_000 - i * 60_000).toISOString().slice(0, 16).replace('T', ' ')},3600,${i + 1}`).join('\n');
    const imported = await uploadCsv(bigAgency, `Username,Start time,Duration,Diamonds\n${rows}\n`);
    expect(imported).toMatchObject({ status: 'completed', inserted: 12 });
    const quiet = createQuietCheck(app.db, app.alerts.service, { now: () => Date.now() });
    const agencies = await agenciesWithTracked();
    expect(agencies).toBeLessThan(12);
    // Scans: queries other than an `_id` lookup (on FerretDB/SQLite every other query reads the whole collection).
    const count = async () => {
      const byCollection = new Map<string, number>();
      mongoose.set('debug', (collection: string, method: string, filter: unknown) => {
        const id = typeof filter === 'object' && filter !== null ? (filter as { _id?: unknown })._id : undefined;
        const byId = typeof id === 'string' || id instanceof Types.ObjectId;
        if (['find', 'findOne'].includes(method) && !byId) byCollection.set(collection, (byCollection.get(collection) ?? 0) + 1);
      });
      try {
        await quiet.run();
      } finally {
        mongoose.set('debug', false);
      }
      return byCollection;
    };
    const first = await count();
    const sessionsCollection = liveSessionModel(app.db).collection.collectionName;
    const creatorsCollection = creatorModel(app.db).collection.collectionName;
    // One scan of the tracked creators for every agency; the sessions at most once per agency (creators whose totals moved).
    expect(first.get(creatorsCollection) ?? 0, JSON.stringify([...first])).toBe(1);
    expect(first.get(sessionsCollection) ?? 0, JSON.stringify([...first])).toBeGreaterThanOrEqual(1);
    expect(first.get(sessionsCollection) ?? 0, JSON.stringify([...first])).toBeLessThanOrEqual(agencies);
    const quietNotes = (await bigAgency.inject({ method: 'GET', url: '/api/v1/notifications?limit=200' })).json().items.filter((n: { type: string }) => n.type === 'creator.went_quiet');
    expect(quietNotes).toHaveLength(12);
    // The next round: nothing moved, so no session is read at all.
    const second = await count();
    expect(second.get(sessionsCollection) ?? 0, JSON.stringify([...second])).toBe(0);
    expect(second.get(creatorsCollection) ?? 0).toBe(1);
  });

  it('a suspended stream end raises creator.stream_suspended beside the summary', async () => {
    const creatorId = await creator();
    const session = await liveSessionModel(app.db).create({
      tenantId: new Types.ObjectId(admin.agencyId),
      creatorId: new Types.ObjectId(creatorId),
      key: `test:${randomBytes(4).toString('hex')}`,
      source: 'listener',
      status: 'ended',
      startedAt: new Date(Date.now() - 600_000),
      endedAt: new Date(),
      durationSeconds: 600,
      diamonds: 1234,
      endReason: 'suspended',
    });
    app.alerts.live.onSessionEnded({ tenantId: new Types.ObjectId(admin.agencyId), creatorId: new Types.ObjectId(creatorId), sessionId: String(session._id) });
    const [suspended] = await waitFor(async () => {
      const list = await notesOf(manager, creatorId, 'creator.stream_suspended');
      return list.length ? list : null;
    }, 'the suspension alert');
    expect(suspended.data).toMatchObject({ sessionId: String(session._id) });
    expect(await notesOf(manager, creatorId, 'creator.live_ended')).toHaveLength(1);
  });
});

describe('notifications', () => {
  it('paged with a cursor, unread count, mark one and all read, per user', async () => {
    const creatorId = await creator();
    const base = { tenantId: new Types.ObjectId(admin.agencyId), creatorId: new Types.ObjectId(creatorId), kind: 'creator.live_started' as const, title: 't', text: 'x', data: {} };
    for (let i = 0; i < 5; i++) await app.alerts.service.raise({ ...base, source: `page-${i}`, at: Date.now() + i * 1000 });
    const first = (await manager.inject({ method: 'GET', url: '/api/v1/notifications?limit=2' })).json();
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toBeTruthy();
    const second = (await manager.inject({ method: 'GET', url: `/api/v1/notifications?limit=2&cursor=${first.nextCursor}` })).json();
    expect(second.items.map((n: { id: string }) => n.id)).not.toContain(first.items[0].id);
    const unread = first.unreadCount as number;
    expect(unread).toBeGreaterThanOrEqual(5);
    const all = await manager.inject({ method: 'POST', url: '/api/v1/notifications/read-all' });
    expect(all.json().marked).toBe(unread);
    expect((await manager.inject({ method: 'GET', url: '/api/v1/notifications/unread-count' })).json().unreadCount).toBe(0);
    expect((await admin.inject({ method: 'GET', url: '/api/v1/notifications/unread-count' })).json().unreadCount).toBeGreaterThanOrEqual(5);
    expect((await manager.inject({ method: 'GET', url: '/api/v1/notifications?unread=true' })).json().items).toHaveLength(0);
  });
});
