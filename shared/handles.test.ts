import { describe, expect, it } from 'vitest';
import { normaliseHandle } from './handles';

describe('normaliseHandle', () => {
  it.each([
    ['@Alice', 'alice'],
    ['  bob_99 ', 'bob_99'],
    ['@@Some.Name', 'some.name'],
    ['a', null],
    ['x'.repeat(25), null],
    ['ends.', null],
    ['has space', null],
    ['emoji😀', null],
    ['$where', null],
    ['', null],
  ])('%j → %j', (input, expected) => {
    expect(normaliseHandle(input)).toBe(expected);
  });
});
