/**
 * A creator's month, the way agencies are paid: diamonds, LIVE seconds and valid go-LIVE days per calendar day in
 * the agency's time zone, TikTok's latest Backstage export as the reference up to its period end, the sessions
 * that started after it on top, a projection to month end, tier pacing and earnings. Pure: the caller loads.
 */
import { dayIndex, monthCalendar, type MonthCalendar } from './calendar';
import { rateOn, type AgencySettings, type MonthTier } from './settings';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface MonthSession {
  startedAt: number;
  /** For a running session: asOf − start. */
  durationSeconds: number;
  diamonds: number;
  /** Counted gifts with their times (listener ledger), when known: midnight splits follow them. */
  gifts?: readonly { at: number; diamonds: number }[];
}

export interface MonthBackstage {
  periodStart: string;
  periodEnd: string;
  diamonds: number;
  liveSeconds: number;
  validDays?: number;
  liveStreams?: number;
  /** The export said "The creator has quit the network". */
  quit?: boolean;
}

export interface MonthInput {
  month: string;
  asOf: number;
  settings: Pick<AgencySettings, 'timeZone' | 'validDayMinSeconds' | 'tiers' | 'earnings'>;
  backstage: MonthBackstage | null;
  sessions: readonly MonthSession[];
}

export interface Figures {
  diamonds: number;
  liveSeconds: number;
  validDays: number;
}

export type TierPace = 'none' | 'reached' | 'on_pace' | 'behind' | 'out_of_reach' | 'quit';

export interface MonthResult {
  month: string;
  timeZone: string;
  asOf: string;
  diamonds: number;
  liveSeconds: number;
  validDays: number;
  sessions: number;
  /** Marked from a Backstage export: no projection is made for a creator who left the network. */
  quit: boolean;
  sources: {
    backstage: { periodEnd: string; diamonds: number; liveSeconds: number; validDays: number } | null;
    sessionsAfter: Figures & { sessions: number };
  };
  days: { date: string; diamonds: number; liveSeconds: number; valid: boolean }[];
  projection: Figures;
  tier: {
    current: string | null;
    projected: string | null;
    next: string | null;
    toNext: Figures;
    /** Per day left (today included); null when no day is left. */
    neededPerDay: { diamonds: number; liveSeconds: number } | null;
    pace: TierPace;
  };
  earnings: { creator: { amount: number; currency: string }; agency: { amount: number; currency: string } };
}

interface DayAcc {
  diamonds: number;
  seconds: number;
}

/** Splits one session over the month's days by time; diamonds by gift times where known, the rest by time. Integer diamonds, total kept. */
export function splitSession(cal: MonthCalendar, s: MonthSession): { day: number; diamonds: number; seconds: number }[] {
  const start = s.startedAt;
  const end = start + Math.max(0, s.durationSeconds) * 1000;
  const first = dayIndex(cal, start);
  const last = end > start ? dayIndex(cal, end - 1) : first;
  if (last < 0 || first >= cal.dates.length) return [];
  const pieces: { day: number; diamonds: number; seconds: number; share: number }[] = [];
  const total = end - start;
  for (let d = first; d <= last; d++) {
    const from = d < 0 ? start : Math.max(start, cal.starts[d]);
    const to = d >= cal.dates.length ? end : Math.min(end, cal.starts[d + 1]);
    pieces.push({ day: d, diamonds: 0, seconds: (to - from) / 1000, share: total > 0 ? (to - from) / total : 1 });
  }
  // Pieces before (-1) and after (dates.length) the month stand for the whole outside part.
  if (first < 0) pieces[0].seconds = (Math.min(end, cal.start) - start) / 1000;
  if (first < 0) pieces[0].share = total > 0 ? (Math.min(end, cal.start) - start) / total : 1;
  const tail = pieces[pieces.length - 1];
  if (last >= cal.dates.length) {
    tail.seconds = (end - Math.max(start, cal.end)) / 1000;
    tail.share = total > 0 ? (end - Math.max(start, cal.end)) / total : 0;
  }
  let byGifts = 0;
  const exact = pieces.map(() => 0);
  if (s.gifts?.length && pieces.length > 1) {
    for (const g of s.gifts) {
      const gi = Math.min(Math.max(dayIndex(cal, g.at), first), last) - first;
      exact[gi] += g.diamonds;
      byGifts += g.diamonds;
    }
  }
  const rest = Math.max(0, s.diamonds - byGifts);
  if (byGifts > s.diamonds) for (let i = 0; i < exact.length; i++) exact[i] *= s.diamonds / byGifts;
  for (let i = 0; i < pieces.length; i++) exact[i] += rest * pieces[i].share;
  // Largest remainder: integers that add up to the session's diamonds.
  const floors = exact.map(Math.floor);
  let left = Math.round(s.diamonds) - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((v, i) => ({ i, r: v - Math.floor(v) })).sort((a, b) => b.r - a.r);
  for (const { i } of order) {
    if (left <= 0) break;
    floors[i]++;
    left--;
  }
  return pieces.map((p, i) => ({ day: p.day, diamonds: floors[i], seconds: p.seconds })).filter((p) => p.day >= 0 && p.day < cal.dates.length);
}

