import { describe, expect, it } from 'vitest';
import { paceClass, timeAgo } from '../../lib/month-client';
import { boardOrder } from '../board-model';

const item = (id: string, monthDiamonds: number, live = false, liveDiamonds = 0) =>
  ({ creatorId: id, live: { isLive: live, diamonds: liveDiamonds }, month: { diamonds: monthDiamonds } }) as never;

describe('the Board order', () => {
  it('puts live creators first by running diamonds, then everyone by month diamonds', () => {
    const order = boardOrder([item('a', 900), item('b', 100, true, 50), item('c', 5000), item('d', 10, true, 700)]).map((i: { creatorId: string }) => i.creatorId);
    expect(order).toEqual(['d', 'b', 'c', 'a']);
  });
});

describe('pacing colours and times', () => {
  it.each([
    ['on_pace', 'pace-good'],
    ['reached', 'pace-good'],
    ['behind', 'pace-behind'],
    ['out_of_reach', 'pace-out'],
    ['quit', 'pace-none'],
    ['none', 'pace-none'],
  ] as const)('%s → %s', (pace, cls) => expect(paceClass(pace)).toBe(cls));

  it.each([
    [null, 'never'],
    [30_000, 'just now'],
    [45 * 60_000, '45m ago'],
    [5 * 3_600_000, '5h ago'],
    [3 * 86_400_000, '3d ago'],
  ] as const)('%s ms ago → %s', (ago, text) => {
    const now = Date.parse('2026-12-02T12:00:00Z');
    expect(timeAgo(ago === null ? null : new Date(now - ago).toISOString(), now)).toBe(text);
  });
});
