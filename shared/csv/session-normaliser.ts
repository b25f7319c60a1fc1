import { parseDateTime, type DateTimeParts } from './dates';
import type { ColumnMapping } from './detect-format';
import { parseDuration } from './durations';
import { parseHandleCell } from './handle';
import { extraValuesMessage, isBlankRow, isTotalsRow, missingValuesMessage, readNumber, rowError, rowProblems, type NormaliserContext, type RowProblem, type RowResult } from './normaliser-context';

/** One LIVE from a LIVE Studio / LIVE Center export, ready to store with `source: "import"`. */
export interface NormalisedSession {
  /** From a username column: no `@`, lower case. Absent: the upload's `creatorId` applies. */
  creatorHandle?: string;
  /** ISO 8601 UTC. */
  startedAt: string;
  /** False when the file gave only a date: `startedAt` is then that day's midnight. */
  startTimeKnown: boolean;
  durationSeconds: number;
  diamonds: number;
  gifts?: number;
  gifters?: number;
  viewers?: number;
  peakViewers?: number;
  avgViewers?: number;
  newFollowers?: number;
  likes?: number;
  comments?: number;
  shares?: number;
}

type OptionalCount = 'gifts' | 'gifters' | 'viewers' | 'peakViewers' | 'avgViewers' | 'newFollowers' | 'likes' | 'comments' | 'shares';
const OPTIONAL_COUNTS: OptionalCount[] = ['gifts', 'gifters', 'viewers', 'peakViewers', 'avgViewers', 'newFollowers', 'likes', 'comments', 'shares'];

/** Longer than this is a unit mistake (minutes read as seconds...), not a LIVE. */
const MAX_SESSION_SECONDS = 7 * 86400;
const DAY_MS = 86_400_000;

