/**
 * The side panel with 5,000 creators cached, in Debian's Chromium with the built extension:
 *  - first roster paint: navigation → `roster-first-paint` (and `panel-start` → it), against a bare
 *    static page that renders the same 5,000 rows with plain DOM in the same browser (the baseline);
 *    measured as a reopened panel paints (from the roster preview) and with the preview removed (IndexedDB);
 *  - tally → DOM: a tally event handed to the panel's port listener until the roster row shows it
 *    (MutationObserver), for a creator going live (the list re-sorts) and for a diamond tick, against a
 *    raw `textContent` update observed the same way;
 *  - gzip size of each entrypoint's JS (its static import graph).
 * Targets: first paint < 200 ms, tally to DOM < 100 ms, side panel JS < 60 KB gzip.
 *
 *   npm run bench -- extension-panel        (BENCH_RUNS=10 by default)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Types } from 'mongoose';
import type { Page } from 'puppeteer-core';
import { creatorModel } from '../server/src/modules/creators/model';
import { startServer } from '../server/src/main';
import { EXTENSION_DIR, freePort, launchWithExtension, setApiUrlInOptions, signInOn, signupAgency } from '../tests/e2e/harness';
import { testConfigFor } from './config';
import { benchDatabase, fmt, table } from './lib';

const CREATORS = Number(process.env.BENCH_CREATORS ?? 5000);
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const TARGET_PAINT_MS = 200;
const TARGET_TALLY_MS = 100;
const TARGET_PANEL_GZIP = 60 * 1024;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)];

/** gzip -9 bytes of a JS file and everything it imports statically (each file once). */
function gzipOfGraph(entries: string[]): { files: number; raw: number; gzip: number } {
  const seen = new Set<string>();
  const queue = [...entries];
  let raw = 0;
  let gzip = 0;
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(join(EXTENSION_DIR, file));
    raw += code.length;
    gzip += gzipSync(code, { level: 9 }).length;
    const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
    for (const m of code.toString('utf8').matchAll(/(?:from|import)\s*["'](\.{1,2}\/[^"']+\.js)["']/g)) {
      queue.push(new URL(m[1], `file:///${dir}`).pathname.slice(1));
    }
  }
  return { files: seen.size, raw, gzip };
}

function htmlEntry(html: string): string[] {
  return [...readFileSync(join(EXTENSION_DIR, html), 'utf8').matchAll(/<script[^>]+src="\/([^"]+\.js)"/g)].map((m) => m[1]);
}

/** Captures the panel's port listeners before its scripts run, so the bench can hand it events directly. */
function installPortProbe(page: Page) {
  return page.evaluateOnNewDocument(() => {
    const w = window as unknown as { __panelListeners: Array<(m: unknown) => void>; chrome: { runtime: { connect: (...a: unknown[]) => { onMessage: { addListener: (l: (m: unknown) => void) => void } } } } };
    w.__panelListeners = [];
    const connect = w.chrome.runtime.connect.bind(w.chrome.runtime);
    w.chrome.runtime.connect = (...args: unknown[]) => {
      const port = connect(...args);
      const add = port.onMessage.addListener.bind(port.onMessage);
      port.onMessage.addListener = (listener) => {
        w.__panelListeners.push(listener);
        add(listener);
      };
      return port;
    };
  });
}

