import { resolveHeader, type CanonicalField, type HeaderLanguage } from './header-aliases';
import type { DurationUnit } from './durations';

export type CsvFormat = 'sessions' | 'backstage';

/** One recognised column. */
export interface ColumnMapping {
  index: number;
  /** The header as written in the file, for messages. */
  header: string;
  field: CanonicalField;
  lastMonth: boolean;
  unit?: DurationUnit;
  offsetMinutes?: number;
}

export interface FormatDetection {
  /** The format, or null when the headers don't hold what either format needs. */
  format: CsvFormat | null;
  /** The format the headers look most like (what `missing` refers to); null if nothing matched. */
  closest: CsvFormat | null;
  columns: ColumnMapping[];
  /** Headers that mean nothing to the importer (shown in a 422 with the headers it found). */
  unrecognised: string[];
  /** Headers that repeat a field already mapped by an earlier column (the first one wins). */
  duplicates: string[];
  /** What the closest format needs and the file lacks, in words. */
  missing: string[];
  /** The UI language most headers are in ('en' when unsure). */
  language: HeaderLanguage;
  /** Sessions without a username column: the upload must name the creator (`creatorId`). */
  needsCreatorId: boolean;
}

const SESSION_ONLY: CanonicalField[] = ['startedAt', 'date', 'endedAt', 'gifts', 'gifters', 'viewers', 'peakViewers', 'avgViewers', 'likes', 'comments', 'shares'];
const BACKSTAGE_ONLY: CanonicalField[] = ['dataPeriod', 'creatorTikTokId', 'group', 'manager', 'validLiveDays', 'liveStreams'];

/** Detects sessions vs Backstage creator data from the header row, and maps columns to fields. */
export function detectFormat(headers: readonly string[]): FormatDetection {
  const columns: ColumnMapping[] = [];
  const unrecognised: string[] = [];
  const duplicates: string[] = [];
  const seen = new Set<string>();
  const votes = new Map<HeaderLanguage, number>();
  headers.forEach((header, index) => {
    const resolved = resolveHeader(header);
    if (!resolved) {
      if (header.trim().length > 0) unrecognised.push(header.replace(/^\ufeff/, '').trim());
      return;
    }
    const slot = resolved.lastMonth ? `lastMonth:${resolved.field}` : resolved.field;
    if (seen.has(slot)) { duplicates.push(header.trim()); return; }
    seen.add(slot);
    for (const lang of resolved.languages) votes.set(lang, (votes.get(lang) ?? 0) + 1);
    const { languages: _languages, ...mapping } = resolved;
    columns.push({ index, header: header.replace(/^\ufeff/, '').trim(), ...mapping });
  });

  const has = (f: CanonicalField) => seen.has(f);
  const sessionScore = SESSION_ONLY.filter(has).length;
  const backstageScore = BACKSTAGE_ONLY.filter(has).length * 2 + (columns.some((c) => c.lastMonth) ? 2 : 0);
  const closest: CsvFormat | null =
    sessionScore === 0 && backstageScore === 0 && columns.length === 0 ? null : backstageScore > sessionScore ? 'backstage' : 'sessions';

  const missing: string[] = [];
  if (closest === 'sessions') {
    if (!has('startedAt') && !has('date')) missing.push('a start time or date column (e.g. "Start time")');
    if (!has('duration') && !has('endedAt')) missing.push('a duration column (e.g. "Duration")');
    if (!has('diamonds')) missing.push('a diamonds column (e.g. "Diamonds")');
  } else if (closest === 'backstage') {
    if (!has('dataPeriod')) missing.push('"Data period"');
    if (!has('creatorHandle')) missing.push(`"Creator's username"`);
    if (!has('diamonds')) missing.push('"Diamonds"');
    if (!has('duration')) missing.push('"LIVE duration"');
  } else {
    missing.push('headers of a LIVE sessions export or a Backstage creator data export');
  }

  let language: HeaderLanguage = 'en';
  let best = votes.get('en') ?? 0;
  for (const [lang, n] of votes) if (n > best) { best = n; language = lang; }

  return {
    format: missing.length === 0 ? closest : null,
    closest,
    columns,
    unrecognised,
    duplicates,
    missing,
    language,
    needsCreatorId: closest === 'sessions' && !has('creatorHandle'),
  };
}

/** Fields each format's rows keep (session documents / Backstage periods); anything else is not stored. */
const KEPT: Record<CsvFormat, ReadonlySet<CanonicalField>> = {
  sessions: new Set<CanonicalField>(['creatorHandle', 'startedAt', 'date', 'endedAt', 'duration', 'diamonds', 'gifts', 'gifters', 'viewers', 'peakViewers', 'avgViewers', 'newFollowers', 'likes', 'comments', 'shares']),
  backstage: new Set<CanonicalField>(['dataPeriod', 'creatorHandle', 'creatorTikTokId', 'group', 'manager', 'diamonds', 'duration', 'validLiveDays', 'newFollowers', 'liveStreams']),
};
const KEPT_LAST_MONTH = new Set<CanonicalField>(['diamonds', 'duration', 'validLiveDays', 'newFollowers', 'liveStreams']);

/**
 * Headers of the file that the import does not store: unknown ones, repeats of an earlier column, and
 * columns understood but not kept by this format (a "Likes" column in a Backstage export). The report
 * names them, so no column disappears without a word.
 */
export function columnsNotStored(d: FormatDetection & { format: CsvFormat }): string[] {
  const understood = d.columns.filter((c) => (c.lastMonth ? d.format !== 'backstage' || !KEPT_LAST_MONTH.has(c.field) : !KEPT[d.format].has(c.field))).map((c) => c.header);
  return [...understood, ...d.unrecognised, ...d.duplicates];
}
