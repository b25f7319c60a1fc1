import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENCY_SETTINGS, rateOn, validateAgencySettings, type AgencySettings } from './settings';

const valid: AgencySettings = {
  timeZone: 'Europe/Berlin',
  validDayMinSeconds: 3600,
  tiers: [
    { name: 'A', diamonds: 100_000, liveHours: 40, validDays: 15 },
    { name: 'B', diamonds: 300_000 },
  ],
  earnings: { currency: 'USD', rates: [{ from: '2026-01-01', per1000Diamonds: 500 }, { from: '2026-06-01', per1000Diamonds: 550 }], agencySharePercent: 20 },
};

describe('agency settings validation names the field', () => {
  const cases: { name: string; settings: AgencySettings; fields: string[] }[] = [
    { name: 'valid', settings: valid, fields: [] },
    { name: 'the defaults', settings: DEFAULT_AGENCY_SETTINGS, fields: [] },
    { name: 'bad time zone', settings: { ...valid, timeZone: 'Europe/Atlantis' }, fields: ['timeZone'] },
    { name: 'unsorted tiers', settings: { ...valid, tiers: [valid.tiers[1], valid.tiers[0]] }, fields: ['tiers.1.diamonds'] },
    { name: 'equal tiers', settings: { ...valid, tiers: [valid.tiers[0], { name: 'B', diamonds: 100_000 }] }, fields: ['tiers.1.diamonds'] },
    { name: 'two rates from the same day', settings: { ...valid, earnings: { ...valid.earnings, rates: [{ from: '2026-01-01', per1000Diamonds: 1 }, { from: '2026-01-01', per1000Diamonds: 2 }] } }, fields: ['earnings.rates.1'] },
    {
      name: 'a rate ending after the next starts',
      settings: { ...valid, earnings: { ...valid.earnings, rates: [{ from: '2026-03-01', per1000Diamonds: 2 }, { from: '2026-01-01', to: '2026-03-01', per1000Diamonds: 1 }] } },
      fields: ['earnings.rates.0'],
    },
    { name: 'bad currency and share', settings: { ...valid, earnings: { ...valid.earnings, currency: 'usd', agencySharePercent: 120 } }, fields: ['earnings.currency', 'earnings.agencySharePercent'] },
  ];
  for (const c of cases) {
    it(c.name, () => expect(validateAgencySettings(c.settings).map((p) => p.field)).toEqual(c.fields));
  }
});

describe('the rate in force', () => {
  const rates = [{ from: '2026-01-01', per1000Diamonds: 500 }, { from: '2026-06-15', per1000Diamonds: 600 }, { from: '2026-09-01', to: '2026-09-30', per1000Diamonds: 900 }];
  const cases: [string, number | null][] = [['2025-12-31', null], ['2026-01-01', 500], ['2026-06-14', 500], ['2026-06-15', 600], ['2026-09-15', 900], ['2026-10-01', 600]];
  for (const [date, rate] of cases) it(date, () => expect(rateOn(rates, date)?.per1000Diamonds ?? null).toBe(rate));
});
