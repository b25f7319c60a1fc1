/**
 * Configuration from the environment, validated once at start. A bad value
 * fails with a message that names the variable. Secrets that a local run needs
 * (JWT_SECRET, TOKEN_ENCRYPTION_KEY) are generated into DATA_DIR when unset,
 * and required when NODE_ENV=production.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { browsableRepositoryUrl } from '@shared/source-url';
import { PROJECT_EXTENSION_ORIGIN } from '@shared/extension-origin';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  dataDir: string;
  /** Set: use this database. Unset: main.ts starts the embedded FerretDB. */
  mongodbUri?: string;
  /** Where the API is reachable from browsers (links in pages and invites). */
  publicUrl: string;
  jwtSecret: string;
  jwtExpiresIn: string;
  /** First key encrypts; all of them decrypt (rotation). */
  tokenEncryptionKeys: EncryptionKey[];
  corsOrigins: string[];
  authRateLimitPerMinute: number;
  logLevel: string;
  importMaxBytes: number;
  /** Set: several instances coordinate through this Redis (realtime, invalidation, LIVE ownership, jobs). Unset: one instance. */
  redisUrl?: string;
  /** Prefix of every Redis key and channel (several deployments, or test runs, may share one Redis). */
  redisKeyPrefix: string;
  /**
   * Where every network user can get this server's complete source (AGPL-3.0 section 13): SOURCE_URL, or the
   * repository URL from package.json.
   */
  sourceUrl: string;
  /** ALLOW_SANDBOX_IN_PRODUCTION=true: a production server may run a side on the sandbox (main.ts warns). */
  allowSandboxInProduction: boolean;
  tiktok: TikTokConfig;
  live: LiveConfig;
  security: SecurityConfig;
  webhooks: WebhooksConfig;
}

