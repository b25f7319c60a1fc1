import { describe, expect, it } from 'vitest';
import { diamondsToMinorUnits, formatMoney, parseMoneyInput } from './money';

describe('formatMoney', () => {
  it.each([
    [{ amount: 125000, currency: 'USD' }, 'USD 1,250.00'],
    [{ amount: 5, currency: 'EUR' }, 'EUR 0.05'],
    [{ amount: 1500, currency: 'JPY' }, 'JPY 1,500'],
    [{ amount: 1234, currency: 'KWD' }, 'KWD 1.234'],
  ])('%j → %s', (value, expected) => expect(formatMoney(value)).toBe(expected));
});

describe('parseMoneyInput', () => {
  it.each([
    ['1,250.5', 'USD', 125050],
    ['12', 'USD', 1200],
    ['0.01', 'USD', 1],
    ['1500', 'JPY', 1500],
    ['1.5', 'JPY', null],
    ['1.999', 'USD', null],
    ['abc', 'USD', null],
    ['-5', 'USD', null],
  ])('%s %s → %j', (input, currency, expected) => expect(parseMoneyInput(input, currency)).toBe(expected));
});

it('converts diamonds at a per-diamond rate in minor units', () => {
  expect(diamondsToMinorUnits(10_000, 0.5)).toBe(5000);
});
