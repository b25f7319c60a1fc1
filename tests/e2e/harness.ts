/**
 * End-to-end plumbing: the real server (startServer: database, sandbox TikTok, sandbox LIVE once the LIVE
 * module starts it, API) in the test process, and Debian's Chromium headless with the built extension
 * (.output/chrome-mv3) loaded through puppeteer-core.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type Page, type Target, type WebWorker } from 'puppeteer-core';
import { loadConfig } from '../../server/src/config';
import { startServer } from '../../server/src/main';
import { startSandboxLive, type SandboxLive } from '../../server/sandbox/live/index';
import { findChromium } from '../../scripts/ensure-chromium';
import { testDbUri } from '../helpers/db';

export const EXTENSION_DIR = resolve('.output/chrome-mv3');

/** A port nobody listens on right now (PUBLIC_URL must name the real port, so PORT cannot be 0). */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => ok(port));
    });
  });
}

export type RunningServer = Awaited<ReturnType<typeof startServer>> & { dataDir: string; live: SandboxLive };

/**
 * The whole server as `npm start` runs it (database, sandbox TikTok, API and its workers), on a fresh
 * database and data folder. The sandbox LIVE is started here and handed over as the listeners'
 * connection settings, so the test holds its rooms (go live, send gifts).
 */
export async function startTestServer(label: string, env: Record<string, string> = {}): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), `liveroster-e2e-${label}-`));
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    MONGODB_URI: testDbUri(label),
    JWT_SECRET: randomBytes(32).toString('hex'),
    TOKEN_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
    AUTH_RATE_LIMIT_PER_MINUTE: '10000',
    TIKTOK_SANDBOX_PORT: '0',
    // The listener checks whether tracked creators went live; the default pacing suits TikTok, not a test.
    TIKTOK_LIVE_CHECKS_PER_MINUTE: '600',
    ...env,
  });
  const live = await startSandboxLive();
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(config, () => undefined, { liveConnection: live.settings });
  } catch (error) {
    await live.stop();
    throw error;
  }
  return {
    ...server,
    dataDir,
    live,
    stop: async () => {
      await server.stop();
      await live.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ExtensionBrowser {
  browser: Browser;
  extensionId: string;
  /** The extension's service worker target (for CDP: network faults, evaluation). */
  workerTarget: () => Promise<Target>;
  worker: () => Promise<WebWorker>;
  /**
   * Opens `chrome-extension://ID/<path>` in a new tab with the given viewport; `newWindow` puts it in a
   * window of its own, so it stays rendered (background tabs stall puppeteer) while other tabs take turns being active.
   */
  openPage(path: string, viewport?: { width: number; height: number }, options?: { newWindow?: boolean }): Promise<Page>;
  close(): Promise<void>;
}

/** Launches Chromium headless with the built extension in a fresh profile. */
export async function launchWithExtension(): Promise<ExtensionBrowser> {
  if (!existsSync(join(EXTENSION_DIR, 'manifest.json'))) throw new Error(`${EXTENSION_DIR} is missing: run \`npx wxt build\` (npm test does) first`);
  const executablePath = findChromium();
  if (!executablePath) throw new Error('Chromium not found: run `apt-get install -y chromium` or set CHROMIUM_PATH (npm test does both)');
  const profile = mkdtempSync(join(tmpdir(), 'liveroster-e2e-profile-'));
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    // puppeteer passes --disable-extensions by default.
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${profile}`,
      `--disable-extensions-except=${EXTENSION_DIR}`,
      `--load-extension=${EXTENSION_DIR}`,
      '--lang=en-US',
    ],
    defaultViewport: null,
  });
  const isWorker = (t: Target) => t.type() === 'service_worker' && t.url().startsWith('chrome-extension://') && t.url().endsWith('/background.js');
  const first = await browser.waitForTarget(isWorker, { timeout: 30_000 });
  const extensionId = new URL(first.url()).host;
  let windowCount = 0;
  const workerTarget = async () => browser.targets().find(isWorker) ?? browser.waitForTarget(isWorker, { timeout: 30_000 });
  return {
    browser,
    extensionId,
    workerTarget,
    async worker() {
      const worker = await (await workerTarget()).worker();
      if (!worker) throw new Error('the extension service worker has no worker handle');
      return worker;
    },
    async openPage(path, viewport = { width: 400, height: 760 }, options = {}) {
      const url = `chrome-extension://${extensionId}/${path}`;
      let page: Page;
      if (options.newWindow) {
        // A fragment of its own tells this target apart from other tabs of the same page.
        const unique = `${url}#window-${++windowCount}`;
        const cdp = await browser.target().createCDPSession();
        await cdp.send('Target.createTarget', { url: unique, newWindow: true });
        await cdp.detach();
        page = (await (await browser.waitForTarget((t) => t.url() === unique)).page())!;
      } else {
        page = await browser.newPage();
        await page.goto(url, { waitUntil: 'domcontentloaded' });
      }
      page.setDefaultTimeout(15_000);
      await page.setViewport(viewport);
      await page.waitForFunction(() => document.readyState !== 'loading');
      return page;
    },
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A tiny authorised client for seeding and checking through the HTTP API (what another user of the agency would do). */
export function apiAs(baseUrl: string, token: string) {
  async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const res = await fetch(`${baseUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
  return {
    get: <T>(path: string) => call<T>('GET', path),
    post: <T>(path: string, body: unknown, headers?: Record<string, string>) => call<T>('POST', path, body, headers),
    put: <T>(path: string, body: unknown) => call<T>('PUT', path, body),
    patch: <T>(path: string, body: unknown) => call<T>('PATCH', path, body),
  };
}

/** Signs up an agency through the API; returns its admin's credentials and a client. */
export async function signupAgency(baseUrl: string, agencyName: string, name = 'Alex Admin') {
  const email = `admin-${randomBytes(4).toString('hex')}@example.com`;
  const password = 'correct horse battery';
  const res = await fetch(`${baseUrl}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ agencyName, email, password, name }),
  });
  if (res.status !== 201) throw new Error(`signup: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { token: string; agency: { id: string; name: string } };
  return { email, password, token: body.token, agency: body.agency, api: apiAs(baseUrl, body.token) };
}

/** Points the extension at `apiUrl` through the options page, as a user would. */
export async function setApiUrlInOptions(ext: ExtensionBrowser, apiUrl: string): Promise<Page> {
  const options = await ext.openPage('options.html', { width: 900, height: 900 });
  const input = await options.waitForSelector('#api-url');
  // The field is filled from storage after mount: wait for it, or typing races the reset.
  await options.waitForFunction(() => (document.querySelector('#api-url') as HTMLInputElement).value !== '');
  await input!.click({ count: 3 });
  await input!.type(apiUrl);
  await options.click('#api-url-save');
  await options.waitForFunction(() => document.querySelector('[data-testid="api-url-message"]')?.textContent === 'Saved.', { timeout: 10_000 });
  return options;
}

/** Signs in through a sign-in form on `page` (side panel or options). */
export async function signInOn(page: Page, email: string, password: string): Promise<void> {
  await page.waitForSelector('[data-testid="signin-form"]');
  await page.type('#signin-email', email);
  await page.type('#signin-password', password);
  await domClick(page, '#signin-submit');
}

/**
 * Clicks through the DOM (`element.click()`): puppeteer's mouse clicks stall on pages whose window is not
 * the focused one, and the side panel lives in its own window. Use `page.click` where a user gesture matters.
 */
export async function domClick(page: Page, selector: string): Promise<void> {
  const element = await page.waitForSelector(selector);
  await element!.evaluate((e) => (e as HTMLElement).click());
}

/** The text of every element matching `selector`. */
export function textsOf(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (els) => els.map((e) => (e.textContent ?? '').trim()));
}

/** Sends one typed request to the background from an extension page (the same envelope the pages use). */
export function requestFromPage<T>(page: Page, type: string, payload?: unknown): Promise<{ ok: boolean; data?: T; error?: { code: string; message: string } }> {
  return page.evaluate(
    (t, p) => (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }).chrome.runtime.sendMessage({ liveroster: true, type: t, payload: p }),
    type,
    payload as never,
  ) as Promise<{ ok: boolean; data?: T; error?: { code: string; message: string } }>;
}

/**
 * Approves the sandbox TikTok consent page that `launchWebAuthFlow` opened (a page target of its own)
 * as the sandbox account `handle`; returns that account's open_id.
 */
export async function approveSandboxConsent(ext: ExtensionBrowser, server: RunningServer, handle: string): Promise<string> {
  const authorizeBase = `${server.runtime.tiktokEndpoints.authBaseUrl}/v2/auth/authorize`;
  const target = await ext.browser.waitForTarget((t) => t.url().startsWith(authorizeBase), { timeout: 15_000 });
  const consent = await target.asPage();
  await consent.waitForSelector('#account');
  const openId = await consent.$$eval('#account option', (options, h) => options.find((o) => o.textContent?.startsWith(`@${h} `))?.getAttribute('value') ?? '', handle);
  if (!openId) throw new Error(`the consent page offers no sandbox account @${handle}`);
  await consent.select('#account', openId);
  await domClick(consent, '#approve');
  return openId;
}
