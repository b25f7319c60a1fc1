import { describe, expect, it } from 'vitest';
import { columnsNotStored, detectFormat, type CsvFormat, type FormatDetection } from './detect-format';
import { isTotalsLabel, normaliseHeaderKey, resolveHeader, startsWithTotalsLabel, type CanonicalField } from './header-aliases';

describe('normaliseHeaderKey', () => {
  it.each([
    ["Creator's username", 'creatorsusername'],
    ['  CREATOR’S   USER-NAME ', 'creatorsusername'],
    ['\ufeffDuración', 'duracion'],
    ['Avg. viewers', 'avgviewers'],
    ['Thời lượng', 'thoiluong'],
    ['Đ', 'd'],
  ])('%j → %j', (header, key) => expect(normaliseHeaderKey(header)).toBe(key));
});

describe('resolveHeader', () => {
  const cases: Array<[string, CanonicalField, Partial<{ lastMonth: boolean; unit: string; offsetMinutes: number }>]> = [
    ['Username', 'creatorHandle', {}],
    ['@Handle', 'creatorHandle', {}],
    ["creator's USERNAME", 'creatorHandle', {}],
    ['Start time', 'startedAt', {}],
    ['Start time (UTC+7)', 'startedAt', { offsetMinutes: 420 }],
    ['Date (UTC+0)', 'date', { offsetMinutes: 0 }],
    ['Duration', 'duration', {}],
    ['Duration (min)', 'duration', { unit: 'minutes' }],
    ['Duration in seconds', 'duration', { unit: 'seconds' }],
    ['LIVE duration (h)', 'duration', { unit: 'hours' }],
    ['Duración (minutos)', 'duration', { unit: 'minutes' }],
    ['Durasi (detik)', 'duration', { unit: 'seconds' }],
    ['Diamonds', 'diamonds', {}],
    ['Diamantes', 'diamonds', {}],
    ['Berlian', 'diamonds', {}],
    ['Kim cương', 'diamonds', {}],
    ['ダイヤモンド', 'diamonds', {}],
    ['Pico de espectadores', 'peakViewers', {}],
    ['Penonton tertinggi', 'peakViewers', {}],
    ['Média de espectadores', 'avgViewers', {}],
    ['Novos seguidores', 'newFollowers', {}],
    ['Me gusta', 'likes', {}],
    ['Curtidas', 'likes', {}],
    ['Dibagikan', 'shares', {}],
    ['Data period', 'dataPeriod', {}],
    ['Período de datos', 'dataPeriod', {}],
    ['Creator ID', 'creatorTikTokId', {}],
    ['Creator Network manager', 'manager', {}],
    ['Valid go LIVE days', 'validLiveDays', {}],
    ['LIVE streams', 'liveStreams', {}],
    ['Diamonds last month', 'diamonds', { lastMonth: true }],
    ['LIVE duration last month', 'duration', { lastMonth: true }],
    ['Diamantes del mes pasado', 'diamonds', { lastMonth: true }],
    ['Berlian bulan lalu', 'diamonds', { lastMonth: true }],
    ['Last month new followers', 'newFollowers', { lastMonth: true }],
  ];
  it.each(cases)('%j → %s %j', (header, field, extra) => {
    const r = resolveHeader(header);
    expect(r).not.toBeNull();
    expect(r!.field).toBe(field);
    expect(r!.lastMonth).toBe(extra.lastMonth ?? false);
    expect(r!.unit).toBe(extra.unit);
    expect(r!.offsetMinutes).toBe(extra.offsetMinutes);
  });

  it.each(['Notes', 'Nickname', 'Outcome', '', '#', 'Diamonds per hour'])('%j is not recognised', (header) => {
    expect(resolveHeader(header)).toBeNull();
  });
});

