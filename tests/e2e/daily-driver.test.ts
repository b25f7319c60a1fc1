/**
 * The extension as a manager's daily driver (issue 13, extension half), in Chromium against the real server:
 * text size on every page, sign-up and teammates from the options page, the API URL rules, the roster's
 * loading state, counts and live order, the tablist, creator and deal editing on the card, pending deals,
 * the popup's autocomplete / tab prefill / remembered currency, the tab follower leaving a profile, offline
 * figures with their age, and an unreachable API URL. One server and one browser for the file; the tests
 * run in order and build on each other (like a day of use).
 */
import { randomBytes } from 'node:crypto';
import type { CDPSession, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAs, domClick, launchWithExtension, requestFromPage, startTestServer, type ExtensionBrowser, type RunningServer } from './harness';

interface CreatorDto { id: string; handle: string; displayName: string; tags: string[]; notes: string; managerId: string | null }
interface DealDto { id: string; brand: string; stage: string; value: { amount: number; currency: string }; dueDate: string | null }
interface UserDto { id: string; email: string; name: string; role: string }

let server: RunningServer;
let ext: ExtensionBrowser;
let options: Page;
let panel: Page;
let api: ReturnType<typeof apiAs>;
const ids = new Map<string, string>();
const adminEmail = `owner-${randomBytes(3).toString('hex')}@example.com`;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  server = await startTestServer('e2e_daily');
  ext = await launchWithExtension();
});

afterAll(async () => {
  await ext?.close();
  await server?.stop();
});

/** Replaces the text of a (Preact-controlled) field the way a person does: select all, delete, type (no mouse: some pages are in unfocused windows). */
async function retype(page: Page, selector: string, text: string): Promise<void> {
  const input = await page.waitForSelector(selector);
  await input!.evaluate((e) => {
    (e as HTMLInputElement).focus();
    (e as HTMLInputElement).select();
  });
  await page.keyboard.press('Backspace');
  if (text) await page.keyboard.type(text);
}

async function saveApiUrl(text: string): Promise<{ kind: string; text: string }> {
  await options.waitForFunction(() => (document.querySelector('#api-url') as HTMLInputElement).value !== '');
  await retype(options, '#api-url', text);
  await options.$eval('[data-testid="api-url-message"]', (e) => e.remove()).catch(() => undefined);
  await options.click('#api-url-save');
  const message = await options.waitForSelector('[data-testid="api-url-message"]', { timeout: 15_000 });
  return message!.evaluate((e) => ({ kind: e.getAttribute('data-kind') ?? '', text: e.textContent ?? '' }));
}

/** Every form control on the page has an accessible name (a <label>, aria-label or aria-labelledby). */
function unlabelledControls(page: Page): Promise<string[]> {
  return page.$$eval('input, select, textarea', (els) =>
    els
      .filter((e) => (e as HTMLInputElement).type !== 'hidden')
      .filter((e) => !((e as HTMLInputElement).labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')))
      .map((e) => e.id || e.outerHTML.slice(0, 80)),
  );
}

/**
 * Makes the service worker's requests to the API fail (offline), or with `hold` keeps them waiting, until
 * the returned function is called (held requests then go through).
 */
async function cutApi(urlPattern: string, options: { methods?: string[]; hold?: boolean } = {}): Promise<() => Promise<void>> {
  const cdp: CDPSession = await (await ext.workerTarget()).createCDPSession();
  const held: string[] = [];
  cdp.on('Fetch.requestPaused', (event: { requestId: string; request: { method: string } }) => {
    if (options.methods && !options.methods.includes(event.request.method)) void cdp.send('Fetch.continueRequest', { requestId: event.requestId }).catch(() => undefined);
    else if (options.hold) held.push(event.requestId);
    else void cdp.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'ConnectionRefused' }).catch(() => undefined);
  });
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern, requestStage: 'Request' }] });
  return async () => {
    for (const requestId of held) await cdp.send('Fetch.continueRequest', { requestId }).catch(() => undefined);
    await cdp.send('Fetch.disable');
    await cdp.detach();
  };
}

