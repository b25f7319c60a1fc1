import { startSandboxTikTok, type RunningSandboxTikTok } from './app';
import { codeChallengeFor, createCodeVerifier } from './pkce';
import type { PkceEncoding, SandboxTikTokOptions } from './types';

/**
 * Client-side helpers that speak to a running sandbox exactly as a TikTok client would (real HTTP).
 * Used by the sandbox's own tests; other suites may use them to connect an account quickly.
 */

export const TEST_CLIENT_KEY = 'sbx_client_key';
export const TEST_CLIENT_SECRET = 'sbx_client_secret';

/** A sandbox on port 0 with a hand-driven clock (`clock.now`, epoch ms); `stop()` is safe to call twice. */
export function sandboxHarness() {
  const clock = { now: Date.UTC(2026, 0, 15, 12) };
  let running: RunningSandboxTikTok | undefined;
  return {
    clock,
    async start(options: Partial<SandboxTikTokOptions> = {}): Promise<RunningSandboxTikTok> {
      clock.now = Date.UTC(2026, 0, 15, 12);
      running = await startSandboxTikTok({ clientKey: TEST_CLIENT_KEY, clientSecret: TEST_CLIENT_SECRET, now: () => clock.now, ...options });
      return running;
    },
    async stop(): Promise<void> {
      await running?.stop();
      running = undefined;
    },
  };
}

export const TEST_REDIRECT_URI = 'https://abcdefghijklmnop.chromiumapp.org/tiktok/callback';

export function authorizeUrl(
  baseUrl: string,
  params: { clientKey: string; scopes: string[]; challenge?: string; redirectUri?: string; state?: string },
): string {
  const url = new URL('/v2/auth/authorize/', baseUrl);
  url.searchParams.set('client_key', params.clientKey);
  url.searchParams.set('scope', params.scopes.join(','));
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', params.redirectUri ?? TEST_REDIRECT_URI);
  url.searchParams.set('state', params.state ?? 'state-123');
  if (params.challenge !== undefined) {
    url.searchParams.set('code_challenge', params.challenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  return url.toString();
}

/** Submits the consent page's form as a browser would (Approve), returning the callback URL. */
export async function approveOnConsentPage(
  authorizeUrlString: string,
  account: string,
  extra: Record<string, string | string[]> = {},
): Promise<URL> {
  const url = new URL(authorizeUrlString);
  const form = new URLSearchParams(url.searchParams);
  form.set('decision', 'approve');
  form.set('account', account);
  for (const [key, value] of Object.entries(extra)) {
    form.delete(key);
    for (const v of ([] as string[]).concat(value)) form.append(key, v);
  }
  const res = await fetch(new URL('/v2/auth/authorize/', url), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`consent did not redirect: ${res.status} ${await res.text()}`);
  return new URL(location);
}

export async function postForm(baseUrl: string, path: string, form: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await fetch(new URL(path, baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: await res.json() };
}

export interface ConnectedAccount {
  accessToken: string;
  refreshToken: string;
  openId: string;
  scope: string;
}

/** Runs authorize → consent → token exchange for `account` with PKCE in the given encoding. */
export async function connectAccount(input: {
  baseUrl: string;
  clientKey: string;
  clientSecret: string;
  account: string;
  scopes: string[];
  encoding?: PkceEncoding;
}): Promise<ConnectedAccount> {
  const verifier = createCodeVerifier();
  const url = authorizeUrl(input.baseUrl, {
    clientKey: input.clientKey,
    scopes: input.scopes,
    challenge: codeChallengeFor(verifier, input.encoding ?? 'hex'),
  });
  const callback = await approveOnConsentPage(url, input.account);
  const { status, body } = await postForm(input.baseUrl, '/v2/oauth/token/', {
    client_key: input.clientKey,
    client_secret: input.clientSecret,
    code: callback.searchParams.get('code') ?? '',
    grant_type: 'authorization_code',
    redirect_uri: TEST_REDIRECT_URI,
    code_verifier: verifier,
  });
  if (status !== 200) throw new Error(`token exchange failed: ${JSON.stringify(body)}`);
  return { accessToken: body.access_token, refreshToken: body.refresh_token, openId: body.open_id, scope: body.scope };
}

export async function callDisplay(
  baseUrl: string,
  accessToken: string,
  path: string,
  init: { method?: 'GET' | 'POST'; body?: unknown } = {},
): Promise<{ status: number; body: any }> {
  const res = await fetch(new URL(path, baseUrl), {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${accessToken}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}
