/** POST /webhooks/tiktok over real HTTP: signature, staleness, duplicates, and authorization.removed → purge. */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook, type RunningSandboxTikTok } from '../../../sandbox/tiktok/index';
import { signupAgency, type Session } from '../../../../tests/helpers/app';
import { CLIENT_KEY, CLIENT_SECRET, addCreator, connectViaExtension, createTikTokApp, rawCollection, rawConnection, startTestSandbox } from '../../../../tests/helpers/tiktok-harness';
import { verifyTikTokSignature } from './webhooks';

let sandbox: RunningSandboxTikTok;
let app: FastifyInstance;
let admin: Session;
let webhookUrl: string;

beforeAll(async () => {
  sandbox = await startTestSandbox({ webhookRetryDelaysMs: [] });
  app = await createTikTokApp(sandbox);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  webhookUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/webhooks/tiktok`;
  sandbox.control.setWebhookUrl(webhookUrl);
  admin = await signupAgency(app, 'Webhook Agency');
});
afterAll(async () => {
  await app?.close();
  await sandbox?.stop();
});

function body(event: string, openId: string, content: unknown = {}): string {
  return JSON.stringify({ client_key: CLIENT_KEY, event, create_time: Math.floor(Date.now() / 1000), user_openid: openId, content: JSON.stringify(content), nonce: randomBytes(4).toString('hex') });
}

async function post(raw: string, signature: string | undefined) {
  const res = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...(signature && { 'tiktok-signature': signature }) }, body: raw });
  return { status: res.status, json: await res.json() };
}

async function connectedCreator(handle: string, account: string) {
  const view = sandbox.control.createAccount({ handle: account, videoCount: 2 });
  const creatorId = await addCreator(admin, handle);
  expect((await connectViaExtension(admin, creatorId, account)).callback.statusCode).toBe(200);
  return { creatorId, openId: view.openId };
}

const status = async (creatorId: string) => (await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}` })).json().tiktok.status;

describe('verifyTikTokSignature', () => {
  const raw = Buffer.from('{"a":1}');
  const now = 1_800_000_000;
  it.each([
    ['valid', signWebhook('secret', raw.toString(), now), now, true],
    ['299 s old', signWebhook('secret', raw.toString(), now - 299), now, true],
    ['stale (301 s)', signWebhook('secret', raw.toString(), now - 301), now, false],
    ['from the future (301 s)', signWebhook('secret', raw.toString(), now + 301), now, false],
    ['wrong secret', signWebhook('other', raw.toString(), now), now, false],
    ['t changed after signing', signWebhook('secret', raw.toString(), now).replace(`t=${now}`, `t=${now - 1}`), now, false],
    ['truncated signature', signWebhook('secret', raw.toString(), now).slice(0, -2), now, false],
    ['garbage', 'nonsense', now, false],
    ['missing', undefined, now, false],
  ])('%s', (_name, header, at, expected) => expect(verifyTikTokSignature(header as string | undefined, raw, 'secret', at as number)).toBe(expected));
});

describe('POST /webhooks/tiktok', () => {
  it('authorization.removed from TikTok (the sandbox, signed, real HTTP) purges like a disconnect', async () => {
    const { creatorId, openId } = await connectedCreator('hook_removed', 'hook.removed');
    const delivery = await sandbox.control.removeAuthorization('hook.removed', 2);
    expect(delivery?.status).toBe('delivered');
    expect(delivery?.statuses).toEqual([200]);
    await app.tiktok.webhooks.drain();
    expect(await status(creatorId)).toBe('revoked');
    expect(await rawConnection(app, admin, creatorId)).toBeNull();
    for (const name of ['tiktok_videos', 'tiktok_snapshots', 'creators', 'tiktok_webhook_events', 'tiktok_purge_jobs']) {
      expect(JSON.stringify(await rawCollection(app, name))).not.toContain(openId);
    }
    const timeline = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}/activities` })).json().items;
    expect(timeline[0].body).toContain('withdrew');
  });

  it('forged, stale or unsigned deliveries → 401 and nothing changes', async () => {
    const { creatorId, openId } = await connectedCreator('hook_forged', 'hook.forged');
    const raw = body('authorization.removed', openId, { reason: 1 });
    const now = Math.floor(Date.now() / 1000);
    const eventsBefore = (await rawCollection(app, 'tiktok_webhook_events')).length;
    for (const signature of [signWebhook('not-the-secret', raw, now), signWebhook(CLIENT_SECRET, raw, now - 301), signWebhook(CLIENT_SECRET, `${raw} `, now), undefined]) {
      const res = await post(raw, signature);
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    }
    await app.tiktok.webhooks.drain();
    expect((await rawCollection(app, 'tiktok_webhook_events')).length).toBe(eventsBefore);
    expect(await status(creatorId)).toBe('connected');
    expect(await rawConnection(app, admin, creatorId)).not.toBeNull();
  });

  it('a duplicate delivery (TikTok retrying, new timestamp) is acknowledged and processed once', async () => {
    const { creatorId, openId } = await connectedCreator('hook_dup', 'hook.dup');
    const raw = body('authorization.removed', openId, { reason: 3 });
    const now = Math.floor(Date.now() / 1000);
    const first = await post(raw, signWebhook(CLIENT_SECRET, raw, now));
    const second = await post(raw, signWebhook(CLIENT_SECRET, raw, now + 5));
    expect(first).toEqual({ status: 200, json: { received: true, duplicate: false } });
    expect(second).toEqual({ status: 200, json: { received: true, duplicate: true } });
    await app.tiktok.webhooks.drain();
    expect(await status(creatorId)).toBe('revoked');
    const timeline = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}/activities` })).json().items;
    expect(timeline.filter((a: { body: string }) => a.body.includes('withdrew'))).toHaveLength(1);
    const jobs = (await rawCollection(app, 'tiktok_purge_jobs')).filter((j) => String(j.creatorId) === creatorId);
    expect(jobs).toHaveLength(1);
    // Processed: the stored body is gone, only the dedupe hash remains.
    const events = await rawCollection(app, 'tiktok_webhook_events');
    expect(events.every((e) => e.body === null && e.processedAt)).toBe(true);
  });

  it('other events are acknowledged and change nothing', async () => {
    const { creatorId, openId } = await connectedCreator('hook_other', 'hook.other');
    const raw = body('video.publish.completed', openId, { share_id: 'video.1' });
    const res = await post(raw, signWebhook(CLIENT_SECRET, raw, Math.floor(Date.now() / 1000)));
    expect(res.status).toBe(200);
    await app.tiktok.webhooks.drain();
    expect(await status(creatorId)).toBe('connected');
  });
});
