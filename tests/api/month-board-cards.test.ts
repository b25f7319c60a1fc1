/**
 * The board and the cards agree (real app, real database): every board row has the figures GET
 * /creators/:id/month gives for that creator, after a listener session ends (through the real session end, with
 * the month's sink subscribed: its rollup is updated in place, no recount), after an import (estimated, then
 * recounted), and after a settings change. And the board's JSON (serialised with JSON.stringify, not the
 * schema's compiled serializer) is exactly what the response schema describes.
 *
 * Projection and needed-per-day are left out of the comparison: they move with `asOf`, which differs between
 * two requests; the tally, tier and earnings they come from are compared.
 */
import type { FastifyInstance } from 'fastify';
import fastJson from 'fast-json-stringify';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOfDay, zonedMonth } from '../../shared/month';
import { Board } from '../../shared/schemas/month';
import type { SessionEndedEvent } from '../../server/src/modules/live/events';
import { createSessionStore } from '../../server/src/modules/live/session-store';
import { createStreamPublisher } from '../../server/src/modules/live/stream-log';
import { createWriter } from '../../server/src/modules/live/writer';
import { creatorLeaseKey } from '../../server/src/modules/live/leases';
import { createMonthLiveEvents } from '../../server/src/modules/month/live-events';
import type { InPlaceOutcome } from '../../server/src/modules/month/rollup';
import { createMonthService, type MonthService } from '../../server/src/modules/month/service';
import { createSettingsService } from '../../server/src/modules/month/settings';
import type { AuthContext } from '../../server/src/plugins/auth';
import { multipartBody } from '../helpers/imports';
import { createTestApp, signupAgency, type Session } from '../helpers/app';

let app: FastifyInstance;
let admin: Session;
let auth: AuthContext;
const ids: Record<string, Types.ObjectId> = {};

const BERLIN = {
  timeZone: 'Europe/Berlin',
  validDayMinSeconds: 600,
  tiers: [
    { name: 'C', diamonds: 1_000, liveHours: 1 },
    { name: 'B', diamonds: 5_000, liveHours: 2, validDays: 2 },
  ],
  earnings: { currency: 'USD', rates: [{ from: '2026-01-01', per1000Diamonds: 500 }], agencySharePercent: 20 },
};

const pad = (n: number) => String(n).padStart(2, '0');
/** `YYYY-MM-DD HH:mm` (UTC) of a time this month, `minutesAgo` before now but not before the month began. */
function startedMinutesAgo(minutesAgo: number): string {
  const now = new Date();
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const d = new Date(Math.max(monthStart + 3 * 3_600_000, now.getTime() - minutesAgo * 60_000));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

async function importSessions(rows: string[]): Promise<void> {
  const { payload, headers } = multipartBody({}, { name: `s-${Date.now()}-${Math.random()}.csv`, content: `Username,Start time (UTC),Duration,Diamonds\r\n${rows.join('\r\n')}\r\n` });
  const res = await admin.inject({ method: 'POST', url: '/api/v1/imports', payload, headers });
  expect(res.json()).toMatchObject({ status: 'completed', failed: 0 });
}

type Row = { diamonds: number; liveSeconds: number; validDays: number; sessions: number; quit: boolean; tier: { current: string | null; next: string | null; toNext: unknown }; earnings: unknown; pending: boolean };
const figures = (m: Row) => ({ diamonds: m.diamonds, liveSeconds: m.liveSeconds, validDays: m.validDays, sessions: m.sessions, quit: m.quit, current: m.tier.current, next: m.tier.next, toNext: m.tier.toNext, earnings: m.earnings, pending: m.pending });

/** Every board row against the card of its creator (same service: same rollups and recount state). */
async function expectBoardMatchesCards(service: MonthService) {
  const board = await service.board(auth, {});
  expect(board.items.length).toBe(Object.keys(ids).length);
  for (const item of board.items) expect(figures(item.month)).toEqual(figures(await service.creatorMonth(auth, item.creatorId, undefined)));
  return board;
}

/** A big agency's service (rollup.ts): never waits for a recount, recounts at most hourly unless told. */
const bigAgency = (minRecountIntervalMs = 3_600_000) =>
  createMonthService(app.db, createSettingsService(app.db), app.tenantVersions, { waitForRecountBelow: 0, minRecountIntervalMs, syncReloadBelowMs: Infinity });

beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'month_board_cards' });
  admin = await signupAgency(app, 'Cards Agency');
  auth = { userId: admin.userId, tenantId: admin.agencyId, tenant: new Types.ObjectId(admin.agencyId), role: 'admin' };
  expect((await admin.inject({ method: 'PUT', url: '/api/v1/agency/settings', payload: BERLIN })).statusCode).toBe(200);
  for (const handle of ['ana.live', 'bo.live', 'cy.live']) {
    const res = await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } });
    expect(res.statusCode).toBe(201);
    ids[handle] = new Types.ObjectId(res.json().id as string);
  }
  await importSessions([`ana.live,${startedMinutesAgo(300)},1h 30m,4000`, `ana.live,${startedMinutesAgo(120)},0h 30m,1000`, `bo.live,${startedMinutesAgo(110)},0h 20m,500`]);
});
afterAll(async () => app?.close());

