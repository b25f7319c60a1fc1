/** Connecting a creator over real HTTP to the sandbox TikTok, with a real database. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeChallengeFor, createCodeVerifier, type RunningSandboxTikTok } from '../../../sandbox/tiktok/index';
import { approveOnConsentPage } from '../../../sandbox/tiktok/testing';
import { addManager, signupAgency, type Session } from '../../../../tests/helpers/app';
import { STATE_TTL_MS } from './connect';
import {
  EXTENSION_REDIRECT,
  addCreator,
  connectViaExtension,
  createTikTokApp,
  rawCollection,
  rawConnection,
  startTestSandbox,
  storedTokens,
} from '../../../../tests/helpers/tiktok-harness';

let sandbox: RunningSandboxTikTok;
let app: FastifyInstance;
let admin: Session;

beforeAll(async () => {
  sandbox = await startTestSandbox({ pkceEncoding: 'hex' });
  app = await createTikTokApp(sandbox, { publicUrl: 'http://connect.test' });
  admin = await signupAgency(app, 'Connect Agency');
});
afterAll(async () => {
  await app?.close();
  await sandbox?.stop();
});

describe('connect via the extension', () => {
  it('authorize URL asks for exactly the four read scopes, with PKCE and a random state', async () => {
    const creatorId = await addCreator(admin, 'scope_check');
    const challenge = codeChallengeFor(createCodeVerifier(), 'hex');
    const first = await admin.inject({ method: 'POST', url: `/api/v1/creators/${creatorId}/tiktok/authorize`, payload: { redirectUri: EXTENSION_REDIRECT, codeChallenge: challenge } });
    const second = await admin.inject({ method: 'POST', url: `/api/v1/creators/${creatorId}/tiktok/authorize`, payload: { redirectUri: EXTENSION_REDIRECT, codeChallenge: challenge } });
    expect(first.statusCode).toBe(200);
    const body = first.json();
    const url = new URL(body.authorizeUrl);
    expect(url.origin + url.pathname).toBe(`${sandbox.baseUrl}/v2/auth/authorize/`);
    expect(url.searchParams.get('scope')!.split(',').sort()).toEqual(['user.info.basic', 'user.info.profile', 'user.info.stats', 'video.list']);
    expect(url.searchParams.get('client_key')).toBe(sandbox.control.clientKey);
    expect(url.searchParams.get('code_challenge')).toBe(challenge);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('redirect_uri')).toBe(EXTENSION_REDIRECT);
    expect(url.searchParams.get('state')).toBe(body.state);
    expect(body.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second.json().state).not.toBe(body.state);
    const expiresIn = Date.parse(body.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(STATE_TTL_MS - 60_000);
    expect(expiresIn).toBeLessThanOrEqual(STATE_TTL_MS);
    // The state is stored hashed only.
    const states = await rawCollection(app, 'tiktok_auth_states');
    expect(JSON.stringify(states)).not.toContain(body.state);
  });

  it('full flow: code exchanged on the server, tokens sealed, open_id + scopes stored, synced at once', async () => {
    const creatorId = await addCreator(admin, 'ava_roster');
    const { callback } = await connectViaExtension(admin, creatorId, 'ava.sings');
    expect(callback.statusCode).toBe(200);
    const creator = callback.json();
    const account = sandbox.control.getAccount('ava.sings')!;
    expect(creator.id).toBe(creatorId);
    expect(creator.tiktok).toMatchObject({
      status: 'connected',
      openId: account.openId,
      username: 'ava.sings',
      displayName: 'Ava Sings',
      bio: 'LIVE at 9',
      isVerified: true,
      stats: { followers: 1000, following: 10, likes: 5000, videos: 30 },
    });
    expect(creator.tiktok.scopes.sort()).toEqual(['user.info.basic', 'user.info.profile', 'user.info.stats', 'video.list']);
    expect(creator.tiktok.syncedAt).toBeDefined();

    const connection = await rawConnection(app, admin, creatorId);
    expect(connection).toMatchObject({ openId: account.openId, status: 'active', tokenVersion: 1 });
    expect(connection!.accessToken).toMatchObject({ keyId: 'k1' });
    const tokens = await storedTokens(app, admin, creatorId);
    expect(tokens.access).toMatch(/^act\./);
    const raw = JSON.stringify(await rawCollection(app, 'tiktok_connections'));
    expect(raw).not.toContain(tokens.access);
    expect(raw).not.toContain(tokens.refresh);
    expect(JSON.stringify(await rawCollection(app, 'creators'))).not.toContain(tokens.access);

    // Synced at once: one snapshot, the recent videos (default count 40 > 30 available).
    const snapshots = (await rawCollection(app, 'tiktok_snapshots')).filter((s) => String(s.creatorId) === creatorId);
    expect(snapshots).toHaveLength(1);
    expect((await rawCollection(app, 'tiktok_videos')).filter((v) => String(v.creatorId) === creatorId)).toHaveLength(30);

    const timeline = await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}/activities` });
    expect(timeline.json().items.map((a: { type: string; system: boolean }) => [a.type, a.system])).toContainEqual(['tiktok', true]);
  });

  it('a challenge in the wrong PKCE encoding fails at the token exchange', async () => {
    const creatorId = await addCreator(admin, 'wrong_pkce');
    const { callback } = await connectViaExtension(admin, creatorId, 'ben.cooks', { encoding: 'base64url' });
    expect(callback.statusCode).toBe(502);
    expect(callback.json().error.code).toBe('TIKTOK_AUTH_FAILED');
    expect(callback.json().error.message).toContain('invalid_grant');
    expect(await rawConnection(app, admin, creatorId)).toBeNull();
    const creator = await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}` });
    expect(creator.json().tiktok.status).toBe('not_connected');
  });

  it('a replayed state fails, and so does an expired one', async () => {
    const creatorId = await addCreator(admin, 'replay_state');
    const { callback, state, verifier } = await connectViaExtension(admin, creatorId, 'ben.cooks');
    expect(callback.statusCode).toBe(200);
    // Replay: same state with a fresh, valid code from TikTok.
    const authorize = await admin.inject({
      method: 'POST',
      url: `/api/v1/creators/${creatorId}/tiktok/authorize`,
      payload: { redirectUri: EXTENSION_REDIRECT, codeChallenge: codeChallengeFor(verifier, 'hex') },
    });
    const back = await approveOnConsentPage(authorize.json().authorizeUrl, 'ben.cooks');
    const replay = await admin.inject({ method: 'POST', url: '/api/v1/tiktok/callback', payload: { state, code: back.searchParams.get('code'), codeVerifier: verifier } });
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error.code).toBe('INVALID_STATE');

    // Expired: the clock moves past 10 minutes between authorize and callback.
    const other = await addCreator(admin, 'expired_state');
    const v2 = createCodeVerifier();
    const start = await admin.inject({
      method: 'POST',
      url: `/api/v1/creators/${other}/tiktok/authorize`,
      payload: { redirectUri: EXTENSION_REDIRECT, codeChallenge: codeChallengeFor(v2, 'hex') },
    });
    const back2 = await approveOnConsentPage(start.json().authorizeUrl, 'cy.dances');
    const realNow = app.tiktok.tuning.now;
    app.tiktok.tuning.now = () => realNow() + STATE_TTL_MS + 1_000;
    try {
      const late = await admin.inject({ method: 'POST', url: '/api/v1/tiktok/callback', payload: { state: start.json().state, code: back2.searchParams.get('code'), codeVerifier: v2 } });
      expect(late.statusCode).toBe(400);
      expect(late.json().error.code).toBe('INVALID_STATE');
    } finally {
      app.tiktok.tuning.now = realNow;
    }
    expect(await rawConnection(app, admin, other)).toBeNull();
  });

  it('a state is bound to the agency and the caller', async () => {
    const creatorId = await addCreator(admin, 'bound_state');
    const verifier = createCodeVerifier();
    const start = await admin.inject({
      method: 'POST',
      url: `/api/v1/creators/${creatorId}/tiktok/authorize`,
      payload: { redirectUri: EXTENSION_REDIRECT, codeChallenge: codeChallengeFor(verifier, 'hex') },
    });
    const back = await approveOnConsentPage(start.json().authorizeUrl, 'cy.dances');
    const payload = { state: start.json().state, code: back.searchParams.get('code'), codeVerifier: verifier };
    const stranger = await signupAgency(app, 'Stranger Agency');
    const colleague = await addManager(app, admin);
    for (const session of [stranger, colleague]) {
      const res = await session.inject({ method: 'POST', url: '/api/v1/tiktok/callback', payload });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('INVALID_STATE');
    }
    // Not consumed by those attempts: the rightful caller still completes it.
    const mine = await admin.inject({ method: 'POST', url: '/api/v1/tiktok/callback', payload });
    expect(mine.statusCode).toBe(200);
    expect(mine.json().tiktok.status).toBe('connected');
  });

  it('the same TikTok account on a second creator of the agency is a 409; another agency may connect it', async () => {
    const first = await addCreator(admin, 'dup_first');
    const second = await addCreator(admin, 'dup_second');
    sandbox.control.createAccount({ handle: 'dup.account', videoCount: 1 });
    expect((await connectViaExtension(admin, first, 'dup.account')).callback.statusCode).toBe(200);
    const again = (await connectViaExtension(admin, second, 'dup.account')).callback;
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('TIKTOK_ACCOUNT_IN_USE');
    expect(await rawConnection(app, admin, second)).toBeNull();
    expect((await admin.inject({ method: 'GET', url: `/api/v1/creators/${first}` })).json().tiktok.status).toBe('connected');

    const elsewhere = await signupAgency(app, 'Other Agency');
    const theirs = await addCreator(elsewhere, 'dup_elsewhere');
    expect((await connectViaExtension(elsewhere, theirs, 'dup.account')).callback.statusCode).toBe(200);
  });

  it('validates the authorize body and hides other agencies’ creators', async () => {
    const creatorId = await addCreator(admin, 'validation_check');
    const bad = await admin.inject({ method: 'POST', url: `/api/v1/creators/${creatorId}/tiktok/authorize`, payload: { redirectUri: EXTENSION_REDIRECT, codeChallenge: 'short' } });
    expect(bad.statusCode).toBe(400);
    const plainHttp = await admin.inject({
      method: 'POST',
      url: `/api/v1/creators/${creatorId}/tiktok/authorize`,
      payload: { redirectUri: 'http://evil.example/cb', codeChallenge: codeChallengeFor(createCodeVerifier(), 'hex') },
    });
    expect(plainHttp.statusCode).toBe(400);
    const stranger = await signupAgency(app, 'Nosy Agency');
    const hidden = await stranger.inject({
      method: 'POST',
      url: `/api/v1/creators/${creatorId}/tiktok/authorize`,
      payload: { redirectUri: EXTENSION_REDIRECT, codeChallenge: codeChallengeFor(createCodeVerifier(), 'hex') },
    });
    expect(hidden.statusCode).toBe(404);
  });
});
