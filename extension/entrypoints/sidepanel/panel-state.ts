import { batch, signal } from '@preact/signals';
import { browser } from '../../lib/browser';
import type { Creator } from '../../lib/api-types';
import { openCache, readLastLive, readRoster } from '../../lib/cache';
import type { LiveStreamStatus } from '../../lib/live-stream';
import { SIDE_PANEL_PORT, sendToBackground, type AuthState, type PanelEvent } from '../../lib/messages';
import type { OnScreenCreator } from '../../lib/tiktok-url';
import { createCreatorCardModel } from '../../state/creator-card-model';
import { createLatestByKeyBuffer, nextFrameOrTimeout } from '../../state/latest-by-key-buffer';
import { createRosterModel } from '../../state/roster-model';
import { clearRosterPreview, PREVIEW_ROWS, readRosterPreview, saveRosterPreview } from '../../lib/roster-preview';
import type { LiveTally } from '../../lib/api-types';

/** Everything the side panel shows, and the wiring to the background (port events, requests). */
export function createPanelState() {
  const db = openCache();
  const roster = createRosterModel();
  const card = createCreatorCardModel({ request: sendToBackground, db, onCreatorChanged: (c) => roster.upsertCreator(c) });
  const auth = signal<AuthState | null>(null);
  const onScreen = signal<OnScreenCreator | null>(null);
  const stream = signal<LiveStreamStatus>('closed');
  const view = signal<'roster' | 'card' | 'board'>('roster');
  const refreshError = signal<string | null>(null);
  let firstPaintMarked = false;

  const tallyBuffer = createLatestByKeyBuffer<LiveTally>(
    (t) => t.creatorId,
    (items) => {
      roster.applyTallies(items);
      performance.mark('tally-applied');
    },
    nextFrameOrTimeout,
  );

  function markFirstPaint(): void {
    if (firstPaintMarked) return;
    firstPaintMarked = true;
    // Signals re-render in a microtask; the frame callback runs after that, before the paint.
    nextFrameOrTimeout(() => performance.mark('roster-first-paint'));
  }

  async function loadFromCache(fresh: boolean): Promise<void> {
    const [{ creators, syncedAt }, lastLive] = await Promise.all([readRoster(db), readLastLive(db)]);
    // An empty cache says nothing about the roster now: keep "Loading" until the API answers (or fails).
    const known = fresh || creators.length > 0 || auth.value?.signedIn === false;
    batch(() => {
      roster.setCreators(creators, fresh, known);
      roster.syncedAt.value = syncedAt;
      roster.lastLive.value = new Map(Object.entries(lastLive));
    });
    markFirstPaint();
    if (known && !roster.query.value && !roster.tag.value) saveRosterPreview(roster.head(PREVIEW_ROWS));
  }

  async function refreshRoster(): Promise<void> {
    try {
      await sendToBackground('roster.refresh');
      refreshError.value = null;
      await loadFromCache(true);
    } catch (e) {
      refreshError.value = (e as Error).message;
      roster.loaded.value = true;
    }
  }

  function showOnScreen(creator: OnScreenCreator | null): void {
    onScreen.value = creator;
    if (creator && auth.value?.signedIn) {
      view.value = 'card';
      void card.showHandle(creator.handle);
    } else if (!creator && card.unknownHandle.value) {
      // The tab left that profile (e.g. for /foryou): the "not in your roster" offer is about a page no longer shown.
      batch(() => {
        card.clear();
        view.value = 'roster';
      });
    }
  }

  function handle(event: PanelEvent): void {
    switch (event.kind) {
      case 'auth': {
        const wasSignedIn = auth.value?.signedIn;
        auth.value = event.state;
        if (event.state.signedIn && !wasSignedIn) {
          void refreshRoster();
          if (onScreen.value) showOnScreen(onScreen.value);
        }
        if (!event.state.signedIn) {
          roster.loaded.value = true;
          clearRosterPreview();
          batch(() => {
            view.value = 'roster';
            card.clear();
          });
          void loadFromCache(false);
        }
        break;
      }
      case 'on_screen':
        if (event.creator?.handle !== onScreen.value?.handle || event.creator?.isLive !== onScreen.value?.isLive) showOnScreen(event.creator);
        break;
      case 'stream':
        stream.value = event.status;
        break;
      case 'live_snapshot':
        roster.applySnapshot(event.tallies);
        break;
      case 'tally':
        tallyBuffer.push(event.tally);
        break;
      case 'session_end':
        tallyBuffer.drop(event.end.creatorId);
        roster.endSession(event.end.creatorId);
        break;
      case 'roster_changed':
        void loadFromCache(!roster.stale.value);
        break;
      case 'deals_changed':
        void card.reloadDealsIfShown(event.creatorIds);
        break;
    }
  }

  /** Paints the cache, then connects to the background (which answers with auth, tab and live state). */
  async function start(): Promise<void> {
    performance.mark('panel-start');
    // The first screenful, read synchronously, paints before IndexedDB hands over thousands of creators.
    const preview = readRosterPreview();
    if (preview && roster.creators.value.length === 0) {
      roster.setPreview(preview.creators, preview.total);
      markFirstPaint();
    }
    await loadFromCache(false);
    const port = browser.runtime.connect({ name: SIDE_PANEL_PORT });
    port.onMessage.addListener((message) => handle(message as PanelEvent));
    // The worker may be restarted by Chrome; reconnect so tallies keep coming.
    port.onDisconnect.addListener(() => setTimeout(() => void start(), 500));
  }

  return {
    roster, card, auth, onScreen, stream, view, refreshError, start, refreshRoster,
    /** After a creator was removed from the roster: back to the list, without them. */
    async removeShownCreator(): Promise<boolean> {
      const removed = await card.remove();
      if (!removed) return false;
      batch(() => {
        roster.removeCreator(removed);
        view.value = 'roster';
      });
      return true;
    },
    openCreator(creator: Creator) {
      view.value = 'card';
      void card.showCreator(creator);
    },
    async signOut() {
      clearRosterPreview();
      auth.value = await sendToBackground('auth.logout');
      roster.setCreators([], false);
      roster.lastLive.value = new Map();
      card.clear();
      view.value = 'roster';
    },
  };
}

export type PanelState = ReturnType<typeof createPanelState>;
