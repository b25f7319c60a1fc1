/** Token refresh: transparent, single-flight across requests and instances, and what happens when it fails. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandboxTikTok } from '../../../sandbox/tiktok/index';
import { callDisplay } from '../../../sandbox/tiktok/testing';
import { addManager, sessionFor, signupAgency, type Session } from '../../../../tests/helpers/app';
import { tiktokConnectionModel } from './model';
import { addCreator, connectViaExtension, createTikTokApp, rawConnection, sharedEnv, startTestSandbox, storedTokens } from '../../../../tests/helpers/tiktok-harness';

let sandbox: RunningSandboxTikTok;
let app1: FastifyInstance;
let app2: FastifyInstance;
let admin: Session;
let adminOn2: Session;

const tokenCalls = () => (app1.tiktok.client.calls['/v2/oauth/token/'] ?? 0) + (app2.tiktok.client.calls['/v2/oauth/token/'] ?? 0);

beforeAll(async () => {
  sandbox = await startTestSandbox();
  // Two API instances on one database: what a horizontally scaled deployment looks like.
  const env = sharedEnv();
  app1 = await createTikTokApp(sandbox, { env });
  app2 = await createTikTokApp(sandbox, { env });
  admin = await signupAgency(app1, 'Refresh Agency');
  adminOn2 = sessionFor(app2, admin.token, admin.userId, admin.agencyId, admin.email);
});
afterAll(async () => {
  await app1?.close();
  await app2?.close();
  await sandbox?.stop();
});

describe('token refresh', () => {
  it('rotation race: concurrent syncs on two instances with a dead access token → one refresh, all succeed, still connected', async () => {
    sandbox.control.createAccount({ handle: 'race.account', videoCount: 2, stats: { follower_count: 10 } });
    const creatorId = await addCreator(admin, 'race_creator');
    expect((await connectViaExtension(admin, creatorId, 'race.account')).callback.statusCode).toBe(200);
    const before = await storedTokens(app1, admin, creatorId);
    const callsBefore = tokenCalls();

    // TikTok considers the access token expired although our stored expiry says otherwise,
    // and the refresh is slow, so every request is waiting while one refresh is in flight.
    sandbox.control.expireAccessTokens('race.account');
    sandbox.control.injectFailure({ endpoint: '/v2/oauth/token/', kind: 'slow', delayMs: 400 });
    const sync = (s: Session) => s.inject({ method: 'POST', url: `/api/v1/creators/${creatorId}/tiktok/sync` });
    const results = await Promise.all([sync(admin), sync(adminOn2), sync(admin), sync(adminOn2)]);

    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    for (const r of results) expect(r.json().tiktok.status).toBe('connected');
    expect(tokenCalls() - callsBefore).toBe(1);
    const after = await storedTokens(app1, admin, creatorId);
    expect(after.version).toBe(before.version + 1);
    expect(after.refresh).not.toBe(before.refresh);
    // The persisted refresh token is the live one: another refresh with it works at TikTok's side.
    expect((await callDisplay(sandbox.baseUrl, after.access, '/v2/user/info/?fields=open_id')).status).toBe(200);
    const connection = await rawConnection(app1, admin, creatorId);
    expect(connection).toMatchObject({ status: 'active', refreshingBy: null, refreshingUntil: null });
  });

  it('refreshes before a call when the stored access token is about to expire', async () => {
    sandbox.control.createAccount({ handle: 'soon.expiring', videoCount: 0 });
    const creatorId = await addCreator(admin, 'soon_expiring');
    expect((await connectViaExtension(admin, creatorId, 'soon.expiring')).callback.statusCode).toBe(200);
    const before = await storedTokens(app1, admin, creatorId);
    await tiktokConnectionModel(app1.db).updateOne({ _id: creatorId, tenantId: admin.agencyId }, { $set: { accessExpiresAt: new Date(Date.now() + 60_000) } });
    const infoCalls = app1.tiktok.client.calls['/v2/user/info/'] ?? 0;
    const res = await admin.inject({ method: 'POST', url: `/api/v1/creators/${creatorId}/tiktok/sync` });
    expect(res.statusCode).toBe(200);
    const after = await storedTokens(app1, admin, creatorId);
    expect(after.version).toBe(before.version + 1);
    // No failed call first: the refresh happened before the Display API was called.
    expect((app1.tiktok.client.calls['/v2/user/info/'] ?? 0) - infoCalls).toBe(1);
    expect((await rawConnection(app1, admin, creatorId))!.accessExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 3600_000);
  });

  it('a transient refresh failure answers 503, releases the lease and keeps the connection', async () => {
    sandbox.control.createAccount({ handle: 'flaky.refresh', videoCount: 0 });
    const creatorId = await addCreator(admin, 'flaky_refresh');
    expect((await connectViaExtension(admin, creatorId, 'flaky.refresh')).callback.statusCode).toBe(200);
    sandbox.control.expireAccessTokens('flaky.refresh');
    sandbox.control.injectFailure({ endpoint: '/v2/oauth/token/', kind: '500' });
    const failed = await admin.inject({ method: 'POST', url: `/api/v1/creators/${creatorId}/tiktok/sync` });
    expect(failed.statusCode).toBe(503);
    expect(failed.json().error.code).toBe('TIKTOK_UNAVAILABLE');
    expect(await rawConnection(app1, admin, creatorId)).toMatchObject({ status: 'active', refreshingBy: null });
    const retried = await admin.inject({ method: 'POST', url: `/api/v1/creators/${creatorId}/tiktok/sync` });
    expect(retried.statusCode).toBe(200);
    expect(retried.json().tiktok.status).toBe('connected');
  });

  it('a revoked token → status expired, tokens deleted, a timeline entry and one notification for the admins', async () => {
    sandbox.control.createAccount({ handle: 'revoked.user', videoCount: 1 });
    const creatorId = await addCreator(admin, 'revoked_user');
    expect((await connectViaExtension(admin, creatorId, 'revoked.user')).callback.statusCode).toBe(200);
    sandbox.control.revokeTokens('revoked.user');

    const [a, b] = await Promise.all([
      admin.inject({ method: 'POST', url: `/api/v1/creators/${creatorId}/tiktok/sync` }),
      adminOn2.inject({ method: 'POST', url: `/api/v1/creators/${creatorId}/tiktok/sync` }),
    ]);
    for (const res of [a, b]) {
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('TIKTOK_CONNECTION_EXPIRED');
    }
    const creator = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}` })).json();
    expect(creator.tiktok.status).toBe('expired');
    const connection = await rawConnection(app1, admin, creatorId);
    expect(connection).toMatchObject({ status: 'expired', accessToken: null, refreshToken: null });

    const timeline = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}/activities` })).json().items;
    expect(timeline.filter((x: { type: string; body: string }) => x.type === 'tiktok' && x.body.includes('expired'))).toHaveLength(1);

    const notifications = (await admin.inject({ method: 'GET', url: '/api/v1/notifications' })).json().items;
    const mine = notifications.filter((n: { creatorId: string }) => n.creatorId === creatorId);
    expect(mine).toHaveLength(1);
    // Raised as the `tiktok.connection_expired` alert (issue 12): one per recipient, each with its own read state.
    expect(mine[0]).toMatchObject({ type: 'tiktok.connection_expired', readAt: null });
    expect(mine[0].title).toContain('@revoked_user');

    const manager = await addManager(app1, admin);
    // Not this creator's manager: none of it (managers see only alerts for them).
    const managerView = await manager.inject({ method: 'GET', url: '/api/v1/notifications' });
    expect(managerView.statusCode).toBe(200);
    expect(managerView.json().items.filter((n: { creatorId: string }) => n.creatorId === creatorId)).toHaveLength(0);
    const read = await admin.inject({ method: 'POST', url: `/api/v1/notifications/${mine[0].id}/read` });
    expect(read.statusCode).toBe(200);
    expect(read.json().readAt).not.toBeNull();
    const unread = (await admin.inject({ method: 'GET', url: '/api/v1/notifications?unread=true' })).json().items;
    expect(unread.find((n: { id: string }) => n.id === mine[0].id)).toBeUndefined();

    // The scheduler leaves expired connections alone; reconnecting brings the creator back.
    const round = await app1.tiktok.runSyncRound({ now: Date.now() + 365 * 86_400_000 });
    expect(round.expired).toBe(0);
    const again = await connectViaExtension(admin, creatorId, 'revoked.user');
    expect(again.callback.statusCode).toBe(200);
    expect(again.callback.json().tiktok.status).toBe('connected');
  });
});
