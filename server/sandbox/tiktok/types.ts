/** Public types of the sandbox TikTok (Login Kit + Display API v2 + webhooks sender). */

export type PkceEncoding = 'hex' | 'base64url';

/** Scopes the sandbox knows; anything else in `scope` makes authorize redirect with `invalid_scope`. */
export const KNOWN_SCOPES = [
  'user.info.basic',
  'user.info.profile',
  'user.info.stats',
  'video.list',
  'video.upload',
  'video.publish',
] as const;
export type TikTokScope = (typeof KNOWN_SCOPES)[number];

/** Display API endpoints that are rate limited and can have failures injected, plus the OAuth endpoints. */
export const SANDBOX_ENDPOINTS = [
  '/v2/user/info/',
  '/v2/video/list/',
  '/v2/video/query/',
  '/v2/oauth/token/',
  '/v2/oauth/revoke/',
] as const;
export type SandboxEndpoint = (typeof SANDBOX_ENDPOINTS)[number];

export interface AccountStats {
  follower_count: number;
  following_count: number;
  likes_count: number;
}

export interface SandboxVideoInput {
  title?: string;
  description?: string;
  /** Epoch seconds. */
  createTime?: number;
  duration?: number;
  likeCount?: number;
  commentCount?: number;
  shareCount?: number;
  viewCount?: number;
}

export interface SandboxVideo {
  id: string;
  /** Epoch seconds, as TikTok returns it. */
  createTime: number;
  title: string;
  description: string;
  duration: number;
  height: number;
  width: number;
  likeCount: number;
  commentCount: number;
  shareCount: number;
  viewCount: number;
}

export interface CreateAccountInput {
  handle: string;
  displayName?: string;
  bio?: string;
  isVerified?: boolean;
  stats?: Partial<AccountStats>;
  /** How many generated videos to add (default 0). */
  videoCount?: number;
  /** Followers gained per hour of sandbox clock (may be fractional or negative). */
  followerGrowthPerHour?: number;
}

/** Profile fields of a sandbox account. */
export interface AccountProfile {
  openId: string;
  unionId: string;
  handle: string;
  displayName: string;
  bio: string;
  isVerified: boolean;
}

/** An account as the control surface shows it (stats computed at the current sandbox clock). */
export interface SandboxAccountView extends AccountProfile {
  stats: AccountStats & { video_count: number };
  followerGrowthPerHour: number;
  videoIds: string[];
}

export type FailureKind = '429' | '500' | 'slow';

export interface InjectFailureInput {
  endpoint: SandboxEndpoint;
  kind: FailureKind;
  /** How many of the next calls to this endpoint are affected (default 1). */
  count?: number;
  /** For `slow`: delay before the call is served normally (default 2000). */
  delayMs?: number;
}

export type WebhookEvent =
  | 'authorization.removed'
  | 'video.upload.failed'
  | 'video.publish.completed'
  | 'post.publish.failed'
  | 'post.publish.complete'
  | 'post.publish.inbox_delivered'
  | 'post.publish.publicly_available'
  | 'post.publish.no_longer_publicaly_available';

export interface WebhookDelivery {
  id: string;
  event: string;
  userOpenId: string;
  url: string;
  /** The exact JSON body that was signed and sent. */
  body: string;
  attempts: number;
  /** HTTP status of each attempt (0 = network error). */
  statuses: number[];
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
}

export interface SandboxTikTokOptions {
  clientKey: string;
  clientSecret: string;
  appName?: string;
  /** How `code_challenge` is derived from the verifier (TikTok Desktop docs: hex). Default 'hex'. */
  pkceEncoding?: PkceEncoding;
  /** When true (default), authorize requires `code_challenge` + S256 and token requires `code_verifier`. */
  requirePkce?: boolean;
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  /** Authorization code lifetime. Default 300 s. */
  codeTtlSeconds?: number;
  /** Requests per minute per endpoint, sliding window. Default 600. */
  rateLimitPerMinute?: number;
  /** 'app' (default): one window per endpoint for the whole app; 'token': per endpoint and access token. */
  rateLimitScope?: 'app' | 'token';
  /** Redirect URIs the app "registered". Unset: any absolute http(s) URL is accepted. */
  redirectUris?: string[];
  webhookUrl?: string;
  /** Delays between webhook attempts; its length bounds the retries. Default 1 s, 5 s, 30 s, 2 min, 10 min. */
  webhookRetryDelaysMs?: number[];
  /** Epoch ms. Default Date.now. Drives token/code expiry, rate-limit windows, follower growth, create_time. */
  now?: () => number;
  /** Accounts created at start. Default: three demo accounts with ~30 videos each. Pass [] for none. */
  seedAccounts?: CreateAccountInput[];
  /** Absolute base URL used in generated links (avatars, covers). Default: derived from the request's Host. */
  publicBaseUrl?: string;
  /** Fastify logger option. Default false. */
  logger?: boolean;
}
