import { describe, expect, it } from 'vitest';
import { paceMonth, utcMonthBounds } from './month-pacing';

const tiers = [
  { name: 'Bronze', diamonds: 10_000 },
  { name: 'Silver', diamonds: 50_000 },
  { name: 'Gold', diamonds: 200_000 },
];

describe('month pacing', () => {
  const { monthStart, monthEnd } = utcMonthBounds(Date.UTC(2026, 10, 21, 12));
  it('bounds November 2026 (30 days)', () => {
    expect([monthStart, monthEnd]).toEqual([Date.UTC(2026, 10, 1), Date.UTC(2026, 11, 1)]);
  });

  const cases = [
    { name: 'a third in, 20k so far → 60k projected (Silver)', now: monthStart + 10 * 86_400_000, so: 20_000, projected: 60_000, current: 'Bronze', projectedTier: 'Silver', next: 'Silver', toNext: 30_000, perDay: 1_500 },
    { name: 'nothing yet', now: monthStart + 86_400_000, so: 0, projected: 0, current: null, projectedTier: null, next: 'Bronze', toNext: 10_000, perDay: 10_000 / 29 },
    { name: 'past the top tier', now: monthStart + 15 * 86_400_000, so: 250_000, projected: 500_000, current: 'Gold', projectedTier: 'Gold', next: null, toNext: 0, perDay: 0 },
    { name: 'first minutes: no extrapolation', now: monthStart + 60_000, so: 500, projected: 500, current: null, projectedTier: null, next: 'Bronze', toNext: 9_500, perDay: 9_500 / (30 - 60_000 / 86_400_000) },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pace = paceMonth({ diamondsSoFar: c.so, tiers, now: c.now, monthStart, monthEnd });
      expect(pace.projectedMonthEnd).toBe(c.projected);
      expect(pace.currentTier?.name ?? null).toBe(c.current);
      expect(pace.projectedTier?.name ?? null).toBe(c.projectedTier);
      expect(pace.nextTier?.name ?? null).toBe(c.next);
      expect(pace.diamondsToNextTier).toBe(c.toNext);
      expect(pace.neededPerDayForNextTier).toBeCloseTo(c.perDay);
    });
  }
});
