/**
 * Sessions always end (real library, sandbox, database): a newer room ends the older session nobody saw end;
 * a check finding the creator offline ends it; the sweeper ends an uncovered stale one; tracking off ends a
 * running one; a suspended streamEnd is kept as `endReason: "suspended"` with an account-health event. Every
 * case rolls up exactly once: creator totals = the sum of its sessions.
 */
import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxLive, type SandboxLive } from '../../../sandbox/live/index';
import { createTestApp, signupAgency, type Session } from '../../../../tests/helpers/app';
import { activityModel } from '../activities/model';
import { notificationModel } from '../notifications/model';
import { createCreatorTotals } from '../creators/totals';
import { creatorModel } from '../creators/model';
import type { LiveManager } from './manager';
import { liveGifterModel, type GifterDoc } from './models';
import { creatorDoc, sessionsOf, startManager, uniqueHandle, waitFor } from '../../../../tests/helpers/live/harness';

let live: SandboxLive;
let app: FastifyInstance;
let admin: Session;
const managers: LiveManager[] = [];

beforeAll(async () => {
  live = await startSandboxLive();
  app = await createTestApp({ DB_LABEL: 'live_session_end' }, (config) => ({ ...config, live: { ...config.live, connectionSettings: live.settings } }));
  admin = await signupAgency(app, 'Endings Agency');
});
afterEach(async () => {
  // Each case has its own instances: none of an earlier case may pick this one's creators up.
  for (const m of managers.splice(0)) await m.stop().catch(() => undefined);
});
afterAll(async () => {
  await app?.close();
  await live?.stop();
});

function manager(overrides: Parameters<typeof startManager>[2] = {}): LiveManager {
  const m = startManager(app, live.settings, { leaseTtlMs: 1_500, leaseRenewMs: 300, ...overrides });
  managers.push(m);
  return m;
}

async function trackedCreator(prefix: string): Promise<{ id: string; handle: string }> {
  const handle = uniqueHandle(prefix);
  const id = (await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } })).json().id as string;
  await admin.inject({ method: 'PUT', url: `/api/v1/creators/${id}/live-tracking`, payload: { enabled: true } });
  return { id, handle };
}

