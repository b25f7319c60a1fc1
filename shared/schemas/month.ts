/** The manager's month: agency settings, a creator's month, the board (API.md "Added by the second round"). */
import { Type, type Static } from 'typebox';
import { Id, IsoDateTime, Money } from './common';

const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
export const MonthParam = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM' });

export const MonthTier = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 40 }),
    diamonds: Type.Integer({ minimum: 0, maximum: 1e12 }),
    liveHours: Type.Optional(Type.Number({ minimum: 0, maximum: 744 })),
    validDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 31 })),
  },
  { additionalProperties: false },
);

export const DiamondRate = Type.Object(
  { from: IsoDate, to: Type.Optional(IsoDate), per1000Diamonds: Type.Integer({ minimum: 0, maximum: 1e9, description: 'minor units per 1,000 diamonds' }) },
  { additionalProperties: false },
);

export const AgencySettings = Type.Object(
  {
    timeZone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone; months and days are counted in it' }),
    validDayMinSeconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
    tiers: Type.Array(MonthTier, { maxItems: 50 }),
    earnings: Type.Object(
      {
        currency: Type.String({ pattern: '^[A-Z]{3}$' }),
        rates: Type.Array(DiamondRate, { maxItems: 200 }),
        agencySharePercent: Type.Number({ minimum: 0, maximum: 100 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type AgencySettingsBody = Static<typeof AgencySettings>;

export const MonthQuery = Type.Object({ month: Type.Optional(MonthParam) }, { additionalProperties: false });
export type MonthQuery = Static<typeof MonthQuery>;

const Figures = Type.Object({ diamonds: Type.Integer(), liveSeconds: Type.Integer(), validDays: Type.Integer() });
const TierPace = Type.Union([Type.Literal('none'), Type.Literal('reached'), Type.Literal('on_pace'), Type.Literal('behind'), Type.Literal('out_of_reach'), Type.Literal('quit')]);

export const MonthTierPacing = Type.Object({
  current: Type.Union([Type.String(), Type.Null()]),
  projected: Type.Union([Type.String(), Type.Null()]),
  next: Type.Union([Type.String(), Type.Null()]),
  toNext: Figures,
  neededPerDay: Type.Union([Type.Object({ diamonds: Type.Integer(), liveSeconds: Type.Integer() }), Type.Null()], {
    description: 'what toNext asks per day left, today included (on the last day: all of it); null once the month is over (no day left to spread it over)',
  }),
  pace: TierPace,
});

export const CreatorMonth = Type.Object({
  month: MonthParam,
  timeZone: Type.String(),
  asOf: IsoDateTime,
  diamonds: Type.Integer(),
  liveSeconds: Type.Integer(),
  validDays: Type.Integer(),
  sessions: Type.Integer(),
  quit: Type.Boolean(),
  sources: Type.Object({
    backstage: Type.Union([Type.Object({ periodEnd: IsoDate, diamonds: Type.Integer(), liveSeconds: Type.Integer(), validDays: Type.Integer() }), Type.Null()]),
    sessionsAfter: Type.Object({ diamonds: Type.Integer(), liveSeconds: Type.Integer(), validDays: Type.Integer(), sessions: Type.Integer() }),
  }),
  days: Type.Array(Type.Object({ date: IsoDate, diamonds: Type.Integer(), liveSeconds: Type.Integer(), valid: Type.Boolean() })),
  projection: Figures,
  tier: MonthTierPacing,
  earnings: Type.Object({ creator: Money, agency: Money }),
  pending: Type.Boolean({ description: 'true while the creator\'s month is being recounted in the background: sessions ended since the last count are estimated from the creator\'s totals (this month) and replaced by the recount' }),
});
export type CreatorMonth = Static<typeof CreatorMonth>;

export const BoardQuery = Type.Object(
  { month: Type.Optional(MonthParam), managerId: Type.Optional(Id), format: Type.Optional(Type.Literal('csv')) },
  { additionalProperties: false },
);
export type BoardQuery = Static<typeof BoardQuery>;

const BoardTotals = Type.Object({
  creators: Type.Integer(),
  liveNow: Type.Integer(),
  diamonds: Type.Integer(),
  liveSeconds: Type.Integer(),
  validDays: Type.Integer(),
  sessions: Type.Integer(),
  projectedDiamonds: Type.Integer(),
  earnings: Type.Object({ creator: Money, agency: Money }),
});

export const BoardItem = Type.Object({
  creatorId: Id,
  handle: Type.String(),
  displayName: Type.String(),
  avatarUrl: Type.Union([Type.String(), Type.Null()]),
  managerId: Type.Union([Id, Type.Null()]),
  live: Type.Object({
    isLive: Type.Boolean(),
    sessionId: Type.Union([Id, Type.Null()]),
    startedAt: Type.Union([IsoDateTime, Type.Null()]),
    diamonds: Type.Integer(),
    viewers: Type.Integer(),
  }),
  lastLiveAt: Type.Union([IsoDateTime, Type.Null()]),
  month: Type.Object({
    diamonds: Type.Integer(),
    liveSeconds: Type.Integer(),
    validDays: Type.Integer(),
    sessions: Type.Integer(),
    quit: Type.Boolean(),
    projection: Figures,
    tier: MonthTierPacing,
    earnings: Type.Object({ creator: Money, agency: Money }),
    pending: Type.Boolean({ description: 'see CreatorMonth.pending' }),
  }),
});
export type BoardItem = Static<typeof BoardItem>;

export const Board = Type.Object({
  month: MonthParam,
  timeZone: Type.String(),
  asOf: IsoDateTime,
  pending: Type.Integer({ description: 'how many creators are being recounted in the background (their rows are estimates until then)' }),
  items: Type.Array(BoardItem),
  totals: Type.Object({
    agency: BoardTotals,
    managers: Type.Array(Type.Object({ managerId: Type.Union([Id, Type.Null()]), name: Type.String(), ...BoardTotals.properties })),
  }),
});
export type Board = Static<typeof Board>;

/** `?format=csv` on the lists that agencies export (same filters as the JSON list). */
export const CsvFormat = Type.Optional(Type.Literal('csv'));
