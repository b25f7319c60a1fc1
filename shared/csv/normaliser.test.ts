import { describe, expect, it } from 'vitest';
import { createCsvNormaliser } from './create-csv-normaliser';
import type { NormalisedSession } from './session-normaliser';

const SESSION_HEADERS = ['Username', 'Date', 'Start time', 'End time', 'Duration', 'Diamonds', 'Viewers', 'New followers'];

function sessions(options: Partial<Parameters<typeof createCsvNormaliser>[0]> = {}) {
  const n = createCsvNormaliser({ headers: SESSION_HEADERS, ...options });
  if (!n.ok || n.format !== 'sessions') throw new Error('expected a sessions normaliser');
  return n;
}

describe('session rows', () => {
  const n = sessions();
  type Expect = Partial<NormalisedSession> | { error: RegExp; code: string } | { skip: 'blank' | 'totals' };
  const cases: Array<[string, string[], Expect]> = [
    ['a full row', ['@Luna.Live', '2026-07-01', '20:00', '', '3600', '1,500', '300', '-4'],
      { creatorHandle: 'luna.live', startedAt: '2026-07-01T20:00:00.000Z', startTimeKnown: true, durationSeconds: 3600, diamonds: 1500, viewers: 300, newFollowers: -4 }],
    ['a date-time in the start column wins over the date column', ['luna', '2026-07-09', '2026-07-01 20:00', '', '60', '1', '', ''],
      { startedAt: '2026-07-01T20:00:00.000Z' }],
    ['a profile link as username', ['https://www.tiktok.com/@Luna.Live/live', '2026-07-01', '20:00', '', '60', '1', '', ''], { creatorHandle: 'luna.live' }],
    ['duration from the end time, past midnight', ['luna', '2026-07-01', '23:30', '00:15', '', '10', '', ''], { durationSeconds: 2700 }],
    ['duration from a full end date-time', ['luna', '2026-07-01', '23:30', '2026-07-02 01:30', '', '10', '', ''], { durationSeconds: 7200 }],
    ['only a date: start time unknown', ['luna', '2026-07-01', '', '', '3600', '10', '', ''], { startedAt: '2026-07-01T00:00:00.000Z', startTimeKnown: false }],
    ['no username: the upload names the creator', ['', '2026-07-01', '20:00', '', '60', '0', '', ''], { creatorHandle: undefined, diamonds: 0 }],
    ['a short row (trailing cells missing)', ['luna', '2026-07-01', '20:00', '', '60', '10'], { error: /^This row has 6 values but the header has 8 columns/, code: 'TOO_FEW_VALUES' }],
    ['every problem of a row', ['luna', '2026-07-01', '20:00', '', '-60', '-5', '', ''], { error: /^Duration: "-60" is not a duration.*; Diamonds: -5 is negative$/, code: 'INVALID_DURATION' }],
    ['a bad date and bad diamonds', ['luna', '2026-02-30', '20:00', '', '60', 'x', '', ''], { error: /^Date: "2026-02-30" is not a calendar date.*; Diamonds: "x" is not a number$/, code: 'INVALID_DATE' }],
    ['trailing empty extra cells', ['luna', '2026-07-01', '20:00', '', '60', '10', '', '', '', ''], { diamonds: 10 }],
    ['blank', ['', ' ', '', '', '', '', '', ''], { skip: 'blank' }],
    ['papaparse blank line', [''], { skip: 'blank' }],
    ['totals label in the username column', ['Total', '', '', '', '7200', '500', '900', ''], { skip: 'totals' }],
    ['totals label in the date column', ['', 'Totales (12)', '', '', '7200', '500', '900', ''], { skip: 'totals' }],
    ['unlabelled SUM row', ['', '', '', '', '7200', '500', '900', ''], { skip: 'totals' }],
    ['a username that starts like "total"', ['total_king', '2026-07-01', '20:00', '', '60', '10', '', ''], { creatorHandle: 'total_king' }],
    ['no start date', ['luna', '', '20:00', '', '60', '10', '', ''], { error: /No start date: fill in "Start time" or "Date"/, code: 'MISSING_VALUE' }],
    ['no duration', ['luna', '2026-07-01', '20:00', '', '', '10', '', ''], { error: /^Duration: empty; every LIVE needs its duration/, code: 'MISSING_VALUE' }],
    ['end before start', ['luna', '2026-07-01', '20:00', '2026-07-01 19:00', '', '10', '', ''], { error: /End time: the LIVE ends before it starts/, code: 'INVALID_DATE' }],
    ['no diamonds', ['luna', '2026-07-01', '20:00', '', '60', '', '', ''], { error: /^Diamonds: empty; write 0/, code: 'MISSING_VALUE' }],
    ['wrong type', ['luna', '2026-07-01', '20:00', '', '60', 'twelve', '', ''], { error: /^Diamonds: "twelve" is not a number$/, code: 'INVALID_NUMBER' }],
    ['negative diamonds', ['luna', '2026-07-01', '20:00', '', '60', '-5', '', ''], { error: /^Diamonds: -5 is negative$/, code: 'NEGATIVE_NUMBER' }],
    ['bad username', ['luna live!', '2026-07-01', '20:00', '', '60', '5', '', ''], { error: /^Username: "luna live!" is not a TikTok username/, code: 'INVALID_HANDLE' }],
    ['bad date', ['luna', '2026-02-30', '20:00', '', '60', '5', '', ''], { error: /^Date: "2026-02-30" is not a calendar date/, code: 'INVALID_DATE' }],
    ['implausible duration', ['luna', '2026-07-01', '20:00', '', '900000', '5', '', ''], { error: /250 hours is too long for one LIVE.*"Duration \(min\)"/, code: 'INVALID_DURATION' }],
    ['unquoted delimiter', ['luna', '2026-07-01', '20:00', '', '60', '1', '234', '5', '6'], { error: /9 values but the header has 8 columns.*needs quotes/, code: 'TOO_MANY_VALUES' }],
  ];
  it.each(cases)('%s', (_name, row, expected) => {
    const r = n.normalise(row, 7);
    expect(r.line).toBe(7);
    if ('skip' in expected) {
      expect(r).toEqual({ line: 7, skip: expected.skip });
    } else if ('error' in expected) {
      expect(r.ok).toBe(false);
      if (r.ok === false) {
        expect(r.message).toMatch(expected.error);
        expect(r.code).toBe(expected.code);
      }
    } else {
      expect(r.ok).toBe(true);
      if (r.ok) for (const [k, v] of Object.entries(expected)) expect(r.value[k as keyof NormalisedSession]).toEqual(v);
    }
  });
});

