/** The hosted connect page: server-side PKCE verifier, its own callback, plain HTML without scripts. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandboxTikTok } from '../../../sandbox/tiktok/index';
import { approveOnConsentPage } from '../../../sandbox/tiktok/testing';
import { signupAgency, type Session } from '../../../../tests/helpers/app';
import { addCreator, createTikTokApp, rawCollection, rawConnection, startTestSandbox } from '../../../../tests/helpers/tiktok-harness';

const PUBLIC_URL = 'http://liveroster.test';
let sandbox: RunningSandboxTikTok;
let app: FastifyInstance;
let admin: Session;

beforeAll(async () => {
  sandbox = await startTestSandbox({ pkceEncoding: 'hex' });
  app = await createTikTokApp(sandbox, { publicUrl: PUBLIC_URL });
  admin = await signupAgency(app, 'Invite Agency');
});
afterAll(async () => {
  await app?.close();
  await sandbox?.stop();
});

async function invite(creatorId: string): Promise<string> {
  const res = await admin.inject({ method: 'POST', url: `/api/v1/creators/${creatorId}/tiktok/invite` });
  expect(res.statusCode).toBe(201);
  const { url, expiresAt } = res.json();
  expect(url).toMatch(new RegExp(`^${PUBLIC_URL}/connect/[A-Za-z0-9_-]{43}$`));
  expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
  return new URL(url).pathname;
}

async function start(path: string) {
  return app.inject({ method: 'POST', url: `${path}/start`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
}

describe('hosted connect page', () => {
  it('renders a script-free page with the SANDBOX banner and connects through its own callback', async () => {
    const creatorId = await addCreator(admin, 'hosted_ben');
    const path = await invite(creatorId);
    expect(JSON.stringify(await rawCollection(app, 'tiktok_invites'))).not.toContain(path.split('/').pop());

    const page = await app.inject({ method: 'GET', url: path });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('SANDBOX');
    expect(page.body).toContain('@hosted_ben');
    expect(page.body).toContain('Connect TikTok');
    expect(page.body).not.toMatch(/<script/i);
    expect(page.body).not.toMatch(/\son[a-z]+=/i);

    const redirect = await start(path);
    expect(redirect.statusCode).toBe(303);
    const authorize = new URL(String(redirect.headers.location));
    expect(authorize.origin).toBe(sandbox.baseUrl);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/connect/callback`);
    // The server made the verifier; the challenge is in the configured (hex) encoding.
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[0-9a-f]{64}$/);

    const back = await approveOnConsentPage(authorize.toString(), 'ben.cooks');
    expect(back.origin + back.pathname).toBe(`${PUBLIC_URL}/connect/callback`);
    const done = await app.inject({ method: 'GET', url: `/connect/callback${back.search}` });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('TikTok connected');
    expect(done.body).not.toMatch(/act\.|rft\./);

    const creator = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}` })).json();
    expect(creator.tiktok).toMatchObject({ status: 'connected', username: 'ben.cooks', stats: { followers: 200 } });
    expect(await rawConnection(app, admin, creatorId)).not.toBeNull();

    // The link is used up, and the callback cannot be replayed.
    expect((await app.inject({ method: 'GET', url: path })).statusCode).toBe(404);
    expect((await start(path)).statusCode).toBe(404);
    const replay = await app.inject({ method: 'GET', url: `/connect/callback${back.search}` });
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('expired or was already used');
  });

  it('unknown links, a denied consent and a made-up state show a failure page and connect nothing', async () => {
    expect((await app.inject({ method: 'GET', url: '/connect/not-a-real-invite-token-aaaaaaaaaaaaaaaa' })).statusCode).toBe(404);
    const creatorId = await addCreator(admin, 'hosted_denied');
    const path = await invite(creatorId);
    const authorize = String((await start(path)).headers.location);
    const res = await fetch(`${sandbox.baseUrl}/sandbox/control/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ authorizeUrl: authorize, decision: 'deny' }),
    });
    const denied = new URL((await res.json()).redirectUrl);
    const page = await app.inject({ method: 'GET', url: `/connect/callback${denied.search}` });
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('declined');
    const forged = await app.inject({ method: 'GET', url: '/connect/callback?code=abc&state=made-up-state-value-123456' });
    expect(forged.statusCode).toBe(400);
    expect(await rawConnection(app, admin, creatorId)).toBeNull();
    // The invite itself is still usable after a denial.
    expect((await app.inject({ method: 'GET', url: path })).statusCode).toBe(200);
  });

  it('another agency cannot mint an invite for a creator it does not own', async () => {
    const creatorId = await addCreator(admin, 'hosted_private');
    const stranger = await signupAgency(app, 'Stranger');
    const res = await stranger.inject({ method: 'POST', url: `/api/v1/creators/${creatorId}/tiktok/invite` });
    expect(res.statusCode).toBe(404);
  });
});

describe('workers', () => {
  it('registers tiktok-sync and tiktok-purge; they start and stop with the app', async () => {
    expect(app.workers.names()).toEqual(expect.arrayContaining(['tiktok-sync', 'tiktok-purge']));
    await app.workers.start(['tiktok-sync', 'tiktok-purge']);
    await app.workers.stop();
  });
});
