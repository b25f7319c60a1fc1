import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlertEvent } from '@shared/alerts';

// The browser module with just what the notifier uses: notifications, action, storage.session, windows, tabs.
const calls = vi.hoisted(() => ({
  created: [] as { id: string; options: Record<string, unknown> }[],
  badge: [] as string[],
  opened: [] as number[],
  tabs: [] as string[],
  session: {} as Record<string, unknown>,
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
      session: {
        get: async (key: string) => ({ [key]: calls.session[key] }),
        set: async (values: Record<string, unknown>) => void Object.assign(calls.session, values),
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
  calls.session = {};
  calls.sidePanelFails = false;
});

describe('createAlertNotifier', () => {
  it('shows each alert once (also after the worker restarted: the shown ids live in storage.session)', async () => {
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

  it('the badge shows the live count, empty at zero', async () => {
    const notifier = createAlertNotifier({ broadcastFocus: () => undefined });
    await notifier.setLiveCount(3);
    await notifier.setLiveCount(0);
    expect(calls.badge).toEqual(['3', '']);
  });
});
