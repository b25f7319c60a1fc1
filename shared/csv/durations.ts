import { parseNumber, type DecimalSeparator } from './numbers';
import { fail, isEmptyCell, ok, quoteValue, type Parsed } from './result';

/** Unit of a bare number in a duration column, decided from the header ("Duration (min)"). */
export type DurationUnit = 'seconds' | 'minutes' | 'hours';

/** How `45:10` (two parts) reads: minutes:seconds for one LIVE, hours:minutes for month totals. */
export type ClockForm = 'm:s' | 'h:m';

export const UNIT_SECONDS: Record<DurationUnit, number> = { seconds: 1, minutes: 60, hours: 3600 };

// Unit words in exported durations, lower case: `23h 7m 8s`, `2 jam 5 menit`, `1 giờ 3 phút`, `1時間3分`.
const UNIT_WORDS: Record<string, number> = {}; // word → index into UNIT_SIZES
const UNIT_SIZES = [86400, 3600, 60, 1];
for (const [index, words] of [
  [0, 'd day days día días dia dias hari ngày 日'],
  [1, 'h hr hrs hour hours hora horas jam j giờ gio 時間 小时 ชม ชั่วโมง'],
  [2, 'm min mins minute minutes minuto minutos menit mnt phút phut 分 นาที'],
  [3, 's sec secs second seconds seg segs segundo segundos detik dtk giây giay 秒 วินาที'],
] as const) {
  for (const w of words.split(' ')) UNIT_WORDS[w] = index;
}

const CLOCK_RE = /^(\d+):(\d{1,2})(?::(\d{1,2}))?(?:[.,](\d+))?$/;
const TOKEN_RE = /(\d+(?:[.,]\d+)?)\s*([^\d\s.,:]+)\.?\s*/gy;

function durationError(raw: string, plainUnit: DurationUnit) {
  return fail('INVALID_DURATION', `${quoteValue(raw)} is not a duration (use e.g. 1h 23m 45s, 01:23:45 or a number of ${plainUnit})`);
}

/**
 * Parses a duration to whole seconds; null for an empty cell. Accepts `23h 7m 8s`, `88.46h`,
 * `01:23:45`, `45:10` (per `clock`), `1.5 jam`, and bare numbers in `plainUnit`.
 */
export function parseDuration(
  raw: string,
  plainUnit: DurationUnit = 'seconds',
  clock: ClockForm = 'm:s',
  decimal: DecimalSeparator = '.',
): Parsed<number | null> {
  if (isEmptyCell(raw)) return ok(null);
  const s = raw.trim();
  const bad = durationError;

  const c = CLOCK_RE.exec(s);
  if (c) {
    const a = Number(c[1]);
    const b = Number(c[2]);
    const frac = c[4] ? Number(`0.${c[4]}`) : 0;
    if (c[3] !== undefined) {
      const sec = Number(c[3]);
      if (b >= 60 || sec >= 60) return bad(raw, plainUnit);
      return ok(Math.round(a * 3600 + b * 60 + sec + frac));
    }
    if (b >= 60) return bad(raw, plainUnit);
    return ok(Math.round(clock === 'h:m' ? a * 3600 + b * 60 + frac * 60 : a * 60 + b + frac));
  }

  const first = s.charCodeAt(0);
  if (first < 48 || first > 57) return bad(raw, plainUnit);
  const last = s.charCodeAt(s.length - 1);
  if (last >= 48 && last <= 57) {
    const n = parseNumber(s, 'decimal', decimal);
    if (!n.ok) return bad(raw, plainUnit);
    if (n.value === null) return ok(null);
    if (n.value < 0) return bad(raw, plainUnit);
    return ok(Math.round(n.value * UNIT_SECONDS[plainUnit]));
  }

  // Unit form: every character must belong to a number+unit token, each unit at most once.
  TOKEN_RE.lastIndex = 0;
  let total = 0;
  let seen = 0;
  let end = 0;
  for (let m = TOKEN_RE.exec(s); m; m = TOKEN_RE.exec(s)) {
    const word = m[2].toLowerCase();
    const unit = UNIT_WORDS[word] ?? UNIT_WORDS[word.normalize('NFC')];
    if (unit === undefined || seen & (1 << unit)) return bad(raw, plainUnit);
    seen |= 1 << unit;
    total += Number(m[1].replace(',', '.')) * UNIT_SIZES[unit];
    end = TOKEN_RE.lastIndex;
  }
  if (end !== s.length) return bad(raw, plainUnit);
  return ok(Math.round(total));
}