/** Builds `normalise(row, line)` for LIVE session rows. */
export function createSessionRowNormaliser(ctx: NormaliserContext): (row: readonly string[], line: number) => RowResult<NormalisedSession> {
  const { col, dateOrder, decimal } = ctx;
  const optional = OPTIONAL_COUNTS.flatMap((key) => {
    const c = col[key];
    return c ? [{ key, c, kind: key === 'avgViewers' ? ('decimal' as const) : ('integer' as const) }] : [];
  });
  const durationUnit = col.duration?.unit ?? 'seconds';
  const diamondsCol = col.diamonds as ColumnMapping;

  return function normaliseSessionRow(row, line) {
    if (isBlankRow(row)) return { line, skip: 'blank' };
    // Every problem of the row is collected, so one fix-and-re-upload round is enough.
    const problems: RowProblem[] = [];
    const problem = (code: RowProblem['code'], message: string) => void problems.push({ code, message });
    if (row.length > ctx.width) {
      const extra = extraValuesMessage(row, ctx.width);
      if (extra) return rowError(line, 'TOO_MANY_VALUES', extra);
    }
    if (isTotalsRow(row, ctx)) return { line, skip: 'totals' };
    if (row.length < ctx.width) problem('TOO_FEW_VALUES', missingValuesMessage(row, ctx.width));

    let creatorHandle: string | undefined;
    if (col.creatorHandle) {
      const raw = row[col.creatorHandle.index];
      if (raw && raw.trim()) {
        const h = parseHandleCell(raw);
        if (!h.ok) problem(h.code, `${col.creatorHandle.header}: ${h.message}`);
        else creatorHandle = h.value;
      }
    }

    // Start: a date-time column, or a date column plus a time (of day) in the start column.
    let start: DateTimeParts | null = null;
    let day: DateTimeParts | null = null;
    let startBad = false;
    if (col.startedAt) {
      const p = parseDateTime(row[col.startedAt.index] ?? '', dateOrder);
      if (!p.ok) { startBad = true; problem(p.code, `${col.startedAt.header}: ${p.message}`); }
      else start = p.value;
    }
    if (col.date && !start?.date) {
      const p = parseDateTime(row[col.date.index] ?? '', dateOrder);
      if (!p.ok) { startBad = true; problem(p.code, `${col.date.header}: ${p.message}`); }
      else day = p.value;
    }
    const date = start?.date ?? day?.date;
    if (!date && !startBad) {
      const names = [col.startedAt, col.date].filter(Boolean).map((c) => `"${c!.header}"`).join(' or ');
      problem('MISSING_VALUE', `No start date: fill in ${names}.`);
    }
    const seconds = start?.seconds ?? day?.seconds ?? null;
    const statedOffset = start?.offsetMinutes ?? day?.offsetMinutes ?? col.startedAt?.offsetMinutes ?? col.date?.offsetMinutes ?? null;
    const startMs = date ? ctx.toUtc(date, seconds, statedOffset) : null;

    let durationSeconds: number | null = null;
    let durationBad = false;
    if (col.duration) {
      const d = parseDuration(row[col.duration.index] ?? '', durationUnit, 'm:s', decimal);
      if (!d.ok) { durationBad = true; problem(d.code, `${col.duration.header}: ${d.message}`); }
      else durationSeconds = d.value;
    }
    if (durationSeconds === null && !durationBad && col.endedAt) {
      const e = parseDateTime(row[col.endedAt.index] ?? '', dateOrder);
      if (!e.ok) { durationBad = true; problem(e.code, `${col.endedAt.header}: ${e.message}`); }
      else if (e.value && e.value.seconds !== null && date && startMs !== null) {
        const endOffset = e.value.offsetMinutes ?? col.endedAt.offsetMinutes ?? statedOffset;
        let endMs = ctx.toUtc(e.value.date ?? date, e.value.seconds, endOffset);
        if (!e.value.date && endMs < startMs) endMs += DAY_MS; // a time past midnight
        if (endMs < startMs) { durationBad = true; problem('INVALID_DATE', `${col.endedAt.header}: the LIVE ends before it starts.`); }
        else durationSeconds = Math.round((endMs - startMs) / 1000);
      } else if (e.value && e.value.seconds !== null) {
        durationBad = true; // no start to measure from: the start's problem is reported
      }
    }
    if (durationSeconds === null && !durationBad) {
      const c = col.duration ?? col.endedAt!;
      problem('MISSING_VALUE', `${c.header}: empty; every LIVE needs its duration.`);
    }
    if (durationSeconds !== null && durationSeconds > MAX_SESSION_SECONDS) {
      problem('INVALID_DURATION', `${(col.duration ?? col.endedAt)!.header}: ${Math.round(durationSeconds / 3600)} hours is too long for one LIVE; if the column is in minutes, name it e.g. "Duration (min)".`);
    }

    const diamonds = readNumber(row, diamondsCol, 'integer', decimal);
    if (!diamonds.ok) problem(diamonds.code, diamonds.message);
    else if (diamonds.value === null) problem('MISSING_VALUE', `${diamondsCol.header}: empty; write 0 for a LIVE without diamonds.`);

    const counts: Partial<Record<OptionalCount, number>> = {};
    for (let i = 0; i < optional.length; i++) {
      const { key, c, kind } = optional[i];
      const n = readNumber(row, c, kind, decimal, key === 'newFollowers');
      if (!n.ok) problem(n.code, n.message);
      else if (n.value !== null) counts[key] = n.value;
    }
    if (problems.length) return rowProblems(line, problems, creatorHandle);

    const value: NormalisedSession = {
      startedAt: new Date(startMs!).toISOString(),
      startTimeKnown: seconds !== null,
      durationSeconds: durationSeconds!,
      diamonds: (diamonds as { value: number }).value,
    };
    if (creatorHandle !== undefined) value.creatorHandle = creatorHandle;
    for (const key of OPTIONAL_COUNTS) if (counts[key] !== undefined) value[key] = counts[key];
    return { ok: true, line, value };
  };
}
