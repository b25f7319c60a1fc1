/**
 * What an import tells the person who uploaded it, over HTTP against the real app and database:
 * every problem of a row, the rows to fix with their own cells (and that file uploaded again), columns
 * kept or named, short rows, the time zone choice, .xlsx workbooks (written here with exceljs), the
 * file's size and the diamonds added, messages quoting values as written.
 */
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartBody, type MultipartFile } from '../helpers/imports';
import { createTestApp, signupAgency, type Session } from '../helpers/app';

let app: FastifyInstance;
let admin: Session;

beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'imports_report' });
  admin = await signupAgency(app, 'Report Agency');
});
afterAll(async () => app?.close());

function upload(file: MultipartFile, fields: Record<string, string> = {}) {
  const { payload, headers } = multipartBody(fields, file);
  return admin.inject({ method: 'POST', url: '/api/v1/imports', payload, headers });
}
async function addCreator(handle: string): Promise<string> {
  const res = await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}
async function sessionsOf(creatorId: string) {
  return (await admin.inject({ method: 'GET', url: `/api/v1/live/sessions?creatorId=${creatorId}&limit=100` })).json().items as Record<string, unknown>[];
}
async function totalsOf(creatorId: string) {
  return (await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}` })).json().totals;
}
async function errorsCsv(importId: string): Promise<string[][]> {
  const res = await admin.inject({ method: 'GET', url: `/api/v1/imports/${importId}/errors.csv` });
  expect(res.statusCode).toBe(200);
  return Papa.parse<string[]>(res.body.replace(/^\ufeff/, ''), { skipEmptyLines: true }).data;
}

describe('row errors', () => {
  it('names every problem of a row, not only the first', async () => {
    await addCreator('many_problems');
    const res = await upload({ content: 'Username,Start time,Duration,Diamonds\nmany_problems,2026-03-01 20:00,-60,-5\nmany_problems,2026-02-30 20:00,60,lots\n' });
    expect(res.json()).toMatchObject({ status: 'completed', inserted: 0, failed: 2 });
    const [first, second] = res.json().errors;
    expect(first.line).toBe(2);
    expect(first.message).toMatch(/Duration: "-60"/);
    expect(first.message).toMatch(/Diamonds: -5 is negative/);
    expect(second.message).toMatch(/Start time: "2026-02-30 20:00"/);
    expect(second.message).toMatch(/Diamonds: "lots" is not a number/);
  });

  it("adds a bad row's roster problem to its list (a creator not on the roster is named too)", async () => {
    const res = await upload({ content: 'Username,Start time,Duration,Diamonds\nnot_on_roster_x,2026-03-01 20:00,60,-5\n' });
    expect(res.json()).toMatchObject({ failed: 1, creatorsAdded: 0 });
    expect(res.json().errors[0].message).toMatch(/^Diamonds: -5 is negative; @not_on_roster_x is not on your roster/);
    // With "add missing creators" a bad row still adds nobody.
    const adding = await upload({ content: 'Username,Start time,Duration,Diamonds\nnot_on_roster_y,2026-03-01 20:00,60,-5\n' }, { addMissingCreators: 'true' });
    expect(adding.json()).toMatchObject({ failed: 1, creatorsAdded: 0, errors: [{ message: 'Diamonds: -5 is negative' }] });
    expect((await admin.inject({ method: 'GET', url: '/api/v1/creators/by-handle/not_on_roster_y' })).statusCode).toBe(404);
  });

  it('reports a row with fewer cells than the header instead of accepting it', async () => {
    const id = await addCreator('short_rows');
    const res = await upload({ content: 'Username,Start time,Duration,Diamonds,Viewers\nshort_rows,2026-03-02 20:00,60,5,100\nshort_rows,2026-03-03 20:00,60,5\n' });
    expect(res.json()).toMatchObject({ inserted: 1, failed: 1, errors: [{ line: 3, message: expect.stringContaining('4 values but the header has 5 columns') }] });
    expect(await totalsOf(id)).toEqual({ diamonds: 5, liveSeconds: 60, sessions: 1 });
  });

  it('quotes values as written, without JSON escaping', async () => {
    const res = await upload({ content: 'Username,Start time,Duration,Diamonds\n"=HYPERLINK(""http://evil.example"",""x"")",2026-03-01 20:00,60,5\n' });
    const message: string = res.json().errors[0].message;
    expect(message).toContain('"=HYPERLINK("http://evil.example","x")"');
    expect(message).not.toContain('\\"');
  });
});

describe('the rows to fix (errors.csv)', () => {
  it('carries each bad row with its own cells, neutralised against formulas, and imports once fixed and uploaded again', async () => {
    const id = await addCreator('fix_me');
    const csv = 'Username,Start time,Duration,Diamonds,Note\n' +
      'fix_me,2026-04-01 20:00,3600,100,fine\n' +
      'fix_me,2026-04-02 20:00,3600,-7,=SUM(A1:A9)\n' +
      '@fix_me,2026-04-03 20:00,oops,25,+cmd\n';
    const res = await upload({ content: csv });
    expect(res.json()).toMatchObject({ inserted: 1, failed: 2, ignoredColumns: ['Note'] });
    expect(res.json().assumptions.join(' ')).toContain('Columns not imported: "Note"');

    const rows = await errorsCsv(res.json().id);
    expect(rows[0]).toEqual(['Line', 'Problem', 'Username', 'Start time', 'Duration', 'Diamonds', 'Note']);
    expect(rows[1]).toEqual(['3', 'Diamonds: -7 is negative', 'fix_me', '2026-04-02 20:00', '3600', '-7', "'=SUM(A1:A9)"]);
    expect(rows[2].slice(0, 1)).toEqual(['4']);
    expect(rows[2][1]).toMatch(/^Duration: "oops"/);
    expect(rows[2].slice(2)).toEqual(["'@fix_me", '2026-04-03 20:00', 'oops', '25', "'+cmd"]);

    // The person fixes the two rows in the downloaded file and uploads that file as it is.
    rows[1][5] = '7';
    rows[2][4] = '1800';
    const fixed = Papa.unparse(rows);
    const again = await upload({ name: 'rows-to-fix.csv', content: fixed });
    expect(again.json()).toMatchObject({ status: 'completed', inserted: 2, failed: 0 });
    expect(again.json().ignoredColumns).toEqual(['Line', 'Problem', 'Note']);
    expect(await totalsOf(id)).toEqual({ diamonds: 132, liveSeconds: 3600 * 2 + 1800, sessions: 3 });
  });
});

describe('columns understood are stored', () => {
  it("keeps a session file's Viewers and Gifters (and peak/average viewers, comments, shares)", async () => {
    const id = await addCreator('viewer_counts');
    const res = await upload({ content: 'Username,Start time,Duration,Diamonds,Gifters,Viewers,Peak viewers,Avg. viewers,Comments,Shares\nviewer_counts,2026-05-01 20:00,3600,900,12,"4,500",310,120.5,80,7\n' });
    expect(res.json()).toMatchObject({ inserted: 1, ignoredColumns: [] });
    const [session] = await sessionsOf(id);
    expect(session).toMatchObject({ source: 'import', diamonds: 900, uniqueGifters: 12, totalViewers: 4500, peakViewers: 310, avgViewers: 120.5, comments: 80, shares: 7 });

    const sparse = await upload({ content: 'Username,Start time,Duration,Diamonds,Viewers\nviewer_counts,2026-05-02 20:00,60,1,77\n' });
    expect(sparse.json().inserted).toBe(1);
    const second = (await sessionsOf(id)).find((s) => s.startedAt === '2026-05-02T20:00:00.000Z')!;
    expect(second.totalViewers).toBe(77);
    expect(second).not.toHaveProperty('uniqueGifters'); // not in that file: absent, not a made-up 0
  });
});

describe('columns understood but not stored are named', () => {
  it('a session-only column in a Backstage export is named in the report, not dropped silently', async () => {
    const res = await upload({ content: "Data period,Creator's username,Diamonds,LIVE duration,Likes\n2026-09-01 ~ 2026-09-05,named_cols,100,2h,5000\n" }, { addMissingCreators: 'true' });
    expect(res.json()).toMatchObject({ format: 'backstage', inserted: 1, ignoredColumns: ['Likes'] });
    expect(res.json().assumptions.join(' ')).toContain('Columns not imported: "Likes"');
  });
});

describe('time zone for times without an offset', () => {
  const csv = (handle: string) => `Username,Start time,Duration,Diamonds\n${handle},2026-07-01 20:00,60,1\n${handle},2026-01-15 20:00,60,1\n`;

  it("defaults to the agency's time zone and names it in the report", async () => {
    const id = await addCreator('tz_default');
    const res = await upload({ content: csv('tz_default') });
    expect(res.json()).toMatchObject({ inserted: 2, timeZone: 'UTC' });
    expect(res.json().assumptions.join(' ')).toContain("read as UTC (the agency's time zone");
    expect((await sessionsOf(id)).map((s) => s.startedAt).sort()).toEqual(['2026-01-15T20:00:00.000Z', '2026-07-01T20:00:00.000Z']);
  });

  it('reads them in the zone chosen at upload, with that date\'s offset (DST)', async () => {
    const id = await addCreator('tz_berlin');
    const res = await upload({ content: csv('tz_berlin') }, { timeZone: 'Europe/Berlin' });
    expect(res.json()).toMatchObject({ inserted: 2, timeZone: 'Europe/Berlin' });
    expect(res.json().assumptions.join(' ')).toContain('read as Europe/Berlin (chosen at upload)');
    expect((await sessionsOf(id)).map((s) => s.startedAt).sort()).toEqual(['2026-01-15T19:00:00.000Z', '2026-07-01T18:00:00.000Z']);
  });

  it('400 for a zone that does not exist', async () => {
    const res = await upload({ content: csv('tz_bad') }, { timeZone: 'Mars/Olympus' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'timeZone' }] });
  });
});

describe('.xlsx workbooks', () => {
  async function workbook(rows: unknown[][], extraSheet?: unknown[][]): Promise<Buffer> {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('LIVE data');
    for (const r of rows) ws.addRow(r);
    ws.getColumn(2).numFmt = 'yyyy-mm-dd hh:mm';
    if (extraSheet) {
      const other = wb.addWorksheet('Notes');
      for (const r of extraSheet) other.addRow(r);
    }
    return Buffer.from(await wb.xlsx.writeBuffer());
  }

  it('imports a LIVE sessions workbook with the same report as CSV: dates, numbers, formulas, bad rows with their cells', async () => {
    const id = await addCreator('xlsx_luna');
    const file = await workbook(
      [
        ['Username', 'Start time', 'Duration', 'Diamonds', 'Gifters'],
        ['@xlsx_luna', new Date(Date.UTC(2026, 6, 1, 20, 15)), 3600, 1500, 9],
        ['xlsx_luna', '2026-07-02 21:00', '1:30:00', { formula: '1000+234', result: 1234 }, 4],
        [],
        ['xlsx_luna', new Date(Date.UTC(2026, 6, 3, 20, 0)), -5, -1, 2],
        ['xlsx_luna', new Date(Date.UTC(2026, 6, 4, 20, 0)), 600],
      ],
      [['scratch'], ['more']],
    );
    const res = await upload({ name: 'live.xlsx', content: file, type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }, { timeZone: 'UTC' });
    expect(res.statusCode).toBe(201);
    const record = res.json();
    expect(record).toMatchObject({ status: 'completed', format: 'sessions', fileType: 'xlsx', fileName: 'live.xlsx', inserted: 2, failed: 2, skipped: 1, bytesTotal: file.length, diamondsAdded: 2734 });
    // Sheet row numbers, blank row included; every problem named; the trailing empty cell of row 6 is no short row.
    expect(record.errors.map((e: { line: number }) => e.line)).toEqual([5, 6]);
    expect(record.errors[0].message).toMatch(/Duration: .*; Diamonds: -1 is negative/);
    expect(record.errors[1].message).toMatch(/^Diamonds: empty/);
    expect(record.assumptions.join(' ')).toContain('"Notes" also held rows');
    const sessions = await sessionsOf(id);
    expect(sessions.map((s) => [s.startedAt, s.durationSeconds, s.diamonds]).sort()).toEqual([
      ['2026-07-01T20:15:00.000Z', 3600, 1500],
      ['2026-07-02T21:00:00.000Z', 5400, 1234],
    ]);
    expect(await totalsOf(id)).toEqual({ diamonds: 2734, liveSeconds: 9000, sessions: 2 });
    const rows = await errorsCsv(record.id);
    expect(rows[0]).toEqual(['Line', 'Problem', 'Username', 'Start time', 'Duration', 'Diamonds', 'Gifters']);
    expect(rows[1].slice(2)).toEqual(['xlsx_luna', '2026-07-03 20:00:00', '-5', '-1', '2']);

    const again = await upload({ name: 'live.xlsx', content: file }, { timeZone: 'UTC' });
    expect(again.json()).toMatchObject({ inserted: 0, duplicates: 2, diamondsAdded: 0 });
  });

  it('imports a Backstage creator data workbook', async () => {
    const file = await workbook([
      ['Data period', "Creator's username", 'Diamonds', 'LIVE duration', 'Valid go LIVE days'],
      ['2026-08-01 ~ 2026-08-10', 'xlsx_backstage', 50000, '12h', 6],
    ]);
    const res = await upload({ name: 'backstage.xlsx', content: file }, { addMissingCreators: 'true' });
    expect(res.json()).toMatchObject({ status: 'completed', format: 'backstage', fileType: 'xlsx', inserted: 1, creatorsAdded: 1 });
    const creator = (await admin.inject({ method: 'GET', url: '/api/v1/creators/by-handle/xlsx_backstage' })).json();
    const periods = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${creator.id}/backstage` })).json().items;
    expect(periods[0]).toMatchObject({ periodStart: '2026-08-01', periodEnd: '2026-08-10', diamonds: 50000, liveSeconds: 12 * 3600, validLiveDays: 6 });
  });
});

describe('the report', () => {
  it("shows the file's own size (not the multipart body's) and the diamonds it added", async () => {
    const id = await addCreator('size_one');
    const content = 'Username,Start time,Duration,Diamonds\nsize_one,2026-06-01 20:00,60,40\nsize_one,2026-06-02 20:00,60,2\n';
    const res = await upload({ content }, { clientRef: 'size-check', creatorId: id });
    expect(res.json()).toMatchObject({ bytesTotal: Buffer.byteLength(content), bytesRead: Buffer.byteLength(content), diamondsAdded: 42, fileType: 'csv' });
    const listed = (await admin.inject({ method: 'GET', url: '/api/v1/imports?clientRef=size-check' })).json().items[0];
    expect(listed).toMatchObject({ bytesTotal: Buffer.byteLength(content), diamondsAdded: 42 });
  });
});