function reachedIndex(tiers: readonly MonthTier[], f: Figures): number {
  let reached = -1;
  tiers.forEach((t, i) => {
    if (f.diamonds >= t.diamonds && (t.liveHours === undefined || f.liveSeconds >= t.liveHours * 3600) && (t.validDays === undefined || f.validDays >= t.validDays)) reached = i;
  });
  return reached;
}

/**
 * What a month's sessions add up to per day, before anything that depends on `asOf` or on the valid-day, tier and
 * rate settings: the board keeps one per creator and only adds the running session on top (finishMonth is cheap).
 */
export interface MonthTally {
  month: string;
  timeZone: string;
  /** The last day the Backstage export covers (-1: none). */
  coveredThrough: number;
  covered: DayAcc[];
  after: DayAcc[];
  coveredSessions: number;
  afterSessions: number;
}

/** The per-day sums of `sessions` for that month, zone and Backstage export; with `base`, added to a copy of it. */
export function tallyMonth(month: string, timeZone: string, bs: Pick<MonthBackstage, 'periodEnd'> | null, sessions: readonly MonthSession[], base?: MonthTally): MonthTally {
  const cal = monthCalendar(month, timeZone);
  const n = cal.dates.length;
  // Backstage dates are the agency's calendar dates; its cover ends at the month's last day at most.
  const coveredThrough = bs ? Math.min(n - 1, cal.dates.findLastIndex((d) => d <= bs.periodEnd)) : -1;
  const copy = (acc: DayAcc[] | undefined) => (acc ? acc.map((d) => ({ ...d })) : Array.from({ length: n }, () => ({ diamonds: 0, seconds: 0 })));
  const covered = copy(base?.covered);
  const after = copy(base?.after);
  let coveredSessions = base?.coveredSessions ?? 0;
  let afterSessions = base?.afterSessions ?? 0;
  for (const s of sessions) {
    const startDay = dayIndex(cal, s.startedAt);
    const pieces = splitSession(cal, s);
    if (pieces.length === 0) continue;
    // A session belongs to the export when it started on a day the export covers.
    const target = bs && startDay <= coveredThrough ? covered : after;
    if (target === covered) coveredSessions++;
    else afterSessions++;
    for (const p of pieces) {
      target[p.day].diamonds += p.diamonds;
      target[p.day].seconds += p.seconds;
    }
  }
  return { month, timeZone, coveredThrough, covered, after, coveredSessions, afterSessions };
}

export function computeMonth(input: MonthInput): MonthResult {
  return finishMonth(tallyMonth(input.month, input.settings.timeZone, input.backstage, input.sessions), input);
}

