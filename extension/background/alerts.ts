import type { AlertEvent } from '@shared/alerts';
import { browser, sidePanel } from '../lib/browser';
import type { OnScreenCreator } from '../lib/tiktok-url';

/** Alert ids already shown (storage.session: survives the worker's restarts, so a resumed stream replays silently). */
const SHOWN_KEY = 'alertsShown';
const SHOWN_KEEP = 300;
/** A creator picked by clicking a notification is shown by the next panel that opens within this long. */
const FOCUS_TTL_MS = 60_000;

/**
 * Alerts in the browser (issue 12), owned by the background so they work with the side panel closed:
 * - a desktop notification per alert the stream brings (each alert once, whatever the reconnects);
 *   a click opens the side panel on that creator (`focusCreator` feeds the panel's `on_screen` event);
 * - the toolbar badge: how many of the manager's creators are live now (the stream's live set).
 */
export function createAlertNotifier(deps: { broadcastFocus: (creator: OnScreenCreator) => void }) {
  const handles = new Map<string, OnScreenCreator>();
  let focus: { creator: OnScreenCreator; at: number } | null = null;
  let shown: string[] | null = null;

  async function shownIds(): Promise<string[]> {
    if (!shown) {
      const stored = await browser.storage.session.get(SHOWN_KEY);
      shown = Array.isArray(stored[SHOWN_KEY]) ? (stored[SHOWN_KEY] as string[]) : [];
    }
    return shown;
  }

  async function openOn(notificationId: string): Promise<void> {
    const creator = handles.get(notificationId);
    if (creator) {
      focus = { creator, at: Date.now() };
      deps.broadcastFocus(creator);
    }
    void browser.notifications.clear(notificationId);
    try {
      const window = await browser.windows.getLastFocused();
      if (!sidePanel || window.id === undefined) throw new Error('no side panel');
      await sidePanel.open({ windowId: window.id });
    } catch {
      // No side panel API, or no user gesture credited to the click: the panel page in a tab shows the same.
      await browser.tabs.create({ url: browser.runtime.getURL('/sidepanel.html') });
    }
  }

  browser.notifications.onClicked.addListener((id) => void openOn(id));

  return {
    /** One desktop notification per alert id. */
    async show(alert: AlertEvent): Promise<void> {
      const ids = await shownIds();
      if (ids.includes(alert.id)) return;
      ids.push(alert.id);
      if (ids.length > SHOWN_KEEP) ids.splice(0, ids.length - SHOWN_KEEP);
      await browser.storage.session.set({ [SHOWN_KEY]: ids });
      if (alert.creator) handles.set(alert.id, { handle: alert.creator.handle, isLive: alert.type === 'creator.live_started' || alert.type === 'gift.spike' });
      await browser.notifications.create(alert.id, {
        type: 'basic',
        iconUrl: browser.runtime.getURL('/icon/128.png'),
        title: alert.title,
        message: alert.text,
        contextMessage: alert.creator ? `@${alert.creator.handle} · LiveRoster` : 'LiveRoster',
        priority: alert.type === 'creator.stream_suspended' || alert.type === 'tiktok.connection_expired' ? 2 : 0,
      });
    },

    /** The toolbar badge: the number of the manager's creators live now (empty at zero). */
    async setLiveCount(count: number): Promise<void> {
      await browser.action.setBadgeBackgroundColor({ color: '#e5484d' });
      await browser.action.setBadgeText({ text: count > 0 ? String(count) : '' });
      await browser.action.setTitle({ title: count > 0 ? `LiveRoster: ${count} live now` : 'LiveRoster' });
    },

    /** The creator a notification click asked for, once, if recent. */
    takeFocus(): OnScreenCreator | null {
      const f = focus;
      focus = null;
      return f && Date.now() - f.at < FOCUS_TTL_MS ? f.creator : null;
    },
  };
}

export type AlertNotifier = ReturnType<typeof createAlertNotifier>;
