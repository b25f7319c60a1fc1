import { describe, expect, it } from 'vitest';
import { computeMonth, finishMonth, tallyMonth, type MonthInput } from './month';
import { DEFAULT_AGENCY_SETTINGS, type AgencySettings } from './settings';

const H = 3600;
const at = (iso: string) => Date.parse(iso);
const settings = (over: Partial<AgencySettings> = {}): AgencySettings => ({
  ...DEFAULT_AGENCY_SETTINGS,
  tiers: [
    { name: 'A', diamonds: 10_000, liveHours: 20, validDays: 10 },
    { name: 'B', diamonds: 50_000, liveHours: 40, validDays: 15 },
  ],
  earnings: { currency: 'USD', rates: [{ from: '2026-01-01', per1000Diamonds: 500 }], agencySharePercent: 20 },
  ...over,
});
const month = (over: Partial<MonthInput>): ReturnType<typeof computeMonth> =>
  computeMonth({ month: '2026-11', asOf: at('2026-11-16T00:00:00Z'), settings: settings(), backstage: null, sessions: [], ...over });

describe('the month: calendar days and midnight', () => {
  const cases: { name: string; input: Partial<MonthInput>; days: Record<string, [number, number]>; totals: [number, number, number] }[] = [
    {
      name: 'UTC: a session from 23:00 to 01:00 splits 1 h / 1 h and its diamonds in proportion',
      input: { sessions: [{ startedAt: at('2026-11-03T23:00:00Z'), durationSeconds: 2 * H, diamonds: 1001 }] },
      days: { '2026-11-03': [501, H], '2026-11-04': [500, H] },
      totals: [1001, 2 * H, 2],
    },
    {
      name: 'by gift times when the ledger has them (all gifts after midnight)',
      input: { sessions: [{ startedAt: at('2026-11-03T23:00:00Z'), durationSeconds: 2 * H, diamonds: 900, gifts: [{ at: at('2026-11-04T00:10:00Z'), diamonds: 900 }] }] },
      days: { '2026-11-03': [0, H], '2026-11-04': [900, H] },
      totals: [900, 2 * H, 2],
    },
    {
      name: 'Berlin: 23:30 UTC is already the next day',
      input: { settings: settings({ timeZone: 'Europe/Berlin' }), sessions: [{ startedAt: at('2026-11-03T23:30:00Z'), durationSeconds: H, diamonds: 10 }] },
      days: { '2026-11-04': [10, H], '2026-11-03': [0, 0] },
      totals: [10, H, 1],
    },
    {
      name: 'New York: the 25-hour day (DST ends 2026-11-01) counts 25 h of LIVE on one date',
      input: { settings: settings({ timeZone: 'America/New_York' }), sessions: [{ startedAt: at('2026-11-01T04:00:00Z'), durationSeconds: 25 * H, diamonds: 2500 }] },
      days: { '2026-11-01': [2500, 25 * H], '2026-11-02': [0, 0] },
      totals: [2500, 25 * H, 1],
    },
    {
      name: 'a session started in the previous month counts only its part in this month',
      input: { sessions: [{ startedAt: at('2026-10-31T23:00:00Z'), durationSeconds: 2 * H, diamonds: 200 }] },
      days: { '2026-11-01': [100, H] },
      totals: [100, H, 1],
    },
    {
      name: 'valid days: one hour reached on a day, not across two half days',
      input: {
        sessions: [
          { startedAt: at('2026-11-05T10:00:00Z'), durationSeconds: H, diamonds: 0 },
          { startedAt: at('2026-11-06T23:30:00Z'), durationSeconds: H, diamonds: 0 },
        ],
      },
      days: { '2026-11-05': [0, H], '2026-11-06': [0, H / 2], '2026-11-07': [0, H / 2] },
      totals: [0, 2 * H, 1],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const m = month(c.input);
      for (const [date, [diamonds, seconds]] of Object.entries(c.days)) {
        const day = m.days.find((d) => d.date === date)!;
        expect([date, day.diamonds, day.liveSeconds]).toEqual([date, diamonds, seconds]);
      }
      expect([m.diamonds, m.liveSeconds, m.validDays]).toEqual(c.totals);
      expect(m.days).toHaveLength(30);
    });
  }
});

