/**
 * Alerts in the browser (issue 12): with the side panel closed, the background's stream brings a manager's
 * alerts as desktop notifications (one per alert) and keeps the toolbar badge at the number of the
 * manager's creators live now; an alert raised between sign-in and the stream opening is caught up once; a click
 * on a notification opens the panel on its creator. The real server, sandbox LIVE and Chromium with the built
 * extension. The click is Chromium's own `chrome.notifications.onClicked` event dispatched in the real service
 * worker (a headless browser has no notification to click), so it runs without a user gesture: the side panel
 * API refuses to open and the background's fallback — the panel page in a tab — is what is seen.
 */
import { randomBytes } from 'node:crypto';
import type { CDPSession, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAs, launchWithExtension, requestFromPage, setApiUrlInOptions, signInOn, signupAgency, startTestServer, type ExtensionBrowser, type RunningServer } from './harness';

let server: RunningServer;
let ext: ExtensionBrowser;

beforeAll(async () => {
  server = await startTestServer('e2e_alerts');
  ext = await launchWithExtension();
});
afterAll(async () => {
  await ext?.close();
  await server?.stop();
});

type Chrome = {
  action: { getBadgeText(details: object): Promise<string> };
  notifications: { getAll(): Promise<Record<string, boolean>> };
};

async function inWorker<T>(fn: (chrome: Chrome) => Promise<T>, browser: ExtensionBrowser = ext): Promise<T> {
  const worker = await browser.worker();
  return worker.evaluate(`(${fn.toString()})(chrome)`) as Promise<T>;
}

