/**
 * Renders icon.svg to the PNG sizes the manifest lists (WXT picks up public/icon/<size>.png), with the same
 * Chromium the end-to-end tests use. The PNGs are committed; run this only after changing the SVG:
 *
 *   npx tsx extension/icons/render-icons.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { ensureChromium } from '../../scripts/ensure-chromium';

const SIZES = [16, 32, 48, 128];
const svg = readFileSync(fileURLToPath(new URL('./icon.svg', import.meta.url)), 'utf8');
const browser = await puppeteer.launch({ executablePath: ensureChromium(), headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  for (const size of SIZES) {
    await page.setViewport({ width: size, height: size });
    await page.setContent(`<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`);
    const png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
    writeFileSync(fileURLToPath(new URL(`../public/icon/${size}.png`, import.meta.url)), png);
  }
} finally {
  await browser.close();
}
