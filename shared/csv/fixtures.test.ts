import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { errorReportCsv, toCsvLine } from './csv-writer';
import type { NormalisedBackstage } from './backstage-normaliser';
import { sessionRowHash } from './row-key';
import { CsvHeaderError, type ImportRowResult } from './row-pipeline';
import type { NormalisedSession } from './session-normaliser';
import { fixtureText, streamImport, utf16leWithBom, utf8 } from './test-helpers';

const values = (results: ImportRowResult[]) => results.filter((r) => r.ok === true).map((r) => (r as { value: unknown }).value);
const errors = (results: ImportRowResult[]) => results.flatMap((r) => (r.ok === false ? [{ line: r.line, message: r.message }] : []));

describe('English LIVE sessions (comma, quoted thousands, MM/DD, AM/PM)', async () => {
  const { results, pipeline, delimiter } = await streamImport(utf8(fixtureText('sessions-en.csv')));

  it('detects format, delimiter and date order', () => {
    expect(delimiter).toBe(',');
    expect(pipeline.normaliser?.format).toBe('sessions');
    expect(pipeline.normaliser?.dateOrder).toBe('MDY');
    expect(pipeline.counts).toEqual({ ok: 4, failed: 0, blank: 0, totals: 0 });
  });

  it('normalises every row', () => {
    expect(values(results)).toEqual([
      { creatorHandle: 'luna.live', startedAt: '2026-07-25T20:15:00.000Z', startTimeKnown: true, durationSeconds: 5025, diamonds: 1234567, gifts: 312, gifters: 45, viewers: 12480, peakViewers: 1203, avgViewers: 356.5, newFollowers: 210, likes: 45210, comments: 1320, shares: 88 },
      { creatorHandle: 'luna.live', startedAt: '2026-07-26T21:00:00.000Z', startTimeKnown: true, durationSeconds: 7500, diamonds: 553978, gifts: 201, gifters: 30, viewers: 9800, peakViewers: 990, avgViewers: 300, newFollowers: 150, likes: 30000, comments: 900, shares: 40 },
      { creatorHandle: 'mike_plays', startedAt: '2026-07-02T09:30:00.000Z', startTimeKnown: true, durationSeconds: 2710, diamonds: 0, gifts: 0, gifters: 0, viewers: 310, peakViewers: 42, avgViewers: 18.2, newFollowers: 3, likes: 1200, comments: 25, shares: 1 },
      { creatorHandle: 'mike_plays', startedAt: '2026-07-03T18:00:00.000Z', startTimeKnown: true, durationSeconds: 3600, diamonds: 12000, gifts: 88, gifters: 12, viewers: 2100, peakViewers: 400, avgViewers: 150, newFollowers: -2, likes: 3400000, comments: 410, shares: 12 },
    ]);
  });

  it('states what it assumed', () => {
    expect(pipeline.normaliser?.assumptions).toEqual([
      'Dates read as MM/DD/YYYY: values such as 07/25/2026 only make sense that way.',
      'Start times state no time zone; read as UTC+0.',
      '"Duration" holds bare numbers; read as seconds (name the column e.g. "Duration (min)" for another unit).',
    ]);
  });
});

describe('Spanish LIVE sessions (semicolon, 1.234.567, DD/MM, UTC-3 header, totals row)', async () => {
  const { results, pipeline, delimiter } = await streamImport(utf8(fixtureText('sessions-es.csv')), {}, 3);

  it('normalises the rows and skips the totals row', () => {
    expect(delimiter).toBe(';');
    expect(pipeline.normaliser?.dateOrder).toBe('DMY');
    expect(pipeline.normaliser?.decimalSeparator).toBe(',');
    expect(pipeline.counts).toEqual({ ok: 3, failed: 0, blank: 0, totals: 1 });
    expect(results.at(-1)).toEqual({ line: 5, skip: 'totals' });
    expect(values(results)).toEqual([
      { creatorHandle: 'sol.ventas', startedAt: '2026-07-25T23:15:00.000Z', startTimeKnown: true, durationSeconds: 5700, diamonds: 1234567, gifts: 410, viewers: 15302, peakViewers: 1120, avgViewers: 412.5, newFollowers: 230, likes: 51000, comments: 1400, shares: 95 },
      { creatorHandle: 'sol.ventas', startedAt: '2026-07-04T02:40:00.000Z', startTimeKnown: true, durationSeconds: 7800, diamonds: 98765, gifts: 120, viewers: 8004, peakViewers: 640, avgViewers: 301.25, newFollowers: 88, likes: 12500, comments: 700, shares: 30 },
      { creatorHandle: 'sol.ventas', startedAt: '2026-07-04T22:00:00.000Z', startTimeKnown: true, durationSeconds: 3600, diamonds: 0, gifts: 0, viewers: 150, peakViewers: 20, avgViewers: 8.5, newFollowers: 1 },
    ]);
  });
});

