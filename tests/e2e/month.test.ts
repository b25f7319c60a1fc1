/**
 * The manager's month in the built extension: agency settings in options (with a validation message), the
 * card's Month block and Sessions list, the Board view and the roster's month figures, with screenshots of
 * the Month block and the Board (saved under .output/screenshots like the README's).
 */
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domClick, launchWithExtension, setApiUrlInOptions, signInOn, signupAgency, startTestServer, textsOf, type ExtensionBrowser, type RunningServer } from './harness';

const SCREENSHOTS = resolve(process.env.SCREENSHOT_DIR ?? '.output/screenshots');
const CREATORS = [
  { handle: 'luna.lives', displayName: 'Luna Park', perHour: 9000 },
  { handle: 'chef_marco', displayName: 'Chef Marco', perHour: 4200 },
  { handle: 'dj.kairo', displayName: 'DJ Kairo', perHour: 1500 },
  { handle: 'ava.sings', displayName: 'Ava Stone', perHour: 300 },
];

let server: RunningServer;
let ext: ExtensionBrowser;
let agency: Awaited<ReturnType<typeof signupAgency>>;
let panel: Page;
const ids = new Map<string, string>();

async function save(page: Page, name: string): Promise<void> {
  const path = join(SCREENSHOTS, name);
  await page.screenshot({ path, fullPage: false });
  expect(statSync(path).size).toBeGreaterThan(10_000);
}

/** Sessions of this month so far (two hours each, one a day back from yesterday or today's early hours). */
function sessionsCsv(): string {
  let csv = 'Username,Start time (UTC),Duration,Diamonds,Peak viewers\r\n';
  const now = Date.now();
  const monthStart = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1);
  for (const c of CREATORS) {
    for (let start = now - 3 * 3_600_000, k = 0; start >= monthStart && k < 12; start -= 86_400_000, k++) {
      csv += `${c.handle},${new Date(start).toISOString().slice(0, 16).replace('T', ' ')},2h 0m,${c.perHour * 2},${100 + k * 10}\r\n`;
    }
  }
  return csv;
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  server = await startTestServer('e2e_month');
  ext = await launchWithExtension();
  agency = await signupAgency(server.baseUrl, 'Northstar Talent', 'Alex Rivera');
  for (const c of CREATORS) ids.set(c.handle, (await agency.api.post<{ id: string }>('/creators', { handle: c.handle, displayName: c.displayName })).id);
  await agency.api.put('/agency/settings', {
    timeZone: 'UTC',
    validDayMinSeconds: 3600,
    tiers: [{ name: 'Rising', diamonds: 20_000, liveHours: 10, validDays: 5 }, { name: 'Star', diamonds: 150_000, liveHours: 40, validDays: 15 }, { name: 'Legend', diamonds: 600_000, liveHours: 60, validDays: 20 }],
    earnings: { currency: 'USD', rates: [{ from: '2026-01-01', per1000Diamonds: 500 }], agencySharePercent: 20 },
  });
  const form = new FormData();
  form.append('file', new Blob([sessionsCsv()], { type: 'text/csv' }), 'sessions.csv');
  const res = await fetch(`${server.baseUrl}/api/v1/imports`, { method: 'POST', headers: { authorization: `Bearer ${agency.token}` }, body: form });
  expect(res.status).toBe(201);
  expect((await res.json()).failed).toBe(0);
});

afterAll(async () => {
  await ext?.close();
  await server?.stop();
});

describe('the month in the extension', () => {
  it('options: an admin sees the agency settings and a bad time zone is named', async () => {
    const options = await setApiUrlInOptions(ext, server.baseUrl);
    await signInOn(options, agency.email, agency.password);
    await options.waitForSelector('[data-testid="agency-settings"] #settings-timezone');
    expect(await options.$$eval('[data-testid="tier-row"]', (rows) => rows.length)).toBe(3);
    const zone = (await options.$('#settings-timezone'))!;
    await zone.click({ count: 3 });
    await zone.type('Mars/Olympus');
    await domClick(options, '#save-agency-settings');
    await options.waitForSelector('[data-testid="error-timeZone"]');
    expect(await options.$eval('[data-testid="error-timeZone"]', (e) => e.textContent)).toContain('"Mars/Olympus" is not an IANA time zone');
    // Nothing was saved.
    expect((await agency.api.get<{ timeZone: string }>('/agency/settings')).timeZone).toBe('UTC');
    await options.close();
  });

  it("card: the Month block and the Sessions list", async () => {
    panel = await ext.openPage('sidepanel.html', { width: 400, height: 900 }, { newWindow: true });
    await panel.waitForSelector('[data-testid="roster-row"]');
    // Roster rows carry the month's diamonds and a pacing bar.
    await panel.waitForSelector(`[data-testid="roster-month-${ids.get('luna.lives')}"] .bar`);
    await domClick(panel, '[data-testid="roster-row"][data-handle="luna.lives"]');
    await panel.waitForSelector('[data-testid="month-block"]');
    await panel.waitForSelector('[data-testid="session-row"]');
    const sessions = await panel.$$eval('[data-testid="session-row"]', (rows) => rows.length);
    expect(sessions).toBeGreaterThan(0);
    expect(await textsOf(panel, '[data-testid="session-row"] .src')).toContain('import');
    const expected = await agency.api.get<{ diamonds: number; tier: { projected: string | null } }>(`/creators/${ids.get('luna.lives')}/month`);
    expect(await panel.$eval('[data-testid="month-tier-projected"]', (e) => e.textContent)).toBe(expected.tier.projected ?? 'none');
    expect(await panel.$$eval('[data-testid^="month-bar-"]', (bars) => bars.length)).toBe(3);
    await panel.$eval('[data-testid="month-block"]', (e) => e.scrollIntoView({ block: 'start' }));
    await save(panel, 'sidepanel-month.png');
  });

  it('the Board: sorted by month diamonds, with totals and a CSV button', async () => {
    await domClick(panel, '#tab-board');
    await panel.waitForSelector('[data-testid="board-row"]');
    const order = await panel.$$eval('[data-testid="board-row"]', (rows) => rows.map((r) => r.getAttribute('data-creator-id')));
    expect(order).toEqual(CREATORS.map((c) => ids.get(c.handle)));
    expect(await panel.$eval('[data-testid="board-totals"]', (e) => e.textContent)).toContain('4 creators');
    expect(await panel.$('#board-csv:not([disabled])')).not.toBeNull();
    await save(panel, 'sidepanel-board.png');
  });
});