describe('per-file decisions', () => {
  const row = (date: string) => ['luna', date, '20:00', '', '60', '1', '', ''];

  it('decides DD/MM from a day above 12 in the sample and says so', () => {
    const n = sessions({ sampleRows: [row('03/07/2026'), row('25/07/2026')] });
    expect(n.dateOrder).toBe('DMY');
    expect(n.assumptions[0]).toMatch(/Dates read as DD\/MM\/YYYY: values such as 25\/07\/2026 only make sense that way/);
    expect(n.normalise(row('03/07/2026'), 2)).toMatchObject({ ok: true, value: { startedAt: '2026-07-03T20:00:00.000Z' } });
  });

  it('falls back to MM/DD for an English file that proves nothing, and says it assumed', () => {
    const n = sessions({ sampleRows: [row('03/07/2026'), row('04/07/2026')] });
    expect(n.dateOrder).toBe('MDY');
    expect(n.assumptions.join(' ')).toMatch(/Dates read as MM\/DD\/YYYY .*no date in the first 2 rows has a day above 12/);
    expect(n.normalise(row('03/07/2026'), 2)).toMatchObject({ ok: true, value: { startedAt: '2026-03-07T20:00:00.000Z' } });
  });

  it('reports a later row that contradicts an assumed order, naming both orders', () => {
    const n = sessions({ sampleRows: [row('03/07/2026')] });
    const r = n.normalise(row('25/07/2026'), 300);
    expect(r).toMatchObject({ ok: false, line: 300, code: 'INVALID_DATE' });
    if (r.ok === false) expect(r.message).toMatch(/read as MM\/DD\/YYYY, but this one only fits DD\/MM\/YYYY/);
  });

  it('takes a date order chosen at upload without guessing', () => {
    const n = sessions({ dateOrder: 'DMY', sampleRows: [row('07/25/2026')] });
    expect(n.dateOrder).toBe('DMY');
    expect(n.assumptions.some((a) => a.startsWith('Dates'))).toBe(false);
  });

  it('needs no date assumption for ISO dates', () => {
    const n = sessions({ sampleRows: [row('2026-07-01')] });
    expect(n.assumptions.some((a) => a.startsWith('Dates'))).toBe(false);
  });

  it('reads times without an offset in the agency zone and says so', () => {
    const n = sessions({ sampleRows: [row('2026-07-01')], defaultUtcOffsetMinutes: 420 });
    expect(n.assumptions).toContain('Start times state no time zone; read as UTC+7.');
    expect(n.normalise(row('2026-07-01'), 2)).toMatchObject({ ok: true, value: { startedAt: '2026-07-01T13:00:00.000Z' } });
  });

  it('reads times without an offset in an IANA zone, with the offset of each date (DST)', () => {
    const n = sessions({ sampleRows: [row('2026-07-01')], timeZone: 'Europe/Berlin' });
    expect(n.assumptions).toContain('Start times state no time zone; read as Europe/Berlin.');
    expect(n.normalise(row('2026-07-01'), 2)).toMatchObject({ ok: true, value: { startedAt: '2026-07-01T18:00:00.000Z' } });
    expect(n.normalise(row('2026-01-15'), 3)).toMatchObject({ ok: true, value: { startedAt: '2026-01-15T19:00:00.000Z' } });
  });

  it('says which unit it assumed for bare-number durations', () => {
    const n = sessions({ sampleRows: [row('2026-07-01')] });
    expect(n.assumptions.join(' ')).toMatch(/"Duration" holds bare numbers; read as seconds .*"Duration \(min\)"/);
  });

  it('reads an ambiguous decimal in a decimal column per the language, and says so', () => {
    const headers = ['Fecha', 'Duración', 'Diamantes', 'Promedio de espectadores'];
    const n = createCsvNormaliser({ headers, sampleRows: [['2026-07-01', '1h', '5', '1.250']] });
    expect(n.ok && n.decimalSeparator).toBe(',');
    expect(n.ok && n.assumptions.join(' ')).toMatch(/Numbers such as 1.250 read with "," as the decimal separator/);
    const r = n.ok ? n.normalise(['2026-07-01', '1h', '5', '1.250'], 2) : null;
    expect(r).toMatchObject({ ok: true, value: { avgViewers: 1250 } });
  });
});

