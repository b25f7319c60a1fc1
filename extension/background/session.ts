import { browser } from '../lib/browser';
import type { Agency, User } from '../lib/api-types';
import { DEFAULT_API_URL } from '../lib/defaults';

interface SessionData { token: string | null; user: User | null; agency: Agency | null; lastEventId: string }

/**
 * Where the background keeps who is signed in and where the API is.
 *
 * The JWT lives in `storage.session`: it survives service-worker restarts (the worker is stopped
 * after ~30 s idle) but never touches disk and is gone when the browser quits, so a stolen profile
 * folder holds no bearer token. The cost is signing in again after a browser restart; the cached
 * roster (IndexedDB) still renders meanwhile. The API URL is a preference, so it lives in
 * `storage.local`. Both areas are readable only by extension pages and the worker (not content scripts).
 */
export function createSessionStore() {
  let apiUrl = DEFAULT_API_URL;
  let data: SessionData = { token: null, user: null, agency: null, lastEventId: '' };

  const ready = (async () => {
    const [local, session] = await Promise.all([browser.storage.local.get('apiUrl'), browser.storage.session.get('auth')]);
    if (typeof local.apiUrl === 'string' && local.apiUrl) apiUrl = local.apiUrl;
    if (session.auth && typeof session.auth === 'object') data = { ...data, ...(session.auth as Partial<SessionData>) };
  })();

  const persist = () => browser.storage.session.set({ auth: data });

  return {
    ready,
    apiUrl: () => apiUrl,
    token: () => data.token,
    user: () => data.user,
    agency: () => data.agency,
    lastEventId: () => data.lastEventId,
    async setApiUrl(url: string) {
      apiUrl = url;
      await browser.storage.local.set({ apiUrl: url });
    },
    async signIn(token: string, user: User, agency: Agency) {
      data = { token, user, agency, lastEventId: '' };
      await persist();
    },
    async signOut() {
      data = { token: null, user: null, agency: null, lastEventId: '' };
      await persist();
    },
    async setLastEventId(id: string) {
      data.lastEventId = id;
      await persist();
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
