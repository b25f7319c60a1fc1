import { describe, expect, it } from 'vitest';
import { parseNumber, sniffDecimalSeparator, type DecimalSeparator, type NumberKind } from './numbers';

describe('parseNumber', () => {
  const cases: Array<[string, NumberKind, DecimalSeparator, number | null]> = [
    ['553978', 'integer', '.', 553978],
    ['1,234,567', 'integer', '.', 1234567],
    ['1.234.567', 'integer', '.', 1234567],
    ['1 234 567', 'integer', '.', 1234567],
    ['1\u00a0234\u00a0567', 'integer', ',', 1234567],
    ["1'234'567", 'integer', '.', 1234567],
    [' 42 ', 'integer', '.', 42],
    ['+7', 'integer', '.', 7],
    ['-12', 'integer', '.', -12],
    // One separator + 3 digits in a whole-number column: always thousands.
    ['1,234', 'integer', '.', 1234],
    ['1.234', 'integer', '.', 1234],
    ['1.234', 'integer', ',', 1234],
    // ... in a decimal column: the file's decimal separator decides.
    ['1,234', 'decimal', '.', 1234],
    ['1,234', 'decimal', ',', 1.234],
    ['1.234', 'decimal', '.', 1.234],
    ['1.234', 'decimal', ',', 1234],
    // Not 3 digits after a single separator: decimal whatever the file says.
    ['356.5', 'decimal', ',', 356.5],
    ['412,5', 'decimal', '.', 412.5],
    ['88.46', 'decimal', '.', 88.46],
    ['0,123', 'decimal', ',', 0.123],
    // Both separators: the last one is decimal.
    ['1.234.567,89', 'decimal', '.', 1234567.89],
    ['1,234,567.89', 'decimal', ',', 1234567.89],
    // Abbreviations.
    ['1.2K', 'integer', '.', 1200],
    ['1,2K', 'integer', '.', 1200],
    ['3.4M', 'integer', '.', 3400000],
    ['3,4M', 'integer', ',', 3400000],
    ['2B', 'integer', '.', 2000000000],
    ['1.2345K', 'integer', '.', 1235],
    ['12rb', 'integer', ',', 12000],
    ['1,5 jt', 'integer', ',', 1500000],
    ['1.1k', 'decimal', '.', 1100],
    // Empty and placeholders are "no value".
    ['', 'integer', '.', null],
    ['  ', 'integer', '.', null],
    ['-', 'integer', '.', null],
    ['N/A', 'integer', '.', null],
  ];
  it.each(cases)('%j (%s, decimal %s) → %j', (raw, kind, decimal, expected) => {
    expect(parseNumber(raw, kind, decimal)).toEqual({ ok: true, value: expected });
  });

  const failures: Array<[string, NumberKind, string, RegExp]> = [
    ['twelve', 'integer', 'INVALID_NUMBER', /"twelve" is not a number/],
    ['12abc', 'integer', 'INVALID_NUMBER', /not a number/],
    ['1,23,4', 'integer', 'INVALID_NUMBER', /thousands separators in the wrong places/],
    ['1.2.3', 'integer', 'INVALID_NUMBER', /wrong places/],
    ['12.5', 'integer', 'NOT_WHOLE_NUMBER', /"12.5" is not a whole number/],
    ['1,5', 'integer', 'NOT_WHOLE_NUMBER', /whole number/],
    ['1.2.3,4,5', 'decimal', 'INVALID_NUMBER', /not a number/],
    ['=1+1', 'integer', 'INVALID_NUMBER', /not a number/],
  ];
  it.each(failures)('%j (%s) fails with %s', (raw, kind, code, message) => {
    const r = parseNumber(raw, kind, '.');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe(code);
      expect(r.message).toMatch(message);
    }
  });
});

describe('sniffDecimalSeparator', () => {
  const cases: Array<[string[], DecimalSeparator | null]> = [
    [['1.234.567', '15.302'], ','],
    [['1,234,567', '12'], '.'],
    [['412,5'], ','],
    [['356.5'], '.'],
    [['1.234,5'], ','],
    [['1,234.5'], '.'],
    [['1,234', '5.678', '553978'], null], // every value ambiguous
    [['1.2K', '3,4M'], null], // abbreviations prove nothing
    [['1,234,567', '1,234,568', '12,5'], '.'], // majority
    [[], null],
  ];
  it.each(cases)('%j → %s', (values, expected) => {
    expect(sniffDecimalSeparator(values)).toBe(expected);
  });
});