async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('alerts in the extension', () => {
  it('shows a desktop notification per alert and the live count on the badge, with the side panel closed', async () => {
    const agency = await signupAgency(server.baseUrl, 'Badge Agency');
    const email = `manager-${randomBytes(4).toString('hex')}@example.com`;
    const managerUser = await agency.api.post<{ id: string }>('/users', { email, password: 'manager password 1', role: 'manager', name: 'Mia Manager' });
    const mine = await agency.api.post<{ id: string; handle: string }>('/creators', { handle: `mine${randomBytes(3).toString('hex')}`, managerId: managerUser.id });
    const theirs = await agency.api.post<{ id: string; handle: string }>('/creators', { handle: `theirs${randomBytes(3).toString('hex')}` });
    for (const c of [mine, theirs]) await agency.api.put(`/creators/${c.id}/live-tracking`, { enabled: true });

    const options = await setApiUrlInOptions(ext, server.baseUrl);
    await options.close();
    const panel = await ext.openPage('sidepanel.html');
    await signInOn(panel, email, 'manager password 1');
    await panel.waitForSelector('[data-testid="roster-row"]');
    // The background's stream is open before anything happens (a first connection starts at the stream's head).
    await until(() => requestFromPage<{ status: string }>(panel, 'live.snapshot'), (r) => r.data?.status === 'open', 'the background stream to open');
    await panel.close();

    expect(await inWorker((chrome) => chrome.action.getBadgeText({}))).toBe('');
    server.live.rooms.goLive(mine.handle, { viewers: 10 });
    server.live.rooms.goLive(theirs.handle, { viewers: 10 });

    // Only the manager's own creator counts (the other one is live too).
    await until(() => inWorker((chrome) => chrome.action.getBadgeText({})), (text) => text === '1', 'the badge to show 1 live creator');

    const login = await fetch(`${server.baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'manager password 1' }) });
    const manager = apiAs(server.baseUrl, ((await login.json()) as { token: string }).token);
    const started = await until(
      async () => (await manager.get<{ items: { type: string; creatorId: string; eventId: string }[] }>('/notifications')).items.filter((n) => n.type === 'creator.live_started'),
      (items) => items.length >= 1,
      'the manager\'s go-live alert',
    );
    expect(started.map((n) => n.creatorId)).toEqual([mine.id]);
    const shown = await until(() => inWorker((chrome) => chrome.notifications.getAll()), (all) => started[0].eventId in all, 'the desktop notification');
    expect(Object.keys(shown)).toHaveLength(1);

    server.live.rooms.endStream(mine.handle);
    await until(() => inWorker((chrome) => chrome.action.getBadgeText({})), (text) => text === '', 'the badge to clear');
    const ended = await until(
      async () => (await manager.get<{ items: { type: string; eventId: string }[] }>('/notifications')).items.filter((n) => n.type === 'creator.live_ended'),
      (items) => items.length === 1,
      'the end alert',
    );
    const all = await until(() => inWorker((chrome) => chrome.notifications.getAll()), (list) => ended[0].eventId in list, 'the end notification');
    expect(Object.keys(all).sort()).toEqual([started[0].eventId, ended[0].eventId].sort());
    server.live.rooms.endStream(theirs.handle);
  }, 300_000);

  it('right after sign-in, an alert raised before the stream opens reaches the desktop once; a click on it opens the panel on that creator', async () => {
    // A browser of its own: a fresh profile, signed in for the first time.
    const second = await launchWithExtension();
    try {
      const agency = await signupAgency(server.baseUrl, 'Gap Agency');
      const email = `gap-${randomBytes(4).toString('hex')}@example.com`;
      const managerUser = await agency.api.post<{ id: string }>('/users', { email, password: 'manager password 1', role: 'manager', name: 'Gus Gap' });
      const creator = await agency.api.post<{ id: string; handle: string }>('/creators', { handle: `gap${randomBytes(3).toString('hex')}`, displayName: 'Gia Gap', managerId: managerUser.id });
      await agency.api.put(`/creators/${creator.id}/live-tracking`, { enabled: true });

      // The background's stream request is held: signed in, but the stream is not open yet.
      const cdp: CDPSession = await (await second.workerTarget()).createCDPSession();
      const held: string[] = [];
      cdp.on('Fetch.requestPaused', (event: { requestId: string }) => void held.push(event.requestId));
      await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${server.baseUrl}/api/v1/live/stream*`, requestStage: 'Request' }] });
      const options = await setApiUrlInOptions(second, server.baseUrl);
      await options.close();
      const panel = await second.openPage('sidepanel.html');
      await signInOn(panel, email, 'manager password 1');
      await panel.waitForSelector('[data-testid="roster-row"]');
      await until(async () => held.length, (n) => n >= 1, 'the stream request (held)');
      await panel.close();

      // The creator goes live: the alert is in the manager's list, but no stream has brought it to the desktop.
      server.live.rooms.goLive(creator.handle, { viewers: 5 });
      const login = await fetch(`${server.baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'manager password 1' }) });
      const manager = apiAs(server.baseUrl, ((await login.json()) as { token: string }).token);
      const [started] = await until(
        async () => (await manager.get<{ items: { type: string; creatorId: string; eventId: string }[] }>('/notifications')).items.filter((n) => n.type === 'creator.live_started'),
        (items) => items.length === 1,
        'the go-live alert in the list',
      );
      expect(await inWorker((chrome) => chrome.notifications.getAll(), second)).toEqual({});

      // The stream opens (at its head: it never had an event id to resume from); the background catches up.
      for (const requestId of held) await cdp.send('Fetch.continueRequest', { requestId }).catch(() => undefined);
      await cdp.send('Fetch.disable');
      await cdp.detach();
      await until(() => inWorker((chrome) => chrome.notifications.getAll(), second), (all) => started.eventId in all, 'the caught-up desktop notification');
      await until(() => inWorker((chrome) => chrome.action.getBadgeText({}), second), (text) => text === '1', 'the badge to show 1 live creator');
      // Once: later reconnects and catch-ups (every 30 s keep-alive, a tally or two) add nothing.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(Object.keys(await inWorker((chrome) => chrome.notifications.getAll(), second))).toEqual([started.eventId]);

      // A click on it, with no panel open: the real worker's onClicked listener, dispatched through Chromium's event.
      // Headless Chromium credits no user gesture to it, so sidePanel.open() is refused and the panel page opens in a tab.
      const worker = await second.worker();
      await worker.evaluate(`chrome.notifications.onClicked.dispatch(${JSON.stringify(started.eventId)})`);
      const target = await second.browser.waitForTarget((t) => t.type() === 'page' && t.url().includes('/sidepanel.html'), { timeout: 15_000 });
      const opened = (await target.page()) as Page;
      await opened.waitForFunction((id) => document.querySelector('[data-testid="creator-card"]')?.getAttribute('data-creator-id') === id, { timeout: 20_000 }, creator.id);
      expect(await opened.$eval('[data-testid="creator-name"]', (e) => e.textContent)).toContain('Gia Gap');
      // The clicked notification is cleared.
      await until(() => inWorker((chrome) => chrome.notifications.getAll(), second), (all) => !(started.eventId in all), 'the notification to clear');
      server.live.rooms.endStream(creator.handle);
    } finally {
      await second.close();
    }
  }, 300_000);
});
