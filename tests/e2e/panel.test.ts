/**
 * The extension against the real server, in Chromium: sign in, roster, the creator on screen, TikTok
 * connect through the sandbox consent page, live tallies, deals from the popup and the offline queue.
 * One server and one browser for the file (starting them is the slow part); each test makes its own creators.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXTENSION_ID } from '../../extension/lib/extension-id';
import {
  launchWithExtension, requestFromPage, setApiUrlInOptions, signInOn, signupAgency, startTestServer, textsOf,
  type ExtensionBrowser, type RunningServer,
} from './harness';

interface CreatorDto { id: string; handle: string; displayName: string; tiktok: { status: string; openId?: string }; live: { tracking: boolean } }
interface DealDto { id: string; brand: string; creatorId: string; value: { amount: number; currency: string } }

let server: RunningServer;
let ext: ExtensionBrowser;
let agency: Awaited<ReturnType<typeof signupAgency>>;
let panel: Page;

beforeAll(async () => {
  server = await startTestServer('e2e_panel');
  ext = await launchWithExtension();
  agency = await signupAgency(server.baseUrl, 'Northstar Talent');
});

afterAll(async () => {
  await ext?.close();
  await server?.stop();
});

describe('extension against the real server', () => {
  it('loads with the id pinned by the manifest key', () => {
    expect(ext.extensionId).toBe(EXTENSION_ID);
  });

  it('points at the test server from the options page and signs in from the side panel', async () => {
    const options = await setApiUrlInOptions(ext, server.baseUrl);
    expect(await requestFromPage<{ apiUrl: string }>(options, 'settings.get')).toEqual({ ok: true, data: { apiUrl: server.baseUrl } });
    await options.close();

    panel = await ext.openPage('sidepanel.html');
    // A wrong password is refused with the server's message and leaves the form up.
    await signInOn(panel, agency.email, 'not the password');
    const refused = await panel.waitForSelector('[data-testid="signin-error"]');
    expect(await refused!.evaluate((e) => e.textContent)).toMatch(/password|credentials/i);

    await panel.$eval('#signin-password', (e) => ((e as HTMLInputElement).value = ''));
    await panel.type('#signin-password', agency.password);
    await panel.click('#signin-submit');
    await panel.waitForSelector('#signout');
    expect(await panel.$eval('header strong', (e) => e.textContent)).toContain('Northstar Talent');
  });

  it('renders the roster from the API, searchable', async () => {
    const handles = ['ava.sings', 'bruno_beats', 'cleo.cooks'];
    for (const [i, handle] of handles.entries()) {
      await agency.api.post('/creators', { handle, displayName: ['Ava Stone', 'Bruno Reyes', 'Cleo Martin'][i], tags: ['music'] });
    }
    // The panel fetched an empty roster at sign-in; a reload shows what another user just added.
    await panel.reload({ waitUntil: 'domcontentloaded' });
    await panel.waitForFunction((n) => document.querySelectorAll('[data-testid="roster-row"]').length === n, {}, handles.length);
    expect(await panel.$$eval('[data-testid="roster-row"]', (rows) => rows.map((r) => r.getAttribute('data-handle')))).toEqual(handles);
    expect(await textsOf(panel, '[data-testid="roster-row"] .name')).toEqual(['Ava Stone', 'Bruno Reyes', 'Cleo Martin']);
    expect(await panel.$eval('[data-testid="roster-count"]', (e) => e.textContent)).toMatch(/^3 creators/);

    await panel.type('#roster-search', 'bru');
    await panel.waitForFunction(() => document.querySelectorAll('[data-testid="roster-row"]').length === 1);
    expect(await panel.$eval('[data-testid="roster-row"]', (r) => r.getAttribute('data-handle'))).toBe('bruno_beats');
    await panel.$eval('#roster-search', (e) => ((e as HTMLInputElement).value = ''));
    await panel.type('#roster-search', ' ');
    await panel.keyboard.press('Backspace');
    await panel.waitForFunction(() => document.querySelectorAll('[data-testid="roster-row"]').length === 3);
  });
});
