import { describe, expect, it } from 'vitest';
import type { Board, BoardItem } from '@shared/schemas/month';
import { createBoardSerializer, sameJson } from './board-json';

const money = (amount: number) => ({ amount, currency: 'USD' });
function row(id: string, diamonds: number, over: Partial<BoardItem> = {}): BoardItem {
  return {
    creatorId: id, handle: `h${id}`, displayName: 'Ü "quoted" \u2028', avatarUrl: null, managerId: null,
    live: { isLive: false, sessionId: null, startedAt: null, diamonds: 0, viewers: 0 }, lastLiveAt: null,
    month: {
      diamonds, liveSeconds: 3600, validDays: 1, sessions: 1, quit: false, projection: { diamonds: diamonds * 2, liveSeconds: 7200, validDays: 2 },
      tier: { current: null, projected: 'A', next: 'A', toNext: { diamonds: 10, liveSeconds: 0, validDays: 0 }, neededPerDay: null, pace: 'behind' },
      earnings: { creator: money(5), agency: money(1) }, pending: false,
    },
    ...over,
  };
}
const board = (items: BoardItem[], asOf = '2026-12-03T07:00:00.000Z'): Board => {
  const empty = { creators: 0, liveNow: 0, diamonds: 0, liveSeconds: 0, validDays: 0, sessions: 0, projectedDiamonds: 0, earnings: { creator: money(0), agency: money(0) } };
  return { month: '2026-12', timeZone: 'UTC', asOf, pending: 0, items, totals: { agency: empty, managers: [{ managerId: null, name: 'Unassigned', ...empty }] } };
};

describe('the board JSON with rows kept between requests', () => {
  it('is byte for byte JSON.stringify of the board, first and later, as rows change, move and go', () => {
    const toJson = createBoardSerializer();
    const steps = [
      board([row('a', 10), row('b', 5)]),
      board([row('a', 10), row('b', 5)], '2026-12-03T07:00:01.000Z'),
      board([row('b', 50), row('a', 10)]),
      board([row('a', 10, { live: { isLive: true, sessionId: 's', startedAt: '2026-12-03T06:00:00.000Z', diamonds: 3, viewers: 9 } })]),
      board([]),
      board([row('a', 10), row('c', 1, { avatarUrl: 'x' })]),
    ];
    for (const b of steps) expect(toJson(b)).toBe(JSON.stringify(b));
  });

  it('sameJson: key order and nesting count', () => {
    expect(sameJson({ a: 1, b: [1, { c: null }] }, { a: 1, b: [1, { c: null }] })).toBe(true);
    expect(sameJson({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
    expect(sameJson({ a: [1] }, { a: { 0: 1 } })).toBe(false);
    expect(sameJson({ a: null }, { a: undefined })).toBe(false);
  });
});
