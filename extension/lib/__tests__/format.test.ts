import { describe, expect, it } from 'vitest';
import { formatCompact, formatDuration, formatMoney, formatPercent } from '../format';

describe('format', () => {
  it.each([
    [0, '0'], [999, '999'], [1000, '1K'], [1234, '1.2K'], [15_300, '15.3K'], [2_500_000, '2.5M'], [null, '–'], [NaN, '–'],
  ])('formatCompact(%s) = %s', (value, expected) => expect(formatCompact(value as number)).toBe(expected));

  it.each([
    [0, '0:00'], [65, '1:05'], [3600, '1:00:00'], [3723, '1:02:03'], [-5, '0:00'],
  ])('formatDuration(%s) = %s', (value, expected) => expect(formatDuration(value)).toBe(expected));

  it.each([
    [0.0345, '3.45%'], [0, '0.00%'], [undefined, '–'],
  ])('formatPercent(%s) = %s', (value, expected) => expect(formatPercent(value)).toBe(expected));

  it.each([
    [{ amount: 123450, currency: 'USD' }, '$1,234.50'],
    [{ amount: 5000, currency: 'JPY' }, '¥5,000'],
    [{ amount: 10, currency: 'NOPE' }, '10 NOPE'],
  ])('formatMoney(%o) = %s', (value, expected) => expect(formatMoney(value)).toBe(expected));
});
