import { describe, expect, it } from 'vitest';
import { buildDealInput, parseMoneyAmount, type DealFormValues } from '../deal-form';

describe('parseMoneyAmount', () => {
  it.each([
    ['1500', 'USD', 150000],
    ['1,234.5', 'USD', 123450],
    ['0.10', 'USD', 10],
    ['19.99', 'EUR', 1999],
    ['5000', 'JPY', 5000],
    [' 12 ', 'GBP', 1200],
    ['1.005', 'USD', null],
    ['5.5', 'JPY', null],
    ['-3', 'USD', null],
    ['abc', 'USD', null],
    ['', 'USD', null],
    ['10', 'usd', null],
    ['10', 'XYZW', null],
  ])('%s %s → %s', (text, currency, expected) => expect(parseMoneyAmount(text, currency)).toBe(expected));
});

const form = (overrides: Partial<DealFormValues> = {}): DealFormValues => ({
  creatorId: 'c1', brand: ' Acme ', value: '1500', currency: 'usd', stage: 'negotiating', dueDate: '2026-12-01', note: ' call Friday ', ...overrides,
});

describe('buildDealInput', () => {
  it('builds the API body with minor units, trimmed text and an ISO due date', () => {
    expect(buildDealInput(form())).toEqual({
      input: {
        creatorId: 'c1', brand: 'Acme', value: { amount: 150000, currency: 'USD' }, stage: 'negotiating',
        dueDate: '2026-12-01T00:00:00.000Z', notes: 'call Friday',
      },
    });
  });

  it('leaves optional fields out when empty', () => {
    expect(buildDealInput(form({ stage: '', dueDate: '', note: '' })).input).toEqual({ creatorId: 'c1', brand: 'Acme', value: { amount: 150000, currency: 'USD' } });
  });

  it.each([
    [{ creatorId: '' }, 'creatorId'],
    [{ brand: '  ' }, 'brand'],
    [{ value: '12.345' }, 'value'],
    [{ currency: 'dollars' }, 'currency'],
    [{ stage: 'won' }, 'stage'],
    [{ dueDate: '01/12/2026' }, 'dueDate'],
  ] as Array<[Partial<DealFormValues>, keyof DealFormValues]>)('%o → error on %s', (overrides, field) => {
    const result = buildDealInput(form(overrides));
    expect(result.input).toBeUndefined();
    expect(Object.keys(result.errors!)).toEqual([field]);
  });
});
