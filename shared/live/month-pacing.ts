/**
 * Month-tier pacing: where a creator's diamonds this month stand against the agency's tiers, and where they
 * land at month end at the current pace (diamonds so far ÷ time elapsed × month length). Month bounds are
 * inputs so the caller picks the time zone the agency's program uses; `utcMonthBounds` is the common case.
 */
export interface DiamondTier {
  name: string;
  diamonds: number;
}

export interface MonthPacing {
  diamondsSoFar: number;
  /** Fraction of the month elapsed at `now`, 0..1. */
  elapsed: number;
  projectedMonthEnd: number;
  /** Highest tier reached so far, and the one the projection reaches. */
  currentTier: DiamondTier | null;
  projectedTier: DiamondTier | null;
  nextTier: DiamondTier | null;
  diamondsToNextTier: number;
  /** Diamonds per remaining day needed to reach `nextTier` (0 when none is left; Infinity when the month is over). */
  neededPerDayForNextTier: number;
}

const DAY_MS = 86_400_000;

export function utcMonthBounds(now: number): { monthStart: number; monthEnd: number } {
  const date = new Date(now);
  const monthStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const monthEnd = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  return { monthStart, monthEnd };
}

function highestReached(tiers: DiamondTier[], diamonds: number): DiamondTier | null {
  let reached: DiamondTier | null = null;
  for (const tier of tiers) if (diamonds >= tier.diamonds) reached = tier;
  return reached;
}

export function paceMonth(input: { diamondsSoFar: number; tiers: DiamondTier[]; now: number; monthStart: number; monthEnd: number }): MonthPacing {
  const tiers = [...input.tiers].sort((a, b) => a.diamonds - b.diamonds);
  const length = Math.max(1, input.monthEnd - input.monthStart);
  const elapsedMs = Math.min(length, Math.max(0, input.now - input.monthStart));
  const elapsed = elapsedMs / length;
  // Less than an hour in, the pace is noise: project what we have.
  const projectedMonthEnd = elapsedMs < 3_600_000 ? input.diamondsSoFar : Math.round((input.diamondsSoFar / elapsedMs) * length);
  const nextTier = tiers.find((tier) => tier.diamonds > input.diamondsSoFar) ?? null;
  const diamondsToNextTier = nextTier ? nextTier.diamonds - input.diamondsSoFar : 0;
  const remainingDays = (length - elapsedMs) / DAY_MS;
  return {
    diamondsSoFar: input.diamondsSoFar,
    elapsed,
    projectedMonthEnd,
    currentTier: highestReached(tiers, input.diamondsSoFar),
    projectedTier: highestReached(tiers, projectedMonthEnd),
    nextTier,
    diamondsToNextTier,
    neededPerDayForNextTier: diamondsToNextTier === 0 ? 0 : remainingDays > 0 ? diamondsToNextTier / remainingDays : Infinity,
  };
}
