/**
 * The board of a big agency (rollup.ts): it answers from the month rollups at once while a creator whose totals
 * moved is recounted in the background, with that creator's new sessions estimated from its totals and marked
 * `pending`; the recount then replaces the estimate with the real figures. "Big" is the service's threshold,
 * set to 0 here so every agency already counted once is big. Real app, real database, sessions through the
 * import pipeline (which moves creator totals as in production).
 */
import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonedMonth } from '../../shared/month';
import { createMonthService } from '../../server/src/modules/month/service';
import { createSettingsService } from '../../server/src/modules/month/settings';
import type { AuthContext } from '../../server/src/plugins/auth';
import { multipartBody } from '../helpers/imports';
import { createTestApp, signupAgency, type Session } from '../helpers/app';

let app: FastifyInstance;
let admin: Session;
let auth: AuthContext;

const pad = (n: number) => String(n).padStart(2, '0');
/** `YYYY-MM-DD HH:mm` (UTC) of a time this month, `minutesAgo` before now but not before the month began. */
function startedMinutesAgo(minutesAgo: number): string {
  const now = new Date();
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const d = new Date(Math.max(monthStart, now.getTime() - minutesAgo * 60_000));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

async function importSessions(rows: string[]): Promise<void> {
  const { payload, headers } = multipartBody({}, { name: `s-${Date.now()}.csv`, content: `Username,Start time (UTC),Duration,Diamonds\r\n${rows.join('\r\n')}\r\n` });
  const res = await admin.inject({ method: 'POST', url: '/api/v1/imports', payload, headers });
  expect(res.json()).toMatchObject({ status: 'completed', failed: 0 });
}

beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'month_rollups' });
  admin = await signupAgency(app, 'Big Agency');
  auth = { userId: admin.userId, tenantId: admin.agencyId, tenant: new Types.ObjectId(admin.agencyId), role: 'admin' };
  for (const handle of ['ana.live', 'bo.live']) {
    expect((await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } })).statusCode).toBe(201);
  }
  await importSessions([`ana.live,${startedMinutesAgo(120)},0h 30m,1000`, `bo.live,${startedMinutesAgo(110)},0h 20m,500`]);
});
afterAll(async () => app?.close());

describe('the board of an agency too big to wait for a recount', () => {
  it('counts the month once, then answers from the rollups while a moved creator waits for its recount', async () => {
    // Recounts at most hourly here, so the creator stays pending for as long as the test looks.
    const service = createMonthService(app.db, createSettingsService(app.db), app.tenantVersions, { waitForRecountBelow: 0, minRecountIntervalMs: 3_600_000, syncReloadBelowMs: Infinity });

    // Never counted: the first request waits for the one count.
    const first = await service.board(auth, {});
    expect(first.pending).toBe(0);
    expect(first.items.map((i) => [i.handle, i.month.diamonds, i.month.sessions, i.month.pending])).toEqual([
      ['ana.live', 1000, 1, false],
      ['bo.live', 500, 1, false],
    ]);

    // Bo ends another session (an import moves his totals): the next answer does not wait for a scan.
    await importSessions([`bo.live,${startedMinutesAgo(60)},0h 40m,2500`]);
    const during = await service.board(auth, {});
    const bo = during.items.find((i) => i.handle === 'bo.live')!;
    expect(during.pending).toBe(1);
    // Estimated from his totals: the new session's diamonds and duration are on the board already, marked pending.
    expect(bo.month).toMatchObject({ diamonds: 3000, liveSeconds: 60 * 60, sessions: 2, pending: true });
    expect(during.items[0].handle).toBe('bo.live');
    expect(during.items.find((i) => i.handle === 'ana.live')!.month.pending).toBe(false);
    expect(await service.creatorMonth(auth, bo.creatorId, undefined)).toMatchObject({ diamonds: 3000, sessions: 2, pending: true });
  });

  it('the background recount replaces the estimate with the real sessions', async () => {
    const service = createMonthService(app.db, createSettingsService(app.db), app.tenantVersions, { waitForRecountBelow: 0, minRecountIntervalMs: 0 });
    const started = await service.board(auth, {});
    expect(started.pending).toBe(1);
    await service.rollups.settled(auth.tenant, zonedMonth(Date.now(), 'UTC'), 'UTC');
    const after = await service.board(auth, {});
    expect(after.pending).toBe(0);
    const bo = after.items.find((i) => i.handle === 'bo.live')!;
    expect(bo.month).toMatchObject({ diamonds: 3000, liveSeconds: 60 * 60, sessions: 2, pending: false });
    expect(await service.creatorMonth(auth, bo.creatorId, undefined)).toMatchObject({ diamonds: 3000, sessions: 2, pending: false });
  });

  it('a small agency waits for the recount: the board is exact at once (default threshold)', async () => {
    const res = await admin.inject({ method: 'GET', url: '/api/v1/board' });
    expect(res.statusCode).toBe(200);
    expect(res.json().pending).toBe(0);
    expect(res.json().items.map((i: { handle: string; month: { diamonds: number } }) => [i.handle, i.month.diamonds])).toEqual([
      ['bo.live', 3000],
      ['ana.live', 1000],
    ]);
  });
});
