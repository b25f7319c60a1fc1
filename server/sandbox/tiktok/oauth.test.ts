import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSandboxTikTok } from './app';
import { codeChallengeFor, createCodeVerifier } from './pkce';
import { approveOnConsentPage, authorizeUrl, callDisplay, connectAccount, postForm, TEST_REDIRECT_URI, sandboxHarness, TEST_CLIENT_KEY, TEST_CLIENT_SECRET } from './testing';

const clientKey = TEST_CLIENT_KEY;
const clientSecret = TEST_CLIENT_SECRET;
const harness = sandboxHarness();
const start = harness.start;
const clock = harness.clock;

afterEach(() => harness.stop());

/** Authorize + approve; returns what the client needs for the exchange. */
async function getCode(sb: RunningSandboxTikTok, encoding: 'hex' | 'base64url' = 'hex', scopes = ['user.info.basic']) {
  const verifier = createCodeVerifier();
  const url = authorizeUrl(sb.baseUrl, { clientKey, scopes, challenge: codeChallengeFor(verifier, encoding) });
  const callback = await approveOnConsentPage(url, 'luna.lives');
  return { verifier, code: callback.searchParams.get('code') ?? '', callback };
}

function exchange(sb: RunningSandboxTikTok, code: string, verifier: string, redirectUri = TEST_REDIRECT_URI) {
  return postForm(sb.baseUrl, '/v2/oauth/token/', {
    client_key: clientKey,
    client_secret: clientSecret,
    code,
    grant_type: 'authorization_code',
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
}

describe('sandbox TikTok Login Kit', () => {
  it('renders a consent page with the banner, app name, scopes in words and stable controls', async () => {
    const sb = await start({ appName: 'LiveRoster Test' });
    const url = authorizeUrl(sb.baseUrl, { clientKey, scopes: ['user.info.basic', 'user.info.stats'], challenge: 'a'.repeat(64) });
    const res = await fetch(url);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('SANDBOX — not TikTok');
    expect(html).toContain('LiveRoster Test');
    expect(html).toContain('Read your statistics');
    for (const id of ['id="account"', 'id="approve"', 'id="deny"', 'id="new_handle"']) expect(html).toContain(id);
    expect(html).toContain('@luna.lives');
  });

  it('runs authorize → approve → token exchange with hex PKCE', async () => {
    const sb = await start();
    const { verifier, code, callback } = await getCode(sb, 'hex', ['user.info.basic', 'video.list']);
    expect(`${callback.origin}${callback.pathname}`).toBe(TEST_REDIRECT_URI);
    expect(callback.searchParams.get('state')).toBe('state-123');
    expect(callback.searchParams.get('scopes')).toBe('user.info.basic,video.list');
    const { status, body } = await exchange(sb, code, verifier);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      open_id: sb.control.getAccount('luna.lives')?.openId,
      scope: 'user.info.basic,video.list',
      expires_in: 7200,
      refresh_expires_in: 180 * 86400,
      token_type: 'Bearer',
    });
    expect(body.access_token).toMatch(/^act\./);
    expect(body.refresh_token).toMatch(/^rft\./);
  });

  it('verifies base64url challenges when configured, and rejects the other encoding with invalid_grant', async () => {
    const sb = await start({ pkceEncoding: 'base64url' });
    const ok = await getCode(sb, 'base64url');
    expect((await exchange(sb, ok.code, ok.verifier)).status).toBe(200);
    const wrong = await getCode(sb, 'hex');
    const { status, body } = await exchange(sb, wrong.code, wrong.verifier);
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_grant');
    expect(typeof body.error_description).toBe('string');
    expect(typeof body.log_id).toBe('string');
  });

  it('rejects a base64url challenge when hex is configured (the default)', async () => {
    const sb = await start();
    const { code, verifier } = await getCode(sb, 'base64url');
    expect((await exchange(sb, code, verifier)).body.error).toBe('invalid_grant');
  });

  it('requires the exact redirect_uri, single-use codes and unexpired codes', async () => {
    const sb = await start({ codeTtlSeconds: 60 });
    const a = await getCode(sb);
    expect((await exchange(sb, a.code, a.verifier, `${TEST_REDIRECT_URI}/`)).body.error).toBe('invalid_grant');
    expect((await exchange(sb, a.code, a.verifier)).status).toBe(200);
    const reused = await exchange(sb, a.code, a.verifier);
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('invalid_grant');

    const b = await getCode(sb);
    clock.now += 61_000;
    expect((await exchange(sb, b.code, b.verifier)).body.error).toBe('invalid_grant');
  });

  it('rejects malformed verifiers, bad client credentials, JSON bodies and unknown grant types', async () => {
    const sb = await start();
    const { code } = await getCode(sb);
    expect((await exchange(sb, code, 'short')).body.error).toBe('invalid_request');
    const badClient = await postForm(sb.baseUrl, '/v2/oauth/token/', { client_key: clientKey, client_secret: 'nope', grant_type: 'refresh_token', refresh_token: 'x' });
    expect(badClient).toMatchObject({ status: 400, body: { error: 'invalid_client' } });
    const json = await fetch(`${sb.baseUrl}/v2/oauth/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_key: clientKey, client_secret: clientSecret, grant_type: 'refresh_token', refresh_token: 'x' }),
    });
    expect(json.status).toBe(400);
    expect((await json.json()).error).toBe('invalid_request');
    const grant = await postForm(sb.baseUrl, '/v2/oauth/token/', { client_key: clientKey, client_secret: clientSecret, grant_type: 'password' });
    expect(grant.body.error).toBe('unsupported_grant_type');
  });

  it('redirects with invalid_scope for unknown scopes and access_denied on Deny', async () => {
    const sb = await start();
    const bad = await fetch(authorizeUrl(sb.baseUrl, { clientKey, scopes: ['user.info.basic', 'user.email'], challenge: 'c'.repeat(64) }), { redirect: 'manual' });
    expect(bad.status).toBe(302);
    const badLocation = new URL(bad.headers.get('location') ?? '');
    expect(badLocation.searchParams.get('error')).toBe('invalid_scope');
    expect(badLocation.searchParams.get('state')).toBe('state-123');

    const url = new URL(authorizeUrl(sb.baseUrl, { clientKey, scopes: ['user.info.basic'], challenge: 'c'.repeat(64) }));
    const form = new URLSearchParams(url.searchParams);
    form.set('decision', 'deny');
    const denied = await fetch(`${sb.baseUrl}/v2/auth/authorize/`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    const deniedLocation = new URL(denied.headers.get('location') ?? '');
    expect(deniedLocation.searchParams.get('error')).toBe('access_denied');
    expect(deniedLocation.searchParams.get('error_description')).toBeTruthy();
    expect(deniedLocation.searchParams.get('code')).toBeNull();
  });

  it('shows an error page instead of redirecting for an unknown client_key, and requires PKCE by default', async () => {
    const sb = await start();
    const unknown = await fetch(authorizeUrl(sb.baseUrl, { clientKey: 'other', scopes: ['user.info.basic'], challenge: 'c'.repeat(64) }), { redirect: 'manual' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('invalid_client');
    const noPkce = await fetch(authorizeUrl(sb.baseUrl, { clientKey, scopes: ['user.info.basic'] }), { redirect: 'manual' });
    expect(new URL(noPkce.headers.get('location') ?? '').searchParams.get('error')).toBe('invalid_request');
  });

  it('grants only the scopes left ticked on the consent page, and can create a new account there', async () => {
    const sb = await start();
    const verifier = createCodeVerifier();
    const url = authorizeUrl(sb.baseUrl, { clientKey, scopes: ['user.info.basic', 'user.info.stats', 'video.list'], challenge: codeChallengeFor(verifier, 'hex') });
    const callback = await approveOnConsentPage(url, '__new__', { new_handle: '@Fresh.Creator', scope_choice: '1', granted_scope: ['user.info.basic', 'video.list'] });
    expect(callback.searchParams.get('scopes')).toBe('user.info.basic,video.list');
    const { body } = await exchange(sb, callback.searchParams.get('code') ?? '', verifier);
    expect(body.scope).toBe('user.info.basic,video.list');
    expect(body.open_id).toBe(sb.control.getAccount('fresh.creator')?.openId);
  });

  it('approves through the control shortcut with the same codes', async () => {
    const sb = await start();
    const verifier = createCodeVerifier();
    const url = authorizeUrl(sb.baseUrl, { clientKey, scopes: ['user.info.basic'], challenge: codeChallengeFor(verifier, 'hex') });
    const res = await fetch(`${sb.baseUrl}/sandbox/control/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ authorizeUrl: url, account: 'chef_marco' }),
    });
    const { redirectUrl } = await res.json();
    const { status, body } = await exchange(sb, new URL(redirectUrl).searchParams.get('code') ?? '', verifier);
    expect(status).toBe(200);
    expect(body.open_id).toBe(sb.control.getAccount('chef_marco')?.openId);
  });

  it('rotates refresh tokens: the new pair works, the old refresh token dies', async () => {
    const sb = await start();
    const first = await connectAccount({ baseUrl: sb.baseUrl, clientKey, clientSecret, account: 'luna.lives', scopes: ['user.info.basic'] });
    const refresh = (token: string) => postForm(sb.baseUrl, '/v2/oauth/token/', { client_key: clientKey, client_secret: clientSecret, grant_type: 'refresh_token', refresh_token: token });
    clock.now += 3 * 3600_000; // access token (2 h) has expired
    expect((await callDisplay(sb.baseUrl, first.accessToken, '/v2/user/info/?fields=open_id')).body.error.code).toBe('access_token_invalid');
    const second = await refresh(first.refreshToken);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.refreshToken);
    expect(second.body).toMatchObject({ open_id: first.openId, scope: 'user.info.basic', token_type: 'Bearer', expires_in: 7200 });
    expect((await callDisplay(sb.baseUrl, second.body.access_token, '/v2/user/info/?fields=open_id')).status).toBe(200);
    const replay = await refresh(first.refreshToken);
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await refresh(second.body.refresh_token)).status).toBe(200);
  });

  it('honours configured lifetimes and refresh expiry', async () => {
    const sb = await start({ accessTokenTtlSeconds: 86_400, refreshTokenTtlSeconds: 365 * 86_400 });
    const conn = await connectAccount({ baseUrl: sb.baseUrl, clientKey, clientSecret, account: 'dj.kairo', scopes: ['user.info.basic'] });
    clock.now += 23 * 3600_000;
    expect((await callDisplay(sb.baseUrl, conn.accessToken, '/v2/user/info/?fields=open_id')).status).toBe(200);
    clock.now += 366 * 86_400_000;
    const expired = await postForm(sb.baseUrl, '/v2/oauth/token/', { client_key: clientKey, client_secret: clientSecret, grant_type: 'refresh_token', refresh_token: conn.refreshToken });
    expect(expired.body.error).toBe('invalid_grant');
  });

  it('revokes the whole grant: access and refresh tokens stop working, revoking again still answers {}', async () => {
    const sb = await start();
    const conn = await connectAccount({ baseUrl: sb.baseUrl, clientKey, clientSecret, account: 'luna.lives', scopes: ['user.info.basic'] });
    const revoke = () => postForm(sb.baseUrl, '/v2/oauth/revoke/', { client_key: clientKey, client_secret: clientSecret, token: conn.accessToken });
    expect(await revoke()).toEqual({ status: 200, body: {} });
    expect((await callDisplay(sb.baseUrl, conn.accessToken, '/v2/user/info/?fields=open_id')).status).toBe(401);
    const refresh = await postForm(sb.baseUrl, '/v2/oauth/token/', { client_key: clientKey, client_secret: clientSecret, grant_type: 'refresh_token', refresh_token: conn.refreshToken });
    expect(refresh.body.error).toBe('invalid_grant');
    expect(await revoke()).toEqual({ status: 200, body: {} });
    const badClient = await postForm(sb.baseUrl, '/v2/oauth/revoke/', { client_key: clientKey, client_secret: 'x', token: conn.accessToken });
    expect(badClient.body.error).toBe('invalid_client');
  });
});
