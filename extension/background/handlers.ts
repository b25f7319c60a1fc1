import { browser } from '../lib/browser';
import { ApiError } from '../lib/api-error';
import type { ApiClient } from '../lib/api-client';
import type { Creator } from '../lib/api-types';
import {
  cacheActivities, cacheDeals, cacheMetrics, clearCache, findCachedCreatorByHandle, readActivities, replaceRoster, saveLastLive, upsertCreator,
  type LiveRosterDb,
} from '../lib/cache';
import { enqueueDeal, type FlushResult } from '../lib/deal-outbox';
import { normaliseApiUrl } from '../lib/api-url';
import { lastLiveByCreator } from '../lib/last-live';
import type { AuthState, PanelEvent, RequestHandlers } from '../lib/messages';
import { parseOAuthRedirect } from '../lib/oauth-redirect';
import { createPkceVerifier, pkceChallenge } from '../lib/pkce';
import type { SessionStore } from './session';

interface Deps {
  api: ApiClient;
  db: LiveRosterDb;
  session: SessionStore;
  broadcast: (event: PanelEvent) => void;
  restartLive: () => void;
  stopLive: () => void;
  onScreen: () => Promise<ReturnType<RequestHandlers['tab.onScreen']> extends Promise<infer T> ? T : never>;
  liveSnapshot: RequestHandlers['live.snapshot'];
  /** Sends the queued deals (one shared flush; it tells open panels which creators got new deals). */
  flushOutbox: () => Promise<FlushResult>;
}

const PAGE_LIMIT = 200;
/** Recent sessions read for the roster's "last live" (newest first): enough for a day's rows, bounded for big agencies. */
const LAST_LIVE_PAGES = 5;
/** How long the options page waits for a newly saved API server to answer before warning. */
const REACHABILITY_TIMEOUT_MS = 5_000;

/** Whether an API server answers `GET /api/v1/config` (the one public route), and if not, why. */
async function probeApi(apiUrl: string): Promise<string | null> {
  try {
    const res = await fetch(`${apiUrl}/api/v1/config`, { signal: AbortSignal.timeout(REACHABILITY_TIMEOUT_MS) });
    if (!res.ok) return `${apiUrl} answered ${res.status}: is it a LiveRoster API server?`;
    const body = (await res.json().catch(() => null)) as { version?: unknown } | null;
    return body && typeof body === 'object' && 'version' in body ? null : `${apiUrl} answered, but not like a LiveRoster API server.`;
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? 'no answer within 5 s' : 'cannot connect';
    return `Saved, but ${apiUrl} is not reachable right now (${reason}). Check the address, or that the server is running.`;
  }
}