describe('the board and the cards agree', () => {
  it('once counted', async () => {
    const board = await expectBoardMatchesCards(bigAgency());
    expect(board.items.map((i) => [i.handle, i.month.diamonds, i.month.sessions])).toEqual([
      ['ana.live', 5000, 2],
      ['bo.live', 500, 1],
      ['cy.live', 0, 0],
    ]);
  });

  it('after a listener session ends: the month sink updates the rollup in place, exact at once, without a recount', async () => {
    const service = bigAgency();
    await expectBoardMatchesCards(service);
    const month = zonedMonth(Date.now(), BERLIN.timeZone);
    const recountsBefore = service.rollups.lastRecountAt(auth.tenant, month, BERLIN.timeZone);

    // The real session end (the listener's store), with the month's sink subscribed as app.ts subscribes it.
    const outcomes: InPlaceOutcome[] = [];
    const sink = createMonthLiveEvents(app.db);
    const store = createSessionStore(app.db, {
      instanceId: 'cards', now: Date.now, log: app.log, publisher: createStreamPublisher(app.coordination.bus), sessionWriteMinIntervalMs: 0,
      events: { sessionEnded: async (e: SessionEndedEvent) => void outcomes.push(...(await sink.applyEnded(e))) },
    });
    const creatorId = ids['cy.live'];
    // Started today (Berlin): a session crossing midnight with diamonds is left to the recount by design.
    const startedAt = Math.max(startOfDay(new Date().toLocaleDateString('sv-SE', { timeZone: BERLIN.timeZone }), BERLIN.timeZone), Date.now() - 30_000);
    const writer = createWriter((await store.openSession({ tenantId: auth.tenant, creatorId, roomId: `cards-${Date.now()}`, startedAt, lease: (await app.coordination.ownership.acquire(creatorLeaseKey(creatorId)))! }))!);
    writer.apply({ kind: 'gift', msgId: 'g1', at: Date.now(), createdAt: null, userId: '77', handle: 'fan', nickname: 'Fan', giftId: '6369', giftName: 'Lion', groupId: '0', giftType: 2, diamondCount: 29999, repeatCount: 1, repeatEnd: false });
    writer.end(Date.now());
    await store.flush([writer]);
    await store.endSession({ tenantId: auth.tenant, sessionId: writer.sessionId, endedAt: Date.now(), reason: 'stream_end' });
    expect(outcomes).toEqual(['added']);

    const board = await expectBoardMatchesCards(service);
    const cy = board.items.find((i) => i.handle === 'cy.live')!;
    expect(cy.month).toMatchObject({ diamonds: 29999, sessions: 1, pending: false });
    expect(board.pending).toBe(0);
    expect(board.items[0].handle).toBe('cy.live');
    // No recount ran: the rollup the board read was already current.
    expect(service.rollups.lastRecountAt(auth.tenant, month, BERLIN.timeZone)).toBe(recountsBefore);
    // A second delivery of the same event changes nothing (the rollup is no longer one session behind).
    await sink.applyEnded({ tenantId: auth.tenant, creatorId, sessionId: writer.sessionId, startedAt: new Date(startedAt), endedAt: new Date(), endReason: 'stream_end', summary: { durationSeconds: 0, diamonds: 0, gifts: 0, peakViewers: 0, avgViewers: 0 } });
    expect((await service.creatorMonth(auth, String(creatorId), undefined)).diamonds).toBe(29999);
  });

  it('after an import: estimated and pending, then recounted, the same on both', async () => {
    const service = bigAgency(0);
    await expectBoardMatchesCards(service);
    await importSessions([`bo.live,${startedMinutesAgo(60)},0h 40m,2500`]);
    // Estimated from his totals while the background recount runs (the cards are compared once it has landed:
    // a card read a moment later may already see the recount the board's read started).
    const during = await service.board(auth, {});
    expect(during.items.find((i) => i.handle === 'bo.live')!.month).toMatchObject({ diamonds: 3000, sessions: 2, pending: true });
    await service.rollups.settled(auth.tenant, zonedMonth(Date.now(), BERLIN.timeZone), BERLIN.timeZone);
    const after = await expectBoardMatchesCards(service);
    expect(after.items.find((i) => i.handle === 'bo.live')!.month).toMatchObject({ diamonds: 3000, sessions: 2, pending: false });
  });

  it('after a settings change (tiers and time zone)', async () => {
    const service = bigAgency(0);
    await expectBoardMatchesCards(service);
    const changed = { ...BERLIN, timeZone: 'America/New_York', tiers: [{ name: 'X', diamonds: 4_000 }] };
    expect((await admin.inject({ method: 'PUT', url: '/api/v1/agency/settings', payload: changed })).statusCode).toBe(200);
    // A new zone is a new rollup key: a big agency's first request starts its count in the background.
    await service.board(auth, {});
    await service.rollups.settled(auth.tenant, zonedMonth(Date.now(), changed.timeZone), changed.timeZone);
    const board = await expectBoardMatchesCards(service);
    expect(board.timeZone).toBe('America/New_York');
    expect(board.items.find((i) => i.handle === 'ana.live')!.month.tier.current).toBe('X');
    expect(board.items.find((i) => i.handle === 'bo.live')!.month.tier.current).toBe(null);
  });

  it("the JSON answer over HTTP is exactly the response schema's shape", async () => {
    const res = await admin.inject({ method: 'GET', url: '/api/v1/board' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    // What the schema's own serializer makes of the same answer: no field more, none less, none of another type.
    expect(JSON.parse(fastJson(Board as never)(body))).toEqual(body);
    expect(body.items.length).toBe(3);
  });
});
