import { fail, isEmptyCell, ok, quoteValue, type Parsed } from './result';

/**
 * Number rules (one place, because `1,234` and `1.234` are ambiguous on their own):
 * - Spaces, no-break spaces, apostrophes and underscores are always thousands separators.
 * - Both `,` and `.` present: the last one is the decimal separator (`1.234,5`, `1,234.5`).
 * - One separator repeated (`1,234,567`, `1.234.567`): thousands, groups must be 3 digits.
 * - One separator once, followed by other than 3 digits (`88.46`, `12,5`): decimal.
 * - One separator once, followed by exactly 3 digits (`1,234` / `1.234`): for whole-number
 *   columns (diamonds, gifts, viewers...) it is a thousands separator, since those can't be
 *   fractional; for decimal columns (average viewers, hours) the file's decimal separator
 *   decides (see `sniffDecimalSeparator`).
 * - Suffixes `K`, `M`, `B` (and Indonesian `rb`, `jt`): the separator before them is decimal
 *   (`1.2K`, `1,2K`); abbreviated whole numbers are rounded (`1.2345K` → 1235).
 * - Empty cells and placeholders (`-`, `N/A`) are "no value" (null), not errors.
 */
export type NumberKind = 'integer' | 'decimal';
export type DecimalSeparator = '.' | ',';

const SUFFIX_RE = /\s*(k|m|b|rb|ribu|jt|juta)\.?$/i;
const SUFFIX_FACTOR: Record<string, number> = { k: 1e3, rb: 1e3, ribu: 1e3, m: 1e6, jt: 1e6, juta: 1e6, b: 1e9 };
const GROUPING_CHARS_RE = /[\s\u00a0\u202f'’_]/g;
const GROUPING_CHARS_TEST_RE = /[\s\u00a0\u202f'’_]/;
const BODY_RE = /^[0-9.,]+$/;

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** `1,234,567`: a first group of 1-3 digits, then groups of exactly 3. */
function validGroups(intPart: string, sep: number): boolean {
  let run = 0;
  let first = true;
  for (let i = 0; i < intPart.length; i++) {
    const c = intPart.charCodeAt(i);
    if (c === sep) {
      if (first ? run < 1 || run > 3 : run !== 3) return false;
      first = false;
      run = 0;
    } else if (c >= 48 && c <= 57) run++;
    else return false;
  }
  return first ? run > 0 : run === 3;
}

/** Parses a count or measure; null for an empty cell. */
export function parseNumber(raw: string, kind: NumberKind = 'integer', decimal: DecimalSeparator = '.'): Parsed<number | null> {
  if (isEmptyCell(raw)) return ok(null);
  let s = raw.trim();
  // Fast path: the common plain integer, without regex work.
  if (s.length <= 15 && isDigits(s)) return ok(Number(s));

  let negative = false;
  const first = s.charCodeAt(0);
  if (first === 45 || first === 0x2212) { negative = true; s = s.slice(1).trim(); }
  else if (first === 43) s = s.slice(1).trim();

  let factor = 1;
  const suffix = SUFFIX_RE.exec(s);
  if (suffix) {
    factor = SUFFIX_FACTOR[suffix[1].toLowerCase()];
    s = s.slice(0, suffix.index);
  }
  if (GROUPING_CHARS_TEST_RE.test(s)) s = s.replace(GROUPING_CHARS_RE, '');
  if (!BODY_RE.test(s)) return fail('INVALID_NUMBER', `${quoteValue(raw)} is not a number`);

  const lastComma = s.lastIndexOf(',');
  const lastDot = s.lastIndexOf('.');
  let dec: string | null = null;
  let group: string | null = null;
  if (lastComma >= 0 && lastDot >= 0) {
    dec = lastComma > lastDot ? ',' : '.';
    group = dec === ',' ? '.' : ',';
  } else if (lastComma >= 0 || lastDot >= 0) {
    const sep = lastComma >= 0 ? ',' : '.';
    const at = Math.max(lastComma, lastDot);
    if (s.indexOf(sep) !== at) group = sep;
    else if (factor !== 1 || s.length - at - 1 !== 3) dec = sep;
    else if (kind === 'integer') group = sep;
    else if (sep === decimal) dec = sep;
    else group = sep;
  }

  let intPart = s;
  let fracPart = '';
  if (dec !== null) {
    const at = s.lastIndexOf(dec);
    intPart = s.slice(0, at);
    fracPart = s.slice(at + 1);
    if (s.indexOf(dec) !== at || !isDigits(fracPart)) return fail('INVALID_NUMBER', `${quoteValue(raw)} is not a number`);
    if (intPart === '') intPart = '0';
  }
  if (group !== null) {
    if (!validGroups(intPart, group.charCodeAt(0))) {
      return fail('INVALID_NUMBER', `${quoteValue(raw)} has thousands separators in the wrong places`);
    }
    intPart = intPart.replaceAll(group, '');
  }
  if (!isDigits(intPart)) return fail('INVALID_NUMBER', `${quoteValue(raw)} is not a number`);

  let value = Number(fracPart ? `${intPart}.${fracPart}` : intPart) * factor;
  if (factor !== 1 && kind === 'integer') value = Math.round(value);
  else if (factor !== 1) value = Math.round(value * 1e6) / 1e6; // 1.1K * 1e3 float noise
  if (kind === 'integer' && !Number.isInteger(value)) {
    return fail('NOT_WHOLE_NUMBER', `${quoteValue(raw)} is not a whole number`);
  }
  return ok(negative && value !== 0 ? -value : value);
}

/**
 * Looks at sample values and says which decimal separator the file proves, or null when no
 * value decides it. Proof: both separators in one value (the last is decimal), one separator
 * repeated (it is grouping, so the other is decimal), or one separator followed by 1, 2 or 4+
 * digits (decimal).
 */
export function sniffDecimalSeparator(values: Iterable<string>): DecimalSeparator | null {
  let commaVotes = 0;
  let dotVotes = 0;
  for (const raw of values) {
    if (isEmptyCell(raw)) continue;
    const s = raw.trim();
    if (SUFFIX_RE.test(s)) continue;
    const lastComma = s.lastIndexOf(',');
    const lastDot = s.lastIndexOf('.');
    if (lastComma >= 0 && lastDot >= 0) {
      if (lastComma > lastDot) commaVotes++;
      else dotVotes++;
    } else if (lastComma >= 0 || lastDot >= 0) {
      const sep = lastComma >= 0 ? ',' : '.';
      const at = Math.max(lastComma, lastDot);
      const repeated = s.indexOf(sep) !== at;
      const decimalByLength = !repeated && s.length - at - 1 !== 3 && isDigits(s.slice(at + 1));
      if (repeated) sep === ',' ? dotVotes++ : commaVotes++;
      else if (decimalByLength) sep === ',' ? commaVotes++ : dotVotes++;
    }
  }
  if (commaVotes === dotVotes) return null;
  return commaVotes > dotVotes ? ',' : '.';
}
