import { describe, expect, it } from 'vitest';
import type { ImportRecord } from '../schemas/imports';
import { formatBytes, reportSummary, uploadErrorMessage } from './import-client.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 bytes'],
    [1, '1 byte'],
    [1023, '1023 bytes'],
    [1536, '1.5 KB'],
    [200 * 1024, '200 KB'],
    [5 * 1024 * 1024 + 100, '5.0 MB'],
  ])('%d → %s', (n, expected) => expect(formatBytes(n)).toBe(expected));
});

describe('uploadErrorMessage', () => {
  it('names the headers the server found', () => {
    expect(uploadErrorMessage(422, { message: 'Not a LIVE export.', details: { headers: ['Name', 'Colour'] } })).toBe('Not a LIVE export. Headers found: Name, Colour.');
  });
  it('falls back to the status', () => expect(uploadErrorMessage(502, undefined)).toBe('Upload failed (HTTP 502).'));
});

describe('reportSummary', () => {
  const record = {
    fileName: 'live.xlsx', bytesTotal: 20 * 1024, fileType: 'xlsx', rows: 3, inserted: 2, duplicates: 0, updated: 0, failed: 1, skipped: 0,
    diamondsAdded: 12345, timeZone: 'Europe/Berlin', ignoredColumns: ['Mood'],
  } as unknown as ImportRecord;
  it('says size, type, counts, diamonds added, zone and ignored columns', () => {
    expect(reportSummary(record)).toEqual([
      'live.xlsx · 20 KB · Excel workbook',
      '3 rows: 2 inserted · 0 duplicates · 0 updated · 1 failed · 0 skipped',
      'Diamonds added: 12,345',
      'Times without a time zone read as Europe/Berlin',
      'Columns not imported: Mood',
    ]);
  });
});
