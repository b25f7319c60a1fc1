/**
 * The one upload client in both places a browser shows it: the API's upload page (an ES module loaded
 * under the page's CSP) and the extension's options page (bundled by WXT), each importing a file and
 * showing the same report (size, type, diamonds added, time zone, rows to fix).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domClick, launchWithExtension, setApiUrlInOptions, signInOn, signupAgency, startTestServer, textsOf, type ExtensionBrowser, type RunningServer } from './harness';

let server: RunningServer;
let ext: ExtensionBrowser;
let agency: Awaited<ReturnType<typeof signupAgency>>;
const files = mkdtempSync(join(tmpdir(), 'liveroster-e2e-upload-'));

beforeAll(async () => {
  server = await startTestServer('e2e_upload');
  ext = await launchWithExtension();
  agency = await signupAgency(server.baseUrl, 'Upload Talent');
  await agency.api.post('/creators', { handle: 'page_luna' });
  await agency.api.post('/creators', { handle: 'options_mike' });
}, 120_000);

afterAll(async () => {
  await ext?.close();
  await server?.stop();
  rmSync(files, { recursive: true, force: true });
});

describe('the upload page served by the API', () => {
  it('imports an .xlsx through the shared client and shows size, type, diamonds added and the zone chosen', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('LIVE');
    ws.addRow(['Username', 'Start time', 'Duration', 'Diamonds']);
    ws.addRow(['page_luna', '2026-07-01 20:00', 3600, 700]);
    ws.addRow(['page_luna', '2026-07-02 20:00', 1800, -3]);
    const path = join(files, 'live.xlsx');
    const bytes = Buffer.from(await wb.xlsx.writeBuffer());
    writeFileSync(path, bytes);

    const page = await ext.browser.newPage();
    page.setDefaultTimeout(20_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${server.baseUrl}/upload`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('#signin-form');
    await page.type('#email', agency.email);
    await page.type('#password', agency.password);
    await page.click('#signin-form button[type="submit"]');
    await page.waitForSelector('#upload-section:not([hidden])');
    await page.type('#timeZone', 'Europe/Berlin');
    const input = await page.waitForSelector('#file');
    await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(path);
    await page.waitForFunction(() => !(document.querySelector('#submit') as HTMLButtonElement).disabled);
    await page.click('#submit');
    await page.waitForSelector('#report:not([hidden])', { timeout: 60_000 });
    expect(await textsOf(page, '#report-status')).toEqual(['completed']);
    expect(await textsOf(page, '#r-inserted')).toEqual(['1']);
    expect(await textsOf(page, '#r-failed')).toEqual(['1']);
    expect(await textsOf(page, '#r-diamonds')).toEqual(['700']);
    const summary = (await textsOf(page, '#r-summary li')).join('\n');
    expect(summary).toContain(`live.xlsx · ${(bytes.length / 1024).toFixed(1)} KB · Excel workbook`);
    expect(summary).toContain('Times without a time zone read as Europe/Berlin');
    expect((await textsOf(page, '#r-errors-body td')).join(' ')).toContain('Diamonds: -3 is negative');
    expect(await page.$eval('#download-errors', (b) => (b as HTMLElement).offsetParent !== null)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});

describe("the extension's options page", () => {
  it('imports a CSV through the same client and shows the same report', async () => {
    const options = await setApiUrlInOptions(ext, server.baseUrl);
    await signInOn(options, agency.email, agency.password);
    await options.waitForSelector('#import-file');
    const path = join(files, 'options.csv');
    writeFileSync(path, 'Username,Start time,Duration,Diamonds,Mood\noptions_mike,2026-07-03 20:00,600,50,happy\noptions_mike,2026-07-04 20:00,600\n');
    const input = await options.waitForSelector('#import-file');
    await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(path);
    await options.type('#import-time-zone', 'Asia/Ho_Chi_Minh');
    await domClick(options, '#import-submit');
    await options.waitForSelector('[data-testid="import-report"][data-status="completed"]', { timeout: 60_000 });
    const summary = (await textsOf(options, '[data-testid="import-summary"] li')).join('\n');
    expect(summary).toContain('options.csv');
    expect(summary).toContain('1 inserted');
    expect(summary).toContain('1 failed');
    expect(summary).toContain('Diamonds added: 50');
    expect(summary).toContain('Times without a time zone read as Asia/Ho_Chi_Minh');
    expect(summary).toContain('Columns not imported: Mood');
    expect((await textsOf(options, '.report td')).join(' ')).toContain('3 values but the header has 5 columns');
    expect(await options.$('#import-download-errors')).not.toBeNull();
    const sessions = await agency.api.get<{ items: { startedAt: string }[] }>('/live/sessions?limit=10');
    expect(sessions.items.map((s) => s.startedAt)).toContain('2026-07-03T13:00:00.000Z');
    await options.close();
  }, 120_000);
});
