/**
 * tier.reached: which tier a LIVE took the creator's month across. The month figures come from the month rule
 * (shared/month computeMonth) without and with the running session; a tier counts as reached when every
 * threshold it sets is met (diamonds, and LIVE hours / valid days where the tier asks for them).
 */
import type { Figures, MonthTier } from '../month';

export function meetsTier(tier: MonthTier, figures: Figures): boolean {
  return (
    figures.diamonds >= tier.diamonds &&
    (tier.liveHours === undefined || figures.liveSeconds >= tier.liveHours * 3600) &&
    (tier.validDays === undefined || figures.validDays >= tier.validDays)
  );
}

/**
 * The highest tier met with the session (`after`) and not without it (`before`), or null. Lower tiers crossed in
 * the same moment are implied by the higher one: one alert, not a burst the cooldown would half swallow.
 */
export function tierCrossed(tiers: readonly MonthTier[], before: Figures, after: Figures): MonthTier | null {
  let crossed: MonthTier | null = null;
  for (const tier of tiers) if (!meetsTier(tier, before) && meetsTier(tier, after)) crossed = tier;
  return crossed;
}