describe('backstage rows', () => {
  const headers = ['Data period', 'Creator ID', "Creator's username", 'Group', 'Diamonds', 'LIVE duration', 'LIVE streams', 'Diamonds last month', 'LIVE duration last month'];
  const made = createCsvNormaliser({ headers });
  if (!made.ok || made.format !== 'backstage') throw new Error('expected backstage');
  const good = ['2026-07-01 ~ 2026-07-06', '7234567890123456789', '@Luna.Live', '', '1,234,567', '23h 7m 8s', '9', '4,560,001', '88.46'];

  it('normalises a row, reading bare durations as hours', () => {
    expect(made.normalise(good, 2)).toEqual({
      ok: true,
      line: 2,
      value: { periodStart: '2026-07-01', periodEnd: '2026-07-06', creatorTikTokId: '7234567890123456789', creatorHandle: 'luna.live', diamonds: 1234567, liveSeconds: 83228, liveStreams: 9, lastMonth: { diamonds: 4560001, liveSeconds: 318456 } },
    });
  });

  it.each([
    ['an ID Excel turned into scientific notation', 1, '7.23457E+18', /Creator ID: "7.23457E\+18": Excel shortened the ID/],
    ['a missing period', 0, '', /Data period: empty; the row needs its data period/],
    ['a broken period', 0, '2026-07-06 ~ 2026-07-01', /ends before it starts/],
    ['a missing username', 2, '', /Creator's username: empty/],
    ['missing diamonds', 4, '-', /Diamonds: empty; write 0/],
    ['a bad duration', 5, 'lots', /LIVE duration: "lots" is not a duration/],
    ['a bad last-month figure', 7, 'n/a?', /Diamonds last month: "n\/a\?" is not a number/],
  ] as Array<[string, number, string, RegExp]>)('reports %s', (_name, index, value, message) => {
    const row = [...good];
    row[index] = value;
    const r = made.normalise(row, 4);
    expect(r.ok).toBe(false);
    if (r.ok === false) expect(r.message).toMatch(message);
  });

  it.each([
    ['in the group column, figures kept', 3, '1,234,567'],
    ['in place of the figures', 4, '0'],
  ] as Array<[string, number, string]>)('marks a creator who quit the network (%s)', (_name, index, diamonds) => {
    const row = [...good];
    row[index] = 'The creator has quit the network';
    if (index === 4) row[5] = 'The creator has quit the network';
    const r = made.normalise(row, 3);
    expect(r).toMatchObject({ ok: true, value: { quit: true, diamonds: Number(diamonds.replace(/,/g, '')) } });
    if (r.ok === true) expect(r.value.group).toBeUndefined();
    expect(made.normalise(good, 3)).not.toHaveProperty('value.quit');
  });

  it('skips a totals row', () => {
    expect(made.normalise(['Total', '', '', '', '5', '1h', '1', '', ''], 9)).toEqual({ line: 9, skip: 'totals' });
  });
});

describe('headers that fit no format', () => {
  it('answers with what it found and what is missing', () => {
    const r = createCsvNormaliser({ headers: ['Start time', 'Viewers', 'Mood'] });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(/does not look like a LIVE sessions export: it lacks a duration column.*a diamonds column/);
      expect(r.message).toMatch(/Recognised: Start time, Viewers\. Not recognised: Mood\./);
    }
  });
});
