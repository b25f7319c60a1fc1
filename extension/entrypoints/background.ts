import { browser, sidePanel } from '../lib/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { createRequestHandlers } from '../background/handlers';
import { CATCH_UP_LIMIT, createAlertNotifier } from '../background/alerts';
import { createLiveHub } from '../background/live-hub';
import { createSessionStore } from '../background/session';
import { followActiveTab } from '../background/tab-follower';
import { createApiClient } from '../lib/api-client';
import { openCache } from '../lib/cache';
import { flushDealOutbox } from '../lib/deal-outbox';
import { serveBackgroundRequests, type PanelEvent } from '../lib/messages';

const OUTBOX_ALARM = 'deal-outbox';
/** Wakes the worker to keep the realtime stream (alerts, live badge) running with the panel closed. */
const STREAM_ALARM = 'live-stream-keepalive';

export default defineBackground({
  type: 'module',
  main() {
    const session = createSessionStore();
    const api = createApiClient({ baseUrl: session.apiUrl, token: session.token });
    const db = openCache();

    const authEvent = (): PanelEvent => ({
      kind: 'auth',
      state: { signedIn: !!session.token(), user: session.user(), agency: session.agency() },
    });
    const tab = followActiveTab((creator) => hub.broadcast({ kind: 'on_screen', creator }));
    /** The one way queued deals are sent (popup submit, sign-in, alarm); panels showing those creators reload their deals. */
    const flushOutbox = async () => {
      const result = await flushDealOutbox(db, (input, key) => api.createDeal(input, key));
      if (result.sent.length) hub.broadcast({ kind: 'deals_changed', creatorIds: [...new Set(result.sent.map((s) => s.deal.creatorId))] });
      return result;
    };
    const alerts = createAlertNotifier({ broadcastFocus: (creator) => hub.broadcast({ kind: 'on_screen', creator }) });
    const hub = createLiveHub({
      session,
      api,
      onUnauthorized: () => void session.signOut().then(() => hub.broadcast(authEvent())),
      initialPanelEvents: () => [authEvent(), { kind: 'on_screen', creator: alerts.takeFocus() ?? tab.current() }],
      onAlert: (alert) => void alerts.show(alert).catch(() => undefined),
      onLiveCount: (count) => void alerts.setLiveCount(count).catch(() => undefined),
      onStreamOpen: () => void alerts.catchUp(() => api.listNotifications({ unread: true, limit: CATCH_UP_LIMIT })).catch(() => undefined),
    });
    /** Sign-in (or another account or API): alerts from now on reach the desktop, caught up once the stream opens. */
    const restartLive = () => {
      void alerts.signedIn().catch(() => undefined);
      hub.restart();
    };

    // Listeners are registered synchronously (MV3 wakes the worker for them); handlers await session.ready.
    serveBackgroundRequests(
      createRequestHandlers({
        api,
        db,
        session,
        broadcast: hub.broadcast,
        restartLive,
        stopLive: hub.stop,
        onScreen: () => tab.settled(),
        liveSnapshot: async () => hub.snapshot(),
        flushOutbox,
      }),
    );

    // Queued deals: retried every minute (alarms outlive the worker; timers do not).
    const flushOutboxIfSignedIn = async () => {
      await session.ready;
      if (session.token()) await flushOutbox().catch(() => undefined);
    };
    void browser.alarms.create(OUTBOX_ALARM, { periodInMinutes: 1 });
    browser.alarms.onAlarm.addListener((alarm) => {
      if (alarm.name === OUTBOX_ALARM) void flushOutboxIfSignedIn();
    });
    void flushOutboxIfSignedIn();

    // The stream runs whenever signed in (not only with the panel open); the alarm brings it back after the
    // worker was stopped, and the stream resumes from its last event id (missed alerts are replayed once).
    const ensureStream = async () => {
      await session.ready;
      hub.ensure();
    };
    void browser.alarms.create(STREAM_ALARM, { periodInMinutes: 0.5 });
    browser.alarms.onAlarm.addListener((alarm) => {
      if (alarm.name === STREAM_ALARM) void ensureStream();
    });
    void ensureStream();

    // A declared popup takes the toolbar click; the keyboard command opens the side panel instead.
    browser.commands.onCommand.addListener((command, commandTab) => {
      if (command !== 'open-side-panel' || commandTab?.windowId === undefined) return;
      void sidePanel?.open({ windowId: commandTab.windowId });
    });
  },
});