/** Hands `event` to the panel (or, for the baseline, runs `apply`) and resolves when `selector` shows `text`. */
function timeToDom(page: Page, selector: string, text: string, event: unknown | null): Promise<number> {
  return page.evaluate(
    (sel, expected, ev) =>
      new Promise<number>((resolve, reject) => {
        // No named inner functions: tsx would wrap them in a `__name` helper the page does not have.
        const observer = new MutationObserver(() => {
          if (!document.querySelector(sel)?.textContent?.includes(expected)) return;
          observer.disconnect();
          resolve(performance.now() - t0);
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
        setTimeout(() => reject(new Error(`${sel} never showed ${expected}`)), 5_000);
        const t0 = performance.now();
        if (ev) for (const listener of (window as unknown as { __panelListeners: Array<(m: unknown) => void> }).__panelListeners) listener(ev);
        else (document.querySelector('#tally') as HTMLElement).textContent = expected;
      }),
    selector,
    text,
    event as never,
  );
}

function baselineHtml(rows: Array<{ handle: string; displayName: string }>): string {
  return `<!doctype html><html><head><meta charset="utf-8"><style>
body{margin:0;font:13px system-ui} .r{display:flex;gap:8px;height:48px;align-items:center;padding:0 10px;border-bottom:1px solid #eee}
</style></head><body><span id="tally">0</span><div id="list"></div><script>
const rows = ${JSON.stringify(rows)};
performance.mark('baseline-start');
const list = document.getElementById('list');
const frag = document.createDocumentFragment();
for (const c of rows) {
  const r = document.createElement('div'); r.className = 'r';
  const n = document.createElement('b'); n.textContent = c.displayName;
  const h = document.createElement('span'); h.textContent = '@' + c.handle;
  r.append(n, h); frag.append(r);
}
list.append(frag);
requestAnimationFrame(() => performance.mark('baseline-paint'));
</script></body></html>`;
}

async function marksOf(page: Page, start: string, end: string): Promise<{ fromNavigation: number; fromStart: number }> {
  await page.waitForFunction((e) => performance.getEntriesByName(e).length > 0, { timeout: 30_000 }, end);
  return page.evaluate(
    (s, e) => {
      const endAt = performance.getEntriesByName(e)[0].startTime;
      return { fromNavigation: endAt, fromStart: endAt - performance.getEntriesByName(s)[0].startTime };
    },
    start,
    end,
  );
}

// ---- build, server, data ----
const build = spawnSync('npx', ['wxt', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) throw new Error('wxt build failed');

const db = await benchDatabase('extension_panel');
const port = await freePort();
const server = await startServer(testConfigFor(db.uri, { PORT: String(port), TIKTOK_SANDBOX_PORT: '0', AUTH_RATE_LIMIT_PER_MINUTE: '1000' }), () => undefined);
const ext = await launchWithExtension();
const staticServer = createServer();
try {
  const agency = await signupAgency(server.baseUrl, 'Bench Talent');
  const tenantId = new Types.ObjectId(agency.agency.id);
  const docs = Array.from({ length: CREATORS }, (_, i) => {
    const handle = `creator_${String(i).padStart(5, '0')}`;
    return { _id: new Types.ObjectId(), tenantId, handle, displayName: `Creator ${i}`, displayNameLower: `creator ${i}`, tags: [i % 3 ? 'music' : 'talk'] };
  });
  for (let i = 0; i < docs.length; i += 1000) await creatorModel(server.app.db).insertMany(docs.slice(i, i + 1000));

  // Sign in and let the panel fetch the whole roster into IndexedDB once.
  const options = await setApiUrlInOptions(ext, server.baseUrl);
  await signInOn(options, agency.email, agency.password);
  await options.waitForSelector('[data-testid="signed-in-as"]');
  await options.close();
  const warm = await ext.openPage('sidepanel.html', undefined, { newWindow: true });
  await warm.waitForFunction((n) => document.querySelector('[data-testid="roster-count"]')?.textContent?.startsWith(`${n} creators`), { timeout: 120_000 }, CREATORS);
  await warm.close();

  // ---- first roster paint: with the roster preview (what a reopened panel has) and from IndexedDB alone ----
  const sameOrigin = await ext.openPage('popup.html');
  const openAndMeasure = async (withPreview: boolean) => {
    if (!withPreview) await sameOrigin.evaluate(() => localStorage.removeItem('liveroster.rosterPreview'));
    const page = await ext.openPage('sidepanel.html', undefined, { newWindow: true });
    const marks = await marksOf(page, 'panel-start', 'roster-first-paint');
    const rows = await page.$$eval('[data-testid="roster-row"]', (r) => r.length);
    if (rows === 0) throw new Error('roster-first-paint marked with no rows on screen');
    // Let the full read (which writes the next preview) finish before closing.
    await page.waitForFunction((n) => document.querySelector('[data-testid="roster-count"]')?.textContent?.startsWith(`${n} creators`), {}, CREATORS);
    await page.close();
    return marks;
  };
  const panelPaint: Array<{ fromNavigation: number; fromStart: number }> = [];
  const idbPaint: Array<{ fromNavigation: number; fromStart: number }> = [];
  for (let i = 0; i < RUNS; i++) {
    panelPaint.push(await openAndMeasure(true));
    idbPaint.push(await openAndMeasure(false));
  }
  await sameOrigin.close();
  const html = baselineHtml(docs.map((d) => ({ handle: d.handle, displayName: d.displayName })));
  staticServer.on('request', (_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
  await new Promise<void>((ok) => staticServer.listen(0, '127.0.0.1', ok));
  const baselineUrl = `http://127.0.0.1:${(staticServer.address() as { port: number }).port}/`;
  const basePaint: Array<{ fromNavigation: number; fromStart: number }> = [];
  for (let i = 0; i < RUNS; i++) {
    const page = await ext.browser.newPage();
    await page.setViewport({ width: 400, height: 760 });
    await page.goto(baselineUrl);
    basePaint.push(await marksOf(page, 'baseline-start', 'baseline-paint'));
    await page.close();
  }

  // ---- tally → DOM ----
  // The probe must run before the panel's scripts: install it, then load the panel again.
  const probed = await ext.openPage('sidepanel.html', undefined, { newWindow: true });
  await installPortProbe(probed);
  await probed.reload({ waitUntil: 'domcontentloaded' });
  await probed.waitForFunction(() => (window as unknown as { __panelListeners: unknown[] }).__panelListeners.length > 0 && document.querySelectorAll('[data-testid="roster-row"]').length > 0);
  const tally = (creatorId: string, diamonds: number) => ({
    kind: 'tally',
    tally: { creatorId, sessionId: `s-${creatorId}`, startedAt: new Date().toISOString(), diamonds, gifts: 1, viewers: 10, peakViewers: 10, likes: 0, topGifters: [] },
  });
  const goesLive: number[] = [];
  const ticks: number[] = [];
  const live = docs[CREATORS - 1]._id.toString();
  for (let i = 0; i < RUNS * 2; i++) {
    // A creator from the end of the alphabet goes live: the row moves to the top of the list.
    const id = docs[CREATORS - 2 - i]._id.toString();
    goesLive.push(await timeToDom(probed, `[data-testid="roster-diamonds-${id}"]`, `${100 + i}`, tally(id, 100 + i)));
  }
  for (let i = 0; i < RUNS * 2; i++) ticks.push(await timeToDom(probed, `[data-testid="roster-diamonds-${live}"]`, `${500 + i}`, tally(live, 500 + i)));
  const baseTally: number[] = [];
  const bare = await ext.browser.newPage();
  await bare.goto(baselineUrl);
  for (let i = 0; i < RUNS * 2; i++) baseTally.push(await timeToDom(bare, '#tally', `💎 ${700 + i}`, null));

  // ---- bundle sizes ----
  const sizes = [
    { entrypoint: 'sidepanel', ...gzipOfGraph(htmlEntry('sidepanel.html')) },
    { entrypoint: 'popup', ...gzipOfGraph(htmlEntry('popup.html')) },
    { entrypoint: 'options', ...gzipOfGraph(htmlEntry('options.html')) },
    { entrypoint: 'background', ...gzipOfGraph(['background.js']) },
  ];

  const chromium = await ext.browser.version();
  console.log(`extension-panel: ${CREATORS} creators cached, ${RUNS} panel opens, ${RUNS * 2} tallies per case, ${chromium} headless`);
  const paintNav = median(panelPaint.map((p) => p.fromNavigation));
  const paintStart = median(panelPaint.map((p) => p.fromStart));
  const baseNav = median(basePaint.map((p) => p.fromNavigation));
  const baseStart = median(basePaint.map((p) => p.fromStart));
  table([
    { measure: 'side panel: navigation → roster-first-paint', 'median ms': fmt(paintNav), 'p95 ms': fmt(p95(panelPaint.map((p) => p.fromNavigation))) },
    { measure: 'side panel: panel-start → roster-first-paint', 'median ms': fmt(paintStart), 'p95 ms': fmt(p95(panelPaint.map((p) => p.fromStart))) },
    { measure: 'side panel without preview: navigation → first paint (IndexedDB)', 'median ms': fmt(median(idbPaint.map((p) => p.fromNavigation))), 'p95 ms': fmt(p95(idbPaint.map((p) => p.fromNavigation))) },
    { measure: 'side panel without preview: panel-start → first paint', 'median ms': fmt(median(idbPaint.map((p) => p.fromStart))), 'p95 ms': fmt(p95(idbPaint.map((p) => p.fromStart))) },
    { measure: 'baseline: navigation → 5,000 plain DOM rows painted', 'median ms': fmt(baseNav), 'p95 ms': fmt(p95(basePaint.map((p) => p.fromNavigation))) },
    { measure: 'baseline: script start → rows painted', 'median ms': fmt(baseStart), 'p95 ms': fmt(p95(basePaint.map((p) => p.fromStart))) },
    { measure: 'side panel: tally → DOM (creator goes live, list re-sorts)', 'median ms': fmt(median(goesLive)), 'p95 ms': fmt(p95(goesLive)) },
    { measure: 'side panel: tally → DOM (diamond tick)', 'median ms': fmt(median(ticks)), 'p95 ms': fmt(p95(ticks)) },
    { measure: 'baseline: raw textContent update → DOM', 'median ms': fmt(median(baseTally), 3), 'p95 ms': fmt(p95(baseTally), 3) },
  ]);
  table(sizes.map((s) => ({ entrypoint: s.entrypoint, files: s.files, 'raw KB': fmt(s.raw / 1024), 'gzip KB': fmt(s.gzip / 1024) })));
  const panelGzip = sizes[0].gzip;
  console.log(`first paint (navigation): ${fmt(paintNav)} ms, ${fmt(paintNav / baseNav, 2)}× the plain-DOM baseline   target < ${TARGET_PAINT_MS} ms   ${paintNav < TARGET_PAINT_MS ? 'OK' : 'MISSED'}`);
  const worstTally = Math.max(p95(goesLive), p95(ticks));
  console.log(
    `tally → DOM: median ${fmt(median(ticks))} ms (tick), ${fmt(median(goesLive))} ms (goes live), p95 worst ${fmt(worstTally)} ms; ` +
      `baseline ${fmt(median(baseTally), 3)} ms (the panel batches tallies per animation frame)   target < ${TARGET_TALLY_MS} ms   ${worstTally < TARGET_TALLY_MS ? 'OK' : 'MISSED'}`,
  );
  console.log(`side panel JS: ${fmt(panelGzip / 1024)} KB gzip   target < ${TARGET_PANEL_GZIP / 1024} KB   ${panelGzip < TARGET_PANEL_GZIP ? 'OK' : 'MISSED'}`);
} finally {
  staticServer.close();
  await ext.close();
  await server.stop();
  await db.stop();
}