async function expectTotalsEqualSessions(id: string): Promise<void> {
  // The roll-up's last steps (markers settled, timeline) follow its `totalsApplied` flip.
  await waitFor(async () => ((await creatorDoc(app, admin.agencyId, id)).pendingTotals ?? []).length === 0, 'the roll-up markers settled');
  const sessions = await sessionsOf(app, admin.agencyId, id);
  const ended = sessions.filter((s) => s.status === 'ended');
  const creator = await creatorDoc(app, admin.agencyId, id);
  expect(creator.totals).toEqual({
    diamonds: ended.reduce((n, s) => n + s.diamonds, 0),
    liveSeconds: ended.reduce((n, s) => n + s.durationSeconds, 0),
    sessions: ended.length,
  });
  const audit = await createCreatorTotals(app.db).audit(new Types.ObjectId(admin.agencyId));
  expect(audit.differences.filter((d) => d.creatorId === id)).toEqual([]);
  // The cross-session gifters (made before the roll-up is marked done) = the sum over the sessions' own gifters.
  const tenantId = new Types.ObjectId(admin.agencyId);
  const own = new Map<string, number>();
  for (const g of await liveGifterModel(app.db).find({ tenantId, creatorId: new Types.ObjectId(id) }).lean<GifterDoc[]>()) own.set(g.userId, (own.get(g.userId) ?? 0) + g.diamonds);
  const top = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${id}/top-gifters?limit=100` })).json().items as { userId: string; diamonds: number }[];
  expect(new Map(top.map((g) => [g.userId, g.diamonds]))).toEqual(new Map([...own].filter(([, d]) => d > 0)));
}

describe('sessions always end', () => {
  it('opening a newer room ends the older session nobody saw end (unobserved, at its last event) and rolls it up', async () => {
    const c = await trackedCreator('newer');
    live.rooms.goLive(c.handle);
    const first = manager({ instanceId: 'end-a' });
    await live.rooms.waitForSockets(c.handle, 1, 30_000);
    const lion = await live.rooms.sendGift(c.handle, { userId: '1', giftId: '6369' });
    await waitFor(async () => (await sessionsOf(app, admin.agencyId, c.id))[0]?.diamonds === lion.diamonds, 'the gift persisted', 45_000);
    await first.crash(); // dies without a word: its session stays live in the database
    const [old] = await sessionsOf(app, admin.agencyId, c.id);
    live.rooms.endStream(c.handle);
    await new Promise((r) => setTimeout(r, 200));
    live.rooms.goLive(c.handle); // a new room

    manager({ instanceId: 'end-b' });
    await waitFor(async () => (await sessionsOf(app, admin.agencyId, c.id)).length === 2, 'the new room opened', 30_000);
    const ended = await waitFor(async () => (await sessionsOf(app, admin.agencyId, c.id)).find((s) => String(s._id) === String(old._id) && s.totalsApplied), 'the old session rolled up');
    expect(ended).toMatchObject({ status: 'ended', endReason: 'unobserved', diamonds: lion.diamonds });
    // It ended at the last moment we knew it was going (its last event or flush), not when we noticed.
    expect(ended.endedAt!.getTime()).toBeLessThanOrEqual(Math.max(ended.lastEventAt!.getTime(), ended.lastFlushAt!.getTime()));
    await expectTotalsEqualSessions(c.id);
    const sessions = await sessionsOf(app, admin.agencyId, c.id);
    expect(sessions.filter((s) => s.status === 'live')).toHaveLength(1);
    live.rooms.endStream(c.handle);
    await waitFor(async () => (await sessionsOf(app, admin.agencyId, c.id)).every((s) => s.status === 'ended' && s.totalsApplied), 'the new room ended');
    await expectTotalsEqualSessions(c.id);
  });

  it('a session ended as unobserved while its listener still hears the room is reopened and rolls up again at its real end, counted once', async () => {
    const c = await trackedCreator('reopen');
    live.rooms.goLive(c.handle);
    const m = manager({ instanceId: 'reopen-a' });
    await live.rooms.waitForSockets(c.handle, 1, 30_000);
    const lion = await live.rooms.sendGift(c.handle, { userId: '7', giftId: '6369' });
    await waitFor(async () => (await sessionsOf(app, admin.agencyId, c.id))[0]?.diamonds === lion.diamonds, 'the gift persisted', 45_000);
    // Something judged it gone (the sweeper after a stall, an offline check) while the listener is still in the room.
    const [running] = await sessionsOf(app, admin.agencyId, c.id);
    await m.store.endUnobserved(running);
    await expectTotalsEqualSessions(c.id);
    expect((await creatorDoc(app, admin.agencyId, c.id)).totals.diamonds).toBe(lion.diamonds);

    const rose = await live.rooms.sendGift(c.handle, { userId: '8', giftId: '5655', repeat: 3 });
    await waitFor(async () => (await sessionsOf(app, admin.agencyId, c.id))[0]?.status === 'live', 'the listener to reopen its session', 45_000);
    live.rooms.endStream(c.handle);
    const [ended] = await waitFor(async () => {
      const list = await sessionsOf(app, admin.agencyId, c.id);
      return list.length === 1 && list[0].status === 'ended' && list[0].totalsApplied ? list : null;
    }, 'the real end to roll it up', 45_000);
    expect(ended).toMatchObject({ endReason: 'stream_end', diamonds: lion.diamonds + rose.diamonds, reopens: 1 });
    await expectTotalsEqualSessions(c.id);
    expect((await creatorDoc(app, admin.agencyId, c.id)).totals).toMatchObject({ diamonds: lion.diamonds + rose.diamonds, sessions: 1 });
  }, 180_000);

  it('a room ended as unobserved that is still live is listened to again (its session reopened), not left unheard', async () => {
    const c = await trackedCreator('relisten');
    live.rooms.goLive(c.handle);
    const first = manager({ instanceId: 'relisten-a' });
    await live.rooms.waitForSockets(c.handle, 1, 30_000);
    const lion = await live.rooms.sendGift(c.handle, { userId: '9', giftId: '6369' });
    await waitFor(async () => (await sessionsOf(app, admin.agencyId, c.id))[0]?.diamonds === lion.diamonds, 'the gift persisted', 45_000);
    await first.crash();
    const [left] = await sessionsOf(app, admin.agencyId, c.id);
    await first.store.endUnobserved(left); // every instance was down longer than the takeover window
    expect((await sessionsOf(app, admin.agencyId, c.id))[0]).toMatchObject({ status: 'ended', endReason: 'unobserved' });

    manager({ instanceId: 'relisten-b' });
    await waitFor(async () => (await sessionsOf(app, admin.agencyId, c.id))[0]?.status === 'live', 'the room listened to again', 45_000);
    await live.rooms.waitForSockets(c.handle, 1, 30_000);
    const rose = await live.rooms.sendGift(c.handle, { userId: '10', giftId: '5655' });
    live.rooms.endStream(c.handle);
    const [ended] = await waitFor(async () => {
      const list = await sessionsOf(app, admin.agencyId, c.id);
      return list.length === 1 && list[0].status === 'ended' && list[0].totalsApplied ? list : null;
    }, 'the real end', 45_000);
    expect(ended).toMatchObject({ endReason: 'stream_end', diamonds: lion.diamonds + rose.diamonds, reopens: 1 });
    await expectTotalsEqualSessions(c.id);
  }, 180_000);

  it('a check finding the creator offline ends the session its dead listener left live', async () => {
    const c = await trackedCreator('offl');
    live.rooms.goLive(c.handle);
    const first = manager({ instanceId: 'off-a' });
    await live.rooms.waitForSockets(c.handle, 1, 30_000);
    const rose = await live.rooms.sendGift(c.handle, { userId: '2', giftId: '5655' });
    await waitFor(async () => (await sessionsOf(app, admin.agencyId, c.id))[0]?.diamonds === rose.diamonds, 'the gift persisted', 45_000);
    await first.crash();
    live.rooms.endStream(c.handle);
    manager({ instanceId: 'off-b' });
    const [ended] = await waitFor(async () => {
      const list = await sessionsOf(app, admin.agencyId, c.id);
      return list.length === 1 && list[0].totalsApplied ? list : null;
    }, 'the offline check to end it', 30_000);
    expect(ended).toMatchObject({ status: 'ended', endReason: 'unobserved', diamonds: rose.diamonds });
    await expectTotalsEqualSessions(c.id);
    expect((await creatorDoc(app, admin.agencyId, c.id)).live.isLive).toBe(false);
  });

  it('the sweeper ends an uncovered stale session of a creator no longer tracked', async () => {
    const c = await trackedCreator('sweep');
    live.rooms.goLive(c.handle);
    const first = manager({ instanceId: 'sweep-a' });
    await live.rooms.waitForSockets(c.handle, 1, 30_000);
    const gift = await live.rooms.sendGift(c.handle, { userId: '3', giftId: '6369' });
    await waitFor(async () => (await sessionsOf(app, admin.agencyId, c.id))[0]?.diamonds === gift.diamonds, 'the gift persisted', 45_000);
    await first.crash();
    await admin.inject({ method: 'PUT', url: `/api/v1/creators/${c.id}/live-tracking`, payload: { enabled: false } });
    // No check will look at this creator again: only the sweeper can end it.
    manager({ instanceId: 'sweep-b', rollupSweepMs: 300 });
    const [ended] = await waitFor(async () => {
      const list = await sessionsOf(app, admin.agencyId, c.id);
      return list[0]?.totalsApplied ? list : null;
    }, 'the sweeper to end it', 30_000);
    expect(ended).toMatchObject({ status: 'ended', endReason: 'unobserved', diamonds: gift.diamonds });
    await expectTotalsEqualSessions(c.id);
    live.rooms.endStream(c.handle);
  });

  it('the sweeper settles a roll-up marker a crash left in the creator\'s pendingTotals, adding nothing again', async () => {
    const c = await trackedCreator('marker');
    live.rooms.goLive(c.handle);
    const m = manager({ instanceId: 'marker-a' });
    await live.rooms.waitForSockets(c.handle, 1, 30_000);
    const gift = await live.rooms.sendGift(c.handle, { userId: '5', giftId: '6369' });
    await waitFor(async () => (await sessionsOf(app, admin.agencyId, c.id))[0]?.diamonds === gift.diamonds, 'the gift persisted', 45_000);
    live.rooms.endStream(c.handle);
    const session = await waitFor(async () => (await sessionsOf(app, admin.agencyId, c.id)).find((s) => s.totalsApplied), 'the roll-up', 30_000);
    await expectTotalsEqualSessions(c.id);
    // The crash: the roll-up added its totals with their marker and recorded the change as done on the session,
    // and the process died before it removed the marker.
    const creators = creatorModel(app.db);
    await creators.updateOne({ _id: c.id, tenantId: new Types.ObjectId(admin.agencyId) }, { $push: { pendingTotals: `live:${session._id}` } });
    const before = (await creatorDoc(app, admin.agencyId, c.id)).totals;
    await m.sweeper.sweep();
    const after = await creatorDoc(app, admin.agencyId, c.id);
    expect(after.pendingTotals ?? []).toEqual([]);
    expect(after.totals).toEqual(before);
    await expectTotalsEqualSessions(c.id);
  });

  it('turning tracking off ends the running session cleanly', async () => {
    const c = await trackedCreator('untrack');
    live.rooms.goLive(c.handle);
    manager({ instanceId: 'untrack-a' });
    await live.rooms.waitForSockets(c.handle, 1, 30_000);
    const gift = await live.rooms.sendGift(c.handle, { userId: '4', giftId: '5655' });
    await waitFor(async () => (await sessionsOf(app, admin.agencyId, c.id))[0]?.diamonds === gift.diamonds, 'the gift persisted', 45_000);
    await admin.inject({ method: 'PUT', url: `/api/v1/creators/${c.id}/live-tracking`, payload: { enabled: false } });
    const [ended] = await waitFor(async () => {
      const list = await sessionsOf(app, admin.agencyId, c.id);
      return list[0]?.totalsApplied ? list : null;
    }, 'tracking off to end it', 30_000);
    expect(ended).toMatchObject({ status: 'ended', endReason: 'tracking_stopped', diamonds: gift.diamonds });
    await expectTotalsEqualSessions(c.id);
    live.rooms.endStream(c.handle);
  });

  it('a streamEnd marked STREAM_SUSPENDED is kept as endReason "suspended" and recorded as an account-health event', async () => {
    const c = await trackedCreator('susp');
    live.rooms.goLive(c.handle);
    manager({ instanceId: 'susp-a' });
    await live.rooms.waitForSockets(c.handle, 1, 30_000);
    const gift = await live.rooms.sendGift(c.handle, { userId: '5', giftId: '6369' });
    await waitFor(async () => (await sessionsOf(app, admin.agencyId, c.id))[0]?.diamonds === gift.diamonds, 'the gift persisted', 45_000);
    live.rooms.endStream(c.handle, { suspended: true });
    const [ended] = await waitFor(async () => {
      const list = await sessionsOf(app, admin.agencyId, c.id);
      return list[0]?.totalsApplied ? list : null;
    }, 'the suspended stream to end', 30_000);
    expect(ended).toMatchObject({ status: 'ended', endReason: 'suspended', diamonds: gift.diamonds });
    const detail = await admin.inject({ method: 'GET', url: `/api/v1/live/sessions/${ended._id}` });
    expect(detail.json()).toMatchObject({ endReason: 'suspended' });
    const health = await activityModel(app.db).find({ tenantId: new Types.ObjectId(admin.agencyId), creatorId: new Types.ObjectId(c.id), type: 'account_health' }).lean();
    expect(health).toHaveLength(1);
    expect(health[0]).toMatchObject({ system: true, data: { event: 'live_suspended', sessionId: String(ended._id) } });
    const timeline = await admin.inject({ method: 'GET', url: `/api/v1/creators/${c.id}/activities` });
    expect(timeline.json().items.some((a: { type: string }) => a.type === 'account_health')).toBe(true);
    // People hear of it once, through the alert creator.stream_suspended (issue 12), not a second notice of its own.
    await waitFor(async () => (await notificationModel(app.db).countDocuments({ tenantId: new Types.ObjectId(admin.agencyId), type: 'creator.stream_suspended', creatorId: new Types.ObjectId(c.id) })) === 1, 'the suspension alert');
    const notes = await admin.inject({ method: 'GET', url: '/api/v1/notifications' });
    const about = notes.json().items.filter((n: { type: string; creatorId: string }) => n.creatorId === c.id).map((n: { type: string }) => n.type);
    expect(about.filter((t: string) => t === 'creator.stream_suspended')).toHaveLength(1);
    expect(await notificationModel(app.db).countDocuments({ tenantId: new Types.ObjectId(admin.agencyId), type: 'live_suspended', creatorId: new Types.ObjectId(c.id) })).toBe(0);
    await expectTotalsEqualSessions(c.id);
  });
});