describe('the month: Backstage + later sessions', () => {
  const backstage = { periodStart: '2026-11-01', periodEnd: '2026-11-10', diamonds: 20_000, liveSeconds: 30 * H, validDays: 8, liveStreams: 12 };
  const sessions = [
    { startedAt: at('2026-11-10T20:00:00Z'), durationSeconds: 2 * H, diamonds: 999 }, // started on the export's last day: TikTok has it
    { startedAt: at('2026-11-11T10:00:00Z'), durationSeconds: 2 * H, diamonds: 1000 },
    { startedAt: at('2026-11-12T10:00:00Z'), durationSeconds: 1800, diamonds: 500 },
  ];
  const cases = [
    {
      name: 'the export up to its period end, then sessions that start on later days',
      input: { backstage, sessions },
      expected: { diamonds: 21_500, liveSeconds: 32.5 * H, validDays: 9, sessions: 14, after: { diamonds: 1500, liveSeconds: 2.5 * H, validDays: 1, sessions: 2 } },
    },
    {
      name: 'without an export the month is its sessions',
      input: { sessions },
      expected: { diamonds: 2499, liveSeconds: 4.5 * H, validDays: 2, sessions: 3, after: { diamonds: 2499, liveSeconds: 4.5 * H, validDays: 2, sessions: 3 } },
    },
    {
      name: 'an export without valid days counts them from our sessions on its days',
      input: { backstage: { ...backstage, validDays: undefined, liveStreams: undefined }, sessions },
      expected: { diamonds: 21_500, liveSeconds: 32.5 * H, validDays: 2, sessions: 3, after: { diamonds: 1500, liveSeconds: 2.5 * H, validDays: 1, sessions: 2 } },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const m = month(c.input);
      expect({ diamonds: m.diamonds, liveSeconds: m.liveSeconds, validDays: m.validDays, sessions: m.sessions, after: m.sources.sessionsAfter }).toEqual(c.expected);
      expect(m.sources.backstage?.periodEnd ?? null).toBe(c.input.backstage ? '2026-11-10' : null);
    });
  }

  it('an export of a past month: the whole month, no projection beyond it, no day left', () => {
    const m = month({
      month: '2026-10',
      asOf: at('2026-11-16T00:00:00Z'),
      backstage: { periodStart: '2026-10-01', periodEnd: '2026-10-31', diamonds: 48_000, liveSeconds: 45 * H, validDays: 16 },
      sessions: [{ startedAt: at('2026-10-20T10:00:00Z'), durationSeconds: 3 * H, diamonds: 700 }],
    });
    expect([m.diamonds, m.liveSeconds, m.validDays]).toEqual([48_000, 45 * H, 16]);
    expect(m.projection).toEqual({ diamonds: 48_000, liveSeconds: 45 * H, validDays: 16 });
    expect(m.tier).toMatchObject({ current: 'A', projected: 'A', next: 'B', toNext: { diamonds: 2000, liveSeconds: 0, validDays: 0 }, neededPerDay: null, pace: 'out_of_reach' });
    expect(m.days).toHaveLength(31);
  });

  it('a creator who quit the network is marked and not projected', () => {
    const m = month({ backstage: { ...backstage, quit: true }, sessions: [] });
    expect(m.quit).toBe(true);
    expect(m.projection).toEqual({ diamonds: 20_000, liveSeconds: 30 * H, validDays: 8 });
    expect(m.tier.pace).toBe('quit');
    expect(month({ backstage, sessions: [] }).projection.diamonds).toBe(40_000);
  });
});

