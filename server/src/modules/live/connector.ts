/**
 * How a listener points the real tiktok-live-connector (2.5) at a TikTok LIVE implementation, the sandbox's or
 * any other, using only the library's supported seams:
 * - `SignConfig.basePath` / `SignConfig.apiKey` (global to the process: the library caches one sign client in
 *   `SignConfig.cachedInstance`, so `applySignSettings` resets that cache to make a change take effect, and
 *   sets `SignConfig.baseOptions.timeout` because the sign client, axios, has no timeout of its own);
 * - `webConfigOverrides` `TIKTOK_HOST_WEB` and `TIKTOK_HOST_WEBCAST` (one host:port for both);
 * - an extra CA, trusted besides Node's roots, for the web host (got: `webClientOptions.agent.https`) and the
 *   push server (ws: `wsClientOptions.secureContext`). Both get one shared TLS context per CA: passing a `ca`
 *   list instead makes Node parse ~150 root certificates for every request and socket (~60 ms each), which
 *   at a thousand rooms is the whole budget. The shared agent also keeps connections alive across rooms.
 * - an outbound proxy (TIKTOK_LIVE_PROXY / HTTPS_PROXY) for both the HTTP client (got: `webClientOptions.agent`)
 *   and the WebSocket (ws: `wsClientOptions.agent`): the CONNECT tunnel of https-proxy-agent carries both, so
 *   every byte of a LIVE connection leaves through the proxy. (The sign server is reached by the library's own
 *   axios client, which honours HTTPS_PROXY itself.)
 * Note the library fetches loopback hosts over https and any other host over plain http (its `isSecure`), so
 * a non-loopback web host must answer http (TikTok itself redirects to https).
 *
 * Environment (explicit values win; none set → the caller starts the sandbox): TIKTOK_LIVE_SIGN_URL,
 * TIKTOK_LIVE_SIGN_API_KEY, TIKTOK_LIVE_WEB_HOST (host:port), TIKTOK_LIVE_CA_FILE (PEM path), TIKTOK_LIVE_PROXY.
 */
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import createHttpsProxyAgent from 'https-proxy-agent';
import { SignConfig, TikTokLiveConnection, type TikTokLiveConstructorConnectionOptions } from 'tiktok-live-connector';

export interface LiveConnectionSettings {
  /** Sign server base URL (Euler Stream's API shape); null = the library's default (Euler Stream, or SIGN_API_URL). */
  signBasePath: string | null;
  signApiKey: string | null;
  /** host:port serving TikTok's web and webcast routes; null = TikTok's own hosts. */
  webHost: string | null;
  /** Extra CA (PEM) to trust for the web host and the push server; null = Node's roots only. */
  caPem: string | null;
  /** Time limit for a sign request. */
  signTimeoutMs: number;
  /** Outbound HTTP(S) proxy for the web requests and the WebSocket of every connection; null = direct. */
  proxyUrl?: string | null;
}

export const DEFAULT_SIGN_TIMEOUT_MS = 15_000;
/** tiktok-live-connector's own default sign server, as the library set it when it loaded (honours SIGN_API_URL). */
export const LIBRARY_DEFAULT_SIGN_URL: string = SignConfig.basePath ?? 'https://api.eulerstream.com';
/** The library's own key (its SIGN_API_KEY variable), used when we were given none. */
const LIBRARY_DEFAULT_SIGN_KEY: string | undefined = SignConfig.apiKey;

const ENV_KEYS = ['TIKTOK_LIVE_SIGN_URL', 'TIKTOK_LIVE_SIGN_API_KEY', 'TIKTOK_LIVE_WEB_HOST', 'TIKTOK_LIVE_CA_FILE'] as const;

/**
 * Settings from TIKTOK_LIVE_* variables, or null when none is set (then use the sandbox). Without
 * TIKTOK_LIVE_SIGN_URL / TIKTOK_LIVE_WEB_HOST the library's defaults (its sign server, TikTok's hosts) apply.
 */
export function liveConnectionSettingsFromEnv(env: NodeJS.ProcessEnv = process.env, readFile: (path: string) => string = (path) => readFileSync(path, 'utf8')): LiveConnectionSettings | null {
  if (!ENV_KEYS.some((key) => env[key])) return null;
  return {
    signBasePath: env.TIKTOK_LIVE_SIGN_URL || null,
    signApiKey: env.TIKTOK_LIVE_SIGN_API_KEY || null,
    webHost: env.TIKTOK_LIVE_WEB_HOST || null,
    caPem: env.TIKTOK_LIVE_CA_FILE ? readFile(env.TIKTOK_LIVE_CA_FILE) : null,
    signTimeoutMs: DEFAULT_SIGN_TIMEOUT_MS,
    proxyUrl: env.TIKTOK_LIVE_PROXY || env.HTTPS_PROXY || env.https_proxy || null,
  };
}