describe('Portuguese LIVE sessions (dates that prove no order)', async () => {
  const text = fixtureText('sessions-pt.csv');

  it('reads DD/MM as the language default and says it assumed', async () => {
    const { results, pipeline } = await streamImport(utf8(text));
    expect(pipeline.normaliser?.dateOrder).toBe('DMY');
    expect(pipeline.normaliser?.assumptions[0]).toMatch(/^Dates read as DD\/MM\/YYYY .*no date in the first 3 rows has a day above 12/);
    expect(values(results)).toEqual([
      { creatorHandle: 'bia.canta', startedAt: '2026-07-05T19:00:00.000Z', startTimeKnown: true, durationSeconds: 5400, diamonds: 15200, gifts: 120, viewers: 3400, peakViewers: 510, newFollowers: 40, likes: 9800, comments: 300, shares: 12 },
      { creatorHandle: 'bia.canta', startedAt: '2026-07-06T20:30:00.000Z', startTimeKnown: true, durationSeconds: 7200, diamonds: 22010, gifts: 160, viewers: 4100, peakViewers: 620, newFollowers: 55, likes: 11200, comments: 410, shares: 20 },
      { creatorHandle: 'bia.canta', startedAt: '2026-07-08T21:15:00.000Z', startTimeKnown: true, durationSeconds: 4200, diamonds: 900, gifts: 10, viewers: 800, peakViewers: 95, newFollowers: 4, likes: 1500, comments: 40, shares: 2 },
    ]);
  });

  it('follows a date order chosen at upload', async () => {
    const { results } = await streamImport(utf8(text), { dateOrder: 'MDY' });
    expect((values(results)[0] as NormalisedSession).startedAt).toBe('2026-05-07T19:00:00.000Z');
  });
});

describe('Indonesian LIVE sessions (Excel "Unicode text": UTF-16LE with BOM, tab-separated)', async () => {
  const bytes = utf16leWithBom(fixtureText('sessions-id.tsv'));

  it.each([1, 5, 64])('normalises the rows in %i-byte chunks', async (chunkSize) => {
    const { results, pipeline, delimiter } = await streamImport(bytes, {}, chunkSize);
    expect(delimiter).toBe('\t');
    expect(pipeline.normaliser?.detection.language).toBe('id');
    expect(pipeline.normaliser?.assumptions).toEqual([]);
    expect(values(results)).toEqual([
      { creatorHandle: 'rina.ngobrol', startedAt: '2026-07-03T12:00:00.000Z', startTimeKnown: true, durationSeconds: 7500, diamonds: 12345, gifts: 210, viewers: 5600, peakViewers: 740, newFollowers: 66, likes: 1200, comments: 530, shares: 31 },
      { creatorHandle: 'rina.ngobrol', startedAt: '2026-07-04T13:00:00.000Z', startTimeKnown: true, durationSeconds: 3600, diamonds: 8765, gifts: 150, viewers: 4020, peakViewers: 610, newFollowers: 41, likes: 980, comments: 412, shares: 19 },
      { creatorHandle: 'andi.main', startedAt: '2026-07-04T06:05:00.000Z', startTimeKnown: true, durationSeconds: 2730, diamonds: 0, gifts: 0, viewers: 75, peakViewers: 12, newFollowers: 0, likes: 35, comments: 4, shares: 0 },
    ]);
  });
});

describe('Backstage creator data (period, "… last month", 23h 7m 8s and 88.46h)', async () => {
  const { results, pipeline } = await streamImport(utf8(`\ufeff${fixtureText('backstage-en.csv')}`));

  it('normalises one creator-period per row', () => {
    expect(pipeline.normaliser?.format).toBe('backstage');
    expect(values(results) as NormalisedBackstage[]).toEqual([
      { periodStart: '2026-07-01', periodEnd: '2026-07-06', creatorTikTokId: '7234567890123456789', creatorHandle: 'luna.live', group: 'Tier A, Latin', manager: 'Maria Lopez', diamonds: 1234567, liveSeconds: 83228, validLiveDays: 6, newFollowers: 1210, liveStreams: 9, lastMonth: { diamonds: 4560001, liveSeconds: 318456, validLiveDays: 24, newFollowers: 5400, liveStreams: 31 } },
      { periodStart: '2026-07-01', periodEnd: '2026-07-06', creatorTikTokId: '7234567890123456790', creatorHandle: 'mike_plays', group: 'Tier B', manager: 'Chen, Wei', diamonds: 553978, liveSeconds: 318456, validLiveDays: 5, newFollowers: 310, liveStreams: 7, lastMonth: { diamonds: 1020300, liveSeconds: 432000, validLiveDays: 22, newFollowers: 900, liveStreams: 25 } },
      { periodStart: '2026-07-01', periodEnd: '2026-07-06', creatorTikTokId: '7234567890123456791', creatorHandle: 'rina.ngobrol', diamonds: 0, liveSeconds: 0, validLiveDays: 0, newFollowers: 0, liveStreams: 0 },
    ]);
  });
});

