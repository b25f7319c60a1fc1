/**
 * Screenshots for the README (docs/screenshots/), taken from a realistic demo agency: eleven creators,
 * two of them LIVE in the sandbox with gifts still arriving, one connected to the sandbox TikTok with
 * follower history, deals and notes. Each step checks what the picture is meant to show, so a broken
 * screen fails the run instead of ending up in the docs.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  approveSandboxConsent, domClick, launchWithExtension, setApiUrlInOptions, signInOn, signupAgency, startTestServer,
  type ExtensionBrowser, type RunningServer,
} from './harness';

// Every run saves fresh pictures under .output/; `npm run screenshots` writes them to docs/screenshots/ for the README.
const SCREENSHOTS = resolve(process.env.SCREENSHOT_DIR ?? '.output/screenshots');

const ROSTER: Array<{ handle: string; displayName: string; tags: string[] }> = [
  { handle: 'luna.lives', displayName: 'Luna Park', tags: ['music'] },
  { handle: 'chef_marco', displayName: 'Chef Marco', tags: ['food'] },
  { handle: 'dj.kairo', displayName: 'DJ Kairo', tags: ['music'] },
  { handle: 'ava.sings', displayName: 'Ava Stone', tags: ['music'] },
  { handle: 'bruno_beats', displayName: 'Bruno Reyes', tags: ['music'] },
  { handle: 'cleo.cooks', displayName: 'Cleo Martin', tags: ['food'] },
  { handle: 'nova.dance', displayName: 'Nova Kim', tags: ['dance'] },
  { handle: 'theo.games', displayName: 'Theo Grant', tags: ['gaming'] },
  { handle: 'iris.paints', displayName: 'Iris Chen', tags: ['art'] },
  { handle: 'maya.travels', displayName: 'Maya Lopez', tags: ['travel'] },
  { handle: 'sam.fitness', displayName: 'Sam Okafor', tags: ['fitness'] },
];
const FANS = [
  { userId: '7001', handle: 'golden_spoon', nickname: 'Golden Spoon' },
  { userId: '7002', handle: 'pasta.queen', nickname: 'Pasta Queen' },
  { userId: '7003', handle: 'night_owl', nickname: 'Night Owl' },
  { userId: '7004', handle: 'bassline.bo', nickname: 'Bassline Bo' },
  { userId: '7005', handle: 'mira_k', nickname: 'Mira K' },
];

let server: RunningServer;
let ext: ExtensionBrowser;
let agency: Awaited<ReturnType<typeof signupAgency>>;
let panel: Page;
const ids = new Map<string, string>();
let ticker: NodeJS.Timeout | undefined;

async function save(page: Page, name: string): Promise<void> {
  const path = join(SCREENSHOTS, name);
  await page.screenshot({ path, fullPage: false });
  expect(statSync(path).size).toBeGreaterThan(10_000);
}

/** Waits until every <img> on the page finished loading (avatars and video covers come from the sandbox TikTok). */
async function imagesLoaded(page: Page): Promise<void> {
  await page.waitForFunction(() => [...document.images].every((img) => img.complete && img.naturalWidth > 0));
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  server = await startTestServer('e2e_shots');
  ext = await launchWithExtension();
  agency = await signupAgency(server.baseUrl, 'Northstar Talent', 'Alex Rivera');
  for (const creator of ROSTER) ids.set(creator.handle, (await agency.api.post<{ id: string }>('/creators', creator)).id);
});

afterAll(async () => {
  clearInterval(ticker);
  await ext?.close();
  await server?.stop();
});

