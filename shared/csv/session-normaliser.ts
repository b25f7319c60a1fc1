import { parseDateTime, toUtcMs, type DateTimeParts } from './dates';
import type { ColumnMapping } from './detect-format';
import { parseDuration } from './durations';
import { parseHandleCell } from './handle';
import { extraValuesMessage, isBlankRow, isTotalsRow, readNumber, rowError, type NormaliserContext, type RowResult } from './normaliser-context';

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
    if (row.length > ctx.width) {
      const extra = extraValuesMessage(row, ctx.width);
      if (extra) return rowError(line, 'TOO_MANY_VALUES', extra);
    }
    if (isTotalsRow(row, ctx)) return { line, skip: 'totals' };

    let creatorHandle: string | undefined;
    if (col.creatorHandle) {
      const raw = row[col.creatorHandle.index];
      if (raw && raw.trim()) {
        const h = parseHandleCell(raw);
        if (!h.ok) return rowError(line, h.code, `${col.creatorHandle.header}: ${h.message}`);
        creatorHandle = h.value;
      }
    }

    // Start: a date-time column, or a date column plus a time (of day) in the start column.
    let start: DateTimeParts | null = null;
    let day: DateTimeParts | null = null;
    if (col.startedAt) {
      const p = parseDateTime(row[col.startedAt.index] ?? '', dateOrder);
      if (!p.ok) return rowError(line, p.code, `${col.startedAt.header}: ${p.message}`);
      start = p.value;
    }
    if (col.date && !start?.date) {
      const p = parseDateTime(row[col.date.index] ?? '', dateOrder);
      if (!p.ok) return rowError(line, p.code, `${col.date.header}: ${p.message}`);
      day = p.value;
    }
    const date = start?.date ?? day?.date;
    if (!date) {
      const names = [col.startedAt, col.date].filter(Boolean).map((c) => `"${c!.header}"`).join(' or ');
      return rowError(line, 'MISSING_VALUE', `No start date: fill in ${names}.`);
    }
    const seconds = start?.seconds ?? day?.seconds ?? null;
    const offset = start?.offsetMinutes ?? day?.offsetMinutes ?? col.startedAt?.offsetMinutes ?? col.date?.offsetMinutes ?? ctx.defaultOffsetMinutes;
    const startMs = toUtcMs(date, seconds, offset);

    let durationSeconds: number | null = null;
    if (col.duration) {
      const d = parseDuration(row[col.duration.index] ?? '', durationUnit, 'm:s', decimal);
      if (!d.ok) return rowError(line, d.code, `${col.duration.header}: ${d.message}`);
      durationSeconds = d.value;
    }
    if (durationSeconds === null && col.endedAt) {
      const e = parseDateTime(row[col.endedAt.index] ?? '', dateOrder);
      if (!e.ok) return rowError(line, e.code, `${col.endedAt.header}: ${e.message}`);
      if (e.value && e.value.seconds !== null) {
        const endOffset = e.value.offsetMinutes ?? col.endedAt.offsetMinutes ?? offset;
        let endMs = toUtcMs(e.value.date ?? date, e.value.seconds, endOffset);
        if (!e.value.date && endMs < startMs) endMs += DAY_MS; // a time past midnight
        if (endMs < startMs) return rowError(line, 'INVALID_DATE', `${col.endedAt.header}: the LIVE ends before it starts.`);
        durationSeconds = Math.round((endMs - startMs) / 1000);
      }
    }
    if (durationSeconds === null) {
      const c = col.duration ?? col.endedAt!;
      return rowError(line, 'MISSING_VALUE', `${c.header}: empty; every LIVE needs its duration.`);
    }
    if (durationSeconds > MAX_SESSION_SECONDS) {
      return rowError(line, 'INVALID_DURATION', `${(col.duration ?? col.endedAt)!.header}: ${Math.round(durationSeconds / 3600)} hours is too long for one LIVE; if the column is in minutes, name it e.g. "Duration (min)".`);
    }

    const diamonds = readNumber(row, diamondsCol, 'integer', decimal);
    if (!diamonds.ok) return rowError(line, diamonds.code, diamonds.message);
    if (diamonds.value === null) return rowError(line, 'MISSING_VALUE', `${diamondsCol.header}: empty; write 0 for a LIVE without diamonds.`);

    const value: NormalisedSession = {
      startedAt: new Date(startMs).toISOString(),
      startTimeKnown: seconds !== null,
      durationSeconds,
      diamonds: diamonds.value,
    };
    if (creatorHandle !== undefined) value.creatorHandle = creatorHandle;
    for (let i = 0; i < optional.length; i++) {
      const { key, c, kind } = optional[i];
      const n = readNumber(row, c, kind, decimal, key === 'newFollowers');
      if (!n.ok) return rowError(line, n.code, n.message);
      if (n.value !== null) value[key] = n.value;
    }
    return { ok: true, line, value };
  };
}
