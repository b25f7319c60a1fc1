/**
 * The extension's options page in Chromium: the SANDBOX badge follows what the server's /config says
 * (tiktok.mode / live.mode, never a guess), and a "Source code" link offers the server's source (AGPL section 13).
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchWithExtension, setApiUrlInOptions, startTestServer, type ExtensionBrowser, type RunningServer } from './harness';

let sandboxServer: RunningServer;
let tiktokServer: RunningServer;
let ext: ExtensionBrowser;

beforeAll(async () => {
  sandboxServer = await startTestServer('e2e_src_sbx', { SOURCE_URL: 'https://git.example.org/agency/liveroster-fork' });
  // Both sides on "TikTok" (the credentials are fake and TikTok is unreachable here: only /config matters).
  tiktokServer = await startTestServer('e2e_src_tt', { TIKTOK_CLIENT_KEY: 'aw_fake_key', TIKTOK_CLIENT_SECRET: 'fake_secret', TIKTOK_LIVE_MODE: 'tiktok' });
  ext = await launchWithExtension();
});

afterAll(async () => {
  await ext?.close();
  await sandboxServer?.stop();
  await tiktokServer?.stop();
});

async function sourceLink(page: Page): Promise<{ text: string; href: string }> {
  await page.waitForSelector('[data-testid="source-footer"] a');
  return page.$eval('[data-testid="source-footer"] a', (a) => ({ text: a.textContent ?? '', href: (a as HTMLAnchorElement).href }));
}

describe('options page: source offer and SANDBOX badge', () => {
  it("a server on the sandbox: the badge says which sides, and the link is the server's SOURCE_URL", async () => {
    const options = await setApiUrlInOptions(ext, sandboxServer.baseUrl);
    await options.waitForFunction(() => document.querySelector('[data-testid="source-footer"] a')?.getAttribute('href')?.includes('git.example.org'), { timeout: 15_000 });
    expect(await sourceLink(options)).toEqual({ text: 'Source code', href: 'https://git.example.org/agency/liveroster-fork' });
    const badge = await options.waitForSelector('[data-testid="sandbox-badge"]');
    expect(await badge!.evaluate((e) => e.getAttribute('title'))).toMatch(/TikTok \(profiles\) and TikTok LIVE/);
    await options.close();
  });

  it('a server on TikTok for both sides: no badge; the link is the repository from package.json', async () => {
    const options = await setApiUrlInOptions(ext, tiktokServer.baseUrl);
    // The config of this server has arrived once the version shows and the link points at the default.
    await options.waitForFunction(() => document.querySelector('[data-testid="source-footer"] a')?.getAttribute('href') === 'https://github.com/liveroster/liveroster', { timeout: 15_000 });
    await options.waitForSelector('header .muted');
    expect(await options.$('[data-testid="sandbox-badge"]')).toBeNull();
    expect((await sourceLink(options)).text).toBe('Source code');
    await options.close();
  });
});
