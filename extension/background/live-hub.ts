import { browser, type Runtime } from '../lib/browser';
import type { ApiClient } from '../lib/api-client';
import type { LiveTally } from '../lib/api-types';
import { connectLiveStream, type LiveStream, type LiveStreamStatus } from '../lib/live-stream';
import { SIDE_PANEL_PORT, type PanelEvent } from '../lib/messages';
import type { SessionStore } from './session';
import type { AlertEvent } from '@shared/alerts';

/**
 * Owns the side-panel ports and the realtime connection. The stream runs while signed in, panel open or
 * not (alerts and the live badge need it; an alarm restarts it after the worker was stopped), reconnects
 * by itself, and after every (re)connect reloads `GET /live/now` so a gap the server could not replay still heals.
 */
export function createLiveHub(deps: {
  session: SessionStore;
  api: ApiClient;
  onUnauthorized: () => void;
  initialPanelEvents: () => PanelEvent[];
  /** Alerts (issue 12): each alert the stream brings, and the live set's size whenever it changes. */
  onAlert?: (alert: AlertEvent) => void;
  onLiveCount?: (count: number) => void;
  /** The stream (re)opened: what it could not bring (alerts raised before it opened) is caught up here. */
  onStreamOpen?: () => void;
}) {
  const ports = new Set<Runtime.Port>();
  const tallies = new Map<string, LiveTally>();
  let stream: LiveStream | undefined;
  let status: LiveStreamStatus = 'closed';
  let persistTimer: ReturnType<typeof setTimeout> | undefined;

  function broadcast(event: PanelEvent): void {
    for (const port of ports) {
      try {
        port.postMessage(event);
      } catch {
        ports.delete(port);
      }
    }
  }

  async function loadSnapshot(): Promise<void> {
    try {
      const { items } = await deps.api.liveNow();
      tallies.clear();
      for (const item of items) tallies.set(item.creatorId, item);
      deps.onLiveCount?.(tallies.size);
      broadcast({ kind: 'live_snapshot', tallies: items });
    } catch {
      // The stream keeps running; the next reconnect retries the snapshot.
    }
  }

  function start(): void {
    if (stream || !deps.session.token()) return;
    stream = connectLiveStream({
      baseUrl: deps.session.apiUrl,
      token: deps.session.token,
      lastEventId: deps.session.lastEventId(),
      onTally(tally) {
        const known = tallies.has(tally.creatorId);
        tallies.set(tally.creatorId, tally);
        if (!known) deps.onLiveCount?.(tallies.size);
        broadcast({ kind: 'tally', tally });
      },
      onSessionEnd(end) {
        tallies.delete(end.creatorId);
        deps.onLiveCount?.(tallies.size);
        broadcast({ kind: 'session_end', end });
      },
      onAlert: deps.onAlert,
      onLastEventId(id) {
        // Coalesced: a busy stream would otherwise write storage on every event.
        clearTimeout(persistTimer);
        persistTimer = setTimeout(() => void deps.session.setLastEventId(id), 1000);
      },
      onStatus(next) {
        status = next;
        broadcast({ kind: 'stream', status: next });
        if (next === 'open') {
          void loadSnapshot();
          deps.onStreamOpen?.();
        }
        if (next === 'unauthorized') {
          stream = undefined;
          deps.onUnauthorized();
        }
      },
    });
  }

  function stop(): void {
    stream?.close();
    stream = undefined;
    status = 'closed';
    tallies.clear();
    deps.onLiveCount?.(0);
  }

  browser.runtime.onConnect.addListener((port) => {
    if (port.name !== SIDE_PANEL_PORT) return;
    ports.add(port);
    port.onDisconnect.addListener(() => ports.delete(port));
    for (const event of deps.initialPanelEvents()) port.postMessage(event);
    port.postMessage({ kind: 'stream', status } satisfies PanelEvent);
    // A panel opening gets the API's current tallies, not what this worker held since it last heard the server:
    // offline, the panel then says what it knows (the cached roster, "LIVE as of …") instead of old figures as news.
    if (status === 'open') void loadSnapshot();
    start();
  });

  return {
    broadcast,
    /** Call after sign-in or an API URL change: (re)opens the stream with the new credentials. */
    restart() {
      stop();
      start();
    },
    stop,
    /** Starts the stream if signed in and not running (worker start, keep-alive alarm). */
    ensure: start,
    snapshot: () => ({ status, tallies: [...tallies.values()] }),
  };
}
