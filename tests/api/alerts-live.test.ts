/**
 * Alerts from the sandbox LIVE, end to end: the real tiktok-live-connector, two app instances on one database,
 * a webhook receiver. A creator goes live, gets a Lion (a gift spike and a small tier crossed), the listener's
 * instance stops and another takes the session over, the stream ends. Each alert is raised exactly once —
 * notifications per recipient, stream events, webhook deliveries — and the manager's preferences hold.
 */
import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxLive, type SandboxLive } from '../../server/sandbox/live/index';
import { zonedDate, zonedMonth } from '../../shared/month';
import { alertEventModel } from '../../server/src/modules/alerts/model';
import type { LiveManager } from '../../server/src/modules/live/manager';
import { endedSession, sessionsOf, startManager, uniqueHandle, waitFor } from '../helpers/live/harness';
import { randomPrefix, SHARED_REDIS_URL } from '../../server/src/coordination/testing';
import { addManager, createTestApp, signupAgency, type Session } from '../helpers/app';
import { testDbUri } from '../helpers/db';
import { multipartBody } from '../helpers/imports';
import { startWebhookReceiver, verifySignature, type WebhookReceiver } from '../helpers/webhook-receiver';

let live: SandboxLive;
let appA: FastifyInstance;
let appB: FastifyInstance;
let admin: Session;
let manager: Session;
let receiver: WebhookReceiver;
const managers: LiveManager[] = [];

beforeAll(async () => {
  live = await startSandboxLive();
  receiver = await startWebhookReceiver();
  const uri = testDbUri('alerts_live');
  const withSandbox = (config: Parameters<NonNullable<Parameters<typeof createTestApp>[1]>>[0]) => ({ ...config, live: { ...config.live, connectionSettings: live.settings } });
  // Two instances on one database coordinate through Redis (a second instance without it refuses to start).
  const redis = { REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: randomPrefix('alerts') };
  appA = await createTestApp({ MONGODB_URI: uri, ...redis }, withSandbox);
  appB = await createTestApp({ MONGODB_URI: uri, ...redis, JWT_SECRET: appA.config.jwtSecret, TOKEN_ENCRYPTION_KEY: `k1:${appA.config.tokenEncryptionKeys[0].key.toString('base64')}` }, withSandbox);
  admin = await signupAgency(appA, 'Alerting Agency');
  manager = await addManager(appA, admin);
});
afterAll(async () => {
  for (const m of managers) await m.stop().catch(() => undefined);
  await appA?.close();
  await appB?.close();
  await live?.stop();
  await receiver?.close();
});

interface Note {
  id: string;
  type: string;
  title: string;
  body: string;
  creatorId: string | null;
  eventId: string | null;
  readAt: string | null;
  data?: Record<string, unknown>;
}

async function notes(session: Session): Promise<Note[]> {
  const res = await session.inject({ method: 'GET', url: '/api/v1/notifications?limit=200' });
  expect(res.statusCode).toBe(200);
  return res.json().items;
}

function streamEvents(body: string) {
  return body
    .split('\n\n')
    .map((block) => ({ event: /^event: (.*)$/m.exec(block)?.[1], data: /^data: (.*)$/m.exec(block)?.[1] }))
    .filter((e) => e.event && e.data)
    .map((e) => ({ event: e.event!, data: JSON.parse(e.data!) }));
}

const SETTINGS = { timeZone: 'UTC', validDayMinSeconds: 3600, tiers: [] as object[], earnings: { currency: 'USD', rates: [], agencySharePercent: 0 } };