/** Opens a tab on a tiktok.com URL, served locally (there is no internet), and makes it the active tab. */
async function openTikTokTab(url: string): Promise<Page> {
  const tab = await ext.browser.newPage();
  tab.setDefaultTimeout(15_000);
  await tab.setRequestInterception(true);
  tab.on('request', (request) => {
    if (new URL(request.url()).hostname.endsWith('tiktok.com')) void request.respond({ status: 200, contentType: 'text/html', body: '<!doctype html><title>TikTok</title><h1>TikTok</h1>' });
    else void request.abort();
  });
  await tab.goto(url, { waitUntil: 'domcontentloaded' });
  await tab.bringToFront();
  return tab;
}

/**
 * Opens the popup as a background tab, so the TikTok tab stays the active one (as with the real toolbar popup).
 * A background tab runs no animation frames, so waits on it poll on a timer (`BEHIND`), not puppeteer's default
 * requestAnimationFrame polling, which checks once and then never again there.
 */
const BEHIND = { polling: 50 } as const;

async function openPopupBehind(): Promise<Page> {
  const url = `chrome-extension://${ext.extensionId}/popup.html#behind-${randomBytes(3).toString('hex')}`;
  const cdp = await ext.browser.target().createCDPSession();
  await cdp.send('Target.createTarget', { url, background: true });
  await cdp.detach();
  const popup = (await (await ext.browser.waitForTarget((t) => t.url() === url)).page())!;
  popup.setDefaultTimeout(15_000);
  await popup.waitForSelector('[data-testid="deal-form"]');
  return popup;
}

async function openInPanel(handle: string): Promise<void> {
  await domClick(panel, '#tab-roster');
  await panel.$eval('#roster-search', (e) => (e as HTMLElement).blur());
  await domClick(panel, `[data-testid="roster-row"][data-handle="${handle}"]`);
  await panel.waitForFunction((h) => document.querySelector('[data-testid="creator-handle"]')?.textContent === `@${h}`, {}, handle);
}

const rosterHandles = () => panel.$$eval('[data-testid="roster-row"]', (rows) => rows.map((r) => r.getAttribute('data-handle')));