describe('the month: projection and tiers', () => {
  // November has 30 days; at 2026-11-16T00:00Z half of it has passed.
  const days = (n: number, seconds: number, diamonds: number) =>
    Array.from({ length: n }, (_, i) => ({ startedAt: at(`2026-11-${String(i + 1).padStart(2, '0')}T12:00:00Z`), durationSeconds: seconds, diamonds }));
  const cases = [
    {
      name: 'half way at 1,000/day for 15 days → 30,000, on pace for A (projected), B next needs more',
      sessions: days(15, 2 * H, 1000),
      projection: { diamonds: 30_000, liveSeconds: 60 * H, validDays: 30 },
      tier: { current: 'A', projected: 'A', next: 'B', toNext: { diamonds: 35_000, liveSeconds: 10 * H, validDays: 0 }, neededPerDay: { diamonds: 2334, liveSeconds: 2400 }, pace: 'behind' },
    },
    {
      name: 'valid days capped by the days left: 5 valid days so far project to at most 5 + 15',
      sessions: days(15, 2 * H, 200).map((s, i) => (i < 10 ? { ...s, durationSeconds: 600 } : s)),
      projection: { diamonds: 6000, liveSeconds: Math.round((10 * 600 + 5 * 2 * H) * 2), validDays: 10 },
      tier: { current: null, projected: null, next: 'A', toNext: { diamonds: 7000, liveSeconds: 20 * H - (10 * 600 + 10 * H), validDays: 5 }, neededPerDay: { diamonds: 467, liveSeconds: 2000 }, pace: 'behind' },
    },
    {
      name: 'LIVE hours capped by the time left in the month (two overlapping records of the same stream)',
      sessions: [0, 1].map(() => ({ startedAt: at('2026-11-01T00:00:00Z'), durationSeconds: 15 * 24 * H - 60, diamonds: 30_000 })),
      projection: { diamonds: 120_000, liveSeconds: 2 * (15 * 24 * H - 60) + 15 * 24 * H, validDays: 30 },
      tier: { current: 'B', projected: 'B', next: null, toNext: { diamonds: 0, liveSeconds: 0, validDays: 0 }, neededPerDay: { diamonds: 0, liveSeconds: 0 }, pace: 'reached' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const m = month({ sessions: c.sessions });
      expect(m.projection).toEqual(c.projection);
      expect(m.tier).toEqual(c.tier);
    });
  }
});

describe('the month: caps and reach', () => {
  it('valid days never exceed the days left (today already valid counts once)', () => {
    const sessions = Array.from({ length: 16 }, (_, i) => ({ startedAt: at(`2026-11-${String(i + 1).padStart(2, '0')}T01:00:00Z`), durationSeconds: 2 * H, diamonds: 100 }));
    const m = month({ asOf: at('2026-11-16T12:00:00Z'), sessions });
    expect(m.validDays).toBe(16);
    expect(m.projection.validDays).toBe(30); // the pace alone says 31
  });

  it('needed per day: on the last day all that is missing; null once the month is over', () => {
    const sessions = [{ startedAt: at('2026-11-02T12:00:00Z'), durationSeconds: 25 * H, diamonds: 4000 }];
    const lastDay = month({ asOf: at('2026-11-30T08:00:00Z'), sessions });
    expect(lastDay.tier.toNext).toMatchObject({ diamonds: 6000 });
    expect(lastDay.tier.neededPerDay).toEqual({ diamonds: 6000, liveSeconds: 0 });
    const dayBefore = month({ asOf: at('2026-11-29T08:00:00Z'), sessions });
    expect(dayBefore.tier.neededPerDay).toEqual({ diamonds: 3000, liveSeconds: 0 });
    const over = month({ asOf: at('2026-12-01T00:00:00Z'), sessions });
    expect(over.tier.neededPerDay).toBeNull();
    expect(over.tier.toNext.diamonds).toBe(6000);
  });

  it('out of reach: more valid days needed than days left', () => {
    const m = month({ asOf: at('2026-11-28T00:00:00Z'), sessions: [{ startedAt: at('2026-11-02T12:00:00Z'), durationSeconds: 30 * H, diamonds: 60_000 }] });
    expect(m.validDays).toBe(2);
    expect(m.tier).toMatchObject({ current: null, next: 'A', toNext: { diamonds: 0, liveSeconds: 0, validDays: 8 }, pace: 'out_of_reach' });
    expect(m.tier.neededPerDay).toEqual({ diamonds: 0, liveSeconds: 0 });
  });

  it('on pace: the projection reaches the next tier', () => {
    const sessions = Array.from({ length: 15 }, (_, i) => ({ startedAt: at(`2026-11-${String(i + 1).padStart(2, '0')}T01:00:00Z`), durationSeconds: 3 * H, diamonds: 2000 }));
    const m = month({ sessions });
    expect(m.tier).toMatchObject({ current: 'A', projected: 'B', next: 'B', pace: 'on_pace' });
  });
});

