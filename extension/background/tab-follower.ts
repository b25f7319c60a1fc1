import { browser } from '../lib/browser';
import { parseTikTokCreatorUrl, type OnScreenCreator } from '../lib/tiktok-url';

/**
 * Watches the active tab of the focused window and reports which TikTok creator it shows (or null)
 * whenever that changes: tab switches, in-tab navigation (TikTok is a single-page app) and window focus.
 */
export function followActiveTab(onChange: (creator: OnScreenCreator | null) => void) {
  let current: OnScreenCreator | null = null;

  function update(url: string | undefined): void {
    const next = parseTikTokCreatorUrl(url);
    if (next?.handle === current?.handle && next?.isLive === current?.isLive) return;
    current = next;
    onChange(next);
  }

  async function refresh(): Promise<void> {
    const [tab] = await browser.tabs.query({ active: true, lastFocusedWindow: true });
    update(tab?.url);
  }

  browser.tabs.onActivated.addListener(({ tabId }) => {
    browser.tabs.get(tabId).then((tab) => update(tab.url), () => undefined);
  });
  browser.tabs.onUpdated.addListener((_tabId, changeInfo, tab) => {
    if (tab.active && changeInfo.url !== undefined) update(changeInfo.url);
  });
  browser.windows.onFocusChanged.addListener((windowId) => {
    if (windowId !== browser.windows.WINDOW_ID_NONE) void refresh();
  });
  // A freshly woken service worker answers "what's on screen" only after its first look at the tab:
  // before that, `current` is null even on a creator's page (the popup would lose its prefill).
  const firstLook = refresh().catch(() => undefined);

  return { current: () => current, refresh, settled: async () => (await firstLook, current) };
}
