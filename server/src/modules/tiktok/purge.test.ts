/** Disconnect and purge: revoke at TikTok, nothing TikTok-derived left in the raw collections, 30-day guarantee. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandboxTikTok } from '../../../sandbox/tiktok/index';
import { callDisplay } from '../../../sandbox/tiktok/testing';
import { signupAgency, type Session } from '../../../../tests/helpers/app';
import { tiktokSnapshotModel, tiktokVideoModel } from './model';
import { RETENTION_MS } from './purge';
import { addCreator, connectViaExtension, createTikTokApp, rawConnection, startTestSandbox, storedTokens } from '../../../../tests/helpers/tiktok-harness';

let sandbox: RunningSandboxTikTok;
let app: FastifyInstance;
let admin: Session;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  app = await createTikTokApp(sandbox);
  admin = await signupAgency(app, 'Purge Agency');
});
afterAll(async () => {
  await app?.close();
  await sandbox?.stop();
});

/** Everything stored, collection by collection, as JSON (raw driver: no models, no scoping). */
async function everything(): Promise<string> {
  const db = app.db.db!;
  const out: Record<string, unknown[]> = {};
  for (const { name } of await db.listCollections().toArray()) out[name] = await db.collection(name).find({}).toArray();
  return JSON.stringify(out);
}

interface Connected {
  creatorId: string;
  tokens: { access: string; refresh: string };
  /** Strings that only TikTok could have told us. */
  derived: string[];
}

async function connectFresh(handle: string, account: string): Promise<Connected> {
  const view = sandbox.control.createAccount({ handle: account, displayName: `Display ${account}`, bio: `Bio of ${account}`, videoCount: 4 });
  const creatorId = await addCreator(admin, handle);
  expect((await connectViaExtension(admin, creatorId, account)).callback.statusCode).toBe(200);
  const tokens = await storedTokens(app, admin, creatorId);
  const derived = [view.openId, account, view.displayName, view.bio, ...view.videoIds, tokens.access, tokens.refresh];
  const before = await everything();
  for (const value of [view.openId, view.displayName, view.videoIds[0]]) expect(before).toContain(value);
  return { creatorId, tokens, derived };
}

async function expectNothingDerived(c: Connected) {
  const all = await everything();
  for (const value of c.derived) expect(all).not.toContain(value);
  const creator = (await app.db.db!.collection('creators').findOne({ _id: new (await import('mongoose')).Types.ObjectId(c.creatorId) }))!;
  // The creator stays; of its TikTok fields only the status is left.
  expect(Object.keys(creator.tiktok as object)).toEqual(['status']);
}