/** Outbound alert webhooks (issue 12). */
export interface WebhooksConfig {
  /** https only (production); http allowed elsewhere for local receivers. */
  httpsOnly: boolean;
  /** Post to private, loopback and link-local addresses (WEBHOOK_ALLOW_PRIVATE_TARGETS; default true only outside production). */
  allowPrivateTargets: boolean;
  /** One delivery attempt's time limit. */
  timeoutMs: number;
  /** First retry after this, doubling up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
}

/** Issue 15's limits and secrets, read in one block (loadSecurityConfig). */
export interface SecurityConfig {
  /** POST /api/v1/users per admin per minute. */
  userCreateRateLimitPerMinute: number;
  /** Open live streams per user; the oldest is closed when a new one would exceed it. */
  streamMaxPerUser: number;
  /** Open live streams per server instance; above it new ones answer 503 STREAM_CAPACITY_REACHED. */
  streamMaxPerInstance: number;
  /** How often an open live stream re-checks its token (removal, role or password change, sign-out). */
  streamAuthCheckMs: number;
  /** Sandbox mode: the client secret shared with the sandbox TikTok (it signs webhooks); generated per install into DATA_DIR/secrets.json. */
  sandboxClientSecret: string;
}

/** Where one side of TikTok is: the bundled sandbox, or TikTok itself (or whatever the overrides point at). */
export type TikTokMode = 'sandbox' | 'tiktok';
export const TIKTOK_MODES: readonly TikTokMode[] = ['sandbox', 'tiktok'];

export interface TikTokConfig {
  /**
   * Login Kit and Display API. `sandbox`: main.ts starts the bundled sandbox and hands its URLs to the app
   * (development without TIKTOK_CLIENT_KEY). `tiktok`: authBaseUrl/apiBaseUrl with the client key.
   */
  mode: TikTokMode;
  clientKey: string;
  clientSecret: string;
  authBaseUrl: string;
  apiBaseUrl: string;
  pkceEncoding: 'hex' | 'base64url';
  /** Overrides the redirect URI used by the hosted connect page. */
  redirectUri?: string;
  syncIntervalMinutes: number;
  syncConcurrency: number;
  /** How many recent videos a sync fetches (pages of 20). */
  syncVideoCount: number;
  /** Port of the sandbox TikTok that npm start runs in sandbox mode. */
  sandboxPort: number;
}

export interface LiveConfig {
  /**
   * TikTok LIVE. `sandbox`: main.ts starts the bundled sandbox LIVE and hands its connection settings to the app.
   * `tiktok`: tiktok-live-connector's own defaults (TikTok's hosts, its default sign server) with the API key;
   * signUrl/webHost/caFile override them (a self-hosted sign server, tests).
   */
  mode: TikTokMode;
  /** Overrides the library's default sign server (`SignConfig.basePath`). */
  signUrl?: string;
  signApiKey?: string;
  /** host:port serving both TikTok's web and webcast hosts. */
  webHost?: string;
  caFile?: string;
  checksPerMinute: number;
  /** Reconnect a listener when no event arrived for this long. */
  watchdogSeconds: number;
  /** Worker threads running the LIVE connections (decode): LIVE_DECODE_WORKERS, default one per core; 0 = the main thread. */
  decodeWorkers: number;
  /**
   * Outbound proxy for every LIVE connection (HTTP requests and the WebSocket): TIKTOK_LIVE_PROXY, else
   * HTTPS_PROXY / https_proxy. TikTok blocks data-centre addresses more than anything else.
   */
  proxyUrl?: string;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** Reads a secret from env, or from DATA_DIR/secrets.json (created on first local run). */
function localSecret(env: Env, name: string, dataDir: string, production: boolean, make: () => string): string {
  const value = env[name];
  if (value) return value;
  if (production) throw new ConfigError(name, 'is required when NODE_ENV=production');
  const file = join(dataDir, 'secrets.json');
  const stored: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  if (!stored[name]) {
    stored[name] = make();
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  return stored[name];
}

/**
 * TOKEN_ENCRYPTION_KEY is `id:base64key[,id:base64key…]` (32-byte keys) or a bare base64 key (id "k1").
 * The first key encrypts new tokens; older ones stay to decrypt what they wrote.
 */
export function parseEncryptionKeys(raw: string, variable = 'TOKEN_ENCRYPTION_KEY'): EncryptionKey[] {
  return raw.split(',').map((part, index) => {
    const [maybeId, maybeKey] = part.includes(':') ? part.split(':', 2) : [`k${index + 1}`, part];
    const key = Buffer.from(maybeKey.trim(), 'base64');
    if (key.length !== 32) throw new ConfigError(variable, `key "${maybeId}" must be 32 bytes in base64 (got ${key.length} bytes)`);
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(maybeId)) throw new ConfigError(variable, `key id "${maybeId}" must be 1–32 letters, digits, "_" or "-"`);
    return { id: maybeId, key };
  });
}

export function loadConfig(env: Env = process.env): AppConfig {
  const nodeEnv = (env.NODE_ENV ?? 'development') as AppConfig['nodeEnv'];
  if (!['development', 'production', 'test'].includes(nodeEnv)) {
    throw new ConfigError('NODE_ENV', `must be development, production or test, got "${nodeEnv}"`);
  }
  const production = nodeEnv === 'production';
  const allowSandboxInProduction = bool(env, 'ALLOW_SANDBOX_IN_PRODUCTION');
  const dataDir = resolve(env.DATA_DIR || './data');
  const host = env.HOST || '127.0.0.1';
  const port = int(env, 'PORT', 3000, 0, 65535);
  const mongodbUri = env.MONGODB_URI || undefined;
  if (mongodbUri && !/^mongodb(\+srv)?:\/\//.test(mongodbUri)) {
    throw new ConfigError('MONGODB_URI', 'must start with mongodb:// or mongodb+srv://');
  }
  const jwtSecret = localSecret(env, 'JWT_SECRET', dataDir, production, () => randomBytes(48).toString('base64'));
  if (jwtSecret.length < 32) throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');
  const keyRaw = localSecret(env, 'TOKEN_ENCRYPTION_KEY', dataDir, production, () => `k1:${randomBytes(32).toString('base64')}`);
  const publicUrl = (env.PUBLIC_URL || `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`).replace(/\/$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError('PUBLIC_URL', `must be an absolute URL, got "${publicUrl}"`);
  }
  const security = loadSecurityConfig(env);
  const tiktok = loadTikTokConfig(env, production, allowSandboxInProduction, () => sandboxClientSecret(env, dataDir));
  const jwtExpiresIn = env.JWT_EXPIRES_IN || '12h';
  if (!/^\d+[smhd]$/.test(jwtExpiresIn)) throw new ConfigError('JWT_EXPIRES_IN', 'must look like 30m, 12h or 7d');
  return {
    nodeEnv,
    host,
    port,
    dataDir,
    mongodbUri,
    publicUrl,
    jwtSecret,
    jwtExpiresIn,
    tokenEncryptionKeys: parseEncryptionKeys(keyRaw),
    // The project's own extension (its id is fixed by the manifest key) plus whatever CORS_ORIGINS adds.
    corsOrigins: [
      ...new Set([
        PROJECT_EXTENSION_ORIGIN,
        ...(env.CORS_ORIGINS ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ]),
    ],
    authRateLimitPerMinute: int(env, 'AUTH_RATE_LIMIT_PER_MINUTE', 20, 1),
    logLevel: env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'),
    importMaxBytes: int(env, 'IMPORT_MAX_BYTES', 50 * 1024 * 1024, 1024),
    redisUrl: redisUrl(env),
    redisKeyPrefix: env.REDIS_KEY_PREFIX || 'liveroster:',
    sourceUrl: env.SOURCE_URL ? url(env, 'SOURCE_URL', '') : repositoryUrl(),
    allowSandboxInProduction,
    tiktok,
    live: loadLiveConfig(env, production, allowSandboxInProduction),
    security: { ...security, sandboxClientSecret: tiktok.mode === 'sandbox' ? tiktok.clientSecret : '' },
    webhooks: loadWebhooksConfig(env, production),
  };
}

function loadWebhooksConfig(env: Env, production: boolean): WebhooksConfig {
  const raw = env.WEBHOOK_ALLOW_PRIVATE_TARGETS;
  if (raw !== undefined && raw !== '' && raw !== 'true' && raw !== 'false') throw new ConfigError('WEBHOOK_ALLOW_PRIVATE_TARGETS', `must be true or false, got "${raw}"`);
  return {
    httpsOnly: production,
    allowPrivateTargets: raw === undefined || raw === '' ? !production : raw === 'true',
    timeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    retryBaseMs: int(env, 'WEBHOOK_RETRY_BASE_MS', 2_000, 10, 3600_000),
    retryMaxMs: int(env, 'WEBHOOK_RETRY_MAX_MS', 3600_000, 10, 6 * 3600_000),
  };
}

function redisUrl(env: Env): string | undefined {
  const value = env.REDIS_URL || undefined;
  if (value && !/^rediss?:\/\//.test(value)) throw new ConfigError('REDIS_URL', 'must start with redis:// or rediss://');
  return value;
}

function loadSecurityConfig(env: Env): Omit<SecurityConfig, 'sandboxClientSecret'> {
  return {
    userCreateRateLimitPerMinute: int(env, 'USER_CREATE_RATE_LIMIT_PER_MINUTE', 30, 1),
    streamMaxPerUser: int(env, 'STREAM_MAX_PER_USER', 10, 1, 1000),
    streamMaxPerInstance: int(env, 'STREAM_MAX_PER_INSTANCE', 2000, 1),
    streamAuthCheckMs: int(env, 'STREAM_AUTH_CHECK_MS', 2000, 100, 60_000),
  };
}

/**
 * The sandbox TikTok's client secret (it signs the sandbox's webhooks), generated per install into DATA_DIR/secrets.json.
 * Never the public constant: a forged authorization.removed signed with it would disconnect every agency's creators.
 * Read only in sandbox mode: a real deployment writes no sandbox secret.
 */
function sandboxClientSecret(env: Env, dataDir: string): string {
  return localSecret(env, 'SANDBOX_CLIENT_SECRET', dataDir, false, () => randomBytes(24).toString('base64url'));
}

function bool(env: Env, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

/** The browsable repository URL from package.json (`git+https://….git` → `https://…`). */
export function repositoryUrl(packageJson: string = readFileSync(new URL('../../package.json', import.meta.url), 'utf8')): string {
  const url = browsableRepositoryUrl((JSON.parse(packageJson) as { repository?: string | { url?: string } }).repository);
  if (!url) throw new ConfigError('SOURCE_URL', 'is required: package.json names no repository');
  return url;
}

/**
 * One side's mode. An explicit TIKTOK_MODE / TIKTOK_LIVE_MODE wins; otherwise the side is TikTok when it is
 * configured (`configured`), and always in production: the sandbox there only with ALLOW_SANDBOX_IN_PRODUCTION.
 */
function modeFor(env: Env, variable: string, configured: boolean, production: boolean, allowSandboxInProduction: boolean): TikTokMode {
  const raw = env[variable];
  if (raw && !TIKTOK_MODES.includes(raw as TikTokMode)) throw new ConfigError(variable, `must be sandbox or tiktok, got "${raw}"`);
  const wanted = (raw as TikTokMode | undefined) ?? (configured ? 'tiktok' : production && !allowSandboxInProduction ? 'tiktok' : 'sandbox');
  if (wanted === 'sandbox' && production && !allowSandboxInProduction) {
    throw new ConfigError(variable, 'sandbox is refused when NODE_ENV=production (set ALLOW_SANDBOX_IN_PRODUCTION=true for a demo)');
  }
  return wanted;
}

function url(env: Env, name: string, fallback: string): string {
  const value = (env[name] || fallback).replace(/\/$/, '');
  try {
    new URL(value);
  } catch {
    throw new ConfigError(name, `must be an absolute URL, got "${value}"`);
  }
  return value;
}

function loadTikTokConfig(env: Env, production: boolean, allowSandboxInProduction: boolean, sandboxSecret: () => string): TikTokConfig {
  const clientKey = env.TIKTOK_CLIENT_KEY || '';
  const mode = modeFor(env, 'TIKTOK_MODE', !!clientKey, production, allowSandboxInProduction);
  const sandbox = mode === 'sandbox';
  if (!sandbox && !clientKey) {
    throw new ConfigError(
      'TIKTOK_CLIENT_KEY',
      production ? 'is required when NODE_ENV=production (or set ALLOW_SANDBOX_IN_PRODUCTION=true for a demo on the sandbox)' : 'is required when TIKTOK_MODE=tiktok',
    );
  }
  if (!sandbox && !env.TIKTOK_CLIENT_SECRET) throw new ConfigError('TIKTOK_CLIENT_SECRET', 'is required when TIKTOK_CLIENT_KEY is set');
  const pkce = env.TIKTOK_PKCE_ENCODING || 'hex';
  if (pkce !== 'hex' && pkce !== 'base64url') throw new ConfigError('TIKTOK_PKCE_ENCODING', `must be hex or base64url, got "${pkce}"`);
  if (env.TIKTOK_REDIRECT_URI) url(env, 'TIKTOK_REDIRECT_URI', '');
  return {
    mode,
    // The sandbox is started with these; its URLs reach the app beside the config (AppRuntime), not in it.
    clientKey: sandbox ? 'sandbox_client_key' : clientKey,
    clientSecret: sandbox ? sandboxSecret() : env.TIKTOK_CLIENT_SECRET!,
    sandboxPort: int(env, 'TIKTOK_SANDBOX_PORT', 4455, 0, 65535),
    authBaseUrl: url(env, 'TIKTOK_AUTH_BASE_URL', 'https://www.tiktok.com'),
    apiBaseUrl: url(env, 'TIKTOK_API_BASE_URL', 'https://open.tiktokapis.com'),
    pkceEncoding: pkce,
    redirectUri: env.TIKTOK_REDIRECT_URI || undefined,
    syncIntervalMinutes: int(env, 'TIKTOK_SYNC_INTERVAL_MINUTES', 360, 1),
    syncConcurrency: int(env, 'TIKTOK_SYNC_CONCURRENCY', 4, 1, 64),
    syncVideoCount: int(env, 'TIKTOK_SYNC_VIDEO_COUNT', 40, 1, 1000),
  };
}

function loadLiveConfig(env: Env, production: boolean, allowSandboxInProduction: boolean): LiveConfig {
  // The API key alone means TikTok with the library's defaults; the host overrides mean a TikTok-compatible server.
  const configured = ['TIKTOK_LIVE_SIGN_API_KEY', 'TIKTOK_LIVE_SIGN_URL', 'TIKTOK_LIVE_WEB_HOST', 'TIKTOK_LIVE_CA_FILE'].some((k) => env[k]);
  const mode = modeFor(env, 'TIKTOK_LIVE_MODE', configured, production, allowSandboxInProduction);
  const proxyUrl = env.TIKTOK_LIVE_PROXY || env.HTTPS_PROXY || env.https_proxy || undefined;
  if (proxyUrl) {
    const variable = env.TIKTOK_LIVE_PROXY ? 'TIKTOK_LIVE_PROXY' : env.HTTPS_PROXY ? 'HTTPS_PROXY' : 'https_proxy';
    let parsed: URL;
    try {
      parsed = new URL(proxyUrl);
    } catch {
      throw new ConfigError(variable, `must be a proxy URL like http://host:port, got "${proxyUrl}"`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError(variable, `must be an http:// or https:// proxy URL, got "${parsed.protocol}"`);
  }
  if (env.TIKTOK_LIVE_SIGN_URL) url(env, 'TIKTOK_LIVE_SIGN_URL', '');
  if (env.TIKTOK_LIVE_WEB_HOST && !/^[A-Za-z0-9.-]+(:\d+)?$/.test(env.TIKTOK_LIVE_WEB_HOST)) {
    throw new ConfigError('TIKTOK_LIVE_WEB_HOST', `must be host or host:port, got "${env.TIKTOK_LIVE_WEB_HOST}"`);
  }
  if (env.TIKTOK_LIVE_CA_FILE && !existsSync(env.TIKTOK_LIVE_CA_FILE)) {
    throw new ConfigError('TIKTOK_LIVE_CA_FILE', `file "${env.TIKTOK_LIVE_CA_FILE}" does not exist`);
  }
  return {
    mode,
    proxyUrl,
    signUrl: env.TIKTOK_LIVE_SIGN_URL || undefined,
    signApiKey: env.TIKTOK_LIVE_SIGN_API_KEY || undefined,
    webHost: env.TIKTOK_LIVE_WEB_HOST || undefined,
    caFile: env.TIKTOK_LIVE_CA_FILE || undefined,
    // Conservative: the public sign server allows about 5 connects a minute per IP without a key.
    checksPerMinute: int(env, 'TIKTOK_LIVE_CHECKS_PER_MINUTE', 4, 1, 10_000),
    watchdogSeconds: int(env, 'TIKTOK_LIVE_WATCHDOG_SECONDS', 60, 5),
    decodeWorkers: int(env, 'LIVE_DECODE_WORKERS', availableParallelism(), 0, 256),
  };
}
