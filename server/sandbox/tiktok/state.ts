import { addVideos, createAccount, DEMO_ACCOUNTS, settleStats, viewAccount, type SandboxAccount } from './accounts';
import { TokenStore } from './tokens';
import { FailureInjector, SlidingWindowLimiter } from './traffic';
import type {
  AccountStats,
  CreateAccountInput,
  InjectFailureInput,
  PkceEncoding,
  SandboxAccountView,
  SandboxTikTokOptions,
  SandboxVideo,
  SandboxVideoInput,
  WebhookDelivery,
} from './types';
import { DEFAULT_WEBHOOK_RETRY_DELAYS_MS, WebhookSender } from './webhooks';

export interface ResolvedConfig {
  clientKey: string;
  clientSecret: string;
  appName: string;
  pkceEncoding: PkceEncoding;
  requirePkce: boolean;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  codeTtlSeconds: number;
  rateLimitScope: 'app' | 'token';
  redirectUris: string[] | undefined;
  publicBaseUrl: string | undefined;
}

/** Everything the sandbox TikTok holds in memory: it stands in for TikTok, not for our database. */
export class SandboxState {
  readonly config: ResolvedConfig;
  readonly now: () => number;
  readonly accounts = new Map<string, SandboxAccount>();
  readonly tokens: TokenStore;
  readonly limiter: SlidingWindowLimiter;
  readonly failures = new FailureInjector();
  readonly webhooks: WebhookSender;
  webhookUrl: string | undefined;

  constructor(options: SandboxTikTokOptions) {
    if (!options.clientKey || !options.clientSecret) throw new Error('sandbox TikTok needs clientKey and clientSecret');
    this.now = options.now ?? Date.now;
    this.config = {
      clientKey: options.clientKey,
      clientSecret: options.clientSecret,
      appName: options.appName ?? 'LiveRoster (sandbox)',
      pkceEncoding: options.pkceEncoding ?? 'hex',
      requirePkce: options.requirePkce ?? true,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 7_200,
      refreshTokenTtlSeconds: options.refreshTokenTtlSeconds ?? 180 * 86_400,
      codeTtlSeconds: options.codeTtlSeconds ?? 300,
      rateLimitScope: options.rateLimitScope ?? 'app',
      redirectUris: options.redirectUris,
      publicBaseUrl: options.publicBaseUrl?.replace(/\/$/, ''),
    };
    this.tokens = new TokenStore(
      {
        accessTtlMs: this.config.accessTokenTtlSeconds * 1000,
        refreshTtlMs: this.config.refreshTokenTtlSeconds * 1000,
        codeTtlMs: this.config.codeTtlSeconds * 1000,
      },
      this.now,
    );
    this.limiter = new SlidingWindowLimiter(options.rateLimitPerMinute ?? 600, this.now);
    this.webhookUrl = options.webhookUrl;
    this.webhooks = new WebhookSender({
      clientKey: this.config.clientKey,
      clientSecret: this.config.clientSecret,
      now: this.now,
      retryDelaysMs: options.webhookRetryDelaysMs ?? DEFAULT_WEBHOOK_RETRY_DELAYS_MS,
      getUrl: () => this.webhookUrl,
    });
    for (const input of options.seedAccounts ?? DEMO_ACCOUNTS) this.addAccount(input);
  }

  addAccount(input: CreateAccountInput): SandboxAccount {
    const account = createAccount(this.config.clientKey, input, this.now());
    if (this.accounts.has(account.openId)) throw new Error(`handle "${account.handle}" already exists`);
    this.accounts.set(account.openId, account);
    return account;
  }

  /** Looks up by open_id or by handle (with or without @). */
  findAccount(openIdOrHandle: string): SandboxAccount | undefined {
    const direct = this.accounts.get(openIdOrHandle);
    if (direct) return direct;
    const handle = openIdOrHandle.replace(/^@/, '').toLowerCase();
    return [...this.accounts.values()].find((a) => a.handle === handle);
  }

  requireAccount(openIdOrHandle: string): SandboxAccount {
    const account = this.findAccount(openIdOrHandle);
    if (!account) throw new Error(`no sandbox account "${openIdOrHandle}"`);
    return account;
  }
}