describe('detectFormat', () => {
  it('recognises a LIVE sessions export and lists the headers it does not know', () => {
    const d = detectFormat(['Username', 'Start time', 'Duration', 'Diamonds', 'Viewers', 'Notes', 'Username']);
    expect(d.format).toBe('sessions');
    expect(d.columns.map((c) => [c.index, c.field])).toEqual([[0, 'creatorHandle'], [1, 'startedAt'], [2, 'duration'], [3, 'diamonds'], [4, 'viewers']]);
    expect(d.unrecognised).toEqual(['Notes']);
    expect(d.duplicates).toEqual(['Username']);
    expect(d.needsCreatorId).toBe(false);
    expect(d.language).toBe('en');
  });

  it('recognises the Backstage creator data export', () => {
    const d = detectFormat(['Data period', 'Creator ID', "Creator's username", 'Group', 'Creator Network manager', 'Diamonds', 'LIVE duration', 'Valid go LIVE days', 'New followers', 'LIVE streams', 'Diamonds last month']);
    expect(d.format).toBe('backstage');
    expect(d.missing).toEqual([]);
    expect(d.columns.filter((c) => c.lastMonth).map((c) => c.field)).toEqual(['diamonds']);
  });

  it('says which UI language the headers are in', () => {
    expect(detectFormat(['Fecha', 'Hora de inicio', 'Duración', 'Diamantes', 'Regalos']).language).toBe('es');
    expect(detectFormat(['Tanggal', 'Waktu mulai', 'Durasi', 'Berlian']).language).toBe('id');
    expect(detectFormat(['Ngày', 'Thời gian bắt đầu', 'Thời lượng', 'Kim cương']).language).toBe('vi');
  });

  it('needs a creatorId when sessions have no username column', () => {
    const d = detectFormat(['Fecha', 'Hora de inicio', 'Duración', 'Diamantes']);
    expect(d.format).toBe('sessions');
    expect(d.needsCreatorId).toBe(true);
  });

  it('accepts an end time instead of a duration', () => {
    expect(detectFormat(['Start time', 'End time', 'Diamonds']).format).toBe('sessions');
  });

  it('refuses headers that miss required columns and says which', () => {
    const d = detectFormat(['Start time', 'Viewers', 'Likes']);
    expect(d.format).toBeNull();
    expect(d.closest).toBe('sessions');
    expect(d.missing.join(' ')).toMatch(/duration.*diamonds/);

    const b = detectFormat(['Creator ID', 'Group', 'Diamonds', 'LIVE duration']);
    expect(b.format).toBeNull();
    expect(b.closest).toBe('backstage');
    expect(b.missing).toEqual(['"Data period"', `"Creator's username"`]);

    const none = detectFormat(['name', 'email', 'phone']);
    expect(none.format).toBeNull();
    expect(none.closest).toBeNull();
    expect(none.unrecognised).toEqual(['name', 'email', 'phone']);
  });
});

describe('totals labels', () => {
  it.each(['Total', 'TOTAL:', 'Totales', 'Totais', 'Tổng', 'Tổng cộng', 'Jumlah', '合計', 'Grand total'])('%j is a totals label', (cell) => {
    expect(isTotalsLabel(cell)).toBe(true);
  });
  it.each(['total_king', 'totalgaming', 'luna.live', 'summer', ''])('%j is not', (cell) => {
    expect(isTotalsLabel(cell)).toBe(false);
  });
  it.each([['Total (5 LIVEs)', true], ['Totales del mes', true], ['2026-07-01', false], ['Tuesday', false]] as const)('%j starts with a totals label: %s', (cell, expected) => {
    expect(startsWithTotalsLabel(cell)).toBe(expected);
  });
});

describe('columnsNotStored', () => {
  const notStored = (headers: string[]) => columnsNotStored(detectFormat(headers) as FormatDetection & { format: CsvFormat });
  it.each<[string, string[], string[]]>([
    ['a full sessions export keeps every column', ['Username', 'Start time', 'Duration', 'Diamonds', 'Gifts', 'Gifters', 'Viewers', 'Peak viewers', 'Avg. viewers', 'New followers', 'Likes', 'Comments', 'Shares'], []],
    ['unknown columns are named', ['Username', 'Start time', 'Duration', 'Diamonds', 'Mood'], ['Mood']],
    ['a Backstage-only column in a sessions file', ['Username', 'Start time', 'Duration', 'Diamonds', 'Likes', 'Gifts', 'Manager'], ['Manager']],
    ['a session-only column in a Backstage file', ['Data period', "Creator's username", 'Diamonds', 'LIVE duration', 'Likes'], ['Likes']],
    ['a repeated column', ['Username', 'Start time', 'Duration', 'Diamonds', 'Diamonds'], ['Diamonds']],
  ])('%s', (_name, headers, expected) => expect(notStored(headers)).toEqual(expected));
});
