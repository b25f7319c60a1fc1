import { describe, expect, it } from 'vitest';
import { parseDuration, type ClockForm, type DurationUnit } from './durations';

describe('parseDuration', () => {
  const cases: Array<[string, DurationUnit, ClockForm, number | null]> = [
    ['23h 7m 8s', 'seconds', 'm:s', 23 * 3600 + 7 * 60 + 8],
    ['23h7m8s', 'seconds', 'm:s', 83228],
    ['2h 5m', 'seconds', 'm:s', 7500],
    ['45m', 'seconds', 'm:s', 2700],
    ['30s', 'minutes', 'm:s', 30],
    ['88.46h', 'seconds', 'm:s', 318456],
    ['88,46h', 'seconds', 'm:s', 318456],
    ['1.5 hours', 'seconds', 'm:s', 5400],
    ['1 hr 30 mins', 'seconds', 'm:s', 5400],
    ['2 horas 10 minutos', 'seconds', 'm:s', 7800],
    ['2 jam 5 menit', 'seconds', 'm:s', 7500],
    ['45 menit 30 detik', 'seconds', 'm:s', 2730],
    ['1 giờ 3 phút', 'seconds', 'm:s', 3780],
    ['1時間3分', 'seconds', 'm:s', 3780],
    ['1d 2h', 'seconds', 'm:s', 93600],
    ['01:23:45', 'seconds', 'm:s', 5025],
    ['1:02:03', 'minutes', 'h:m', 3723], // three parts are always h:m:s
    ['45:10', 'seconds', 'm:s', 2710],
    ['45:10', 'hours', 'h:m', 45 * 3600 + 600],
    ['125:30', 'seconds', 'm:s', 7530],
    ['00:00:59.6', 'seconds', 'm:s', 60],
    ['3600', 'seconds', 'm:s', 3600],
    ['95', 'minutes', 'm:s', 5700],
    ['1.5', 'hours', 'h:m', 5400],
    ['88.46', 'hours', 'h:m', 318456],
    ['0', 'seconds', 'm:s', 0],
    ['', 'seconds', 'm:s', null],
    ['-', 'seconds', 'm:s', null],
  ];
  it.each(cases)('%j (bare numbers in %s, %s) → %j', (raw, unit, clock, expected) => {
    expect(parseDuration(raw, unit, clock)).toEqual({ ok: true, value: expected });
  });

  it('reads a decimal comma in bare numbers when the file uses one', () => {
    expect(parseDuration('1,5', 'hours', 'h:m', ',')).toEqual({ ok: true, value: 5400 });
  });

  it.each(['1h 2h', '5x', 'h 5', 'long', '01:75:00', '10:60', '-5', '1h, 30m', '5 parsecs'])('%j is not a duration', (raw) => {
    const r = parseDuration(raw, 'seconds');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe('INVALID_DURATION');
      expect(r.message).toContain('is not a duration');
    }
  });
});
