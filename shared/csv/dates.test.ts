import { describe, expect, it } from 'vitest';
import { parseDateTime, parsePeriod, sniffDateOrder, toUtcMs, type DateOrder } from './dates';

/** ISO UTC of a parsed value, applying `fallbackOffset` when the value states none. */
function iso(raw: string, order: DateOrder, fallbackOffset = 0): string | null {
  const r = parseDateTime(raw, order);
  if (!r.ok) throw new Error(r.message);
  if (!r.value) return null;
  const { date, seconds, offsetMinutes } = r.value;
  if (!date) return `time ${seconds}${offsetMinutes === null ? '' : ` offset ${offsetMinutes}`}`;
  return new Date(toUtcMs(date, seconds, offsetMinutes ?? fallbackOffset)).toISOString();
}

describe('parseDateTime', () => {
  const cases: Array<[string, DateOrder, string | null]> = [
    ['2026-07-01', 'MDY', '2026-07-01T00:00:00.000Z'],
    ['2026-07-01T20:15:00Z', 'MDY', '2026-07-01T20:15:00.000Z'],
    ['2026-07-01T20:15:00.123+07:00', 'MDY', '2026-07-01T13:15:00.000Z'],
    ['2026-07-01 20:15', 'DMY', '2026-07-01T20:15:00.000Z'],
    ['2026/07/01 20:15:30', 'MDY', '2026-07-01T20:15:30.000Z'],
    ['2026.07.01', 'DMY', '2026-07-01T00:00:00.000Z'],
    ['2026年7月1日 20:15', 'MDY', '2026-07-01T20:15:00.000Z'],
    ['07/05/2026', 'MDY', '2026-07-05T00:00:00.000Z'],
    ['07/05/2026', 'DMY', '2026-05-07T00:00:00.000Z'],
    ['25/07/2026 20:15', 'DMY', '2026-07-25T20:15:00.000Z'],
    ['25.07.2026', 'DMY', '2026-07-25T00:00:00.000Z'],
    ['7/5/26', 'MDY', '2026-07-05T00:00:00.000Z'],
    ['07/25/2026 8:15 PM', 'MDY', '2026-07-25T20:15:00.000Z'],
    ['07/25/2026 12:05 AM', 'MDY', '2026-07-25T00:05:00.000Z'],
    ['07/25/2026 12:05 p.m.', 'MDY', '2026-07-25T12:05:00.000Z'],
    ['2026-07-01 20:00 (UTC+7)', 'MDY', '2026-07-01T13:00:00.000Z'],
    ['2026-07-01 20:00 (UTC+0)', 'MDY', '2026-07-01T20:00:00.000Z'],
    ['2026-07-01 20:00 UTC+07:00', 'MDY', '2026-07-01T13:00:00.000Z'],
    ['2026-07-01 20:00 GMT-3', 'MDY', '2026-07-01T23:00:00.000Z'],
    ['2026-07-01 20:00 UTC+5:30', 'MDY', '2026-07-01T14:30:00.000Z'],
    ['2026-07-01 20:00 UTC', 'MDY', '2026-07-01T20:00:00.000Z'],
    ['2026-07-01 20:00 -0300', 'MDY', '2026-07-01T23:00:00.000Z'],
    ['20:15', 'MDY', 'time 72900'],
    ['8:15 PM', 'MDY', 'time 72900'],
    ['20:15 (UTC+7)', 'MDY', 'time 72900 offset 420'],
    ['', 'MDY', null],
  ];
  it.each(cases)('%j (%s) → %s', (raw, order, expected) => {
    expect(iso(raw, order)).toBe(expected);
  });

  it('applies the caller offset only when the value states none', () => {
    expect(iso('2026-07-01 20:00', 'MDY', 420)).toBe('2026-07-01T13:00:00.000Z');
    expect(iso('2026-07-01 20:00 (UTC+0)', 'MDY', 420)).toBe('2026-07-01T20:00:00.000Z');
  });

  const failures: Array<[string, DateOrder, RegExp]> = [
    ['25/07/2026', 'MDY', /no month 25.*MM\/DD\/YYYY.*only fits DD\/MM\/YYYY/],
    ['07/25/2026', 'DMY', /no month 25.*DD\/MM\/YYYY/],
    ['2026-02-30', 'MDY', /not a calendar date/],
    ['2026-13-01', 'MDY', /not a calendar date/],
    ['2026-07-01 25:00', 'MDY', /not a valid time/],
    ['2026-07-01 13:00 PM', 'MDY', /AM\/PM/],
    ['yesterday', 'MDY', /not a date or time/],
    ['July 5th', 'MDY', /not a date/],
    ['2026-07-01 soon', 'MDY', /not a date or time/],
  ];
  it.each(failures)('%j (%s) is reported', (raw, order, message) => {
    const r = parseDateTime(raw, order);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe('INVALID_DATE');
      expect(r.message).toMatch(message);
    }
  });
});

