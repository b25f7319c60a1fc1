/**
 * TikTok over HTTP: Login Kit's token/revoke endpoints and Display API v2,
 * exactly as documented (TIKTOK.md). Handles the `{data, error}` envelope,
 * OAuth error bodies, timeouts, 429 with backoff (Retry-After when given),
 * and a client-side sliding-window budget per endpoint so we stay under
 * TikTok's 600 requests/min instead of discovering it through 429s.
 * Never puts a token into an error message.
 */
import type { TikTokConfig } from '../../config';

export type TikTokErrorKind =
  /** access_token_invalid: refresh and retry once. */
  | 'token_invalid'
  /** The user did not grant a scope the call needs. */
  | 'scope'
  | 'rate_limited'
  /** Network error, timeout or 5xx: TikTok could not answer. */
  | 'unavailable'
  /** OAuth invalid_grant: code/refresh token dead, PKCE mismatch, redirect mismatch. */
  | 'invalid_grant'
  /** Any other refusal (invalid_client, invalid_params, …): a bug or a misconfiguration. */
  | 'rejected';

export class TikTokError extends Error {
  constructor(
    readonly kind: TikTokErrorKind,
    /** TikTok's own code (`access_token_invalid`, `invalid_grant`, …) or `network`/`timeout`. */
    readonly code: string,
    message: string,
    readonly status: number,
    readonly retryAfterMs?: number,
    readonly logId?: string,
  ) {
    super(message);
    this.name = 'TikTokError';
  }
}

export interface TikTokTuning {
  timeoutMs: number;
  /** How often a 429 is retried before the call fails with `rate_limited`. */
  maxRateLimitRetries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Our budget per endpoint and minute (TikTok allows 600 per endpoint, sliding window). */
  requestsPerMinute: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_TUNING: TikTokTuning = {
  timeoutMs: 10_000,
  maxRateLimitRetries: 3,
  backoffBaseMs: 1_000,
  backoffMaxMs: 30_000,
  requestsPerMinute: 600,
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  openId: string;
  scopes: string[];
  accessExpiresAt: Date;
  refreshExpiresAt: Date;
}

export interface TikTokUser {
  open_id?: string;
  union_id?: string;
  avatar_url?: string;
  display_name?: string;
  bio_description?: string;
  profile_deep_link?: string;
  is_verified?: boolean;
  username?: string;
  follower_count?: number;
  following_count?: number;
  likes_count?: number;
  video_count?: number;
}

export interface TikTokApiVideo {
  id: string;
  create_time?: number;
  cover_image_url?: string;
  share_url?: string;
  video_description?: string;
  duration?: number;
  title?: string;
  like_count?: number;
  comment_count?: number;
  share_count?: number;
  view_count?: number;
}

export interface CallOptions {
  /** How long to wait for budget before failing with `rate_limited` (scheduled syncs wait longer). */
  maxBudgetWaitMs?: number;
}

const WINDOW_MS = 60_000;

/** Sliding one-minute window per endpoint, mirroring how TikTok counts. */
export class SlidingWindowBudget {
  private log = new Map<string, number[]>();
  constructor(private tuning: TikTokTuning) {}

  /** ms until a slot is free for `key` (0 = now). */
  waitFor(key: string): number {
    const now = this.tuning.now();
    const hits = (this.log.get(key) ?? []).filter((t) => t > now - WINDOW_MS);
    this.log.set(key, hits);
    if (hits.length < this.tuning.requestsPerMinute) return 0;
    return hits[hits.length - this.tuning.requestsPerMinute] + WINDOW_MS - now;
  }

  take(key: string): void {
    const hits = this.log.get(key) ?? [];
    hits.push(this.tuning.now());
    this.log.set(key, hits);
  }
}

type Endpoint = '/v2/oauth/token/' | '/v2/oauth/revoke/' | '/v2/user/info/' | '/v2/video/list/';

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

function displayErrorKind(code: string, status: number): TikTokErrorKind {
  if (code === 'access_token_invalid') return 'token_invalid';
  if (code === 'scope_not_authorized' || code === 'scope_permission_missed') return 'scope';
  if (code === 'rate_limit_exceeded' || status === 429) return 'rate_limited';
  if (code === 'internal_error' || status >= 500) return 'unavailable';
  return 'rejected';
}

export type TikTokClient = ReturnType<typeof createTikTokClient>;

export function createTikTokClient(config: Pick<TikTokConfig, 'clientKey' | 'clientSecret' | 'apiBaseUrl' | 'authBaseUrl'>, tuning: TikTokTuning) {
  const budget = new SlidingWindowBudget(tuning);
  /** Requests sent per endpoint (tests and diagnostics). */
  const calls: Record<string, number> = {};

  async function send(endpoint: Endpoint, init: RequestInit & { query?: string }, options: CallOptions): Promise<{ status: number; body: any; retryAfter?: number }> {
    for (let attempt = 0; ; attempt++) {
      const wait = budget.waitFor(endpoint);
      if (wait > 0) {
        if (wait > (options.maxBudgetWaitMs ?? 5_000)) {
          throw new TikTokError('rate_limited', 'budget_exhausted', `Our request budget for ${endpoint} is used up.`, 429, wait);
        }
        await tuning.sleep(wait);
        continue;
      }
      budget.take(endpoint);
      calls[endpoint] = (calls[endpoint] ?? 0) + 1;
      let res: Response;
      try {
        res = await fetch(`${config.apiBaseUrl}${endpoint}${init.query ?? ''}`, { ...init, signal: AbortSignal.timeout(tuning.timeoutMs) });
      } catch (err) {
        const timeout = (err as Error).name === 'TimeoutError';
        throw new TikTokError('unavailable', timeout ? 'timeout' : 'network', `TikTok ${endpoint} ${timeout ? 'timed out' : 'could not be reached'}.`, 0);
      }
      const text = await res.text().catch(() => '');
      let body: any = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = null;
      }
      const retryAfter = retryAfterMs(res.headers.get('retry-after'));
      if (res.status === 429 && attempt < tuning.maxRateLimitRetries) {
        const backoff = Math.min(tuning.backoffMaxMs, tuning.backoffBaseMs * 2 ** attempt);
        // Full jitter keeps many syncs that hit the limit together from retrying together.
        await tuning.sleep(retryAfter ?? backoff / 2 + Math.random() * (backoff / 2));
        continue;
      }
      return { status: res.status, body, retryAfter };
    }
  }

