import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlertEvent } from '@shared/alerts';

// The browser module with just what the notifier uses: notifications, action, storage.local, windows, tabs.
const calls = vi.hoisted(() => ({
  created: [] as { id: string; options: Record<string, unknown> }[],
  badge: [] as string[],
  opened: [] as number[],
  tabs: [] as string[],
  local: {} as Record<string, unknown>,
  clicked: null as null | ((id: string) => void),
  sidePanelFails: false,
}));
vi.mock('../../lib/browser', () => ({
  browser: {
    notifications: {
      create: async (id: string, options: Record<string, unknown>) => void calls.created.push({ id, options }),
      clear: async () => true,
      onClicked: { addListener: (fn: (id: string) => void) => (calls.clicked = fn) },
    },
    action: {
      setBadgeText: async ({ text }: { text: string }) => void calls.badge.push(text),
      setBadgeBackgroundColor: async () => undefined,
      setTitle: async () => undefined,
    },
    storage: {
      local: {
        get: async (keys: string[]) => Object.fromEntries(keys.map((k) => [k, structuredClone(calls.local[k])])),
        set: async (values: Record<string, unknown>) => void Object.assign(calls.local, structuredClone(values)),
      },
    },
    windows: { getLastFocused: async () => ({ id: 7 }) },
    tabs: { create: async ({ url }: { url: string }) => void calls.tabs.push(url) },
    runtime: { getURL: (path: string) => `chrome-extension://id${path}` },
  },
  sidePanel: {
    open: async ({ windowId }: { windowId: number }) => {
      if (calls.sidePanelFails) throw new Error('needs a user gesture');
      calls.opened.push(windowId);
    },
  },
}));

const { createAlertNotifier } = await import('../alerts');
type Notification = import('@shared/schemas/tiktok').Notification;

const alert = (id: string, handle = 'kim'): AlertEvent => ({
  id,
  type: 'creator.live_started',
  createdAt: '2026-12-02T12:00:00Z',
  agencyId: 'a',
  creator: { id: 'c1', handle, displayName: 'Kim', profileUrl: `https://www.tiktok.com/@${handle}` },
  title: `@${handle} is LIVE`,
  text: 'Drop in and say hello.',
  data: {},
});

beforeEach(() => {
  calls.created.length = 0;
  calls.badge.length = 0;
  calls.opened.length = 0;
  calls.tabs.length = 0;
  calls.local = {};
  calls.sidePanelFails = false;
});

describe('createAlertNotifier', () => {
  it('shows each alert once (also after the worker or the browser restarted: the shown ids live in storage.local)', async () => {
    const focus = vi.fn();
    const notifier = createAlertNotifier({ broadcastFocus: focus });
    await notifier.show(alert('evt_1'));
    await notifier.show(alert('evt_1'));
    await notifier.show(alert('evt_2'));
    expect(calls.created.map((c) => c.id)).toEqual(['evt_1', 'evt_2']);
    expect(calls.created[0].options).toMatchObject({ type: 'basic', title: '@kim is LIVE', message: 'Drop in and say hello.' });
    const restarted = createAlertNotifier({ broadcastFocus: focus });
    await restarted.show(alert('evt_2'));
    expect(calls.created).toHaveLength(2);
  });

  it('a click opens the side panel on that creator (the next panel shows it; open panels are told at once)', async () => {
    const focus = vi.fn();
    const notifier = createAlertNotifier({ broadcastFocus: focus });
    await notifier.show(alert('evt_9', 'lena'));
    calls.clicked!('evt_9');
    await vi.waitFor(() => expect(calls.opened).toEqual([7]));
    expect(focus).toHaveBeenCalledWith({ handle: 'lena', isLive: true });
    expect(notifier.takeFocus()).toEqual({ handle: 'lena', isLive: true });
    expect(notifier.takeFocus()).toBeNull();
  });

  it('without a side panel for the click, the panel page opens in a tab', async () => {
    calls.sidePanelFails = true;
    const notifier = createAlertNotifier({ broadcastFocus: () => undefined });
    await notifier.show(alert('evt_3'));
    calls.clicked!('evt_3');
    await vi.waitFor(() => expect(calls.tabs).toEqual(['chrome-extension://id/sidepanel.html']));
  });

  it('a click on a notification shown before the worker restarted still opens on its creator', async () => {
    await createAlertNotifier({ broadcastFocus: () => undefined }).show(alert('evt_old', 'rhea'));
    const focus = vi.fn();
    const restarted = createAlertNotifier({ broadcastFocus: focus });
    calls.clicked!('evt_old');
    await vi.waitFor(() => expect(calls.opened).toEqual([7]));
    expect(focus).toHaveBeenCalledWith({ handle: 'rhea', isLive: true });
    expect(restarted.takeFocus()).toEqual({ handle: 'rhea', isLive: true });
  });

  it('the badge shows the live count, empty at zero', async () => {
    const notifier = createAlertNotifier({ broadcastFocus: () => undefined });
    await notifier.setLiveCount(3);
    await notifier.setLiveCount(0);
    expect(calls.badge).toEqual(['3', '']);
  });
});

