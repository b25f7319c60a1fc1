/**
 * The extension against the real server, in Chromium: sign in, roster, the creator on screen, TikTok
 * connect through the sandbox consent page, live tallies, deals from the popup and the offline queue.
 * One server and one browser for the file (starting them is the slow part); each test makes its own creators.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXTENSION_ID } from '../../extension/lib/extension-id';
import {
  approveSandboxConsent, domClick, EXTENSION_DIR, launchWithExtension, requestFromPage, setApiUrlInOptions, signInOn, signupAgency, startTestServer, textsOf,
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

/** Opens a tab on a tiktok.com URL, served locally (there is no internet), and makes it the active tab. */
async function openTikTokTab(url: string): Promise<Page> {
  const tab = await ext.browser.newPage();
  tab.setDefaultTimeout(15_000);
  await tab.setRequestInterception(true);
  tab.on('request', (request) => {
    const target = new URL(request.url());
    if (target.hostname.endsWith('tiktok.com')) {
      const handle = decodeURIComponent(target.pathname.split('/')[1] ?? '');
      void request.respond({ status: 200, contentType: 'text/html', body: `<!doctype html><title>${handle} | TikTok</title><h1>${handle}</h1>` });
    } else void request.abort();
  });
  await tab.goto(url, { waitUntil: 'domcontentloaded' });
  await tab.bringToFront();
  return tab;
}

/** Opens a creator's card in the side panel from the roster list (reloaded first: the creator may be new). */
async function showInPanel(handle: string): Promise<void> {
  await domClick(panel, '#tab-roster');
  await domClick(panel, '#roster-refresh');
  await domClick(panel, `[data-testid="roster-row"][data-handle="${handle}"]`);
  await panel.waitForFunction((h) => document.querySelector('[data-testid="creator-handle"]')?.textContent === `@${h}`, {}, handle);
}

async function fillDeal(popup: Page, deal: { creator: string; brand: string; value: string; stage: string }): Promise<void> {
  await popup.waitForSelector('[data-testid="deal-form"]');
  await popup.$eval('#deal-creator', (e) => ((e as HTMLInputElement).value = ''));
  await popup.type('#deal-creator', deal.creator);
  await popup.type('#deal-brand', deal.brand);
  await popup.type('#deal-value', deal.value);
  await popup.select('#deal-stage', deal.stage);
}

