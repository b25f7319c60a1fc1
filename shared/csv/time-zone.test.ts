import { describe, expect, it } from 'vitest';
import { isValidTimeZone, zonedWallTimeToUtcMs, zoneOffsetMinutes } from './time-zone';

const wall = (iso: string) => Date.parse(`${iso}Z`);

describe('zonedWallTimeToUtcMs', () => {
  const cases: [string, string, string][] = [
    ['UTC', '2026-07-01T20:00:00', '2026-07-01T20:00:00.000Z'],
    ['Europe/Berlin', '2026-07-01T20:00:00', '2026-07-01T18:00:00.000Z'], // summer: UTC+2
    ['Europe/Berlin', '2026-01-15T20:00:00', '2026-01-15T19:00:00.000Z'], // winter: UTC+1
    ['Asia/Ho_Chi_Minh', '2026-07-01T20:00:00', '2026-07-01T13:00:00.000Z'],
    ['America/Sao_Paulo', '2026-07-01T20:00:00', '2026-07-01T23:00:00.000Z'],
    ['Asia/Kolkata', '2026-07-01T20:00:00', '2026-07-01T14:30:00.000Z'],
    // 2026-03-29 02:30 does not exist in Berlin (clocks jump 02:00 → 03:00): read with the offset before the jump.
    ['Europe/Berlin', '2026-03-29T02:30:00', '2026-03-29T01:30:00.000Z'],
    // 2026-10-25 02:30 happens twice in Berlin: the first one (still UTC+2).
    ['Europe/Berlin', '2026-10-25T02:30:00', '2026-10-25T00:30:00.000Z'],
    ['America/New_York', '2026-11-01T01:30:00', '2026-11-01T05:30:00.000Z'],
  ];
  for (const [zone, local, utc] of cases) {
    it(`${local} in ${zone} is ${utc}`, () => expect(new Date(zonedWallTimeToUtcMs(wall(local), zone)).toISOString()).toBe(utc));
  }
});

describe('time zone names', () => {
  it.each([['Europe/Berlin', true], ['UTC', true], ['America/Argentina/Buenos_Aires', true], ['Mars/Olympus', false], ['', false], ['+07:00', false]])('%s → %s', (zone, valid) => {
    expect(isValidTimeZone(zone)).toBe(valid);
  });
  it('offsets follow DST', () => {
    expect(zoneOffsetMinutes('Europe/Berlin', Date.parse('2026-07-01T00:00:00Z'))).toBe(120);
    expect(zoneOffsetMinutes('Europe/Berlin', Date.parse('2026-01-01T00:00:00Z'))).toBe(60);
  });
});
