/**
 * Outbound webhooks against a real receiver: the admin routes, signatures, Slack/Discord bodies, retries after
 * 500s and a timeout with the order kept, the queue surviving a server restart, disabling after 24 h of failure
 * (the clock is the dispatcher's dependency), and private targets refused at save and at connect time.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertKind } from '../../shared/alerts';
import { urlProblem } from '../../server/src/modules/webhooks/target-guard';
import { waitFor } from '../helpers/live/harness';
import { addManager, createTestApp, signupAgency, type Session } from '../helpers/app';
import { testDbUri } from '../helpers/db';
import { startWebhookReceiver, verifySignature, type WebhookReceiver } from '../helpers/webhook-receiver';

const uri = testDbUri('webhooks');
let app: FastifyInstance;
let admin: Session;
let creatorId: string;
const receivers: WebhookReceiver[] = [];
const apps: FastifyInstance[] = [];
const keyEnv = `k1:${randomBytes(32).toString('base64')}`;
const jwtSecret = randomBytes(32).toString('hex');

async function appOnSharedDb(env: Record<string, string> = {}): Promise<FastifyInstance> {
  const a = await createTestApp({ MONGODB_URI: uri, TOKEN_ENCRYPTION_KEY: keyEnv, JWT_SECRET: jwtSecret, ...env });
  apps.push(a);
  return a;
}

async function receiver(): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver();
  receivers.push(r);
  return r;
}

beforeAll(async () => {
  app = await appOnSharedDb();
  admin = await signupAgency(app, 'Hooked Agency');
  creatorId = (await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle: `hooked${randomBytes(3).toString('hex')}` } })).json().id;
});
afterAll(async () => {
  for (const a of apps) await a.close().catch(() => undefined);
  for (const r of receivers) await r.close();
});

async function createHook(url: string, events: AlertKind[] = ['creator.live_started'], format: 'json' | 'slack' | 'discord' = 'json', as: Session = admin) {
  const res = await as.inject({ method: 'POST', url: '/api/v1/webhooks', payload: { url, events, format } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; secret: string };
}

let sourceCounter = 0;
async function raise(on: FastifyInstance, title = 'event', kind: AlertKind = 'creator.live_started'): Promise<string> {
  const source = `test-${Date.now()}-${sourceCounter++}`;
  const outcome = await on.alerts.service.raise({ tenantId: new Types.ObjectId(admin.agencyId), kind, creatorId: new Types.ObjectId(creatorId), source, at: Date.now(), title, text: `${title} happened`, data: { n: sourceCounter } });
  expect(outcome).toBe('raised');
  return title;
}

describe('webhook routes', () => {
  it('create (201 with the secret once), list, read, change, delete; admins only; bad URLs and events refused', async () => {
    const r = await receiver();
    const created = await createHook(r.url, ['gift.spike', 'tier.reached'], 'slack');
    expect(created.secret).toMatch(/^whsec_/);
    expect(created).toMatchObject({ url: r.url, events: ['gift.spike', 'tier.reached'], format: 'slack', enabled: true, failingSince: null });
    const list = await admin.inject({ method: 'GET', url: '/api/v1/webhooks' });
    expect(list.json().items.find((w: { id: string }) => w.id === created.id)).not.toHaveProperty('secret');
    const patched = await admin.inject({ method: 'PATCH', url: `/api/v1/webhooks/${created.id}`, payload: { events: ['creator.live_ended'], format: 'discord' } });
    expect(patched.json()).toMatchObject({ events: ['creator.live_ended'], format: 'discord' });
    expect((await admin.inject({ method: 'GET', url: `/api/v1/webhooks/${created.id}` })).json().format).toBe('discord');

    const manager = await addManager(app, admin);
    expect((await manager.inject({ method: 'POST', url: '/api/v1/webhooks', payload: { url: r.url, events: ['gift.spike'] } })).statusCode).toBe(403);
    expect((await manager.inject({ method: 'GET', url: '/api/v1/webhooks' })).statusCode).toBe(403);

    const badUrl = await admin.inject({ method: 'POST', url: '/api/v1/webhooks', payload: { url: 'ftp://example.com/x', events: ['gift.spike'] } });
    expect(badUrl.statusCode).toBe(400);
    expect(badUrl.json().error.code).toBe('WEBHOOK_URL_INVALID');
    const badEvent = await admin.inject({ method: 'POST', url: '/api/v1/webhooks', payload: { url: r.url, events: ['gift.spiky'] } });
    expect(badEvent.statusCode).toBe(400);
    const badFormat = await admin.inject({ method: 'POST', url: '/api/v1/webhooks', payload: { url: r.url, events: ['gift.spike'], format: 'teams' } });
    expect(badFormat.statusCode).toBe(400);

    // A test alert, sent now and signed: Discord format after the change.
    const test = await admin.inject({ method: 'POST', url: `/api/v1/webhooks/${created.id}/test` });
    expect(test.json()).toEqual({ delivered: true, statusCode: 200, error: null });
    expect(r.received.at(-1)!.headers['x-liveroster-delivery']).toMatch(/^evt_test_/);
    expect(verifySignature(created.secret, r.received.at(-1)!.headers['x-liveroster-signature'] as string, r.received.at(-1)!.body, Math.floor(Date.now() / 1000))).toBe(true);
    expect(r.received.at(-1)!.json.content).toContain('LiveRoster test alert');

    expect((await admin.inject({ method: 'DELETE', url: `/api/v1/webhooks/${created.id}` })).statusCode).toBe(204);
    expect((await admin.inject({ method: 'GET', url: `/api/v1/webhooks/${created.id}` })).statusCode).toBe(404);
  });

  it('https only in production', () => {
    expect(urlProblem('http://hooks.example.com/x', { httpsOnly: true, allowPrivate: false })?.code).toBe('WEBHOOK_URL_INVALID');
    expect(urlProblem('https://hooks.example.com/x', { httpsOnly: true, allowPrivate: false })).toBeNull();
    expect(urlProblem('https://10.1.2.3/x', { httpsOnly: true, allowPrivate: false })?.code).toBe('WEBHOOK_TARGET_REFUSED');
    expect(urlProblem('https://[::ffff:127.0.0.1]/x', { httpsOnly: true, allowPrivate: false })?.code).toBe('WEBHOOK_TARGET_REFUSED');
    expect(urlProblem('https://169.254.169.254/latest', { httpsOnly: true, allowPrivate: false })?.code).toBe('WEBHOOK_TARGET_REFUSED');
  });
});

describe('webhook delivery', () => {
  it('signs every delivery; json, slack and discord bodies', async () => {
    const [rj, rs, rd] = [await receiver(), await receiver(), await receiver()];
    const hj = await createHook(rj.url, ['tier.reached'], 'json');
    const hs = await createHook(rs.url, ['tier.reached'], 'slack');
    const hd = await createHook(rd.url, ['tier.reached'], 'discord');
    const dispatcher = app.alerts.createDispatcher({ pollMs: 50 });
    dispatcher.start();
    try {
      await raise(app, 'Tier reached by a test', 'tier.reached');
      await waitFor(() => rj.received.length && rs.received.length && rd.received.length, 'three deliveries');
    } finally {
      await dispatcher.stop();
    }
    for (const [r, h] of [
      [rj, hj],
      [rs, hs],
      [rd, hd],
    ] as const) {
      const got = r.received[0];
      expect(got.headers['x-liveroster-event']).toBe('tier.reached');
      expect(got.headers['x-liveroster-delivery']).toMatch(/^evt_[0-9a-f]{32}$/);
      expect(got.headers['content-type']).toBe('application/json');
      expect(verifySignature(h.secret, got.headers['x-liveroster-signature'] as string, got.body, Math.floor(Date.now() / 1000))).toBe(true);
      expect(verifySignature('whsec_wrong', got.headers['x-liveroster-signature'] as string, got.body, Math.floor(Date.now() / 1000))).toBe(false);
      expect(verifySignature(h.secret, got.headers['x-liveroster-signature'] as string, `${got.body} `, Math.floor(Date.now() / 1000))).toBe(false);
    }
    expect(rj.received[0].json).toMatchObject({ id: rj.received[0].headers['x-liveroster-delivery'], type: 'tier.reached', title: 'Tier reached by a test', creator: { id: creatorId } });
    expect(typeof rs.received[0].json.text).toBe('string');
    expect(rs.received[0].json.text).toContain('Tier reached by a test');
    expect(rd.received[0].json.content).toContain('Tier reached by a test');
    expect((rd.received[0].json.embeds as unknown[]).length).toBe(1);
    for (const h of [hj, hs, hd]) await admin.inject({ method: 'DELETE', url: `/api/v1/webhooks/${h.id}` });
  });

  it('retries after 500s and a timeout, keeping the order: nothing behind a failing delivery overtakes it', async () => {
    const r = await receiver();
    // The first event: 500, 500, no answer (timeout), then 200. Everything after: 200.
    r.respond = (i) => (i === 0 || i === 1 ? 500 : i === 2 ? 'hang' : 200);
    const hook = await createHook(r.url, ['creator.live_started']);
    const dispatcher = app.alerts.createDispatcher({ pollMs: 50, retryBaseMs: 100, retryMaxMs: 400, timeoutMs: 700 });
    dispatcher.start();
    try {
      for (const title of ['first', 'second', 'third']) await raise(app, title);
      await waitFor(() => r.received.filter((x) => x.status === 200).length === 3, 'three successful deliveries', 30_000);
    } finally {
      await dispatcher.stop();
    }
    expect(r.received.map((x) => [x.json.title, x.status])).toEqual([
      ['first', 500],
      ['first', 500],
      ['first', 'hang'],
      ['first', 200],
      ['second', 200],
      ['third', 200],
    ]);
    // The same delivery id on every attempt of one event.
    expect(new Set(r.received.slice(0, 4).map((x) => x.headers['x-liveroster-delivery'])).size).toBe(1);
    expect(r.received.slice(0, 4).map((x) => x.headers['x-liveroster-attempt'])).toEqual(['1', '2', '3', '4']);
    const deliveries = (await admin.inject({ method: 'GET', url: `/api/v1/webhooks/${hook.id}/deliveries` })).json().items;
    expect(deliveries.map((d: { status: string; attempts: number }) => [d.status, d.attempts])).toEqual([
      ['delivered', 1],
      ['delivered', 1],
      ['delivered', 4],
    ]);
    const webhook = (await admin.inject({ method: 'GET', url: `/api/v1/webhooks/${hook.id}` })).json();
    expect(webhook).toMatchObject({ enabled: true, failingSince: null });
    await admin.inject({ method: 'DELETE', url: `/api/v1/webhooks/${hook.id}` });
  }, 60_000);

  it('keeps the queue across a server restart: what failed before it is delivered after, in order, nothing lost', async () => {
    const r = await receiver();
    r.respond = () => 503;
    const hook = await createHook(r.url, ['creator.live_started']);
    const before = await appOnSharedDb();
    const dispatcher = before.alerts.createDispatcher({ pollMs: 50, retryBaseMs: 100, retryMaxMs: 300 });
    dispatcher.start();
    for (const title of ['r1', 'r2', 'r3', 'r4']) await raise(before, title);
    await waitFor(() => r.received.length >= 2, 'failed attempts before the restart');
    await dispatcher.stop();
    await before.close();
    const pending = (await admin.inject({ method: 'GET', url: `/api/v1/webhooks/${hook.id}/deliveries?status=pending` })).json().items;
    expect(pending).toHaveLength(4);
    expect(pending.find((d: { attempts: number }) => d.attempts > 0).lastError).toContain('503');

    r.respond = () => 200;
    const after = await appOnSharedDb();
    await after.workers.start(['webhook-deliveries']);
    await waitFor(() => r.received.filter((x) => x.status === 200).length === 4, 'the queue delivered after the restart', 30_000);
    expect(r.received.filter((x) => x.status === 200).map((x) => x.json.title)).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(r.received.filter((x) => x.status === 503).every((x) => x.json.title === 'r1')).toBe(true);
    await after.close();
    await admin.inject({ method: 'DELETE', url: `/api/v1/webhooks/${hook.id}` });
  }, 60_000);

  it('is disabled after 24 h of failures (moved clock), its queue marked failed and the admins notified', async () => {
    const r = await receiver();
    r.respond = () => 500;
    const hook = await createHook(r.url, ['creator.live_started']);
    await raise(app, 'will fail');
    await raise(app, 'behind it');
    let now = Date.now() + 1_000;
    const dispatcher = app.alerts.createDispatcher({ now: () => now, retryBaseMs: 60_000, retryMaxMs: 3600_000 });
    await dispatcher.tick();
    expect(r.received).toHaveLength(1);
    let webhook = (await admin.inject({ method: 'GET', url: `/api/v1/webhooks/${hook.id}` })).json();
    expect(webhook.failingSince).not.toBeNull();
    // Not due yet: nothing sent.
    await dispatcher.tick();
    expect(r.received).toHaveLength(1);
    now += 23 * 3600_000;
    await dispatcher.tick();
    expect(r.received).toHaveLength(2);
    webhook = (await admin.inject({ method: 'GET', url: `/api/v1/webhooks/${hook.id}` })).json();
    expect(webhook.enabled).toBe(true);
    now += 3600_000 + 1;
    await dispatcher.tick();
    expect(r.received).toHaveLength(3);
    webhook = (await admin.inject({ method: 'GET', url: `/api/v1/webhooks/${hook.id}` })).json();
    expect(webhook).toMatchObject({ enabled: false, disabledReason: 'failing' });
    const deliveries = (await admin.inject({ method: 'GET', url: `/api/v1/webhooks/${hook.id}/deliveries` })).json().items;
    expect(deliveries.map((d: { status: string }) => d.status)).toEqual(['failed', 'failed']);
    expect(deliveries[1].lastError).toContain('500');
    const notes = (await admin.inject({ method: 'GET', url: '/api/v1/notifications' })).json().items;
    expect(notes.filter((n: { type: string }) => n.type === 'webhook_disabled')).toHaveLength(1);
    // Disabled: new events are not queued for it; re-enabling restarts its clock.
    await raise(app, 'after disable');
    now += 3600_000;
    await dispatcher.tick();
    expect(r.received).toHaveLength(3);
    const enabled = await admin.inject({ method: 'PATCH', url: `/api/v1/webhooks/${hook.id}`, payload: { enabled: true } });
    expect(enabled.json()).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
    await admin.inject({ method: 'DELETE', url: `/api/v1/webhooks/${hook.id}` });
  });

  it('refuses private targets when they are not allowed: at save, and at connect time (for hooks saved earlier)', async () => {
    const strict = await appOnSharedDb({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' });
    const strictAdmin = { ...admin, inject: (opts: Parameters<Session['inject']>[0]) => strict.inject({ ...opts, headers: { authorization: `Bearer ${admin.token}` } }) };
    for (const url of ['http://127.0.0.1:9/x', 'http://10.0.0.8/x', 'http://localhost:9/x', 'http://[::1]:9/x', 'http://169.254.169.254/latest/meta-data']) {
      const res = await strictAdmin.inject({ method: 'POST', url: '/api/v1/webhooks', payload: { url, events: ['creator.live_started'] } });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code).toBe('WEBHOOK_TARGET_REFUSED');
    }
    // Saved while private targets were allowed (the default outside production): a literal and a name.
    const r = await receiver();
    const literal = await createHook(r.url);
    const named = await createHook(r.url.replace('127.0.0.1', 'localhost'));
    const dispatcher = strict.alerts.createDispatcher({ pollMs: 50 });
    await raise(strict, 'to a private target');
    await dispatcher.tick();
    expect(r.received).toHaveLength(0);
    for (const h of [literal, named]) {
      const deliveries = (await admin.inject({ method: 'GET', url: `/api/v1/webhooks/${h.id}/deliveries` })).json().items;
      expect(deliveries[0]).toMatchObject({ status: 'pending', attempts: 1 });
      expect(deliveries[0].lastError).toMatch(/private, loopback or link-local/);
      await admin.inject({ method: 'DELETE', url: `/api/v1/webhooks/${h.id}` });
    }
  });
});