describe('the extension as a daily driver', () => {
  it('options: body text at 13 px, an API URL without scheme and with a trailing slash, sign-up of a new agency', async () => {
    options = await ext.openPage('options.html', { width: 900, height: 1000 });
    // Chromium's own stylesheet sets body { font-size: 75% } on extension pages: 13 px must survive it.
    expect(await options.evaluate(() => getComputedStyle(document.body).fontSize)).toBe('13px');
    expect(await options.evaluate(() => getComputedStyle(document.querySelector('#api-url')!).fontSize)).toBe('13px');

    const bare = `${server.baseUrl.replace(/^http:\/\//, '')}/`;
    expect(await saveApiUrl(bare)).toEqual({ kind: 'ok', text: 'Saved.' });
    expect(await requestFromPage(options, 'settings.get')).toEqual({ ok: true, data: { apiUrl: server.baseUrl } });
    expect(await options.$eval('#api-url', (e) => (e as HTMLInputElement).value)).toBe(server.baseUrl);

    await domClick(options, '#choose-signup');
    await options.waitForSelector('[data-testid="signup-form"]');
    expect(await unlabelledControls(options)).toEqual([]);
    await options.type('#signup-agency', 'Lumen Creators');
    await options.type('#signup-name', 'Olivia Owner');
    await options.type('#signup-email', adminEmail);
    await options.type('#signup-password', PASSWORD);
    await domClick(options, '#signup-submit');
    const signedIn = await options.waitForSelector('[data-testid="signed-in-as"]', { timeout: 15_000 });
    expect(await signedIn!.evaluate((e) => e.textContent)).toContain('Olivia Owner (admin) · Lumen Creators');
    // The server knows the new agency and its admin.
    const login = await fetch(`${server.baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: adminEmail, password: PASSWORD }) });
    expect(login.status).toBe(200);
    expect(((await login.json()) as { agency: { name: string } }).agency.name).toBe('Lumen Creators');

    // The same URL with a trailing slash is the same server: still signed in.
    expect(await saveApiUrl(`${server.baseUrl}/`)).toEqual({ kind: 'ok', text: 'Saved.' });
    expect((await requestFromPage<{ signedIn: boolean }>(options, 'auth.state')).data?.signedIn).toBe(true);
    expect(await options.$('[data-testid="signed-in-as"]')).not.toBeNull();

    const token = (await requestFromPage<string>(options, 'auth.token')).data!;
    api = apiAs(server.baseUrl, token);
    for (const [handle, displayName, tags] of [
      ['ava.sings', 'Ava Stone', ['music']],
      ['bruno_beats', 'Bruno Reyes', ['music']],
      ['cleo.cooks', 'Cleo Martin', ['food']],
      ['mika.live', 'Mika Sato', ['music']],
      ['nova.dance', 'Nova Kim', ['dance']],
    ] as const) {
      ids.set(handle, (await api.post<CreatorDto>('/creators', { handle, displayName, tags })).id);
    }
  });

  it('side panel: loading (not "No creators yet") until the roster arrives, then the count; 13 px text; a keyboard tablist', async () => {
    // Hold the roster request: what shows meanwhile is "Loading", not an empty roster.
    const release = await cutApi('*/api/v1/creators?*', { hold: true });
    panel = await ext.openPage('sidepanel.html', { width: 400, height: 760 }, { newWindow: true });
    await panel.waitForSelector('[data-testid="roster-loading"]');
    await new Promise((r) => setTimeout(r, 500));
    expect(await panel.$('[data-testid="roster-loading"]')).not.toBeNull();
    expect(await panel.$('[data-testid="roster-empty"]')).toBeNull();
    expect(await panel.$('[data-testid="roster-count"]')).toBeNull();
    await release();
    await panel.waitForFunction(() => document.querySelector('[data-testid="roster-count"]')?.textContent === '5 creators · 0 live', { timeout: 15_000 });
    expect(await panel.evaluate(() => getComputedStyle(document.body).fontSize)).toBe('13px');
    expect(await panel.$eval('[data-testid="roster-row"] .name', (e) => getComputedStyle(e).fontSize)).toBe('13px');

    await panel.type('#roster-search', 'ava');
    await panel.waitForFunction(() => document.querySelector('[data-testid="roster-count"]')?.textContent === '1 creator · 0 live');
    await retype(panel, '#roster-search', '');
    await panel.waitForFunction(() => document.querySelectorAll('[data-testid="roster-row"]').length === 5);

    // Tabs: a real tablist, one tab stop, arrow keys move and select.
    expect(await panel.$eval('.tabs', (e) => e.getAttribute('role'))).toBe('tablist');
    expect(await panel.$$eval('[role="tab"]', (tabs) => tabs.map((t) => [t.id, t.getAttribute('aria-selected'), t.getAttribute('tabindex')]))).toEqual([
      ['tab-roster', 'true', '0'],
      ['tab-card', 'false', '-1'],
      ['tab-board', 'false', '-1'],
    ]);
    expect(await panel.$eval('#panel-roster', (e) => [e.getAttribute('role'), e.getAttribute('aria-labelledby')])).toEqual(['tabpanel', 'tab-roster']);
    await panel.focus('#tab-roster');
    await panel.keyboard.press('ArrowRight');
    await panel.waitForFunction(() => document.activeElement?.id === 'tab-card' && document.querySelector('#tab-card')?.getAttribute('aria-selected') === 'true');
    expect(await panel.$('#panel-card[role="tabpanel"]')).not.toBeNull();
    await panel.keyboard.press('Home');
    await panel.waitForFunction(() => document.activeElement?.id === 'tab-roster' && document.querySelector('#panel-roster') !== null);
    // A roster row is a button: Enter opens the card.
    await panel.focus('[data-testid="roster-row"][data-handle="ava.sings"]');
    await panel.keyboard.press('Enter');
    await panel.waitForFunction(() => document.querySelector('[data-testid="creator-handle"]')?.textContent === '@ava.sings');
    expect(await unlabelledControls(panel)).toEqual([]);
    await domClick(panel, '#tab-roster');
    expect(await unlabelledControls(panel)).toEqual([]);
  });

  it('admin adds a teammate (a manager user) and assigns a creator to them', async () => {
    await options.reload({ waitUntil: 'domcontentloaded' });
    await options.waitForSelector('[data-testid="invite-form"]');
    const email = `maria-${randomBytes(3).toString('hex')}@example.com`;
    await options.type('#invite-name', 'Maria Manager');
    await options.type('#invite-email', email);
    await options.type('#invite-password', 'another long passphrase');
    await domClick(options, '#invite-submit');
    await options.waitForSelector(`[data-testid="team-member"][data-email="${email}"]`, { timeout: 15_000 });
    const { items: users } = await api.get<{ items: UserDto[] }>('/users');
    const maria = users.find((u) => u.email === email)!;
    expect([maria.name, maria.role]).toEqual(['Maria Manager', 'manager']);

    const bruno = ids.get('bruno_beats')!;
    await options.waitForSelector(`#assign-${bruno} option[value="${maria.id}"]`, { timeout: 15_000 });
    expect(await unlabelledControls(options)).toEqual([]);
    await options.select(`#assign-${bruno}`, maria.id);
    await expect.poll(async () => (await api.get<CreatorDto>(`/creators/${bruno}`)).managerId, { timeout: 10_000 }).toBe(maria.id);
    // Maria signs in and sees her creator.
    const login = await fetch(`${server.baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'another long passphrase' }) });
    expect(login.status).toBe(200);
    const asMaria = apiAs(server.baseUrl, ((await login.json()) as { token: string }).token);
    expect((await asMaria.get<{ items: CreatorDto[] }>('/creators')).items.map((c) => c.handle)).toEqual(['bruno_beats']);
  });

  it('orders live creators by running diamonds; rows not live show the all-time total; "All time" includes the running session', async () => {
    const { rooms } = server.live;
    rooms.goLive('mika.live', { nickname: 'Mika Sato' });
    rooms.goLive('nova.dance', { nickname: 'Nova Kim' });
    for (const handle of ['mika.live', 'nova.dance']) await api.put(`/creators/${ids.get(handle)}/live-tracking`, { enabled: true });
    await Promise.all([rooms.waitForSockets('mika.live', 1, 30_000), rooms.waitForSockets('nova.dance', 1, 30_000)]);
    await rooms.sendGift('mika.live', { userId: '9001', handle: 'rose_fan', nickname: 'Rose Fan', giftId: '5655', repeat: 5 }); // 5
    await rooms.sendGift('nova.dance', { userId: '9002', handle: 'donut_fan', nickname: 'Donut Fan', giftId: '5879', repeat: 3 }); // 90

    await domClick(panel, '#tab-roster');
    const mika = ids.get('mika.live')!;
    const nova = ids.get('nova.dance')!;
    await panel.waitForFunction((n) => document.querySelector(`[data-testid="roster-diamonds-${n}"]`)?.textContent === '90', { timeout: 30_000 }, nova);
    await panel.waitForFunction((m) => document.querySelector(`[data-testid="roster-diamonds-${m}"]`)?.textContent === '5', { timeout: 30_000 }, mika);
    expect(await rosterHandles()).toEqual(['nova.dance', 'mika.live', 'ava.sings', 'bruno_beats', 'cleo.cooks']);
    expect(await panel.$eval('[data-testid="roster-count"]', (e) => e.textContent)).toBe('5 creators · 2 live');
    // The diamond is the extension's SVG, not an emoji.
    expect(await panel.$eval(`[data-testid="roster-diamonds-${nova}"] svg`, (e) => e.getAttribute('data-icon'))).toBe('diamond');
    expect(await panel.evaluate(() => /\u{1F48E}/u.test(document.body.textContent ?? ''))).toBe(false);

    // Mika overtakes Nova: the order follows.
    await rooms.sendGift('mika.live', { userId: '9003', handle: 'big_fan', nickname: 'Big Fan', giftId: '5879', repeat: 4 }); // +120 = 125
    await panel.waitForFunction((m) => document.querySelector(`[data-testid="roster-diamonds-${m}"]`)?.textContent === '125', { timeout: 30_000 }, mika);
    expect(await rosterHandles()).toEqual(['mika.live', 'nova.dance', 'ava.sings', 'bruno_beats', 'cleo.cooks']);
    // Rows not live: all-time diamonds and when last live.
    const ava = ids.get('ava.sings')!;
    expect(await panel.$eval(`[data-testid="roster-total-${ava}"]`, (e) => e.textContent)).toBe('0');
    expect(await panel.$eval(`[data-testid="roster-last-live-${ava}"]`, (e) => e.textContent)).toBe('never live');
    expect(await panel.$(`[data-testid="roster-figures-${ava}"]`)).not.toBeNull();

    // A filtered list counts what it shows.
    await panel.type('#roster-search', 'mika');
    await panel.waitForFunction(() => document.querySelector('[data-testid="roster-count"]')?.textContent === '1 creator · 1 live');
    await retype(panel, '#roster-search', '');
    await panel.waitForFunction(() => document.querySelectorAll('[data-testid="roster-row"]').length === 5);

    await openInPanel('mika.live');
    await panel.waitForFunction(() => document.querySelector('[data-testid="live-diamonds"]')?.textContent === '125', { timeout: 15_000 });
    // No session of Mika has ended yet: all time is the running session.
    expect(await panel.$eval('[data-testid="all-time-diamonds"]', (e) => e.textContent)).toBe('125');
  });

  it('the card fits 360–420 px without a horizontal scrollbar', async () => {
    await openInPanel('mika.live');
    for (const width of [360, 390, 420]) {
      await panel.setViewport({ width, height: 760 });
      await panel.waitForFunction((w) => window.innerWidth === w, {}, width);
      const overflow = await panel.evaluate(() => {
        const card = document.querySelector('[data-testid="creator-card"]') as HTMLElement;
        return { page: document.documentElement.scrollWidth - window.innerWidth, card: card.scrollWidth - card.clientWidth };
      });
      expect(overflow, `at ${width} px`).toEqual({ page: 0, card: 0 });
    }
    await panel.setViewport({ width: 400, height: 760 });
  });

  it('edits a creator in the panel: display name, tags (offered in the tag filter), notes, manager', async () => {
    const ava = ids.get('ava.sings')!;
    const { items: users } = await api.get<{ items: UserDto[] }>('/users');
    const maria = users.find((u) => u.name === 'Maria Manager')!;
    await openInPanel('ava.sings');
    await domClick(panel, '#creator-edit');
    await panel.waitForSelector('[data-testid="creator-edit-form"]');
    await retype(panel, '#edit-display-name', 'Ava Stone Official');
    await retype(panel, '#edit-tags', 'music, acoustic');
    await retype(panel, '#edit-notes', 'Prefers evening slots.');
    await panel.waitForSelector(`#edit-manager option[value="${maria.id}"]`);
    await panel.select('#edit-manager', maria.id);
    expect(await unlabelledControls(panel)).toEqual([]);
    await domClick(panel, '#creator-save');
    await panel.waitForSelector('[data-testid="creator-saved"]');
    const saved = await api.get<CreatorDto>(`/creators/${ava}`);
    expect([saved.displayName, saved.tags, saved.notes, saved.managerId]).toEqual(['Ava Stone Official', ['music', 'acoustic'], 'Prefers evening slots.', maria.id]);
    expect(await panel.$eval('[data-testid="creator-name"]', (e) => e.textContent?.trim())).toBe('Ava Stone Official');
    await domClick(panel, '#tab-roster');
    await panel.waitForFunction(() => [...document.querySelectorAll('#roster-tag option')].some((o) => (o as HTMLOptionElement).value === 'acoustic'));
    await panel.select('#roster-tag', 'acoustic');
    await panel.waitForFunction(() => document.querySelector('[data-testid="roster-count"]')?.textContent === '1 creator · 0 live');
    expect(await rosterHandles()).toEqual(['ava.sings']);
    await panel.select('#roster-tag', '');
  });

  it("changes a deal's stage, value and due date from the card", async () => {
    const ava = ids.get('ava.sings')!;
    const deal = await api.post<DealDto>('/deals', { creatorId: ava, brand: 'Glow Cosmetics', value: { amount: 150_000, currency: 'USD' }, stage: 'lead' });
    await openInPanel('ava.sings');
    await panel.waitForSelector(`#deal-${deal.id}-stage`);
    expect(await panel.$eval(`#deal-${deal.id}-stage`, (e) => (e as HTMLSelectElement).value)).toBe('lead');
    await panel.select(`#deal-${deal.id}-stage`, 'contracted');
    await expect.poll(async () => (await api.get<DealDto>(`/deals/${deal.id}`)).stage, { timeout: 10_000 }).toBe('contracted');
    await panel.waitForFunction((id) => document.querySelector(`[data-deal-id="${id}"]`)?.getAttribute('data-stage') === 'contracted', {}, deal.id);

    await domClick(panel, `[data-deal-id="${deal.id}"] .deal-edit`);
    await retype(panel, `#deal-${deal.id}-value`, '2000.50');
    await panel.$eval(`#deal-${deal.id}-due`, (e) => {
      const input = e as HTMLInputElement;
      input.value = '2026-12-24';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await domClick(panel, `[data-deal-id="${deal.id}"] .deal-save`);
    await panel.waitForFunction((id) => document.querySelector(`[data-deal-id="${id}"] .deal-value`)?.textContent === '$2,000.50', {}, deal.id);
    const updated = await api.get<DealDto>(`/deals/${deal.id}`);
    expect([updated.value, updated.dueDate?.slice(0, 10), updated.stage]).toEqual([{ amount: 200_050, currency: 'USD' }, '2026-12-24', 'contracted']);
  });

  it('popup: prefilled from the TikTok tab on screen, autocompletes from the roster, remembers the last currency; a deal queued offline is pending on the card', async () => {
    const tiktok = await openTikTokTab('https://www.tiktok.com/@bruno_beats');
    await panel.waitForFunction(() => document.querySelector('#tab-card')?.textContent === 'On screen: @bruno_beats', { timeout: 15_000 });
    let popup = await openPopupBehind();
    await popup.waitForFunction(() => (document.querySelector('#deal-creator') as HTMLInputElement).value === '@bruno_beats', BEHIND);
    expect(await popup.evaluate(() => getComputedStyle(document.body).fontSize)).toBe('13px');
    expect(await unlabelledControls(popup)).toEqual([]);

    // Autocomplete: type part of a name, pick with the keyboard.
    await retype(popup, '#deal-creator', 'cle');
    await popup.waitForSelector('[data-testid="creator-suggestions"] [role="option"][data-handle="cleo.cooks"]');
    expect(await popup.$eval('#deal-creator', (e) => e.getAttribute('aria-expanded'))).toBe('true');
    await popup.keyboard.press('ArrowDown');
    await popup.keyboard.press('Enter');
    await popup.waitForFunction(() => (document.querySelector('#deal-creator') as HTMLInputElement).value === '@cleo.cooks', BEHIND);
    await popup.type('#deal-brand', 'Fresh Pantry');
    await popup.type('#deal-value', '820.50');
    await retype(popup, '#deal-currency', 'EUR');

    // The API is unreachable for the POST: the deal is queued and shows as pending on Cleo's card.
    const restore = await cutApi('*/api/v1/deals', { methods: ['POST'] });
    await domClick(popup, '#deal-submit');
    const outcome = await popup.waitForSelector('[data-testid="deal-outcome"]');
    expect(await outcome!.evaluate((e) => e.getAttribute('data-outcome'))).toBe('queued');
    await popup.close();
    await tiktok.close();

    await openInPanel('cleo.cooks');
    const pending = await panel.waitForSelector('[data-testid="pending-deal"]');
    expect(await pending!.evaluate((e) => e.textContent)).toContain('Fresh Pantry');
    expect(await pending!.evaluate((e) => e.textContent)).toContain('Pending');
    await restore();
    expect((await requestFromPage<{ sent: number }>(panel, 'deals.flush')).data?.sent).toBe(1);
    await panel.waitForFunction(() => !document.querySelector('[data-testid="pending-deal"]') && document.querySelector('[data-testid="deal"] .deal-brand')?.textContent === 'Fresh Pantry');
    const { items } = await api.get<{ items: DealDto[] }>(`/deals?creatorId=${ids.get('cleo.cooks')}`);
    expect(items.map((d) => [d.brand, d.value])).toEqual([['Fresh Pantry', { amount: 82_050, currency: 'EUR' }]]);

    // The next deal starts in the currency used last.
    popup = await openPopupBehind();
    await popup.waitForFunction(() => (document.querySelector('#deal-currency') as HTMLInputElement).value === 'EUR', BEHIND);
    await popup.close();
  });

  it('leaving a TikTok profile for /foryou clears the "not in your roster" prompt', async () => {
    const tiktok = await openTikTokTab('https://www.tiktok.com/@zoe.unknown');
    await panel.waitForSelector('[data-testid="unknown-creator"]', { timeout: 15_000 });
    await tiktok.goto('https://www.tiktok.com/foryou', { waitUntil: 'domcontentloaded' });
    await panel.waitForFunction(() => !document.querySelector('[data-testid="unknown-creator"]'), { timeout: 15_000 });
    expect(await panel.$eval('#tab-card', (e) => e.textContent)).toBe('Creator');
    expect(await panel.$eval('#tab-roster', (e) => e.getAttribute('aria-selected'))).toBe('true');
    await tiktok.close();
  });

  it('offline: live rows say "LIVE as of …" instead of a made-up 0, the card says how old its figures are', async () => {
    // The roster as last synced says Mika and Nova are live.
    expect((await requestFromPage<{ count: number }>(panel, 'roster.refresh')).ok).toBe(true);
    await panel.close();
    const restore = await cutApi(`${server.baseUrl}/*`);
    try {
      panel = await ext.openPage('sidepanel.html', { width: 400, height: 760 }, { newWindow: true });
      const mika = ids.get('mika.live')!;
      const unknown = await panel.waitForSelector(`[data-testid="roster-live-unknown-${mika}"]`, { timeout: 15_000 });
      expect(await unknown!.evaluate((e) => e.textContent)).toMatch(/^LIVE as of \d{2}:\d{2}$/);
      expect(await panel.$(`[data-testid="roster-diamonds-${mika}"]`)).toBeNull();
      expect(await panel.$eval('[data-testid="roster-stale"]', (e) => e.textContent)).toMatch(/as of \d{2}:\d{2}/);
      await domClick(panel, `[data-testid="roster-row"][data-handle="mika.live"]`);
      const badge = await panel.waitForSelector('[data-testid="stale-badge"]', { timeout: 15_000 });
      expect(await badge!.evaluate((e) => e.textContent)).toMatch(/as of \d{2}:\d{2}/);
      expect(await badge!.evaluate((e) => e.textContent)).not.toMatch(/^offline$/);
      expect(await panel.$('[data-testid="live-unknown"]')).not.toBeNull();
    } finally {
      await restore();
    }
    await domClick(panel, '#tab-roster');
    await domClick(panel, '#roster-refresh');
    await panel.waitForFunction(() => !document.querySelector('[data-testid="roster-stale"]'), { timeout: 15_000 });
  });

  it('removes a creator from the roster after confirmation', async () => {
    const cleo = ids.get('cleo.cooks')!;
    await openInPanel('cleo.cooks');
    await domClick(panel, '#creator-remove');
    await panel.waitForSelector('[data-testid="remove-confirm"]');
    // Cancel keeps them.
    await domClick(panel, '#creator-remove-cancel');
    expect(await panel.$('[data-testid="remove-confirm"]')).toBeNull();
    await domClick(panel, '#creator-remove');
    await domClick(panel, '#creator-remove-confirm');
    await panel.waitForFunction(() => document.querySelector('#tab-roster')?.getAttribute('aria-selected') === 'true');
    await panel.waitForFunction((id) => !document.querySelector(`[data-testid="roster-row"][data-creator-id="${id}"]`), {}, cleo);
    const res = await fetch(`${server.baseUrl}/api/v1/creators/${cleo}`, { headers: { authorization: `Bearer ${(await requestFromPage<string>(panel, 'auth.token')).data}` } });
    expect(res.status).toBe(404);
  });

  it('an unreachable API URL is saved with a visible warning, not "Saved."', async () => {
    const message = await saveApiUrl('127.0.0.1:9');
    expect(message.kind).toBe('warning');
    expect(message.text).not.toBe('Saved.');
    expect(message.text).toContain('http://127.0.0.1:9');
    expect(message.text).toMatch(/not reachable/);
    expect(await requestFromPage(options, 'settings.get')).toEqual({ ok: true, data: { apiUrl: 'http://127.0.0.1:9' } });
    // Back to the real server (a different server than the unreachable one: signed out, as tokens belong to one server).
    expect(await saveApiUrl(server.baseUrl)).toEqual({ kind: 'ok', text: 'Saved.' });
    await options.waitForSelector('[data-testid="signin-form"]');
  });
});
