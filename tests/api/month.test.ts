/**
 * The manager's month over HTTP against the real app and database: agency settings, a Backstage export plus
 * imported sessions after it, a quit creator, the board (JSON and CSV, manager scope), and the CSV exports.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureText } from '../../shared/csv/test-helpers';
import { multipartBody, type MultipartFile } from '../helpers/imports';
import { addManager, createTestApp, signupAgency, type Session } from '../helpers/app';

let app: FastifyInstance;
let admin: Session;
let manager: Session;
const ids: Record<string, string> = {};

function upload(session: Session, file: MultipartFile, fields: Record<string, string> = {}) {
  const { payload, headers } = multipartBody(fields, file);
  return session.inject({ method: 'POST', url: '/api/v1/imports', payload, headers });
}

const SETTINGS = {
  timeZone: 'Europe/Berlin',
  validDayMinSeconds: 3600,
  tiers: [
    { name: 'A', diamonds: 1_000_000, liveHours: 20, validDays: 5 },
    { name: 'B', diamonds: 2_000_000 },
  ],
  earnings: { currency: 'USD', rates: [{ from: '2026-01-01', per1000Diamonds: 500 }, { from: '2026-07-09', per1000Diamonds: 1000 }], agencySharePercent: 10 },
};

// Luna's sessions (UTC): one on a day the Backstage export covers, one crossing Berlin's midnight, one later.
const LUNA_SESSIONS =
  'Username,Start time (UTC),Duration,Diamonds,Peak viewers\r\n' +
  'luna.live,2026-07-05 18:00,2h 0m,7777,100\r\n' +
  'luna.live,2026-07-08 21:00,2h 0m,1000,120\r\n' +
  'luna.live,2026-07-10 10:00,2h 0m,3000,150\r\n';

beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'month' });
  admin = await signupAgency(app, 'Month Agency');
  manager = await addManager(app, admin);
  const backstage = await upload(admin, { name: 'backstage.csv', content: fixtureText('backstage-en.csv') }, { addMissingCreators: 'true' });
  expect(backstage.json()).toMatchObject({ status: 'completed', format: 'backstage', inserted: 3 });
  for (const handle of ['luna.live', 'mike_plays', 'rina.ngobrol']) ids[handle] = (await admin.inject({ method: 'GET', url: `/api/v1/creators/by-handle/${handle}` })).json().id;
  const sessions = await upload(admin, { name: 'luna.csv', content: LUNA_SESSIONS });
  expect(sessions.json()).toMatchObject({ status: 'completed', inserted: 3, failed: 0 });
  const assigned = await admin.inject({ method: 'PATCH', url: `/api/v1/creators/${ids['mike_plays']}`, payload: { managerId: manager.userId } });
  expect(assigned.statusCode).toBe(200);
});
afterAll(async () => app?.close());

describe('agency settings', () => {
  it('defaults to UTC and one hour, and anyone of the agency can read them', async () => {
    const res = await manager.inject({ method: 'GET', url: '/api/v1/agency/settings' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ timeZone: 'UTC', validDayMinSeconds: 3600, tiers: [] });
  });

  it('only an admin may change them', async () => {
    const res = await manager.inject({ method: 'PUT', url: '/api/v1/agency/settings', payload: SETTINGS });
    expect(res.statusCode).toBe(403);
  });

  it.each([
    ['a bad time zone', { ...SETTINGS, timeZone: 'Europe/Atlantis' }, 'timeZone'],
    ['unsorted tiers', { ...SETTINGS, tiers: [SETTINGS.tiers[1], SETTINGS.tiers[0]] }, 'tiers.1.diamonds'],
    ['overlapping rates', { ...SETTINGS, earnings: { ...SETTINGS.earnings, rates: [{ from: '2026-01-01', to: '2026-08-01', per1000Diamonds: 1 }, { from: '2026-07-01', per1000Diamonds: 2 }] } }, 'earnings.rates.1'],
  ])('400 naming the field for %s', async (_name, body, field) => {
    const res = await admin.inject({ method: 'PUT', url: '/api/v1/agency/settings', payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
    expect(res.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('an admin saves them and everyone reads them back', async () => {
    const put = await admin.inject({ method: 'PUT', url: '/api/v1/agency/settings', payload: SETTINGS });
    expect(put.statusCode).toBe(200);
    expect((await manager.inject({ method: 'GET', url: '/api/v1/agency/settings' })).json()).toEqual(SETTINGS);
  });
});

describe("a creator's month", () => {
  it('is the Backstage export up to its period end plus the sessions that start on later days, in Berlin days', async () => {
    const res = await admin.inject({ method: 'GET', url: `/api/v1/creators/${ids['luna.live']}/month?month=2026-07` });
    expect(res.statusCode).toBe(200);
    const m = res.json();
    // Export: 1,234,567 diamonds, 23h 7m 8s, 6 valid days, 9 LIVEs up to 2026-07-06. The 5 July session is in it.
    expect(m.sources.backstage).toEqual({ periodEnd: '2026-07-06', diamonds: 1_234_567, liveSeconds: 83_228, validDays: 6 });
    expect(m.sources.sessionsAfter).toEqual({ diamonds: 4000, liveSeconds: 4 * 3600, validDays: 3, sessions: 2 });
    expect(m).toMatchObject({ month: '2026-07', timeZone: 'Europe/Berlin', diamonds: 1_238_567, liveSeconds: 83_228 + 4 * 3600, validDays: 9, sessions: 11, quit: false });
    // 21:00 UTC is 23:00 in Berlin: one hour (and half the diamonds) on the 8th, one on the 9th.
    const day = (date: string) => m.days.find((d: { date: string }) => d.date === date);
    expect(day('2026-07-08')).toEqual({ date: '2026-07-08', diamonds: 500, liveSeconds: 3600, valid: true });
    expect(day('2026-07-09')).toEqual({ date: '2026-07-09', diamonds: 500, liveSeconds: 3600, valid: true });
    expect(m.days).toHaveLength(31);
    // A past month projects what it has; A is reached, B is out of reach.
    expect(m.projection).toEqual({ diamonds: 1_238_567, liveSeconds: 83_228 + 4 * 3600, validDays: 9 });
    expect(m.tier).toMatchObject({ current: 'A', projected: 'A', next: 'B', toNext: { diamonds: 761_433 }, neededPerDay: null, pace: 'out_of_reach' });
    // Rates: 0.5 per diamond-thousandth until the 8th, 1.0 from the 9th (the export's diamonds spread evenly over its 6 days).
    const gross = 1_234_567 * 0.5 + 500 * 0.5 + 3500 * 1;
    expect(m.earnings).toEqual({ creator: { amount: Math.round(gross), currency: 'USD' }, agency: { amount: Math.round(gross * 0.1), currency: 'USD' } });
  });

  it('defaults to the current month in the agency zone', async () => {
    const m = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${ids['rina.ngobrol']}/month` })).json();
    expect(m.month).toBe(new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7));
    expect(m.sources.backstage).toBeNull();
  });

  it('marks a creator who quit the network and does not project them', async () => {
    const csv =
      'Data period,Creator ID,Creator\'s username,Group,Diamonds,LIVE duration,Valid go LIVE days\r\n' +
      '2026-07-01 ~ 2026-07-07,7234567890123456790,mike_plays,The creator has quit the network,553978,88.46h,5\r\n';
    expect((await upload(admin, { name: 'quit.csv', content: csv })).json()).toMatchObject({ status: 'completed', failed: 0 });
    const m = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${ids['mike_plays']}/month?month=2026-07` })).json();
    expect(m).toMatchObject({ quit: true, diamonds: 553_978, projection: { diamonds: 553_978 }, tier: { pace: 'quit' } });
    expect(m.sources.backstage.periodEnd).toBe('2026-07-07');
  });

  it("is 404 for a creator the manager doesn't manage, 400 for a bad month", async () => {
    expect((await manager.inject({ method: 'GET', url: `/api/v1/creators/${ids['luna.live']}/month` })).statusCode).toBe(404);
    expect((await admin.inject({ method: 'GET', url: `/api/v1/creators/${ids['luna.live']}/month?month=2026-13` })).statusCode).toBe(400);
  });
});

describe('the board', () => {
  it('lists every creator by month diamonds with totals per manager and for the agency', async () => {
    const res = await admin.inject({ method: 'GET', url: '/api/v1/board?month=2026-07' });
    expect(res.statusCode).toBe(200);
    const b = res.json();
    expect(b.items.map((i: { handle: string }) => i.handle)).toEqual(['luna.live', 'mike_plays', 'rina.ngobrol']);
    expect(b.items[0]).toMatchObject({ creatorId: ids['luna.live'], month: { diamonds: 1_238_567, tier: { current: 'A' } }, live: { isLive: false } });
    expect(b.items[0].lastLiveAt).toBe('2026-07-10T12:00:00.000Z');
    expect(b.items[1].month.quit).toBe(true);
    expect(b.totals.agency).toMatchObject({ creators: 3, liveNow: 0, diamonds: 1_238_567 + 553_978 });
    const mine = b.totals.managers.find((m: { managerId: string | null }) => m.managerId === manager.userId);
    expect(mine).toMatchObject({ creators: 1, diamonds: 553_978, name: 'M' });
    expect(b.totals.managers.find((m: { managerId: string | null }) => m.managerId === null)).toMatchObject({ creators: 2, name: 'Unassigned' });
  });

  it("shows a manager only their creators, and filters by manager", async () => {
    const own = (await manager.inject({ method: 'GET', url: '/api/v1/board?month=2026-07' })).json();
    expect(own.items.map((i: { handle: string }) => i.handle)).toEqual(['mike_plays']);
    expect(own.totals.agency.creators).toBe(1);
    const filtered = (await admin.inject({ method: 'GET', url: `/api/v1/board?month=2026-07&managerId=${manager.userId}` })).json();
    expect(filtered.items.map((i: { handle: string }) => i.handle)).toEqual(['mike_plays']);
  });

  it('answers CSV for ?format=csv and for Accept: text/csv', async () => {
    for (const req of [{ url: '/api/v1/board?month=2026-07&format=csv' }, { url: '/api/v1/board?month=2026-07', headers: { accept: 'text/csv' } }]) {
      const res = await admin.inject({ method: 'GET', ...req });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
      expect(res.body.startsWith('\ufeffCreator,Display name,Manager,Live now')).toBe(true);
      const lines = res.body.trim().split('\r\n');
      expect(lines).toHaveLength(4);
      expect(lines[1]).toMatch(/^luna\.live,/);
      expect(lines[1]).toContain(',1238567,');
    }
  });
});

describe('CSV exports', () => {
  it('sessions, with the list filters, in English, UTF-8 with BOM', async () => {
    const res = await admin.inject({ method: 'GET', url: `/api/v1/live/sessions?format=csv&creatorId=${ids['luna.live']}&from=2026-07-08T00:00:00Z` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="live-sessions.csv"/);
    const lines = res.body.replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines[0]).toBe('Session ID,Creator ID,Creator,Source,Status,Started at (UTC),Ended at (UTC),Duration (seconds),Diamonds,Gifts,Peak viewers,Average viewers,Likes,New followers,Reconciled');
    // In recording order (exports/service.ts: no database sort on FerretDB/SQLite); the filters hold.
    expect(lines.slice(1).map((l) => l.split(',')[5]).sort()).toEqual(['2026-07-08T21:00:00.000Z', '2026-07-10T10:00:00.000Z']);
    expect(res.body.charCodeAt(0)).toBe(0xfeff);
  });

  it('deals, with formula-looking text neutralised', async () => {
    for (const brand of ['=HYPERLINK("http://evil","x")', '+Brand', '-Brand', '@Brand', 'Tabbed', 'Plain']) {
      const notes = brand === 'Tabbed' ? '\tcmd|calc' : '';
      const made = await admin.inject({ method: 'POST', url: '/api/v1/deals', payload: { creatorId: ids['luna.live'], brand, notes, value: { amount: 12345, currency: 'USD' } } });
      expect(made.statusCode).toBe(201);
    }
    const res = await admin.inject({ method: 'GET', url: `/api/v1/deals?format=csv&creatorId=${ids['luna.live']}` });
    expect(res.statusCode).toBe(200);
    const body = res.body;
    expect(body).toContain(`"'=HYPERLINK(""http://evil"",""x"")"`);
    for (const cell of ["'+Brand", "'-Brand", "'@Brand", "\"'\tcmd|calc\""]) expect(body).toContain(cell);
    expect(body).toContain(',Plain,');
    expect(body).toContain(',123.45,USD,');
    expect(body.trim().split('\r\n')).toHaveLength(7);
  });

  it("creators: a manager's export holds only their creators", async () => {
    const all = await admin.inject({ method: 'GET', url: '/api/v1/creators?format=csv' });
    expect(all.body.trim().split('\r\n')).toHaveLength(4);
    const own = await manager.inject({ method: 'GET', url: '/api/v1/creators?format=csv' });
    const lines = own.body.replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines[0]).toMatch(/^Creator ID,Handle,Display name,Manager/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('mike_plays');
  });
});

describe('the board after more sessions arrive', () => {
  it('shows a session imported after the board was read (the creator totals moved, so its month is re-read)', async () => {
    const before = (await admin.inject({ method: 'GET', url: '/api/v1/board?month=2026-07' })).json();
    const luna = before.items.find((i: { handle: string }) => i.handle === 'luna.live');
    const csv = 'Username,Start time (UTC),Duration,Diamonds\r\nluna.live,2026-07-20 10:00,1h 0m,5000\r\n';
    expect((await upload(admin, { name: 'later.csv', content: csv })).json()).toMatchObject({ inserted: 1 });
    const after = (await admin.inject({ method: 'GET', url: '/api/v1/board?month=2026-07' })).json();
    const again = after.items.find((i: { handle: string }) => i.handle === 'luna.live');
    expect(again.month.diamonds).toBe(luna.month.diamonds + 5000);
    expect(again.month.sessions).toBe(luna.month.sessions + 1);
    expect(after.totals.agency.diamonds).toBe(before.totals.agency.diamonds + 5000);
  });
});

describe('another agency', () => {
  it("sees none of this agency's month, board, settings or exports", async () => {
    const other = await signupAgency(app, 'Other Agency');
    expect((await other.inject({ method: 'GET', url: `/api/v1/creators/${ids['luna.live']}/month` })).statusCode).toBe(404);
    expect((await other.inject({ method: 'GET', url: '/api/v1/agency/settings' })).json().timeZone).toBe('UTC');
    const board = (await other.inject({ method: 'GET', url: '/api/v1/board?month=2026-07' })).json();
    expect(board.items).toEqual([]);
    expect(board.totals.agency.diamonds).toBe(0);
    for (const url of ['/api/v1/board?month=2026-07&format=csv', '/api/v1/live/sessions?format=csv', '/api/v1/creators?format=csv', '/api/v1/deals?format=csv']) {
      const res = await other.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      expect(res.body.trim().split('\r\n')).toHaveLength(1);
      for (const id of Object.values(ids)) expect(res.body).not.toContain(id);
    }
  });
});