  function form(fields: Record<string, string>): RequestInit {
    return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) };
  }

  /** OAuth endpoints answer `{error, error_description}` on failure (HTTP 400 in practice). */
  async function oauth(endpoint: '/v2/oauth/token/' | '/v2/oauth/revoke/', fields: Record<string, string>, options: CallOptions = {}) {
    const { status, body, retryAfter } = await send(endpoint, form({ client_key: config.clientKey, client_secret: config.clientSecret, ...fields }), options);
    if (status === 200 && body && !body.error) return body;
    const code = typeof body?.error === 'string' ? body.error : `http_${status}`;
    const description = typeof body?.error_description === 'string' ? body.error_description : `HTTP ${status}`;
    const kind: TikTokErrorKind =
      status === 429 ? 'rate_limited' : status >= 500 || !body ? 'unavailable' : code === 'invalid_grant' ? 'invalid_grant' : 'rejected';
    throw new TikTokError(kind, code, `TikTok ${endpoint}: ${code}: ${description}`, status, retryAfter, body?.log_id);
  }

  function tokenSet(body: any): TokenSet {
    const now = tuning.now();
    if (typeof body.access_token !== 'string' || typeof body.refresh_token !== 'string' || typeof body.open_id !== 'string') {
      throw new TikTokError('unavailable', 'malformed', 'TikTok returned a token response without tokens.', 200);
    }
    return {
      accessToken: body.access_token,
      refreshToken: body.refresh_token,
      openId: body.open_id,
      scopes: String(body.scope ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      accessExpiresAt: new Date(now + Number(body.expires_in ?? 0) * 1000),
      refreshExpiresAt: new Date(now + Number(body.refresh_expires_in ?? 0) * 1000),
    };
  }

  /** Display API: `{data, error: {code, message, log_id}}`; anything but "ok" is a failure. */
  async function display(endpoint: '/v2/user/info/' | '/v2/video/list/', accessToken: string, init: RequestInit & { query: string }, options: CallOptions) {
    const headers = { ...(init.headers as Record<string, string>), authorization: `Bearer ${accessToken}` };
    const { status, body, retryAfter } = await send(endpoint, { ...init, headers }, options);
    const code = typeof body?.error?.code === 'string' ? body.error.code : status === 200 ? 'malformed' : `http_${status}`;
    if (status === 200 && code === 'ok' && body.data) return body.data;
    const kind = code === 'malformed' ? 'unavailable' : displayErrorKind(code, status);
    throw new TikTokError(kind, code, `TikTok ${endpoint}: ${code}${body?.error?.message ? `: ${body.error.message}` : ''}`, status, retryAfter, body?.error?.log_id);
  }

  return {
    calls,
    budget,

    authorizeUrl(input: { scopes: readonly string[]; redirectUri: string; state: string; codeChallenge: string }): string {
      const url = new URL('/v2/auth/authorize/', `${config.authBaseUrl}/`);
      url.searchParams.set('client_key', config.clientKey);
      url.searchParams.set('scope', input.scopes.join(','));
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('redirect_uri', input.redirectUri);
      url.searchParams.set('state', input.state);
      url.searchParams.set('code_challenge', input.codeChallenge);
      url.searchParams.set('code_challenge_method', 'S256');
      return url.toString();
    },

    async exchangeCode(input: { code: string; redirectUri: string; codeVerifier: string }): Promise<TokenSet> {
      return tokenSet(
        await oauth('/v2/oauth/token/', { code: input.code, grant_type: 'authorization_code', redirect_uri: input.redirectUri, code_verifier: input.codeVerifier }),
      );
    },

    /** With rotation the old refresh token dies here: persist the result before anything else. */
    async refresh(refreshToken: string): Promise<TokenSet> {
      return tokenSet(await oauth('/v2/oauth/token/', { grant_type: 'refresh_token', refresh_token: refreshToken }, { maxBudgetWaitMs: 30_000 }));
    },

    async revoke(token: string): Promise<void> {
      await oauth('/v2/oauth/revoke/', { token });
    },

    async userInfo(accessToken: string, fields: readonly string[], options: CallOptions = {}): Promise<TikTokUser> {
      const data = await display('/v2/user/info/', accessToken, { method: 'GET', query: `?fields=${fields.join(',')}` }, options);
      return (data.user ?? {}) as TikTokUser;
    },

    async videoList(
      accessToken: string,
      input: { cursor?: number; maxCount: number; fields: readonly string[] },
      options: CallOptions = {},
    ): Promise<{ videos: TikTokApiVideo[]; cursor: number | undefined; hasMore: boolean }> {
      const data = await display(
        '/v2/video/list/',
        accessToken,
        {
          method: 'POST',
          query: `?fields=${input.fields.join(',')}`,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ max_count: input.maxCount, ...(input.cursor !== undefined && { cursor: input.cursor }) }),
        },
        options,
      );
      return { videos: Array.isArray(data.videos) ? data.videos : [], cursor: typeof data.cursor === 'number' ? data.cursor : undefined, hasMore: data.has_more === true };
    },
  };
}
