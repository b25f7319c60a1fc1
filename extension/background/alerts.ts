import { isAlertKind, type AlertEvent } from '@shared/alerts';
import type { Notification } from '@shared/schemas/tiktok';
import { browser, sidePanel } from '../lib/browser';
import type { OnScreenCreator } from '../lib/tiktok-url';

/**
 * What was shown, in storage.local: it outlives the worker and the browser, so neither a resumed stream nor a
 * catch-up after a restart shows an alert twice, and a click on a notification shown before the worker was
 * stopped still knows its creator.
 */
const SHOWN_KEY = 'alertsShown';
/** Alerts older than this (their `createdAt`) are never caught up as desktop notifications: the list has them. */
const FLOOR_KEY = 'alertsFloor';
const SHOWN_KEEP = 300;
/** A creator picked by clicking a notification is shown by the next panel that opens within this long. */
const FOCUS_TTL_MS = 60_000;
/**
 * Catch-up window behind the floor: an alert's time is when it happened (a quiet spell's threshold, a session's
 * end), which can be a little before it was raised; and the server's clock is not the browser's.
 */
const FLOOR_SLACK_MS = 60 * 60_000;
/** At most this many unread alerts are fetched per catch-up (the newest); the rest stay in the notifications list. */
export const CATCH_UP_LIMIT = 20;

interface ShownEntry {
  id: string;
  creator: OnScreenCreator | null;
}

/** An alert rebuilt from its notification (GET /notifications carries the alert's id, text and data). */
export function alertFromNotification(n: Notification): AlertEvent | null {
  if (!n.eventId || !isAlertKind(n.type)) return null;
  const data = n.data ?? {};
  const creator = (data.creator ?? null) as AlertEvent['creator'];
  return { id: n.eventId, type: n.type, createdAt: n.createdAt, agencyId: '', creator, title: n.title, text: n.body, data };
}

/**
 * Alerts in the browser (issue 12), owned by the background so they work with the side panel closed:
 * - a desktop notification per alert the stream brings, and per unread alert it missed (`catchUp` on every
 *   stream (re)open: right after sign-in the stream starts at its head, so an alert raised in between is only
 *   in the notifications list); each alert once, whatever the reconnects and restarts;
 *   a click opens the side panel on that creator (`focusCreator` feeds the panel's `on_screen` event);
 * - the toolbar badge: how many of the manager's creators are live now (the stream's live set).
 */
export function createAlertNotifier(deps: { broadcastFocus: (creator: OnScreenCreator) => void; now?: () => number }) {
  const now = deps.now ?? Date.now;
  let focus: { creator: OnScreenCreator; at: number } | null = null;
  let state: { shown: ShownEntry[]; floor: number | null } | null = null;
  /** Every read-modify-write of the shown list runs in turn (the stream and a catch-up may race). */
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(job: () => Promise<T>): Promise<T> => {
    const next = queue.then(job, job);
    queue = next.catch(() => undefined);
    return next;
  };

  async function load(): Promise<{ shown: ShownEntry[]; floor: number | null }> {
    if (!state) {
      const stored = await browser.storage.local.get([SHOWN_KEY, FLOOR_KEY]);
      const shown = Array.isArray(stored[SHOWN_KEY]) ? (stored[SHOWN_KEY] as ShownEntry[]).filter((e) => e && typeof e.id === 'string') : [];
      state = { shown, floor: typeof stored[FLOOR_KEY] === 'number' ? (stored[FLOOR_KEY] as number) : null };
    }
    return state;
  }

  async function present(alert: AlertEvent): Promise<void> {
    const s = await load();
    if (s.shown.some((e) => e.id === alert.id)) return;
    const creator = alert.creator ? { handle: alert.creator.handle, isLive: alert.type === 'creator.live_started' || alert.type === 'gift.spike' } : null;
    s.shown.push({ id: alert.id, creator });
    if (s.shown.length > SHOWN_KEEP) s.shown.splice(0, s.shown.length - SHOWN_KEEP);
    const at = Date.parse(alert.createdAt);
    // The floor follows the newest alert seen: what is older than it (less the slack) was handled already.
    if (Number.isFinite(at)) s.floor = Math.max(s.floor ?? 0, at - FLOOR_SLACK_MS);
    // Recorded before it is shown: a worker stopped in between loses one notification, never shows one twice.
    await browser.storage.local.set({ [SHOWN_KEY]: s.shown, [FLOOR_KEY]: s.floor });
    await browser.notifications.create(alert.id, {
      type: 'basic',
      iconUrl: browser.runtime.getURL('/icon/128.png'),
      title: alert.title,
      message: alert.text,
      contextMessage: alert.creator ? `@${alert.creator.handle} · LiveRoster` : 'LiveRoster',
      priority: alert.type === 'creator.stream_suspended' || alert.type === 'tiktok.connection_expired' ? 2 : 0,
    });
  }

  /** A click on a desktop notification: the side panel, on that notification's creator. */
  async function onClicked(notificationId: string): Promise<void> {
    const entry = (await load()).shown.find((e) => e.id === notificationId);
    if (entry?.creator) {
      focus = { creator: entry.creator, at: now() };
      deps.broadcastFocus(entry.creator);
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

  browser.notifications.onClicked.addListener((id) => void onClicked(id));

  return {
    /** One desktop notification per alert id. */
    show: (alert: AlertEvent): Promise<void> => serial(() => present(alert)),

    /**
     * A signed-in start (sign-in, another account, another API): alerts from now on are caught up, older ones are
     * the notifications list's. Keeps a later floor (a restart of the same session changes nothing).
     */
    signedIn: (): Promise<void> =>
      serial(async () => {
        const s = await load();
        s.floor = Math.max(s.floor ?? 0, now() - FLOOR_SLACK_MS);
        await browser.storage.local.set({ [FLOOR_KEY]: s.floor });
      }),

    /**
     * The stream (re)opened: the unread alerts it did not bring (raised before it opened, or beyond what the
     * server could replay) are shown now, oldest first, once each. `unread` is GET /notifications?unread=true.
     */
    catchUp: (unread: () => Promise<{ items: Notification[] }>): Promise<number> =>
      serial(async () => {
        const s = await load();
        if (s.floor === null) {
          // Never signed in through this version: start from now rather than flood the desktop with the backlog.
          s.floor = now() - FLOOR_SLACK_MS;
          await browser.storage.local.set({ [FLOOR_KEY]: s.floor });
        }
        const floor = s.floor;
        const { items } = await unread();
        const missed = items
          .map(alertFromNotification)
          .filter((a): a is AlertEvent => !!a && Date.parse(a.createdAt) >= floor && !s.shown.some((e) => e.id === a.id))
          .reverse();
        for (const alert of missed) await present(alert);
        return missed.length;
      }),

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
      return f && now() - f.at < FOCUS_TTL_MS ? f.creator : null;
    },

    onClicked,
  };
}

export type AlertNotifier = ReturnType<typeof createAlertNotifier>;