describe('a nasty file (sep= line, quoted commas and newlines, blank line, bad row, totals row)', async () => {
  const text = fixtureText('sessions-nasty.csv');
  // Also with Windows line endings, as Excel writes them.
  const variants = { LF: text, CRLF: text.replace(/\n/g, '\r\n') };

  it.each(Object.entries(variants))('%s: counts, line numbers and messages', async (_name, variant) => {
    const { results, pipeline } = await streamImport(utf8(variant), {}, 4);
    expect(pipeline.counts).toEqual({ ok: 4, failed: 1, blank: 1, totals: 1 });
    expect(pipeline.normaliser?.detection.unrecognised).toEqual(['Notes']);
    expect(results.map((r) => [r.line, r.ok === true ? 'ok' : r.ok === false ? 'error' : r.skip])).toEqual([
      [2, 'ok'], [3, 'ok'], [4, 'blank'], [5, 'error'], [6, 'ok'], [7, 'ok'], [8, 'totals'],
    ]);
    expect(errors(results)).toEqual([{ line: 5, message: 'Diamonds: "twelve" is not a number' }]);
    const sessions = values(results) as NormalisedSession[];
    expect(sessions[0]).toEqual({ creatorHandle: 'nasty.one', startedAt: '2026-07-01T20:00:00.000Z', startTimeKnown: true, durationSeconds: 5400, diamonds: 1500, viewers: 300 });
    expect(sessions[2]).toEqual({ creatorHandle: 'nasty.one', startedAt: '2026-07-04T22:00:00.000Z', startTimeKnown: true, durationSeconds: 1800, diamonds: 2000 });
  });

  it('writes its rows and error report back out with formulas neutralised', () => {
    const rows = Papa.parse<string[]>(text, { skipEmptyLines: true }).data;
    const written = rows.map((r) => toCsvLine(r)).join('');
    const reparsed = Papa.parse<string[]>(written, { skipEmptyLines: true }).data;
    expect(reparsed.flat().filter((c) => /^[=+\-@]/.test(c))).toEqual([]);
    expect(reparsed.flat()).toContain(`'=HYPERLINK("http://evil.example")`);
    expect(reparsed[2][5]).toBe('Great stream, thanks "all"\nsecond line of the note');
    expect(errorReportCsv([{ line: 5, message: 'Diamonds: "twelve" is not a number' }])).toContain('5,"Diamonds: ""twelve"" is not a number"');
  });
});

describe('idempotent re-upload', () => {
  it('the same rows, in the same or another file, hash to keys already stored', async () => {
    const stored = new Set<string>();
    const upload = async (text: string) => {
      const { results } = await streamImport(utf8(text));
      let inserted = 0;
      for (const s of values(results) as NormalisedSession[]) {
        const key = sessionRowHash('creator-1', s);
        if (!stored.has(key)) { stored.add(key); inserted++; }
      }
      return inserted;
    };
    const en = fixtureText('sessions-en.csv');
    expect(await upload(en)).toBe(4);
    expect(await upload(en)).toBe(0);
    // The first LIVE again, exported another way: date + time columns, seconds shown, minutes unit.
    expect(await upload('Date,Start time (UTC+0),Duration (min),Diamonds\n2026-07-25,20:15:30,84,1234567\n')).toBe(0);
    expect(await upload('Date,Start time (UTC+0),Duration (min),Diamonds\n2026-07-25,21:15:30,84,1234567\n')).toBe(1);
  });
});

describe('10,000 good rows with one wrong-typed row in the middle', () => {
  it('reports only that row, with its line number', async () => {
    const lines = ['Username,Start time,Duration,Diamonds,Viewers'];
    const start = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 10_000; i++) {
      if (i === 5000) lines.push('creator.x,2026-06-01T00:00:00Z,60,12abc,1');
      lines.push(`creator.${i % 50},${new Date(start + i * 3_600_000).toISOString()},${1800 + i},"${(i * 1000).toLocaleString('en-US')}",${i}`);
    }
    const { results, pipeline } = await streamImport(utf8(`${lines.join('\n')}\n`), {}, 65_536);
    expect(pipeline.counts).toEqual({ ok: 10_000, failed: 1, blank: 0, totals: 0 });
    expect(errors(results)).toEqual([{ line: 5002, message: 'Diamonds: "12abc" is not a number' }]);
    const sessions = values(results) as NormalisedSession[];
    expect(sessions[9999]).toMatchObject({ creatorHandle: 'creator.49', diamonds: 9_999_000, durationSeconds: 11_799, viewers: 9999 });
    expect(new Set(sessions.map((s) => sessionRowHash('c', s))).size).toBe(10_000);
  });
});

describe('files that are not an export', () => {
  it('stops at the header with the headers it found', async () => {
    const err = await streamImport(utf8('name,email\nx,y\n')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CsvHeaderError);
    expect((err as CsvHeaderError).problem.detection.unrecognised).toEqual(['name', 'email']);
  });

  it('says an empty file is empty', async () => {
    const err = await streamImport(utf8('\n\n')).catch((e: unknown) => e);
    expect((err as Error).message).toBe('The file is empty: no header row found.');
  });
});
