import { describe, expect, it } from 'vitest';
import { xlsxCellText } from './xlsx-stream';

describe('xlsxCellText: a workbook cell as the text a CSV export would hold', () => {
  it.each<[string, unknown, string]>([
    ['empty', null, ''],
    ['text', 'luna.live', 'luna.live'],
    ['number', 1234567, '1234567'],
    ['decimal', 356.5, '356.5'],
    ['boolean', true, 'TRUE'],
    ['date-time as written', new Date(Date.UTC(2026, 6, 25, 20, 15, 0)), '2026-07-25 20:15:00'],
    ['date only', new Date(Date.UTC(2026, 6, 25)), '2026-07-25'],
    ['time-only cell (a duration)', new Date(Date.UTC(1899, 11, 30, 1, 23, 45)), '1:23:45'],
    ['duration over a day', new Date(Date.UTC(1899, 11, 31, 2, 0, 0)), '26:00:00'],
    ['formula: its result', { formula: 'A1*2', result: 84 }, '84'],
    ['shared formula: its result', { sharedFormula: 'B2', result: 'x' }, 'x'],
    ['rich text', { richText: [{ text: '@Luna' }, { text: '.Live' }] }, '@Luna.Live'],
    ['hyperlink: its text', { text: 'luna', hyperlink: 'https://www.tiktok.com/@luna' }, 'luna'],
    ['error value', { error: '#N/A' }, '#N/A'],
  ])('%s', (_name, value, expected) => expect(xlsxCellText(value)).toBe(expected));
});
