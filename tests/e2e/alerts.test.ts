/**
 * Alerts in the browser (issue 12): with the side panel closed, the background's stream brings a manager's
 * alerts as desktop notifications (one per alert) and keeps the toolbar badge at the number of the
 * manager's creators live now. The real server, sandbox LIVE and Chromium with the built extension.
 */
import { randomBytes } from 'node:crypto';
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

async function inWorker<T>(fn: (chrome: Chrome) => Promise<T>): Promise<T> {
  const worker = await ext.worker();
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
});