/** The background's answer to every page request: network through the API client, results into the cache. */
export function createRequestHandlers(deps: Deps): RequestHandlers {
  const { api, db, session } = deps;

  const authState = (): AuthState => ({ signedIn: !!session.token(), user: session.user(), agency: session.agency() });

  async function requireSignedIn(): Promise<void> {
    await session.ready;
    if (!session.token()) throw new ApiError(401, 'NOT_SIGNED_IN', 'Sign in first');
  }

  /** Runs an API call; a 401 means the token expired, so the session ends and pages are told. */
  async function authed<T>(call: () => Promise<T>): Promise<T> {
    await requireSignedIn();
    try {
      return await call();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) await endSession();
      throw error;
    }
  }

  async function endSession(): Promise<void> {
    await session.signOut();
    deps.stopLive();
    deps.broadcast({ kind: 'auth', state: authState() });
  }

  async function saveCreator(creator: Creator): Promise<Creator> {
    await upsertCreator(db, creator);
    deps.broadcast({ kind: 'roster_changed' });
    return creator;
  }

  const flush = deps.flushOutbox;

  return {
    'auth.state': async () => {
      await session.ready;
      return authState();
    },
    'auth.login': async ({ email, password }) => {
      await session.ready;
      const { token, user, agency } = await api.login(email, password);
      // Another agency's cache must never show under this account.
      if (session.agency()?.id !== agency.id) await clearCache(db);
      await session.signIn(token, user, agency);
      deps.broadcast({ kind: 'auth', state: authState() });
      deps.restartLive();
      return authState();
    },
    'auth.signup': async (input) => {
      await session.ready;
      const { token, user, agency } = await api.signup(input);
      await clearCache(db);
      await session.signIn(token, user, agency);
      deps.broadcast({ kind: 'auth', state: authState() });
      deps.restartLive();
      return authState();
    },
    'auth.logout': async () => {
      await session.ready;
      // Issue 15: the server ends the token too; signing out locally must not wait on (or fail with) the network.
      if (session.token()) await api.logout().catch(() => undefined);
      await clearCache(db);
      await endSession();
      return authState();
    },
    'auth.token': async () => {
      await session.ready;
      return session.token();
    },
    'settings.get': async () => {
      await session.ready;
      return { apiUrl: session.apiUrl() };
    },
    'settings.setApiUrl': async ({ apiUrl }) => {
      await session.ready;
      let normalised: string;
      try {
        normalised = normaliseApiUrl(apiUrl);
      } catch (error) {
        throw new ApiError(400, 'INVALID_API_URL', (error as Error).message);
      }
      // Compared normalised on both sides: an older stored value may still carry a trailing slash.
      const changed = normalised !== normaliseApiUrl(session.apiUrl());
      if (normalised !== session.apiUrl()) await session.setApiUrl(normalised);
      if (changed) {
        // Tokens are issued by one server: a different server means signing in again.
        await clearCache(db);
        await endSession();
      }
      const warning = await probeApi(normalised);
      return { apiUrl: session.apiUrl(), changed, reachable: warning === null, warning };
    },
    'config.get': async () => {
      await session.ready;
      return api.config();
    },
    'roster.refresh': () =>
      authed(async () => {
        const all: Creator[] = [];
        let cursor: string | null = null;
        do {
          const page = await api.listCreators({ limit: PAGE_LIMIT, cursor });
          all.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor);
        await replaceRoster(db, all);
        // "Last live" of the rows not live now: from the newest sessions (a bounded read; older ones show no date).
        try {
          const sessions = [];
          let sessionCursor: string | null = null;
          for (let i = 0; i < LAST_LIVE_PAGES; i++) {
            const page = await api.listSessions({ limit: PAGE_LIMIT, cursor: sessionCursor });
            sessions.push(...page.items);
            sessionCursor = page.nextCursor;
            if (!sessionCursor) break;
          }
          await saveLastLive(db, lastLiveByCreator(sessions));
        } catch (error) {
          if (error instanceof ApiError && error.status === 401) throw error;
          // The roster itself is fresh; "last live" stays as cached.
        }
        deps.broadcast({ kind: 'roster_changed' });
        void flush().catch(() => undefined);
        return { count: all.length };
      }),
    'creator.get': ({ id }) => authed(async () => saveCreator(await api.getCreator(id))),
    'creator.byHandle': ({ handle }) =>
      authed(async () => {
        try {
          return await saveCreator(await api.getCreatorByHandle(handle));
        } catch (error) {
          if (error instanceof ApiError && error.status === 404) return null;
          if (error instanceof ApiError && error.retryable) {
            const cached = await findCachedCreatorByHandle(db, handle);
            if (cached) return cached;
          }
          throw error;
        }
      }),
    'creator.add': ({ handle }) => authed(async () => saveCreator(await api.createCreator({ handle }, crypto.randomUUID()))),
    'creator.update': ({ id, patch }) => authed(async () => saveCreator(await api.updateCreator(id, patch))),
    'creator.remove': ({ id }) =>
      authed(async () => {
        await api.deleteCreator(id);
        await db.transaction('rw', [db.creators, db.metrics, db.deals, db.activities], async () => {
          await db.creators.delete(id);
          await db.metrics.delete(id);
          await db.deals.where('creatorId').equals(id).delete();
          await db.activities.where('creatorId').equals(id).delete();
        });
        deps.broadcast({ kind: 'roster_changed' });
        return { removed: true as const };
      }),
    'creator.metrics': ({ id }) =>
      authed(async () => {
        const metrics = await api.creatorMetrics(id, 30);
        await cacheMetrics(db, id, metrics);
        return metrics;
      }),
    'creator.setLiveTracking': ({ id, enabled }) => authed(async () => saveCreator(await api.setLiveTracking(id, enabled))),
    'deals.list': ({ creatorId }) =>
      authed(async () => {
        const { items } = await api.listDeals({ creatorId });
        await cacheDeals(db, creatorId, items);
        return items;
      }),
    'deals.submit': ({ input, idempotencyKey }) =>
      authed(async () => {
        // Queued first, so a closed popup or a dead worker cannot lose it; the key travels with it.
        await enqueueDeal(db, input, idempotencyKey);
        let result = await flush();
        // A flush already running when we enqueued did not see this deal: run once more.
        if (!result.sent.some((s) => s.idempotencyKey === idempotencyKey) && (await db.dealOutbox.get(idempotencyKey))) result = await flush();
        const sent = result.sent.find((s) => s.idempotencyKey === idempotencyKey);
        if (sent) return { status: 'created', deal: sent.deal };
        const queued = await db.dealOutbox.get(idempotencyKey);
        if (queued?.rejected) {
          // The user is still in the form and sees the reason: nothing to keep.
          await db.dealOutbox.delete(idempotencyKey);
          throw new ApiError(400, queued.rejected.code, queued.rejected.message);
        }
        // Open panels showing this creator list it as pending until it is sent.
        deps.broadcast({ kind: 'deals_changed', creatorIds: [input.creatorId] });
        return { status: 'queued', reason: 'The API is unreachable; the deal is saved and will be sent automatically.' };
      }),
    'deals.update': ({ id, patch }) =>
      authed(async () => {
        const deal = await api.updateDeal(id, patch);
        await db.deals.put(deal);
        return deal;
      }),
    'users.list': () =>
      authed(async () => {
        const all = [];
        let cursor: string | null = null;
        do {
          const page = await api.listUsers({ limit: PAGE_LIMIT, cursor });
          all.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor);
        return all;
      }),
    'users.invite': (input) => authed(async () => api.createUser(input, crypto.randomUUID())),
    'deals.flush': () =>
      authed(async () => {
        const { sent, pending, rejected } = await flush();
        return { sent: sent.length, pending, rejected };
      }),
    'activities.list': ({ creatorId }) =>
      authed(async () => {
        try {
          const { items } = await api.listActivities(creatorId, { limit: 50 });
          await cacheActivities(db, creatorId, items);
          return items;
        } catch (error) {
          if (error instanceof ApiError && error.retryable) return readActivities(db, creatorId);
          throw error;
        }
      }),
    'activities.add': ({ creatorId, input }) =>
      authed(async () => {
        const activity = await api.addActivity(creatorId, input, crypto.randomUUID());
        await db.activities.put(activity);
        return activity;
      }),
    'tiktok.connect': ({ creatorId }) =>
      authed(async () => {
        const config = await api.config();
        const verifier = createPkceVerifier();
        const challenge = await pkceChallenge(verifier, config.pkceEncoding);
        const redirectUri = browser.identity.getRedirectURL();
        const { authorizeUrl, state } = await api.tiktokAuthorize(creatorId, redirectUri, challenge);
        let finalUrl: string | undefined;
        try {
          finalUrl = await browser.identity.launchWebAuthFlow({ url: authorizeUrl, interactive: true });
        } catch (error) {
          throw new ApiError(400, 'TIKTOK_AUTH_CANCELLED', error instanceof Error ? error.message : String(error));
        }
        if (!finalUrl) throw new ApiError(400, 'TIKTOK_AUTH_CANCELLED', 'The TikTok window closed without an answer');
        const { code } = parseOAuthRedirect(finalUrl, state);
        return saveCreator(await api.tiktokCallback(state, code, verifier));
      }),
    'tiktok.disconnect': ({ creatorId }) =>
      authed(async () => {
        await api.tiktokDisconnect(creatorId);
        await db.metrics.delete(creatorId);
        return saveCreator(await api.getCreator(creatorId));
      }),
    'tab.onScreen': async () => deps.onScreen(),
    'live.snapshot': (payload) => deps.liveSnapshot(payload),
  };
}