const T0 = Date.parse('2026-12-02T12:00:00Z');
const note = (eventId: string | null, createdAt: number, type = 'creator.live_started', handle = 'kim'): Notification => ({
  id: `n_${eventId}`,
  type: type as Notification['type'],
  title: `@${handle} is LIVE`,
  body: 'Drop in.',
  creatorId: 'c1',
  readAt: null,
  createdAt: new Date(createdAt).toISOString(),
  eventId,
  data: { sessionId: 's1', creator: { id: 'c1', handle, displayName: handle, profileUrl: `https://www.tiktok.com/@${handle}` } },
});

describe('catching up when the stream (re)opens', () => {
  it('right after sign-in, an alert raised before the stream opened reaches the desktop, once across reconnects and restarts', async () => {
    let now = T0;
    const notifier = createAlertNotifier({ broadcastFocus: () => undefined, now: () => now });
    await notifier.signedIn();
    now += 5_000;
    // Newest first, as GET /notifications?unread=true answers: one raised between sign-in and the stream opening,
    // one from the day before (the list's, not the desktop's), a notice that is not an alert.
    const unread = { items: [note('evt_gap', T0 + 2_000, 'creator.live_started', 'gapper'), note(null, T0 - 1_000, 'webhook_disabled'), note('evt_yesterday', T0 - 86_400_000)] };
    const list = vi.fn(async () => unread);
    expect(await notifier.catchUp(list)).toBe(1);
    expect(calls.created.map((c) => c.id)).toEqual(['evt_gap']);
    expect(calls.created[0].options).toMatchObject({ title: '@gapper is LIVE', message: 'Drop in.' });
    // The stream brings it too (replay), a reconnect catches up again, the worker restarts: still once.
    await notifier.show({ ...alert('evt_gap', 'gapper') });
    expect(await notifier.catchUp(list)).toBe(0);
    const restarted = createAlertNotifier({ broadcastFocus: () => undefined, now: () => now });
    expect(await restarted.catchUp(list)).toBe(0);
    expect(calls.created.map((c) => c.id)).toEqual(['evt_gap']);
    // A click on it opens on its creator.
    const focus = vi.fn();
    const third = createAlertNotifier({ broadcastFocus: focus, now: () => now });
    calls.clicked!('evt_gap');
    await vi.waitFor(() => expect(focus).toHaveBeenCalledWith({ handle: 'gapper', isLive: true }));
    expect(third.takeFocus()).toEqual({ handle: 'gapper', isLive: true });
  });

  it('alerts missed while the worker was stopped are shown oldest first; a stream alert racing the catch-up shows once', async () => {
    const now = T0;
    const notifier = createAlertNotifier({ broadcastFocus: () => undefined, now: () => now });
    await notifier.show(alert('evt_seen'));
    const unread = { items: [note('evt_b', T0 + 60_000), note('evt_a', T0 + 30_000), note('evt_seen', T0)] };
    await Promise.all([notifier.catchUp(async () => unread), notifier.show(alert('evt_b')), notifier.show(alert('evt_a'))]);
    expect(calls.created.map((c) => c.id).sort()).toEqual(['evt_a', 'evt_b', 'evt_seen']);
    expect(calls.created).toHaveLength(3);
  });

  it('a first catch-up without any sign-in recorded starts from now, not the whole backlog', async () => {
    const notifier = createAlertNotifier({ broadcastFocus: () => undefined, now: () => T0 });
    const shown = await notifier.catchUp(async () => ({ items: [note('evt_new', T0 - 60_000), note('evt_old', T0 - 3 * 3600_000)] }));
    expect(shown).toBe(1);
    expect(calls.created.map((c) => c.id)).toEqual(['evt_new']);
  });
});
