import type { Notification } from '@shared/schemas/tiktok';
import { ApiError } from './api-error';
import type {
  Activity, ActivityInput, AuthResponse, Creator, CreatorInput, CreatorMetrics, Deal, DealInput,
  ImportRecord, LiveSession, LiveTally, Page, ServerConfig, User, Agency, CreatorPatch, DealPatch, NewUser, SignupInput,
} from './api-types';

export interface ApiClientOptions {
  /** Read on every call so a changed API URL or token takes effect at once. */
  baseUrl: () => string;
  token: () => string | null;
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | boolean | undefined | null>;

/** Typed client for the LiveRoster HTTP API (one method per route the extension uses). */
export function createApiClient(options: ApiClientOptions) {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));

  /** Builds an absolute URL under the configured base, dropping empty query values. */
  function url(path: string, query?: Query): string {
    const target = new URL(path, options.baseUrl().replace(/\/+$/, '') + '/');
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') target.searchParams.set(key, String(value));
    }
    return target.toString();
  }

  async function request<T>(method: string, path: string, init: { query?: Query; body?: unknown; headers?: Record<string, string>; auth?: boolean } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    const token = options.token();
    if (init.auth !== false && token) headers.authorization = `Bearer ${token}`;
    let body: BodyInit | undefined;
    if (init.body instanceof FormData) body = init.body;
    else if (init.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.body);
    }
    let response: Response;
    try {
      response = await doFetch(url(path, init.query), { method, headers, body });
    } catch (cause) {
      throw new ApiError(0, 'NETWORK_ERROR', `Cannot reach the API at ${options.baseUrl()}`, String(cause));
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
      throw new ApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? (response.statusText || 'Request failed'), error?.details);
    }
    return parsed as T;
  }

  return {
    url,
    config: () => request<ServerConfig>('GET', '/api/v1/config', { auth: false }),
    login: (email: string, password: string) => request<AuthResponse>('POST', '/api/v1/auth/login', { body: { email, password }, auth: false }),
    signup: (input: SignupInput) => request<AuthResponse>('POST', '/api/v1/auth/signup', { body: input, auth: false }),
    me: () => request<{ user: User; agency: Agency }>('GET', '/api/v1/auth/me'),
    /** Ends this token on the server (its jti is refused from now on, its live streams close). */
    logout: () => request<void>('POST', '/api/v1/auth/logout'),

    listCreators: (query: { q?: string; tag?: string; live?: boolean; limit?: number; cursor?: string | null } = {}) =>
      request<Page<Creator>>('GET', '/api/v1/creators', { query }),
    getCreator: (id: string) => request<Creator>('GET', `/api/v1/creators/${encodeURIComponent(id)}`),
    getCreatorByHandle: (handle: string) => request<Creator>('GET', `/api/v1/creators/by-handle/${encodeURIComponent(handle)}`),
    createCreator: (input: CreatorInput, idempotencyKey?: string) =>
      request<Creator>('POST', '/api/v1/creators', { body: input, headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {} }),
    updateCreator: (id: string, patch: CreatorPatch) => request<Creator>('PATCH', `/api/v1/creators/${encodeURIComponent(id)}`, { body: patch }),
    deleteCreator: (id: string) => request<void>('DELETE', `/api/v1/creators/${encodeURIComponent(id)}`),
    creatorMetrics: (id: string, days = 30) => request<CreatorMetrics>('GET', `/api/v1/creators/${encodeURIComponent(id)}/metrics`, { query: { days } }),
    setLiveTracking: (id: string, enabled: boolean) =>
      request<Creator>('PUT', `/api/v1/creators/${encodeURIComponent(id)}/live-tracking`, { body: { enabled } }),

    liveNow: () => request<{ items: LiveTally[] }>('GET', '/api/v1/live/now'),
    /** The caller's notifications, newest first (alerts carry their event id and data). */
    listNotifications: (query: { unread?: boolean; limit?: number; cursor?: string | null } = {}) =>
      request<{ items: Notification[]; nextCursor: string | null; unreadCount: number }>('GET', '/api/v1/notifications', { query }),
    listSessions: (query: { creatorId?: string; from?: string; limit?: number; cursor?: string | null } = {}) =>
      request<Page<LiveSession>>('GET', '/api/v1/live/sessions', { query }),

    listDeals: (query: { creatorId?: string; stage?: string } = {}) => request<Page<Deal>>('GET', '/api/v1/deals', { query }),
    createDeal: (input: DealInput, idempotencyKey: string) =>
      request<Deal>('POST', '/api/v1/deals', { body: input, headers: { 'idempotency-key': idempotencyKey } }),

    updateDeal: (id: string, patch: DealPatch) => request<Deal>('PATCH', `/api/v1/deals/${encodeURIComponent(id)}`, { body: patch }),

    listUsers: (query: { limit?: number; cursor?: string | null } = {}) => request<Page<User>>('GET', '/api/v1/users', { query }),
    createUser: (input: NewUser, idempotencyKey: string) =>
      request<User>('POST', '/api/v1/users', { body: input, headers: { 'idempotency-key': idempotencyKey } }),

    listActivities: (creatorId: string, query: { limit?: number; cursor?: string | null } = {}) =>
      request<Page<Activity>>('GET', `/api/v1/creators/${encodeURIComponent(creatorId)}/activities`, { query }),
    addActivity: (creatorId: string, input: ActivityInput, idempotencyKey?: string) =>
      request<Activity>('POST', `/api/v1/creators/${encodeURIComponent(creatorId)}/activities`, {
        body: input,
        headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
      }),

    tiktokAuthorize: (creatorId: string, redirectUri: string, codeChallenge: string) =>
      request<{ authorizeUrl: string; state: string }>('POST', `/api/v1/creators/${encodeURIComponent(creatorId)}/tiktok/authorize`, {
        body: { redirectUri, codeChallenge },
      }),
    tiktokCallback: (state: string, code: string, codeVerifier: string) =>
      request<Creator>('POST', '/api/v1/tiktok/callback', { body: { state, code, codeVerifier } }),
    tiktokDisconnect: (creatorId: string) => request<void>('DELETE', `/api/v1/creators/${encodeURIComponent(creatorId)}/tiktok`),

    getImport: (id: string) => request<ImportRecord>('GET', `/api/v1/imports/${encodeURIComponent(id)}`),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
