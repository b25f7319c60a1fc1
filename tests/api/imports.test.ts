/**
 * CSV import over HTTP against the real app and database: formats, nasty files, duplicates,
 * roster rules, limits, the error report.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureText } from '../../shared/csv/test-helpers';
import { multipartBody, sessionsCsv, type MultipartFile } from '../helpers/imports';
import { addManager, createTestApp, signupAgency, type Session } from '../helpers/app';

let app: FastifyInstance;
let admin: Session;

beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'imports', IMPORT_MAX_BYTES: String(2 * 1024 * 1024) });
  admin = await signupAgency(app, 'Import Agency');
});
afterAll(async () => app?.close());

export function upload(session: Session, file: MultipartFile | undefined, fields: Record<string, string> = {}) {
  const { payload, headers } = multipartBody(fields, file);
  return session.inject({ method: 'POST', url: '/api/v1/imports', payload, headers });
}

async function addCreator(session: Session, handle: string): Promise<string> {
  const res = await session.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}
async function creator(session: Session, id: string) {
  return (await session.inject({ method: 'GET', url: `/api/v1/creators/${id}` })).json();
}
async function byHandle(session: Session, handle: string) {
  return (await session.inject({ method: 'GET', url: `/api/v1/creators/by-handle/${handle}` })).json();
}

describe('LIVE sessions export', () => {
  it('imports every row, adds missing creators on request, and re-importing inserts nothing', async () => {
    const file = { name: 'sessions-en.csv', content: fixtureText('sessions-en.csv') };
    const first = await upload(admin, file, { addMissingCreators: 'true' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ status: 'completed', format: 'sessions', rows: 4, inserted: 4, duplicates: 0, failed: 0, creatorsAdded: 2, dateOrder: 'MDY', errors: [] });
    const luna = await byHandle(admin, 'luna.live');
    expect(luna.totals).toEqual({ diamonds: 1234567 + 553978, liveSeconds: 5025 + 7500, sessions: 2 });
    const mike = await byHandle(admin, 'mike_plays');
    expect(mike.totals).toEqual({ diamonds: 12000, liveSeconds: 2710 + 3600, sessions: 2 });

    const again = await upload(admin, file, { addMissingCreators: 'true' });
    expect(again.json()).toMatchObject({ status: 'completed', rows: 4, inserted: 0, duplicates: 4, creatorsAdded: 0 });
    expect((await byHandle(admin, 'luna.live')).totals).toEqual(luna.totals);
    expect((await byHandle(admin, 'mike_plays')).totals).toEqual(mike.totals);

    const record = await admin.inject({ method: 'GET', url: `/api/v1/imports/${first.json().id}` });
    expect(record.json()).toMatchObject({ id: first.json().id, status: 'completed', inserted: 4 });
    const activities = await admin.inject({ method: 'GET', url: `/api/v1/creators/${luna.id}/activities` });
    expect(activities.json().items.some((a: { type: string; body: string }) => a.type === 'import' && a.body.includes('2 LIVE sessions'))).toBe(true);
  });

  it('reports rows naming creators not on the roster by line, and keeps the good rows', async () => {
    const id = await addCreator(admin, 'known_one');
    const csv = 'Username,Start time,Duration,Diamonds\n@known_one,2026-03-01 20:00,600,10\n@stranger_x,2026-03-01 21:00,600,20\n@known_one,2026-03-02 20:00,600,30\n';
    const res = await upload(admin, { content: csv });
    expect(res.json()).toMatchObject({ status: 'completed', rows: 3, inserted: 2, failed: 1, errors: [{ line: 3, message: expect.stringContaining('@stranger_x is not on your roster') }] });
    expect((await creator(admin, id)).totals).toEqual({ diamonds: 40, liveSeconds: 1200, sessions: 2 });
  });

  it('uses the picked creator for files without a username column, and 422s without one', async () => {
    const id = await addCreator(admin, 'solo_creator');
    const csv = 'Start time,Duration,Diamonds\n2026-04-01 20:00,60,5\n2026-04-02 20:00,60,6\n';
    const missing = await upload(admin, { content: csv });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error.details.headers).toEqual(['Start time', 'Duration', 'Diamonds']);
    const res = await upload(admin, { content: csv }, { creatorId: id });
    expect(res.json()).toMatchObject({ status: 'completed', inserted: 2, creatorId: id });
    expect((await creator(admin, id)).totals).toEqual({ diamonds: 11, liveSeconds: 120, sessions: 2 });
    const mismatch = await upload(admin, { content: 'Username,Start time,Duration,Diamonds\nother_one,2026-04-03 20:00,60,1\n' }, { creatorId: id });
    expect(mismatch.json()).toMatchObject({ inserted: 0, failed: 1, errors: [{ line: 2, message: expect.stringContaining('but the upload is for @solo_creator') }] });
  });

  it('survives the nasty file: sep= line, quoted commas and newlines, formula text, blank line, bad number, totals row', async () => {
    const res = await upload(admin, { content: fixtureText('sessions-nasty.csv') }, { addMissingCreators: 'true' });
    expect(res.json()).toMatchObject({ status: 'completed', inserted: 4, failed: 1, skipped: 2 });
    // Spreadsheet row numbers: the sep= line is hidden by Excel, the two-line quoted cell is one row.
    expect(res.json().errors).toEqual([{ line: 5, message: 'Diamonds: "twelve" is not a number' }]);
  });

  it('imports 10,000 good rows around one wrong type and reports it by line', async () => {
    const id = await addCreator(admin, 'bulk_creator');
    let csv = sessionsCsv('bulk_creator', 5000);
    csv += 'bulk_creator,2040-01-01 20:00,3600,"not, a number",5\r\n';
    csv += sessionsCsv('bulk_creator', 5000, { from: 5000 }).split('\r\n').slice(1).join('\r\n');
    csv += '\r\nTotal,,,"999999",\r\n'; // a stray blank line, then a totals row
    const res = await upload(admin, { content: csv });
    expect(res.json()).toMatchObject({ status: 'completed', rows: 10001, inserted: 10000, failed: 1, skipped: 2, errorCount: 1 });
    expect(res.json().errors[0].line).toBe(5002);
    const expectedDiamonds = (10000 * 10001) / 2;
    expect((await creator(admin, id)).totals).toEqual({ diamonds: expectedDiamonds, liveSeconds: 10000 * 3600, sessions: 10000 });
    const again = await upload(admin, { content: csv });
    expect(again.json()).toMatchObject({ inserted: 0, duplicates: 10000, failed: 1 });
    expect((await creator(admin, id)).totals.sessions).toBe(10000);
  });

  it('writes every error to a CSV download with formulas neutralised', async () => {
    const rows = Array.from({ length: 150 }, (_, i) => `@ghost_${i},2026-05-01 20:00,60,1`).join('\n');
    const res = await upload(admin, { content: `Username,Start time,Duration,Diamonds\n${rows}\n` });
    expect(res.json()).toMatchObject({ failed: 150, errorCount: 150 });
    expect(res.json().errors).toHaveLength(100);
    const csv = await admin.inject({ method: 'GET', url: `/api/v1/imports/${res.json().id}/errors.csv` });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines[0]).toBe('Line,Problem,Username,Start time,Duration,Diamonds');
    expect(lines).toHaveLength(151);
    // "@ghost_0 is not on your roster…" would run as a formula in a spreadsheet: written as '@ghost_0…,
    // and so is the row's own cell; numbers stay numbers.
    expect(lines[1]).toMatch(/^2,"'@ghost_0 is not on your roster.*",'@ghost_0,2026-05-01 20:00,60,1$/);
  });
});

describe('roster rules', () => {
  it('managers import only for their own creators', async () => {
    const manager = await addManager(app, admin);
    await addCreator(manager, 'managed_one');
    await addCreator(admin, 'admins_only');
    const csv = 'Username,Start time,Duration,Diamonds\nmanaged_one,2026-06-01 20:00,60,1\nadmins_only,2026-06-01 20:00,60,1\n';
    const res = await upload(manager, { content: csv }, { addMissingCreators: 'true' });
    expect(res.json()).toMatchObject({ inserted: 1, failed: 1, errors: [{ line: 3, message: expect.stringContaining('@admins_only is not on your roster') }] });
    expect((await byHandle(admin, 'admins_only')).totals.sessions).toBe(0);
  });
});

describe('limits and refusals', () => {
  it('415 for a request that is not multipart and for an old .xls or a PDF; 422 for a broken .xlsx', async () => {
    const json = await admin.inject({ method: 'POST', url: '/api/v1/imports', payload: { file: 'x' } });
    expect(json.statusCode).toBe(415);
    const xls = await upload(admin, { name: 'export.xls', content: Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0]), Buffer.alloc(100, 1)]), type: 'application/octet-stream' });
    expect(xls.statusCode).toBe(415);
    expect(xls.json().error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', details: { reason: 'NOT_A_SPREADSHEET' } });
    expect(xls.json().error.message).toContain('Save As');
    const pdf = await upload(admin, { name: 'x.pdf', content: '%PDF-1.7 binary\u0000' });
    expect(pdf.statusCode).toBe(415);
    const broken = await upload(admin, { name: 'export.xlsx', content: Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100, 1)]), type: 'application/octet-stream' });
    expect(broken.statusCode).toBe(422);
    expect(broken.json().error).toMatchObject({ code: 'UNPROCESSABLE', details: { reason: 'BROKEN_WORKBOOK' } });
  });

  it('422 for an empty file and for headers it does not know, naming the headers found', async () => {
    const empty = await upload(admin, { content: '' });
    expect(empty.statusCode).toBe(422);
    expect(empty.json().error.details.headers).toEqual([]);
    const unknown = await upload(admin, { content: 'Name,Colour,Size\nx,red,3\n' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.details.headers).toEqual(['Name', 'Colour', 'Size']);
  });

  it('413 naming the limit for a file over it', async () => {
    const big = sessionsCsv('big_one', 80_000); // ~3 MB > 2 MB
    const res = await upload(admin, { content: big }, { addMissingCreators: 'true' });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.message).toContain('2 MB');
  });
});