describe('extension against the real server', () => {
  it('loads with the id pinned by the manifest key, with its icons', () => {
    expect(ext.extensionId).toBe(EXTENSION_ID);
    const manifest = JSON.parse(readFileSync(join(EXTENSION_DIR, 'manifest.json'), 'utf8')) as { icons?: Record<string, string> };
    expect(Object.keys(manifest.icons ?? {})).toEqual(['16', '32', '48', '128']);
    for (const file of Object.values(manifest.icons ?? {})) expect(existsSync(join(EXTENSION_DIR, file))).toBe(true);
  });

  it('points at the test server from the options page and signs in from the side panel', async () => {
    const options = await setApiUrlInOptions(ext, server.baseUrl);
    expect(await requestFromPage<{ apiUrl: string }>(options, 'settings.get')).toEqual({ ok: true, data: { apiUrl: server.baseUrl } });
    await options.close();

    panel = await ext.openPage('sidepanel.html', undefined, { newWindow: true });
    // A wrong password is refused with the server's message and leaves the form up.
    await signInOn(panel, agency.email, 'not the password');
    const refused = await panel.waitForSelector('[data-testid="signin-error"]');
    expect(await refused!.evaluate((e) => e.textContent)).toMatch(/password|credentials/i);

    await panel.$eval('#signin-password', (e) => ((e as HTMLInputElement).value = ''));
    await panel.type('#signin-password', agency.password);
    await domClick(panel, '#signin-submit');
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
    await panel.focus('#roster-search');
    for (let i = 0; i < 3; i++) await panel.keyboard.press('Backspace');
    await panel.waitForFunction(() => document.querySelectorAll('[data-testid="roster-row"]').length === 3);
  });

  it('brings up the card of the creator in the active TikTok tab, and offers to add an unknown one', async () => {
    const ava = await agency.api.get<CreatorDto>('/creators/by-handle/ava.sings');
    const tiktok = await openTikTokTab('https://www.tiktok.com/@ava.sings?lang=en');
    await panel.waitForFunction((id) => document.querySelector('[data-testid="creator-card"]')?.getAttribute('data-creator-id') === id, { timeout: 15_000 }, ava.id);
    expect(await panel.$eval('[data-testid="creator-name"]', (e) => e.textContent)).toContain('Ava Stone');
    expect(await panel.$eval('#tab-card', (e) => e.textContent)).toBe('On screen: @ava.sings');

    // TikTok is a single-page app: an in-tab navigation to another profile follows too.
    await tiktok.goto('https://www.tiktok.com/@Zoe.Unknown/live', { waitUntil: 'domcontentloaded' });
    await panel.waitForSelector('[data-testid="unknown-creator"]', { timeout: 15_000 });
    expect(await panel.$eval('[data-testid="unknown-creator"]', (e) => e.textContent)).toContain('@zoe.unknown is not in your roster');
    await domClick(panel, '#add-to-roster');
    await panel.waitForSelector('[data-testid="creator-card"]');
    const added = await agency.api.get<CreatorDto>('/creators/by-handle/zoe.unknown');
    expect(await panel.$eval('[data-testid="creator-card"]', (e) => e.getAttribute('data-creator-id'))).toBe(added.id);
    await tiktok.close();
  });

  it('logs a deal in the popup; it appears in the creator\'s deals on the card and in the API', async () => {
    const bruno = await agency.api.get<CreatorDto>('/creators/by-handle/bruno_beats');
    await showInPanel(bruno.handle);
    expect(await panel.$eval('[data-testid="creator-card"]', (e) => e.textContent)).toContain('No deals yet');

    const popup = await ext.openPage('popup.html', { width: 340, height: 560 });
    await fillDeal(popup, { creator: '@bruno_beats', brand: 'Glow Cosmetics', value: '1500', stage: 'negotiating' });
    await popup.click('#deal-submit');
    const outcome = await popup.waitForSelector('[data-testid="deal-outcome"]');
    expect(await outcome!.evaluate((e) => [e.getAttribute('data-outcome'), e.textContent])).toEqual(['created', 'Deal with Glow Cosmetics saved.']);
    // The form is ready for the next deal.
    expect(await popup.$eval('#deal-brand', (e) => (e as HTMLInputElement).value)).toBe('');
    await popup.close();

    await panel.waitForSelector('[data-testid="deal-list"] li');
    expect(await textsOf(panel, '[data-testid="deal-list"] li .deal-brand')).toEqual(['Glow Cosmetics']);
    expect(await textsOf(panel, '[data-testid="deal-list"] li .deal-value')).toEqual(['$1,500.00']);
    expect(await panel.$$eval('[data-testid="deal-list"] li select.deal-stage', (els) => els.map((e) => (e as HTMLSelectElement).value))).toEqual(['negotiating']);
    const { items } = await agency.api.get<{ items: DealDto[] }>(`/deals?creatorId=${bruno.id}`);
    expect(items.map((d) => [d.brand, d.value])).toEqual([['Glow Cosmetics', { amount: 150_000, currency: 'USD' }]]);
  });

  it('queues a deal whose answer was lost and sends it exactly once when the API is back', async () => {
    const cleo = await agency.api.get<CreatorDto>('/creators/by-handle/cleo.cooks');
    await showInPanel(cleo.handle);
    const dealsOfCleo = async () => (await agency.api.get<{ items: DealDto[] }>(`/deals?creatorId=${cleo.id}`)).items;

    // The service worker's POST /deals reaches the server, but the connection drops before the answer arrives.
    const cdp = await (await ext.workerTarget()).createCDPSession();
    let dropped = 0;
    cdp.on('Fetch.requestPaused', (event: { requestId: string; request: { method: string } }) => {
      if (event.request.method === 'POST') {
        dropped++;
        void cdp.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'ConnectionReset' });
      } else void cdp.send('Fetch.continueRequest', { requestId: event.requestId });
    });
    await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${server.baseUrl}/api/v1/deals`, requestStage: 'Response' }] });

    const popup = await ext.openPage('popup.html', { width: 340, height: 560 });
    await fillDeal(popup, { creator: 'cleo.cooks', brand: 'Fresh Pantry', value: '820.50', stage: 'lead' });
    await popup.click('#deal-submit');
    const outcome = await popup.waitForSelector('[data-testid="deal-outcome"]');
    expect(await outcome!.evaluate((e) => e.getAttribute('data-outcome'))).toBe('queued');
    expect(dropped).toBeGreaterThanOrEqual(1);
    await popup.close();

    // Retrying while answers still get lost must not create a second deal either.
    expect(await requestFromPage(panel, 'deals.flush')).toEqual({ ok: true, data: { sent: 0, pending: 1, rejected: 0 } });
    expect((await dealsOfCleo()).map((d) => d.brand)).toEqual(['Fresh Pantry']);

    await cdp.send('Fetch.disable');
    await cdp.detach();
    expect(await requestFromPage(panel, 'deals.flush')).toEqual({ ok: true, data: { sent: 1, pending: 0, rejected: 0 } });
    // Nothing left to send.
    expect(await requestFromPage(panel, 'deals.flush')).toEqual({ ok: true, data: { sent: 0, pending: 0, rejected: 0 } });
    const deals = await dealsOfCleo();
    expect(deals.map((d) => [d.brand, d.value.amount])).toEqual([['Fresh Pantry', 82_050]]);
    await panel.waitForSelector('[data-testid="deal-list"] li');
    await panel.waitForFunction(() => document.querySelectorAll('[data-testid="pending-deal"]').length === 0);
    expect(await textsOf(panel, '[data-testid="deal-list"] li .deal-brand')).toEqual(['Fresh Pantry']);
  });

  it('connects TikTok through the sandbox consent page (launchWebAuthFlow) and shows the synced profile and metrics', async () => {
    const luna = await agency.api.post<CreatorDto>('/creators', { handle: 'luna.lives', displayName: 'Luna Park' });
    await showInPanel(luna.handle);
    expect(await panel.$eval('[data-testid="tiktok-status"]', (e) => e.textContent)).toBe('TikTok: not connected');

    await domClick(panel, '#tiktok-connect');
    // The consent page needs a click, so Chromium shows it in a window of its own (a page target).
    const openId = await approveSandboxConsent(ext, server, 'luna.lives');

    await panel.waitForFunction(() => document.querySelector('[data-testid="tiktok-status"]')?.textContent === 'TikTok: connected', { timeout: 20_000 });
    const connected = await agency.api.get<CreatorDto & { tiktok: { stats: { followers: number } } }>(`/creators/${luna.id}`);
    expect(connected.tiktok.status).toBe('connected');
    expect(connected.tiktok.openId).toBe(openId);
    // The open_id is a detail to copy, not the headline.
    expect(await panel.$eval('[data-testid="creator-open-id"]', (e) => e.textContent)).toBe(openId);
    expect(await panel.$eval('[data-testid="creator-open-id"]', (e) => !!e.closest('details'))).toBe(true);
    expect(await panel.$eval('[data-testid="creator-bio"]', (e) => e.textContent)).toContain('Singing LIVE every night');
    // The tile shows what the sync stored (482,310 followers in the sandbox → "482.3K").
    expect(connected.tiktok.stats.followers).toBeGreaterThanOrEqual(482_310);
    expect(await panel.$eval('[data-testid="metric-followers"]', (e) => e.textContent)).toMatch(/^48\d\.\dK$/);
    await panel.waitForSelector('[data-testid="video-grid"] .video');
    expect((await panel.$$('[data-testid="video-grid"] .video')).length).toBeGreaterThan(0);
  });

  it('shows gifts sent in the sandbox LIVE in the side panel tally, on the card and in the roster', async () => {
    const mika = await agency.api.post<CreatorDto>('/creators', { handle: 'mika.live', displayName: 'Mika Sato' });
    server.live.rooms.goLive('mika.live', { nickname: 'Mika Sato' });
    await showInPanel(mika.handle);
    expect(await panel.$eval('#live-tracking', (e) => (e as HTMLInputElement).checked)).toBe(false);
    await domClick(panel, '#live-tracking');
    await panel.waitForFunction(() => (document.querySelector('#live-tracking') as HTMLInputElement).checked && !(document.querySelector('#live-tracking') as HTMLInputElement).disabled);
    expect((await agency.api.get<CreatorDto>(`/creators/${mika.id}`)).live.tracking).toBe(true);

    // The listener finds the room live and connects; gifts sent before that would be another test.
    await server.live.rooms.waitForSockets('mika.live', 1, 30_000);
    await server.live.rooms.sendGift('mika.live', { userId: '9001', handle: 'rose_fan', nickname: 'Rose Fan', giftId: '5655', repeat: 5 });
    await server.live.rooms.sendGift('mika.live', { userId: '9002', handle: 'donut_fan', nickname: 'Donut Fan', giftId: '5879', repeat: 3 });
    server.live.rooms.setViewers('mika.live', 1_250);

    await panel.waitForFunction(() => document.querySelector('[data-testid="live-diamonds"]')?.textContent === '95', { timeout: 20_000 });
    expect(await textsOf(panel, '[data-testid="top-gifters"] li')).toEqual(['Donut Fan90', 'Rose Fan5']);
    // The diamond is the extension's own SVG icon, not an emoji (which needs a font the system may not have).
    expect(await panel.$eval('[data-testid="live-diamonds"]', (e) => e.querySelector('svg[data-icon="diamond"]') !== null)).toBe(true);
    await panel.waitForFunction(() => document.querySelector('[data-testid="live-viewers"]')?.textContent === '1.3K');

    await domClick(panel, '#tab-roster');
    await panel.waitForFunction((id) => document.querySelector(`[data-testid="roster-diamonds-${id}"]`)?.textContent === '95', {}, mika.id);
    // Live creators lead the roster.
    expect(await panel.$eval('[data-testid="roster-row"]', (r) => r.getAttribute('data-handle'))).toBe('mika.live');
    expect(await panel.$eval('[data-testid="stream-status"]', (e) => e.textContent)).toContain('live updates on');
  });
});