describe('the month: earnings', () => {
  const cases = [
    {
      name: 'one rate: 2,000 diamonds at 500 per 1,000 = 1,000 minor units, agency 20% of it',
      rates: [{ from: '2026-01-01', per1000Diamonds: 500 }],
      creator: 1000, agency: 200,
    },
    {
      name: 'a rate change mid-month: each day at the rate in force that day',
      rates: [{ from: '2026-01-01', per1000Diamonds: 500 }, { from: '2026-11-03', per1000Diamonds: 1000 }],
      creator: 500 + 1000, agency: 300,
    },
    {
      name: 'no rate yet on the first day',
      rates: [{ from: '2026-11-02', per1000Diamonds: 1000 }],
      creator: 1000, agency: 200,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const m = month({
        settings: settings({ earnings: { currency: 'EUR', rates: c.rates, agencySharePercent: 20 } }),
        sessions: [
          { startedAt: at('2026-11-01T10:00:00Z'), durationSeconds: H, diamonds: 1000 },
          { startedAt: at('2026-11-05T10:00:00Z'), durationSeconds: H, diamonds: 1000 },
        ],
      });
      expect(m.earnings).toEqual({ creator: { amount: c.creator, currency: 'EUR' }, agency: { amount: c.agency, currency: 'EUR' } });
    });
  }

  it('Backstage diamonds are spread over its period like the sessions seen, then priced per day', () => {
    const m = month({
      settings: settings({ earnings: { currency: 'USD', rates: [{ from: '2026-11-01', to: '2026-11-05', per1000Diamonds: 100 }, { from: '2026-11-06', per1000Diamonds: 1000 }], agencySharePercent: 10 } }),
      backstage: { periodStart: '2026-11-01', periodEnd: '2026-11-10', diamonds: 10_000, liveSeconds: 10 * H },
      sessions: [
        { startedAt: at('2026-11-02T10:00:00Z'), durationSeconds: H, diamonds: 100 },
        { startedAt: at('2026-11-07T10:00:00Z'), durationSeconds: H, diamonds: 300 },
      ],
    });
    // 2,500 diamonds at 0.1 + 7,500 at 1.0 per diamond-thousandth.
    expect(m.earnings.creator.amount).toBe(250 + 7500);
    expect(m.earnings.agency.amount).toBe(775);
  });
});

describe('the month: tally, then finish (the board caches the tally of ended sessions)', () => {
  const ended = [
    { startedAt: at('2026-11-03T23:00:00Z'), durationSeconds: 2 * H, diamonds: 1001 },
    { startedAt: at('2026-11-10T10:00:00Z'), durationSeconds: 3 * H, diamonds: 900, gifts: [{ at: at('2026-11-10T11:00:00Z'), diamonds: 900 }] },
    { startedAt: at('2026-10-31T22:00:00Z'), durationSeconds: 4 * H, diamonds: 4000 },
  ];
  const running = { startedAt: at('2026-11-15T23:30:00Z'), durationSeconds: H, diamonds: 77 };
  const backstage = { periodStart: '2026-11-01', periodEnd: '2026-11-05', diamonds: 5000, liveSeconds: 9 * H, validDays: 2 };
  for (const bs of [null, backstage]) {
    it(`a running session added to a cached tally gives what counting everything gives (${bs ? 'with' : 'without'} an export)`, () => {
      const input: MonthInput = { month: '2026-11', asOf: at('2026-11-16T00:30:00Z'), settings: settings({ timeZone: 'Europe/Berlin' }), backstage: bs, sessions: [...ended, running] };
      const cached = tallyMonth('2026-11', 'Europe/Berlin', bs, ended);
      const before = JSON.stringify(cached);
      expect(finishMonth(tallyMonth('2026-11', 'Europe/Berlin', bs, [running], cached), input)).toEqual(computeMonth(input));
      // The cached tally is not changed by what was added on top of it.
      expect(JSON.stringify(cached)).toBe(before);
    });
  }
});