/** The month from its tally (made with the same month, zone and export as `input`'s): days, projection, tiers, earnings. */
export function finishMonth(tally: MonthTally, input: Omit<MonthInput, 'sessions'>): MonthResult {
  const { settings, month } = input;
  const cal = monthCalendar(month, settings.timeZone);
  const n = cal.dates.length;
  const minSeconds = settings.validDayMinSeconds;
  const bs = input.backstage;
  const { coveredThrough, covered, after, coveredSessions, afterSessions } = tally;

  const days = cal.dates.map((date, i) => {
    const acc = i <= coveredThrough ? covered[i] : after[i];
    const liveSeconds = Math.round(acc.seconds);
    return { date, diamonds: acc.diamonds, liveSeconds, valid: liveSeconds >= minSeconds };
  });
  const afterFigures = { diamonds: 0, liveSeconds: 0, validDays: 0, sessions: afterSessions };
  for (let i = coveredThrough + 1; i < n; i++) {
    afterFigures.diamonds += days[i].diamonds;
    afterFigures.liveSeconds += days[i].liveSeconds;
    if (days[i].valid) afterFigures.validDays++;
  }
  let backstage: MonthResult['sources']['backstage'] = null;
  if (bs) {
    const countedValid = days.slice(0, coveredThrough + 1).filter((d) => d.valid).length;
    backstage = { periodEnd: bs.periodEnd, diamonds: bs.diamonds, liveSeconds: bs.liveSeconds, validDays: bs.validDays ?? countedValid };
  }
  const totals: Figures = {
    diamonds: (backstage?.diamonds ?? 0) + afterFigures.diamonds,
    liveSeconds: (backstage?.liveSeconds ?? 0) + afterFigures.liveSeconds,
    validDays: (backstage?.validDays ?? 0) + afterFigures.validDays,
  };
  const sessions = (bs ? (bs.liveStreams ?? coveredSessions) : 0) + afterSessions;

  // ---- projection ----
  const length = cal.end - cal.start;
  const elapsed = Math.min(length, Math.max(0, input.asOf - cal.start));
  const remainingMs = length - elapsed;
  const todayIdx = dayIndex(cal, input.asOf);
  const daysLeft = todayIdx < 0 ? n : Math.max(0, n - todayIdx);
  const todayValid = todayIdx >= 0 && todayIdx < n && days[todayIdx].valid;
  const validDaysLeft = Math.max(0, daysLeft - (todayValid ? 1 : 0));
  const quit = bs?.quit === true;
  let projection: Figures;
  // Quit creators are not projected; a month that is over, or less than an hour old, projects what it has.
  if (quit || remainingMs === 0 || elapsed < HOUR_MS) projection = { ...totals };
  else {
    const pace = length / elapsed;
    projection = {
      diamonds: Math.round(totals.diamonds * pace),
      liveSeconds: Math.min(Math.round(totals.liveSeconds * pace), totals.liveSeconds + Math.floor(remainingMs / 1000)),
      validDays: Math.min(Math.round(totals.validDays * pace), totals.validDays + validDaysLeft),
    };
  }

  // ---- tiers ----
  const tiers = settings.tiers;
  const currentIdx = reachedIndex(tiers, totals);
  const projectedIdx = quit ? currentIdx : reachedIndex(tiers, projection);
  const next = tiers[currentIdx + 1] ?? null;
  const toNext: Figures = next
    ? {
        diamonds: Math.max(0, next.diamonds - totals.diamonds),
        liveSeconds: next.liveHours === undefined ? 0 : Math.max(0, next.liveHours * 3600 - totals.liveSeconds),
        validDays: next.validDays === undefined ? 0 : Math.max(0, next.validDays - totals.validDays),
      }
    : { diamonds: 0, liveSeconds: 0, validDays: 0 };
  const neededPerDay = daysLeft > 0 ? { diamonds: Math.ceil(toNext.diamonds / daysLeft), liveSeconds: Math.ceil(toNext.liveSeconds / daysLeft) } : null;
  let pace: TierPace;
  if (quit) pace = 'quit';
  else if (tiers.length === 0) pace = 'none';
  else if (!next) pace = 'reached';
  else if (daysLeft === 0 || toNext.liveSeconds * 1000 > remainingMs || toNext.validDays > validDaysLeft) pace = 'out_of_reach';
  else pace = projectedIdx > currentIdx ? 'on_pace' : 'behind';

  // ---- earnings: each day's diamonds at that day's rate ----
  const dayDiamonds = days.map((d, i) => (i <= coveredThrough ? 0 : d.diamonds));
  if (backstage && coveredThrough >= 0) {
    const firstCovered = Math.max(0, cal.dates.findIndex((d) => d >= (bs!.periodStart < `${month}-01` ? `${month}-01` : bs!.periodStart)));
    const span = days.slice(firstCovered, coveredThrough + 1);
    const known = span.reduce((a, d) => a + d.diamonds, 0);
    // The export gives one figure for its period: spread it like the sessions we saw, or evenly without any.
    span.forEach((d, k) => {
      dayDiamonds[firstCovered + k] = known > 0 ? (backstage!.diamonds * d.diamonds) / known : backstage!.diamonds / span.length;
    });
  }
  let gross = 0;
  dayDiamonds.forEach((d, i) => {
    const rate = rateOn(settings.earnings.rates, cal.dates[i]);
    if (rate) gross += (d * rate.per1000Diamonds) / 1000;
  });
  const currency = settings.earnings.currency;

  return {
    month,
    timeZone: settings.timeZone,
    asOf: new Date(input.asOf).toISOString(),
    ...totals,
    sessions,
    quit,
    sources: { backstage, sessionsAfter: afterFigures },
    days,
    projection,
    tier: { current: tiers[currentIdx]?.name ?? null, projected: tiers[projectedIdx]?.name ?? null, next: next?.name ?? null, toNext, neededPerDay, pace },
    earnings: {
      creator: { amount: Math.round(gross), currency },
      agency: { amount: Math.round((gross * settings.earnings.agencySharePercent) / 100), currency },
    },
  };
}

export { DAY_MS };