describe('disconnect', () => {
  it('revokes at TikTok, deletes the tokens, sets revoked and purges everything TikTok-derived; the creator stays', async () => {
    const c = await connectFresh('purge_one', 'purge.one');
    const res = await admin.inject({ method: 'DELETE', url: `/api/v1/creators/${c.creatorId}/tiktok` });
    expect(res.statusCode).toBe(204);
    // Revoked at TikTok: the token we held no longer works there.
    const probe = await callDisplay(sandbox.baseUrl, c.tokens.access, '/v2/user/info/?fields=open_id');
    expect(probe.body.error.code).toBe('access_token_invalid');
    const creator = await admin.inject({ method: 'GET', url: `/api/v1/creators/${c.creatorId}` });
    expect(creator.statusCode).toBe(200);
    expect(creator.json().tiktok).toEqual({ status: 'revoked' });
    expect(await rawConnection(app, admin, c.creatorId)).toBeNull();
    await expectNothingDerived(c);
    const metrics = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${c.creatorId}/metrics` })).json();
    expect(metrics).toMatchObject({ followers: [], videos: [] });
    const timeline = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${c.creatorId}/activities` })).json().items;
    expect(timeline[0]).toMatchObject({ type: 'tiktok', system: true });
    expect(timeline[0].body).toContain('disconnected');
    // Disconnecting again is harmless.
    expect((await admin.inject({ method: 'DELETE', url: `/api/v1/creators/${c.creatorId}/tiktok` })).statusCode).toBe(204);
  });

  it('TikTok unreachable: purged at once anyway, the revoke is retried by the purge job', async () => {
    const c = await connectFresh('purge_two', 'purge.two');
    sandbox.control.injectFailure({ endpoint: '/v2/oauth/revoke/', kind: '500', count: 1 });
    const res = await admin.inject({ method: 'DELETE', url: `/api/v1/creators/${c.creatorId}/tiktok` });
    expect(res.statusCode).toBe(204);
    expect((await admin.inject({ method: 'GET', url: `/api/v1/creators/${c.creatorId}` })).json().tiktok).toEqual({ status: 'revoked' });
    // Only the pending revoke still holds the (sealed) token; TikTok still accepts it.
    expect((await callDisplay(sandbox.baseUrl, c.tokens.access, '/v2/user/info/?fields=open_id')).status).toBe(200);
    const now = Date.now();
    expect(await app.tiktok.runPurgeRound(now)).toMatchObject({ revoked: 0, revokeFailures: 0 }); // backoff not over yet
    expect(await app.tiktok.runPurgeRound(now + 2 * 60_000)).toMatchObject({ revoked: 1 });
    expect((await callDisplay(sandbox.baseUrl, c.tokens.access, '/v2/user/info/?fields=open_id')).body.error.code).toBe('access_token_invalid');
    await expectNothingDerived(c);
  });

  it('with a clock moved 30 days on, nothing TikTok-derived survives even if TikTok never answers and a sync wrote late', async () => {
    const c = await connectFresh('purge_three', 'purge.three');
    sandbox.control.injectFailure({ endpoint: '/v2/oauth/revoke/', kind: '500', count: 10_000 });
    try {
      expect((await admin.inject({ method: 'DELETE', url: `/api/v1/creators/${c.creatorId}/tiktok` })).statusCode).toBe(204);
      // A sync that was in flight during the disconnect writes its results afterwards.
      await tiktokSnapshotModel(app.db).create({ tenantId: admin.agencyId, creatorId: c.creatorId, at: new Date(), followers: 1, following: 1, likes: 1, videos: 1 });
      await tiktokVideoModel(app.db).create({
        _id: `${c.creatorId}:late-video`,
        tenantId: admin.agencyId,
        creatorId: c.creatorId,
        videoId: 'late-video',
        createTime: new Date(),
        lastSeenAt: new Date(),
        title: c.derived[2],
      });
      const now = Date.now();
      const soon = await app.tiktok.runPurgeRound(now + 2 * 60_000);
      expect(soon.revokeFailures).toBe(1);
      expect(await tiktokSnapshotModel(app.db).countDocuments({ tenantId: admin.agencyId, creatorId: c.creatorId })).toBe(0);
      expect(await tiktokVideoModel(app.db).countDocuments({ tenantId: admin.agencyId, creatorId: c.creatorId })).toBe(0);
      // The sealed token still sits in the job while revokes keep failing…
      const sealed = (await app.db.db!.collection('tiktok_purge_jobs').findOne({ 'revokeToken.ciphertext': { $exists: true } }))!;
      expect(sealed).not.toBeNull();
      // …until 30 days after the disconnect: then the job and its token are gone, whatever TikTok says.
      const late = await app.tiktok.runPurgeRound(now + RETENTION_MS + 60_000);
      expect(late.expiredJobs).toBeGreaterThanOrEqual(1);
      const all = await everything();
      expect(all).not.toContain((sealed.revokeToken as { ciphertext: string }).ciphertext);
      await expectNothingDerived(c);
    } finally {
      sandbox.control.clearFailures();
    }
  });

  it('reconnecting the same account cancels a pending revoke instead of killing the new authorization', async () => {
    const c = await connectFresh('purge_four', 'purge.four');
    sandbox.control.injectFailure({ endpoint: '/v2/oauth/revoke/', kind: '500', count: 1 });
    expect((await admin.inject({ method: 'DELETE', url: `/api/v1/creators/${c.creatorId}/tiktok` })).statusCode).toBe(204);
    expect((await connectViaExtension(admin, c.creatorId, 'purge.four')).callback.statusCode).toBe(200);
    const round = await app.tiktok.runPurgeRound(Date.now() + 2 * 60_000);
    expect(round.revoked).toBe(0);
    const res = await admin.inject({ method: 'POST', url: `/api/v1/creators/${c.creatorId}/tiktok/sync` });
    expect(res.statusCode).toBe(200);
    expect(res.json().tiktok.status).toBe('connected');
    expect(res.json().tiktok.stats).toBeDefined();
  });

  it('deleting the creator revokes and purges its TikTok data too', async () => {
    const c = await connectFresh('purge_five', 'purge.five');
    expect((await admin.inject({ method: 'DELETE', url: `/api/v1/creators/${c.creatorId}` })).statusCode).toBe(204);
    expect((await callDisplay(sandbox.baseUrl, c.tokens.access, '/v2/user/info/?fields=open_id')).body.error.code).toBe('access_token_invalid');
    const all = await everything();
    for (const value of c.derived) expect(all).not.toContain(value);
  });
});