/** The typed control surface for demos and tests (also exposed over HTTP under /sandbox/control/*). */
export interface SandboxControl {
  readonly clientKey: string;
  readonly pkceEncoding: PkceEncoding;
  createAccount(input: CreateAccountInput): SandboxAccountView;
  listAccounts(): SandboxAccountView[];
  getAccount(openIdOrHandle: string): SandboxAccountView | undefined;
  /** Sets stats (followers are re-based at the current clock) and/or the follower growth rate. */
  updateStats(openIdOrHandle: string, patch: Partial<AccountStats> & { followerGrowthPerHour?: number }): SandboxAccountView;
  /** Adds `count` generated videos or the given ones; returns the new videos. */
  addVideos(openIdOrHandle: string, videos: number | SandboxVideoInput[]): SandboxVideo[];
  /** Makes every live access token of the account expired now (refresh still works). */
  expireAccessTokens(openIdOrHandle: string): number;
  /** Makes the refresh tokens of the account expired now. */
  expireRefreshTokens(openIdOrHandle: string): number;
  /** Kills all tokens of the account silently (no webhook). */
  revokeTokens(openIdOrHandle: string): number;
  /** The user removed the app: tokens die, then `authorization.removed` is sent (if a webhook URL is set). */
  removeAuthorization(openIdOrHandle: string, reason?: number): Promise<WebhookDelivery | null>;
  sendWebhook(event: string, openIdOrHandle: string, content?: unknown): Promise<WebhookDelivery>;
  setWebhookUrl(url: string | undefined): void;
  webhookDeliveries(): WebhookDelivery[];
  injectFailure(input: InjectFailureInput): void;
  clearFailures(): void;
  resetRateLimits(): void;
  setRateLimitPerMinute(limit: number): void;
}

export function createControl(state: SandboxState): SandboxControl {
  const view = (a: SandboxAccount) => viewAccount(a, state.now());
  return {
    clientKey: state.config.clientKey,
    pkceEncoding: state.config.pkceEncoding,
    createAccount: (input) => view(state.addAccount(input)),
    listAccounts: () => [...state.accounts.values()].map(view),
    getAccount: (id) => {
      const account = state.findAccount(id);
      return account && view(account);
    },
    updateStats: (id, patch) => {
      const account = state.requireAccount(id);
      settleStats(account, state.now());
      const { followerGrowthPerHour, ...stats } = patch;
      for (const [key, value] of Object.entries(stats)) {
        if (typeof value === 'number' && key in account.stats) account.stats[key as keyof AccountStats] = value;
      }
      if (typeof followerGrowthPerHour === 'number') account.followerGrowthPerHour = followerGrowthPerHour;
      return view(account);
    },
    addVideos: (id, videos) => {
      const account = state.requireAccount(id);
      const inputs = typeof videos === 'number' ? Array.from({ length: videos }, () => ({})) : videos;
      return addVideos(account, inputs, state.now());
    },
    expireAccessTokens: (id) => state.tokens.expireAccessTokens(state.requireAccount(id).openId),
    expireRefreshTokens: (id) => state.tokens.expireRefreshTokens(state.requireAccount(id).openId),
    revokeTokens: (id) => state.tokens.revokeAll(state.requireAccount(id).openId),
    removeAuthorization: async (id, reason = 1) => {
      const account = state.requireAccount(id);
      state.tokens.revokeAll(account.openId);
      if (!state.webhookUrl) return null;
      return state.webhooks.send('authorization.removed', account.openId, { reason });
    },
    sendWebhook: (event, id, content) => state.webhooks.send(event, state.requireAccount(id).openId, content ?? {}),
    setWebhookUrl: (url) => {
      state.webhookUrl = url;
    },
    webhookDeliveries: () => [...state.webhooks.deliveries],
    injectFailure: (input) => state.failures.inject(input),
    clearFailures: () => state.failures.clear(),
    resetRateLimits: () => state.limiter.reset(),
    setRateLimitPerMinute: (limit) => {
      state.limiter.limitPerMinute = limit;
    },
  };
}
