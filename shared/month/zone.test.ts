import { describe, expect, it } from 'vitest';
import { dayIndex, monthCalendar } from './calendar';
import { isValidTimeZone, monthBounds, startOfDay, zonedDate, zoneOffsetMs } from './zone';

describe('time zones (Intl only)', () => {
  const cases = [
    { zone: 'UTC', date: '2026-03-29', start: '2026-03-29T00:00:00.000Z' },
    { zone: 'Europe/Berlin', date: '2026-01-15', start: '2026-01-14T23:00:00.000Z' },
    { zone: 'Europe/Berlin', date: '2026-07-15', start: '2026-07-14T22:00:00.000Z' },
    // The night clocks go forward (02:00 → 03:00): the day still starts at local midnight, +01:00.
    { zone: 'Europe/Berlin', date: '2026-03-29', start: '2026-03-28T23:00:00.000Z' },
    { zone: 'Europe/Berlin', date: '2026-03-30', start: '2026-03-29T22:00:00.000Z' },
    { zone: 'America/New_York', date: '2026-11-01', start: '2026-11-01T04:00:00.000Z' },
    { zone: 'America/New_York', date: '2026-11-02', start: '2026-11-02T05:00:00.000Z' },
    { zone: 'Asia/Kolkata', date: '2026-05-01', start: '2026-04-30T18:30:00.000Z' },
    { zone: 'Pacific/Auckland', date: '2026-04-05', start: '2026-04-04T11:00:00.000Z' },
  ];
  for (const c of cases) {
    it(`${c.zone} ${c.date} starts at ${c.start}`, () => {
      expect(new Date(startOfDay(c.date, c.zone)).toISOString()).toBe(c.start);
      expect(zonedDate(startOfDay(c.date, c.zone), c.zone)).toBe(c.date);
      expect(zonedDate(startOfDay(c.date, c.zone) - 1, c.zone)).not.toBe(c.date);
    });
  }

  it('DST days are 23 and 25 hours long', () => {
    const march = monthCalendar('2026-03', 'Europe/Berlin');
    const i = march.dates.indexOf('2026-03-29');
    expect(march.starts[i + 1] - march.starts[i]).toBe(23 * 3_600_000);
    const october = monthCalendar('2026-10', 'Europe/Berlin');
    const j = october.dates.indexOf('2026-10-25');
    expect(october.starts[j + 1] - october.starts[j]).toBe(25 * 3_600_000);
    expect(october.dates).toHaveLength(31);
  });

  it('month bounds and day lookups', () => {
    const { start, end } = monthBounds('2026-02', 'Europe/Berlin');
    expect(new Date(start).toISOString()).toBe('2026-01-31T23:00:00.000Z');
    expect(new Date(end).toISOString()).toBe('2026-02-28T23:00:00.000Z');
    const cal = monthCalendar('2026-02', 'Europe/Berlin');
    expect(dayIndex(cal, start - 1)).toBe(-1);
    expect(dayIndex(cal, start)).toBe(0);
    expect(dayIndex(cal, Date.parse('2026-02-10T23:30:00Z'))).toBe(10); // 00:30 on the 11th in Berlin
    expect(dayIndex(cal, end)).toBe(28);
  });

  it('offsets and zone names', () => {
    expect(zoneOffsetMs(Date.parse('2026-07-01T12:00:00Z'), 'Europe/Berlin')).toBe(7_200_000);
    expect(zoneOffsetMs(Date.parse('2026-07-01T12:00:00Z'), 'America/Los_Angeles')).toBe(-25_200_000);
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});