describe('alerts from the sandbox LIVE', () => {
  it('go live, a gift spike, a tier crossed, the end: each raised once across a takeover by a second instance, to the right people and webhooks', async () => {
    // The agency's month settings (issue 11's API) with a small first tier.
    const settings = await admin.inject({ method: 'PUT', url: '/api/v1/agency/settings', payload: { ...SETTINGS, tiers: [{ name: 'Bronze', diamonds: 20_000 }, { name: 'Silver', diamonds: 1_000_000 }] } });
    expect(settings.statusCode, settings.body).toBe(200);
    // The manager does not want spikes; the admin keeps the defaults.
    const prefs = await manager.inject({ method: 'PUT', url: '/api/v1/me/alert-preferences', payload: { events: { 'gift.spike': false } } });
    expect(prefs.statusCode, prefs.body).toBe(200);
    expect(prefs.json().events['gift.spike']).toBe(false);

    const hook = await admin.inject({ method: 'POST', url: '/api/v1/webhooks', payload: { url: receiver.url, events: ['creator.live_started', 'gift.spike', 'tier.reached', 'creator.live_ended'], format: 'json' } });
    expect(hook.statusCode).toBe(201);
    const { id: webhookId, secret } = hook.json();
    await appA.workers.start(['webhook-deliveries']);

    const handle = uniqueHandle('alert');
    const created = await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle, managerId: manager.userId } });
    expect(created.statusCode).toBe(201);
    const creatorId = created.json().id as string;
    await admin.inject({ method: 'PUT', url: `/api/v1/creators/${creatorId}/live-tracking`, payload: { enabled: true } });

    const first = startManager(appA, live.settings, { instanceId: 'alerts-a' });
    managers.push(first);
    live.rooms.goLive(handle, { viewers: 40 });
    await waitFor(async () => (await notes(admin)).some((n) => n.type === 'creator.live_started' && n.creatorId === creatorId), 'the go-live alert');

    await live.rooms.sendGift(handle, { userId: '501', handle: 'small.fan', giftId: '5879', repeat: 3 }); // 90
    await live.rooms.sendGift(handle, { userId: '502', handle: 'lion.fan', nickname: 'Lion Fan', giftId: '6369' }); // 29,999
    await waitFor(async () => {
      const types = (await notes(admin)).map((n) => n.type);
      return types.includes('gift.spike') && types.includes('tier.reached');
    }, 'the spike and tier alerts');

    // The listener's instance stops; the second instance takes the session over (the same alerts come by again).
    await first.stop();
    const second = startManager(appB, live.settings, { instanceId: 'alerts-b' });
    managers.push(second);
    await waitFor(() => second.listeners().length === 1 && live.rooms.snapshot(handle)!.openSockets === 1, 'the takeover', 60_000);
    await live.rooms.sendGift(handle, { userId: '501', handle: 'small.fan', giftId: '5879', repeat: 1 }); // 30
    await waitFor(async () => (await sessionsOf(appA, admin.agencyId, creatorId))[0]?.diamonds === 30_119, 'the last gift persisted');
    live.rooms.setViewers(handle, 120);
    await new Promise((resolve) => setTimeout(resolve, 300));
    live.rooms.endStream(handle);
    const ended = await endedSession(appA, admin.agencyId, creatorId, 30_000);
    await waitFor(async () => (await notes(admin)).some((n) => n.type === 'creator.live_ended'), 'the end alert');
    // Room for any late duplicate to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const adminNotes = (await notes(admin)).filter((n) => n.creatorId === creatorId);
    const count = (list: Note[], type: string) => list.filter((n) => n.type === type).length;
    for (const type of ['creator.live_started', 'gift.spike', 'tier.reached', 'creator.live_ended']) expect(count(adminNotes, type), type).toBe(1);
    const managerNotes = (await notes(manager)).filter((n) => n.creatorId === creatorId);
    for (const type of ['creator.live_started', 'tier.reached', 'creator.live_ended']) expect(count(managerNotes, type), type).toBe(1);
    expect(count(managerNotes, 'gift.spike')).toBe(0);

    const events = await alertEventModel(appA.db).find({ tenantId: new Types.ObjectId(admin.agencyId), creatorId: new Types.ObjectId(creatorId) }).lean();
    expect(events.map((e) => e.kind).sort()).toEqual(['creator.live_ended', 'creator.live_started', 'gift.spike', 'tier.reached']);

    const spike = adminNotes.find((n) => n.type === 'gift.spike')!;
    expect(spike.data).toMatchObject({ sessionId: String(ended._id), diamondsInWindow: expect.any(Number), floor: 1_000 });
    expect(spike.data!.diamondsInWindow as number).toBeGreaterThanOrEqual(29_999);
    const tier = adminNotes.find((n) => n.type === 'tier.reached')!;
    expect(tier.data).toMatchObject({ tier: { name: 'Bronze', diamonds: 20_000 } });
    const end = adminNotes.find((n) => n.type === 'creator.live_ended')!;
    expect(end.data).toMatchObject({ sessionId: String(ended._id), diamonds: 30_119, durationSeconds: ended.durationSeconds, peakViewers: 120 });
    expect((end.data!.topGifters as { handle: string }[])[0]).toMatchObject({ handle: 'lion.fan', diamonds: 29_999 });
    expect(end.title).toContain(handle);

    // Webhook: each event delivered once, signed, in the order raised.
    await waitFor(() => receiver.received.length >= 4, 'four webhook deliveries', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const got = receiver.received;
    expect(got.map((r) => r.headers['x-liveroster-event'])).toEqual(['creator.live_started', 'gift.spike', 'tier.reached', 'creator.live_ended'].filter((t) => got.some((r) => r.headers['x-liveroster-event'] === t)));
    expect(got).toHaveLength(4);
    expect(got[0].headers['x-liveroster-event']).toBe('creator.live_started');
    expect(got[3].headers['x-liveroster-event']).toBe('creator.live_ended');
    for (const r of got) {
      expect(verifySignature(secret, r.headers['x-liveroster-signature'] as string, r.body, Math.floor(Date.now() / 1000))).toBe(true);
      expect(r.headers['x-liveroster-delivery']).toBe(r.json.id);
      expect(r.json).toMatchObject({ type: r.headers['x-liveroster-event'], agencyId: admin.agencyId, creator: { id: creatorId, handle } });
    }
    expect(new Set(got.map((r) => r.headers['x-liveroster-delivery'])).size).toBe(4);
    expect(adminNotes.map((n) => n.eventId).sort()).toEqual(got.map((r) => r.headers['x-liveroster-delivery']).sort());
    const deliveries = await admin.inject({ method: 'GET', url: `/api/v1/webhooks/${webhookId}/deliveries` });
    expect(deliveries.json().items.map((d: { status: string; attempts: number }) => [d.status, d.attempts])).toEqual(Array(4).fill(['delivered', 1]));

    // The stream: the manager sees their alerts (not the spike they turned off), without the recipient list.
    const stream = await manager.inject({ method: 'GET', url: '/api/v1/live/stream?follow=false&lastEventId=0' });
    const alerts = streamEvents(stream.body).filter((e) => e.event === 'alert' && e.data.creator?.id === creatorId);
    expect(alerts.map((a) => a.data.type).sort()).toEqual(['creator.live_ended', 'creator.live_started', 'tier.reached']);
    expect(alerts.every((a) => !('recipients' in a.data))).toBe(true);
    const adminStream = await admin.inject({ method: 'GET', url: '/api/v1/live/stream?follow=false&lastEventId=0' });
    expect(streamEvents(adminStream.body).filter((e) => e.event === 'alert' && e.data.type === 'gift.spike')).toHaveLength(1);

    // A replay of the same session through the other instance's sink raises nothing new.
    appB.alerts.live.onSessionStarted({ tenantId: ended.tenantId, creatorId: ended.creatorId, sessionId: String(ended._id), startedAt: ended.startedAt.getTime() });
    appB.alerts.live.onSessionEnded({ tenantId: ended.tenantId, creatorId: ended.creatorId, sessionId: String(ended._id) });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await alertEventModel(appA.db).countDocuments({ tenantId: new Types.ObjectId(admin.agencyId), creatorId: new Types.ObjectId(creatorId) })).toBe(4);
    expect((await notes(admin)).filter((n) => n.creatorId === creatorId)).toHaveLength(4);

    // Two instances raising the same alert at the same moment: one claim wins.
    const raceInput = { tenantId: ended.tenantId, creatorId: ended.creatorId, kind: 'creator.live_started' as const, source: `race-${ended._id}`, at: Date.now(), title: 'race', text: 'race', data: {} };
    const outcomes = await Promise.all([appA.alerts.service.raise(raceInput), appB.alerts.service.raise(raceInput)]);
    expect(outcomes.sort()).toEqual(['duplicate', 'raised']);

    // Unread counts and marking read are per user.
    const before = (await admin.inject({ method: 'GET', url: '/api/v1/notifications' })).json().unreadCount as number;
    expect(before).toBeGreaterThanOrEqual(4);
    const read = await admin.inject({ method: 'POST', url: `/api/v1/notifications/${end.id}/read` });
    expect(read.statusCode).toBe(200);
    expect((await admin.inject({ method: 'GET', url: '/api/v1/notifications/unread-count' })).json().unreadCount).toBe(before - 1);
    expect((await notes(manager)).find((n) => n.type === 'creator.live_ended')!.readAt).toBeNull();
    expect((await manager.inject({ method: 'POST', url: `/api/v1/notifications/${end.id}/read` })).statusCode).toBe(404);
    await second.stop();
  }, 180_000);

  it('tier.reached follows the month rule: a Backstage export puts the creator just below a tier, a small LIVE crosses it, once', async () => {
    const now = Date.now();
    // The export must end on a day before today in the agency's zone: on the 1st (UTC) pick a zone where it is not the 1st.
    const timeZone = new Date(now).getUTCDate() > 1 ? 'UTC' : new Date(now).getUTCHours() >= 10 ? 'Etc/GMT-14' : 'Etc/GMT+12';
    const month = zonedMonth(now, timeZone);
    const yesterday = zonedDate(now - 86_400_000, timeZone);
    const boss = await signupAgency(appA, 'Backstage Tier Agency');
    const put = await boss.inject({ method: 'PUT', url: '/api/v1/agency/settings', payload: { ...SETTINGS, timeZone, tiers: [{ name: 'Rising', diamonds: 50_000, liveHours: 10 }, { name: 'Star', diamonds: 500_000 }] } });
    expect(put.statusCode, put.body).toBe(200);
    const handle = uniqueHandle('tier');
    const created = await boss.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } });
    const creatorId = created.json().id as string;
    await boss.inject({ method: 'PUT', url: `/api/v1/creators/${creatorId}/live-tracking`, payload: { enabled: true } });

    // TikTok's Backstage export: 49,950 diamonds and 12 LIVE hours so far this month (Rising needs 50,000 and 10 h).
    const csv =
      "Data period,Creator ID,Creator's username,Group,Creator Network manager,Diamonds,LIVE duration,Valid go LIVE days,New followers,LIVE streams\r\n" +
      `${month}-01 ~ ${yesterday},7234567890123400001,${handle},,,"49,950",12h 0m 0s,3,10,4\r\n`;
    const { payload, headers } = multipartBody({}, { name: 'backstage.csv', content: csv });
    const imported = await boss.inject({ method: 'POST', url: '/api/v1/imports', payload, headers });
    expect(imported.json(), imported.body).toMatchObject({ status: 'completed', format: 'backstage', inserted: 1 });
    const monthBefore = (await boss.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}/month` })).json();
    expect(monthBefore).toMatchObject({ month, diamonds: 49_950, tier: { current: null, next: 'Rising' } });

    const listener = startManager(appA, live.settings, { instanceId: 'alerts-tier' });
    managers.push(listener);
    live.rooms.goLive(handle, { viewers: 12 });
    await live.rooms.waitForSockets(handle, 1, 30_000);
    const tierNotes = async () => (await notes(boss)).filter((n) => n.type === 'tier.reached' && n.creatorId === creatorId);

    // 30 diamonds: 49,980, still below.
    await live.rooms.sendGift(handle, { userId: '601', handle: 'first.fan', giftId: '5879', repeat: 1 });
    await waitFor(async () => (await sessionsOf(appA, boss.agencyId, creatorId))[0]?.diamonds === 30, 'the first gift persisted');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await tierNotes()).toHaveLength(0);

    // 60 more: 50,040 — the month crosses Rising (its hours come from the export).
    await live.rooms.sendGift(handle, { userId: '602', handle: 'second.fan', giftId: '5879', repeat: 2 });
    const [reached] = await waitFor(async () => {
      const list = await tierNotes();
      return list.length ? list : null;
    }, 'the tier alert');
    expect(reached.data).toMatchObject({ month, tier: { name: 'Rising', diamonds: 50_000, liveHours: 10 }, monthDiamonds: 50_040, backstagePeriodEnd: yesterday, nextTier: 'Star' });
    expect(reached.title).toContain('Rising');

    // More gifts, and the session seen again by another instance after a restart: still one alert.
    await live.rooms.sendGift(handle, { userId: '602', handle: 'second.fan', giftId: '5879', repeat: 1 });
    await waitFor(async () => (await sessionsOf(appA, boss.agencyId, creatorId))[0]?.diamonds === 120, 'the last gift persisted');
    const running = (await sessionsOf(appA, boss.agencyId, creatorId))[0];
    appB.alerts.live.onTally({ tenantId: running.tenantId, creatorId: running.creatorId, tally: { creatorId, sessionId: String(running._id), startedAt: running.startedAt.toISOString(), diamonds: 120, gifts: 3, viewers: 12, peakViewers: 12, likes: 0, topGifters: [], at: new Date().toISOString() } });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await tierNotes()).toHaveLength(1);
    expect(await alertEventModel(appA.db).countDocuments({ tenantId: new Types.ObjectId(boss.agencyId), kind: 'tier.reached' })).toBe(1);
    live.rooms.endStream(handle);
    await endedSession(appA, boss.agencyId, creatorId, 30_000);
    await listener.stop();
  }, 120_000);

  it('tier.reached by LIVE time alone: a quiet room crosses a tier\'s LIVE hours without another tally (the minute re-check)', async () => {
    const now = Date.now();
    const timeZone = new Date(now).getUTCDate() > 1 ? 'UTC' : new Date(now).getUTCHours() >= 10 ? 'Etc/GMT-14' : 'Etc/GMT+12';
    const month = zonedMonth(now, timeZone);
    const yesterday = zonedDate(now - 86_400_000, timeZone);
    const boss = await signupAgency(appA, 'Hours Tier Agency');
    // 12 h 0 m 18 s of LIVE: the export has 12 h, the running session adds the rest by time.
    const put = await boss.inject({ method: 'PUT', url: '/api/v1/agency/settings', payload: { ...SETTINGS, timeZone, tiers: [{ name: 'Steady', diamonds: 100, liveHours: 12.005 }] } });
    expect(put.statusCode, put.body).toBe(200);
    const handle = uniqueHandle('hours');
    const creatorId = (await boss.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } })).json().id as string;
    await boss.inject({ method: 'PUT', url: `/api/v1/creators/${creatorId}/live-tracking`, payload: { enabled: true } });
    const csv =
      "Data period,Creator ID,Creator's username,Group,Creator Network manager,Diamonds,LIVE duration,Valid go LIVE days,New followers,LIVE streams\r\n" +
      `${month}-01 ~ ${yesterday},7234567890123400002,${handle},,,500,12h 0m 0s,2,0,3\r\n`;
    const { payload, headers } = multipartBody({}, { name: 'backstage.csv', content: csv });
    expect((await boss.inject({ method: 'POST', url: '/api/v1/imports', payload, headers })).json()).toMatchObject({ status: 'completed', inserted: 1 });

    const listener = startManager(appA, live.settings, { instanceId: 'alerts-hours' });
    managers.push(listener);
    live.rooms.goLive(handle, { viewers: 3 });
    await live.rooms.waitForSockets(handle, 1, 30_000);
    await live.rooms.sendGift(handle, { userId: '701', handle: 'only.fan', giftId: '5879', repeat: 1 });
    await waitFor(async () => (await sessionsOf(appA, boss.agencyId, creatorId))[0]?.diamonds === 30, 'the gift persisted');
    const tierNotes = async () => (await notes(boss)).filter((n) => n.type === 'tier.reached' && n.creatorId === creatorId);
    const session = (await sessionsOf(appA, boss.agencyId, creatorId))[0];
    // The room stays silent (no gift, no viewer change: no tally) past the tier's 18 extra seconds.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, session.startedAt.getTime() + 20_000 - Date.now())));
    expect(await tierNotes()).toHaveLength(0);
    await appA.alerts.live.recheckTiers();
    const [reached] = await tierNotes();
    expect(reached?.data).toMatchObject({ month, tier: { name: 'Steady', liveHours: 12.005 }, monthDiamonds: 530, backstagePeriodEnd: yesterday });
    expect(reached.data!.monthLiveSeconds as number).toBeGreaterThanOrEqual(43_218);
    await appA.alerts.live.recheckTiers();
    expect(await tierNotes()).toHaveLength(1);
    live.rooms.endStream(handle);
    await endedSession(appA, boss.agencyId, creatorId, 30_000);
    await listener.stop();
  }, 120_000);
});
