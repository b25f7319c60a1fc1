/**
 * Agency month settings: the time zone months and days are counted in, what makes a day a valid go-LIVE day,
 * the program's tiers and the diamond rates. Validation names the field so the options page can point at it.
 */
import { DATE_RE, isValidTimeZone } from './zone';

export interface MonthTier {
  name: string;
  diamonds: number;
  /** Optional: LIVE hours the tier also requires. */
  liveHours?: number;
  /** Optional: valid go-LIVE days the tier also requires. */
  validDays?: number;
}

export interface DiamondRate {
  /** First day (agency time zone) the rate is in force. */
  from: string;
  /** Optional last day (inclusive); without it the rate holds until the next one starts. */
  to?: string;
  /** Minor units of the earnings currency per 1,000 diamonds. */
  per1000Diamonds: number;
}

export interface EarningsSettings {
  currency: string;
  rates: DiamondRate[];
  agencySharePercent: number;
}

export interface AgencySettings {
  timeZone: string;
  validDayMinSeconds: number;
  tiers: MonthTier[];
  earnings: EarningsSettings;
}

export const DEFAULT_AGENCY_SETTINGS: AgencySettings = {
  timeZone: 'UTC',
  validDayMinSeconds: 3600,
  tiers: [],
  earnings: { currency: 'USD', rates: [], agencySharePercent: 0 },
};

export interface SettingsProblem {
  field: string;
  message: string;
}

/** The problems of a settings document (empty when valid): bad zone, unsorted tiers, overlapping rates… */
export function validateAgencySettings(s: AgencySettings): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  if (!isValidTimeZone(s.timeZone)) problems.push({ field: 'timeZone', message: `"${s.timeZone}" is not an IANA time zone (e.g. "Europe/Berlin", "UTC").` });
  if (!Number.isInteger(s.validDayMinSeconds) || s.validDayMinSeconds < 1 || s.validDayMinSeconds > 86_400) {
    problems.push({ field: 'validDayMinSeconds', message: 'must be a whole number of seconds between 1 and 86400.' });
  }
  const names = new Set<string>();
  s.tiers.forEach((tier, i) => {
    if (!tier.name.trim()) problems.push({ field: `tiers.${i}.name`, message: 'a tier needs a name.' });
    if (names.has(tier.name)) problems.push({ field: `tiers.${i}.name`, message: `the tier name "${tier.name}" is used twice.` });
    names.add(tier.name);
    const prev = s.tiers[i - 1];
    if (prev && !(tier.diamonds > prev.diamonds)) {
      problems.push({ field: `tiers.${i}.diamonds`, message: `tiers must be sorted by diamonds, lowest first: "${tier.name}" (${tier.diamonds}) does not exceed "${prev.name}" (${prev.diamonds}).` });
    }
    for (const k of ['liveHours', 'validDays'] as const) {
      const here = tier[k];
      const before = prev?.[k];
      if (here !== undefined && before !== undefined && here < before) {
        problems.push({ field: `tiers.${i}.${k}`, message: `a higher tier cannot ask for fewer ${k === 'liveHours' ? 'LIVE hours' : 'valid days'} than "${prev!.name}".` });
      }
    }
    if (tier.validDays !== undefined && tier.validDays > 31) problems.push({ field: `tiers.${i}.validDays`, message: 'a month has at most 31 days.' });
  });
  const rates = s.earnings.rates;
  rates.forEach((r, i) => {
    if (!DATE_RE.test(r.from)) problems.push({ field: `earnings.rates.${i}.from`, message: 'must be a date YYYY-MM-DD.' });
    if (r.to !== undefined && (!DATE_RE.test(r.to) || r.to < r.from)) problems.push({ field: `earnings.rates.${i}.to`, message: 'must be a date YYYY-MM-DD on or after "from".' });
  });
  const sorted = rates.map((r, i) => ({ ...r, i })).sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  for (let k = 1; k < sorted.length; k++) {
    const a = sorted[k - 1];
    const b = sorted[k];
    // Without an end, a rate runs until the next one starts; two rates starting the same day, or one ending after the next starts, overlap.
    if (a.from === b.from || (a.to !== undefined && a.to >= b.from)) {
      problems.push({ field: `earnings.rates.${b.i}`, message: `overlaps the rate from ${a.from}${a.to ? ` to ${a.to}` : ''}.` });
    }
  }
  if (!/^[A-Z]{3}$/.test(s.earnings.currency)) problems.push({ field: 'earnings.currency', message: 'must be an ISO 4217 code such as "USD".' });
  if (!(s.earnings.agencySharePercent >= 0 && s.earnings.agencySharePercent <= 100)) problems.push({ field: 'earnings.agencySharePercent', message: 'must be between 0 and 100.' });
  return problems;
}

/** The rate in force on a date (the latest one started on or before it and not ended), or null. */
export function rateOn(rates: readonly DiamondRate[], date: string): DiamondRate | null {
  let best: DiamondRate | null = null;
  for (const r of rates) {
    if (r.from > date || (r.to !== undefined && r.to < date)) continue;
    if (!best || r.from > best.from) best = r;
  }
  return best;
}
