import { parsePeriod } from './dates';
import type { ColumnMapping } from './detect-format';
import { parseDuration } from './durations';
import { parseHandleCell } from './handle';
import { extraValuesMessage, isBlankRow, isTotalsRow, missingValuesMessage, readNumber, rowError, rowProblems, type NormaliserContext, type RowProblem, type RowResult } from './normaliser-context';

export interface BackstageFigures {
  diamonds?: number;
  liveSeconds?: number;
  validLiveDays?: number;
  newFollowers?: number;
  liveStreams?: number;
}

/**
 * One creator's month-to-date figures from LIVE Backstage "Creator data". Cumulative: a newer
 * export of the same period replaces these figures, it never adds to them (see backstageRowKey).
 */
export interface NormalisedBackstage {
  /** ISO dates (`YYYY-MM-DD`) as the export states them, no time zone shift. */
  periodStart: string;
  periodEnd: string;
  creatorTikTokId?: string;
  creatorHandle: string;
  group?: string;
  manager?: string;
  diamonds: number;
  liveSeconds: number;
  validLiveDays?: number;
  newFollowers?: number;
  liveStreams?: number;
  lastMonth?: BackstageFigures;
  /** The row says "The creator has quit the network": their month is kept, never projected. */
  quit?: boolean;
}

/** Backstage's note on a creator who left the agency, in whichever column it appears. */
export const QUIT_NETWORK_RE = /quit the network/i;

const COUNTS = ['validLiveDays', 'newFollowers', 'liveStreams'] as const;
const SCIENTIFIC_RE = /^\d+(?:[.,]\d+)?e\+?\d+$/i;
const TIKTOK_ID_RE = /^\d{1,25}$/;

/** Builds `normalise(row, line)` for Backstage creator-data rows. */
export function createBackstageRowNormaliser(ctx: NormaliserContext): (row: readonly string[], line: number) => RowResult<NormalisedBackstage> {
  const { col, lastMonthCol, dateOrder, decimal } = ctx;
  const periodCol = col.dataPeriod as ColumnMapping;
  const handleCol = col.creatorHandle as ColumnMapping;
  const diamondsCol = col.diamonds as ColumnMapping;
  const durationCol = col.duration as ColumnMapping;
  const lastMonthCols = Object.values(lastMonthCol) as ColumnMapping[];
  const text = (row: readonly string[], c: ColumnMapping | undefined): string | undefined => {
    const v = c ? row[c.index]?.trim() : undefined;
    return v ? v : undefined;
  };

  return function normaliseBackstageRow(row, line) {
    if (isBlankRow(row)) return { line, skip: 'blank' };
    const problems: RowProblem[] = [];
    const problem = (code: RowProblem['code'], message: string) => void problems.push({ code, message });
    if (row.length > ctx.width) {
      const extra = extraValuesMessage(row, ctx.width);
      if (extra) return rowError(line, 'TOO_MANY_VALUES', extra);
    }
    if (isTotalsRow(row, ctx)) return { line, skip: 'totals' };
    if (row.length < ctx.width) problem('TOO_FEW_VALUES', missingValuesMessage(row, ctx.width));

    const period = parsePeriod(row[periodCol.index] ?? '', dateOrder);
    if (!period.ok) problem(period.code, `${periodCol.header}: ${period.message}`);
    else if (!period.value) problem('MISSING_VALUE', `${periodCol.header}: empty; the row needs its data period (e.g. 2026-07-01 ~ 2026-07-06).`);

    const rawHandle = text(row, handleCol);
    let handleValue: string | null = null;
    if (!rawHandle) problem('MISSING_VALUE', `${handleCol.header}: empty; the row needs the creator's username.`);
    else {
      const handle = parseHandleCell(rawHandle);
      if (!handle.ok) problem(handle.code, `${handleCol.header}: ${handle.message}`);
      else handleValue = handle.value;
    }

    const creatorTikTokId = text(row, col.creatorTikTokId);
    if (creatorTikTokId !== undefined && !TIKTOK_ID_RE.test(creatorTikTokId)) {
      const hint = SCIENTIFIC_RE.test(creatorTikTokId)
        ? 'Excel shortened the ID to scientific notation and lost digits; format the column as Text and export again.'
        : 'a creator ID is digits only.';
      problem('INVALID_CREATOR_ID', `${col.creatorTikTokId!.header}: "${creatorTikTokId}": ${hint}`);
    }

    const quit = row.some((cell) => QUIT_NETWORK_RE.test(cell));
    let diamonds = readNumber(row, diamondsCol, 'integer', decimal);
    // A quit creator's row may carry the note instead of figures: their month stops at what TikTok counted, i.e. 0 here.
    if (quit && (!diamonds.ok || diamonds.value === null)) diamonds = { ok: true, value: 0 };
    if (!diamonds.ok) problem(diamonds.code, diamonds.message);
    else if (diamonds.value === null) problem('MISSING_VALUE', `${diamondsCol.header}: empty; write 0 for a creator without diamonds.`);
    let duration = parseDuration(row[durationCol.index] ?? '', durationCol.unit ?? 'hours', 'h:m', decimal);
    if (quit && (!duration.ok || duration.value === null)) duration = { ok: true, value: 0 };
    if (!duration.ok) problem(duration.code, `${durationCol.header}: ${duration.message}`);
    else if (duration.value === null) problem('MISSING_VALUE', `${durationCol.header}: empty; write 0 for a creator who did not go LIVE.`);

    const counts: Partial<Record<(typeof COUNTS)[number], number>> = {};
    for (const key of COUNTS) {
      const c = col[key];
      if (!c) continue;
      if (quit && QUIT_NETWORK_RE.test(row[c.index] ?? '')) continue;
      const n = readNumber(row, c, 'integer', decimal, key === 'newFollowers');
      if (!n.ok) problem(n.code, n.message);
      else if (n.value !== null) counts[key] = n.value;
    }

    const lastMonth: BackstageFigures = {};
    for (const c of lastMonthCols) {
      if (c.field === 'duration') {
        const d = parseDuration(row[c.index] ?? '', c.unit ?? 'hours', 'h:m', decimal);
        if (!d.ok) problem(d.code, `${c.header}: ${d.message}`);
        else if (d.value !== null) lastMonth.liveSeconds = d.value;
      } else if (c.field === 'diamonds' || c.field === 'validLiveDays' || c.field === 'newFollowers' || c.field === 'liveStreams') {
        const n = readNumber(row, c, 'integer', decimal, c.field === 'newFollowers');
        if (!n.ok) problem(n.code, n.message);
        else if (n.value !== null) lastMonth[c.field] = n.value;
      }
    }
    if (problems.length || !period.ok || !period.value || !diamonds.ok || !duration.ok || handleValue === null) return rowProblems(line, problems, handleValue ?? undefined);

    const value: NormalisedBackstage = {
      periodStart: period.value.start,
      periodEnd: period.value.end,
      creatorHandle: handleValue,
      diamonds: diamonds.value!,
      liveSeconds: duration.value!,
    };
    if (creatorTikTokId !== undefined) value.creatorTikTokId = creatorTikTokId;
    if (quit) value.quit = true;
    const group = text(row, col.group);
    if (group !== undefined && !QUIT_NETWORK_RE.test(group)) value.group = group;
    const manager = text(row, col.manager);
    if (manager !== undefined && !QUIT_NETWORK_RE.test(manager)) value.manager = manager;
    for (const key of COUNTS) if (counts[key] !== undefined) value[key] = counts[key];
    if (Object.keys(lastMonth).length > 0) value.lastMonth = lastMonth;
    return { ok: true, line, value };
  };
}