/**
 * Points the library's global sign client at `settings` (call before creating connections; every
 * connection created afterwards uses it). Idempotent.
 */
export function applySignSettings(settings: Pick<LiveConnectionSettings, 'signBasePath' | 'signApiKey' | 'signTimeoutMs'>): void {
  SignConfig.basePath = settings.signBasePath ?? LIBRARY_DEFAULT_SIGN_URL;
  SignConfig.apiKey = settings.signApiKey ?? (settings.signBasePath === null ? LIBRARY_DEFAULT_SIGN_KEY : undefined);
  const baseOptions = (SignConfig.baseOptions ??= {});
  // The SDK copies the key into these shared headers when it builds a client; clear a stale one.
  const headers = (baseOptions.headers ?? {}) as Record<string, unknown>;
  delete headers['X-Api-Key'];
  baseOptions.headers = headers as typeof baseOptions.headers;
  baseOptions.timeout = settings.signTimeoutMs;
  SignConfig.cachedInstance = undefined;
}

/** The options object for `new TikTokLiveConnection(handle, options)` (everything but the global sign settings). */
export function connectorOptionsFor(settings: LiveConnectionSettings, extra: TikTokLiveConstructorConnectionOptions = {}): TikTokLiveConstructorConnectionOptions {
  const options: TikTokLiveConstructorConnectionOptions = { ...extra };
  if (settings.webHost) {
    options.webConfigOverrides = { ...extra.webConfigOverrides, TIKTOK_HOST_WEB: settings.webHost, TIKTOK_HOST_WEBCAST: settings.webHost };
  }
  const trust = settings.caPem ? trustFor(settings.caPem) : null;
  if (settings.proxyUrl) {
    // One tunnel per request/socket; a TLS endpoint is upgraded inside the tunnel with the request's own TLS
    // options, so the extra CA travels as the request's (and the socket's) secure context.
    const agent = proxyAgentFor(settings.proxyUrl);
    options.webClientOptions = {
      ...extra.webClientOptions,
      agent: { ...extra.webClientOptions?.agent, http: agent, https: agent },
      ...(trust && { https: { ...(extra.webClientOptions as { https?: object } | undefined)?.https, certificateAuthority: [...tls.rootCertificates, settings.caPem!] } }),
    } as TikTokLiveConstructorConnectionOptions['webClientOptions'];
    options.wsClientOptions = { ...extra.wsClientOptions, agent, ...(trust && { secureContext: trust.secureContext }) } as TikTokLiveConstructorConnectionOptions['wsClientOptions'];
  } else if (trust) {
    options.webClientOptions = { ...extra.webClientOptions, agent: { ...extra.webClientOptions?.agent, https: trust.agent } } as TikTokLiveConstructorConnectionOptions['webClientOptions'];
    // ws hands its options to tls.connect, which takes a ready secure context.
    options.wsClientOptions = { ...extra.wsClientOptions, secureContext: trust.secureContext } as TikTokLiveConstructorConnectionOptions['wsClientOptions'];
  }
  return options;
}

const proxyAgents = new Map<string, http.Agent>();

/** One CONNECT-tunnelling agent per proxy URL, shared by all connections (https-proxy-agent). */
function proxyAgentFor(proxyUrl: string): http.Agent {
  let agent = proxyAgents.get(proxyUrl);
  if (!agent) {
    agent = createHttpsProxyAgent(proxyUrl) as unknown as http.Agent;
    proxyAgents.set(proxyUrl, agent);
  }
  return agent;
}

const trustByCa = new Map<string, { secureContext: tls.SecureContext; agent: https.Agent }>();

/** One TLS context (Node's roots + the extra CA) and one keep-alive agent per CA, shared by all connections. */
function trustFor(caPem: string): { secureContext: tls.SecureContext; agent: https.Agent } {
  let trust = trustByCa.get(caPem);
  if (!trust) {
    const secureContext = tls.createSecureContext({ ca: [...tls.rootCertificates, caPem] });
    trust = { secureContext, agent: new https.Agent({ keepAlive: true, secureContext, maxSockets: 256 }) };
    trustByCa.set(caPem, trust);
  }
  return trust;
}

/** `applySignSettings` + `new TikTokLiveConnection(handle, connectorOptionsFor(settings, extra))`. */
export function createLiveConnection(handle: string, settings: LiveConnectionSettings, extra: TikTokLiveConstructorConnectionOptions = {}): TikTokLiveConnection {
  applySignSettings(settings);
  return new TikTokLiveConnection(handle, connectorOptionsFor(settings, extra));
}