describe('sniffDateOrder', () => {
  it.each([
    [['07/25/2026 20:00', '07/02/2026'], 'MDY', 'MDY', true, '07/25/2026'],
    [['25/07/2026', '03/07/2026'], 'MDY', 'DMY', true, '25/07/2026'],
    [['05/07/2026', '06/07/2026'], 'MDY', 'MDY', false, undefined],
    [['05/07/2026', '06/07/2026'], 'DMY', 'DMY', false, undefined],
    [['2026-07-25', '2026-07-02'], 'MDY', 'MDY', false, undefined],
    [['01/07/2026 ~ 16/07/2026'], 'MDY', 'DMY', true, '16/07/2026'],
    [['25.07.2026', '13-07-2026'], 'MDY', 'DMY', true, '25.07.2026'],
  ] as Array<[string[], DateOrder, DateOrder, boolean, string | undefined]>)('%j (fallback %s) → %s decided=%s', (values, fallback, order, decided, evidence) => {
    const d = sniffDateOrder(values, fallback);
    expect(d.order).toBe(order);
    expect(d.decided).toBe(decided);
    expect(d.evidence).toBe(evidence);
  });

  it('says whether ambiguous dates were seen at all (ISO files need no assumption)', () => {
    expect(sniffDateOrder(['2026-07-01'], 'MDY').ambiguousSeen).toBe(false);
    expect(sniffDateOrder(['07/01/2026'], 'MDY').ambiguousSeen).toBe(true);
  });

  it('takes the majority in a mixed file and counts the values that disagree', () => {
    const d = sniffDateOrder(['25/07/2026', '26/07/2026', '07/27/2026'], 'MDY');
    expect(d).toMatchObject({ order: 'DMY', decided: true, conflicts: 1 });
  });
});

describe('parsePeriod', () => {
  it.each([
    ['2026-07-01 ~ 2026-07-06', 'MDY', '2026-07-01', '2026-07-06'],
    ['2026-07-01~2026-07-06', 'MDY', '2026-07-01', '2026-07-06'],
    ['2026/07/01 - 2026/07/06', 'MDY', '2026-07-01', '2026-07-06'],
    ['2026-07-01 – 2026-07-31', 'MDY', '2026-07-01', '2026-07-31'],
    ['01/07/2026 ~ 06/07/2026', 'DMY', '2026-07-01', '2026-07-06'],
    ['07/01/2026 to 07/06/2026', 'MDY', '2026-07-01', '2026-07-06'],
    ['2026-07-01 hasta 2026-07-06', 'MDY', '2026-07-01', '2026-07-06'],
    ['2026-07-01 sampai 2026-07-06', 'MDY', '2026-07-01', '2026-07-06'],
    ['2026-07-01 00:00 ~ 2026-07-06 23:59', 'MDY', '2026-07-01', '2026-07-06'],
    ['2026-07-06', 'MDY', '2026-07-06', '2026-07-06'],
  ] as Array<[string, DateOrder, string, string]>)('%j → %s .. %s', (raw, order, start, end) => {
    expect(parsePeriod(raw, order)).toEqual({ ok: true, value: { start, end } });
  });

  it.each([
    ['2026-07-06 ~ 2026-07-01', /ends before it starts/],
    ['2026-07-01 ~ soon', /not a date/],
    ['July', /not a date/],
    ['2026-07-01 ~ 2026-07-02 ~ 2026-07-03', /not a period/],
    ['20:00 ~ 21:00', /not a period/],
  ])('%j is reported', (raw, message) => {
    const r = parsePeriod(raw, 'MDY');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});
