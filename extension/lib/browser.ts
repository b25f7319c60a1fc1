/**
 * The extension API, in one place: `browser` is Mozilla's webextension-polyfill (promise-based, typed by
 * @types/webextension-polyfill), so the same code runs in Chrome and Firefox. The polyfill only wraps
 * what Firefox also has; Chrome-only APIs (`sidePanel`) come from the `chrome` global, typed with the
 * Chrome types WXT ships. Every other file imports from here, never `chrome.*` or `wxt/browser` directly.
 */
import polyfill from 'webextension-polyfill';
import type { Browser as ChromeApi } from 'wxt/browser';

export const browser = polyfill;
export type { Runtime } from 'webextension-polyfill';

type ChromeGlobal = { sidePanel?: typeof ChromeApi.sidePanel };
const chromeGlobal = (globalThis as unknown as { chrome?: ChromeGlobal }).chrome;

/** Chrome's side panel API (absent in Firefox, which has `sidebarAction` instead); undefined when missing. */
export const sidePanel: typeof ChromeApi.sidePanel | undefined = chromeGlobal?.sidePanel;