describe('README screenshots', () => {
  it('options page, signed in', async () => {
    const options = await setApiUrlInOptions(ext, server.baseUrl);
    await signInOn(options, agency.email, agency.password);
    await options.waitForSelector('[data-testid="signed-in-as"]');
    await options.waitForSelector('[data-testid="sandbox-badge"]');
    expect(await options.$eval('[data-testid="signed-in-as"]', (e) => e.textContent)).toContain('Alex Rivera (admin) · Northstar Talent');
    await options.setViewport({ width: 760, height: 440 });
    await save(options, 'options.png');
    await options.close();
  });

  it('side panel roster with two creators LIVE', async () => {
    const rooms = server.live.rooms;
    rooms.goLive('chef_marco', { nickname: 'Chef Marco' });
    rooms.goLive('dj.kairo', { nickname: 'DJ Kairo' });
    for (const handle of ['chef_marco', 'dj.kairo']) await agency.api.put(`/creators/${ids.get(handle)}/live-tracking`, { enabled: true });
    await Promise.all([rooms.waitForSockets('chef_marco', 1, 30_000), rooms.waitForSockets('dj.kairo', 1, 30_000)]);
    rooms.setViewers('chef_marco', 3_412);
    rooms.setViewers('dj.kairo', 1_187);
    await rooms.sendGift('chef_marco', { ...FANS[0], giftId: '6369' }); // Lion, 29,999 diamonds
    await rooms.sendGift('chef_marco', { ...FANS[1], giftId: '6427', repeat: 12 }); // Hat and Mustache ×12
    await rooms.sendGift('chef_marco', { ...FANS[2], giftId: '5879', repeat: 20 }); // Doughnut ×20
    await rooms.sendGift('dj.kairo', { ...FANS[3], giftId: '6834', repeat: 2 }); // Gift Box ×2
    await rooms.sendGift('dj.kairo', { ...FANS[4], giftId: '5655', repeat: 40 }); // Rose ×40
    // Roses keep coming while the pictures are taken: the tally ticks.
    ticker = setInterval(() => void rooms.sendGift('chef_marco', { ...FANS[2], giftId: '5655', repeat: 3 }).catch(() => undefined), 700);

    panel = await ext.openPage('sidepanel.html', { width: 400, height: 760 }, { newWindow: true });
    await panel.waitForFunction(
      (marco, kairo) =>
        document.querySelector(`[data-testid="roster-diamonds-${marco}"]`)?.textContent?.startsWith('3') &&
        document.querySelector(`[data-testid="roster-diamonds-${kairo}"]`)?.textContent?.startsWith('8'),
      { timeout: 30_000 },
      ids.get('chef_marco'),
      ids.get('dj.kairo'),
    );
    expect(await panel.$$eval('[data-testid="roster-row"]', (rows) => rows.slice(0, 2).map((r) => r.getAttribute('data-handle')))).toEqual(['chef_marco', 'dj.kairo']);
    expect(await panel.$eval('[data-testid="roster-count"]', (e) => e.textContent)).toBe('11 creators · 2 live');
    await save(panel, 'sidepanel-roster.png');
  });

  it('side panel card of a creator LIVE', async () => {
    await domClick(panel, '[data-testid="roster-row"][data-handle="chef_marco"]');
    await panel.waitForSelector('[data-testid="live-tally"]');
    await panel.waitForSelector('[data-testid="activity-timeline"]');
    expect(await panel.$('[data-testid="stale-badge"]')).toBeNull();
    expect(await panel.$$eval('[data-testid="top-gifters"] li', (rows) => rows.map((r) => r.textContent))).toContain('Golden Spoon30K');
    await save(panel, 'sidepanel-live.png');
  });

  it('side panel card of a creator connected to TikTok, with metrics and deals', async () => {
    const luna = ids.get('luna.lives')!;
    await agency.api.post('/deals', { creatorId: luna, brand: 'Glow Cosmetics', title: 'Spring LIVE launch', value: { amount: 250_000, currency: 'USD' }, stage: 'negotiating' });
    await agency.api.post('/deals', { creatorId: luna, brand: 'Pixel Audio', title: 'Headphones review', value: { amount: 120_000, currency: 'USD' }, stage: 'contracted' });
    await agency.api.post(`/creators/${luna}/activities`, { type: 'call', body: 'Agreed on two sponsored LIVEs in March; contract draft by Friday.' });

    await domClick(panel, '#tab-roster');
    await domClick(panel, '[data-testid="roster-row"][data-handle="luna.lives"]');
    await domClick(panel, '#tiktok-connect');
    await approveSandboxConsent(ext, server, 'luna.lives');
    await panel.waitForFunction(() => document.querySelector('[data-testid="tiktok-status"]')?.textContent === 'TikTok: connected', { timeout: 20_000 });

    // A few more syncs with growing followers give the sparkline a history.
    const sandbox = server.runtime.tiktokEndpoints.apiBaseUrl;
    for (const followers of [486_900, 491_250, 497_800, 503_400]) {
      const res = await fetch(`${sandbox}/sandbox/control/accounts/luna.lives/stats`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ follower_count: followers }),
      });
      expect(res.status).toBe(200);
      await agency.api.post(`/creators/${luna}/tiktok/sync`, {});
    }
    // Reopen the card: it loads the synced metrics.
    await domClick(panel, '#tab-roster');
    await domClick(panel, '[data-testid="roster-row"][data-handle="luna.lives"]');
    await panel.waitForSelector('[data-testid="follower-sparkline"]');
    await panel.waitForSelector('[data-testid="deal-list"] li');
    await panel.waitForSelector('[data-testid="video-grid"] .video img');
    await imagesLoaded(panel);
    expect(await panel.$eval('[data-testid="metric-followers"]', (e) => e.textContent)).toBe('503.4K');
    // A tall panel, so the deals below the videos are in the picture.
    await panel.setViewport({ width: 400, height: 1040 });
    await save(panel, 'sidepanel-creator.png');
    await panel.setViewport({ width: 400, height: 760 });
  });

  it('popup with a deal being logged', async () => {
    const popup = await ext.openPage('popup.html', { width: 340, height: 365 });
    await popup.waitForSelector('[data-testid="deal-form"]');
    await popup.type('#deal-creator', '@chef_marco');
    await popup.type('#deal-brand', 'Sunny Juice Co.');
    await popup.type('#deal-value', '1800');
    await popup.select('#deal-stage', 'contracted');
    await popup.type('#deal-note', 'Two LIVE shout-outs in April');
    await save(popup, 'popup.png');
    await popup.close();
  });
});
