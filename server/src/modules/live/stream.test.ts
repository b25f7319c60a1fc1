/**
 * The LIVE read API and the realtime stream: resume with Last-Event-ID, the query token (this route only),
 * manager visibility, other agencies, a live HTTP stream that receives events published afterwards and ends
 * when the app closes; sessions list paging and filters.
 */
import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addManager, createTestApp, signupAgency, type Session } from '../../../../tests/helpers/app';
import { liveSessionModel } from './session-model';
import { createStreamPublisher, type LiveStreamPublisher } from './stream-log';

let app: FastifyInstance;
let admin: Session;
let manager: Session;
let other: Session;
let mine: string; // assigned to the manager
let theirs: string; // not assigned
let publisher: LiveStreamPublisher;
let closed = false;
/** The feed ids of the three events published in beforeAll (the bus assigns them: `<ms>-<n>`). */
let ids: string[] = [];

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}
function parseSse(body: string): SseEvent[] {
  return body
    .split('\n\n')
    .map((block) => {
      const event: SseEvent = {};
      for (const line of block.split('\n')) {
        const [field, ...rest] = line.split(': ');
        if (field === 'id' || field === 'event' || field === 'data') event[field] = rest.join(': ');
      }
      return event;
    })
    .filter((e) => e.event);
}

const tally = (creatorId: string, diamonds: number) => ({
  type: 'tally' as const,
  creatorId: new Types.ObjectId(creatorId),
  data: { creatorId, sessionId: new Types.ObjectId().toHexString(), diamonds, gifts: 1, viewers: 1, peakViewers: 1, likes: 0, topGifters: [], startedAt: new Date().toISOString(), at: new Date().toISOString() },
});

beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'live_stream' });
  admin = await signupAgency(app, 'Stream Agency');
  other = await signupAgency(app, 'Other Agency');
  manager = await addManager(app, admin);
  mine = (await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle: 'stream_mine', managerId: manager.userId } })).json().id;
  theirs = (await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle: 'stream_theirs' } })).json().id;
  publisher = createStreamPublisher(app.coordination.bus);
  const tenant = new Types.ObjectId(admin.agencyId);
  await publisher.publish(tenant, [tally(mine, 1), tally(theirs, 2)]);
  await publisher.publish(tenant, [{ type: 'session_end', creatorId: new Types.ObjectId(mine), data: { creatorId: mine, sessionId: new Types.ObjectId().toHexString(), summary: { durationSeconds: 1, diamonds: 1, gifts: 1, peakViewers: 1, avgViewers: 1 } } }]);
});
afterAll(async () => {
  if (!closed) await app?.close();
});

describe('GET /api/v1/live/stream', () => {
  it('replays what the feed holds after Last-Event-ID (header or query), with the feed ids', async () => {
    const all = await admin.inject({ method: 'GET', url: '/api/v1/live/stream?follow=false&lastEventId=0' });
    expect(all.statusCode).toBe(200);
    expect(all.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(all.body).toMatch(/^retry: \d+/);
    const events = parseSse(all.body);
    expect(events.map((e) => e.event)).toEqual(['tally', 'tally', 'session_end']);
    ids = events.map((e) => e.id!);
    expect(ids.every((id) => /^\d+-\d+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(3);
    expect(JSON.parse(events[1].data!)).toMatchObject({ creatorId: theirs, diamonds: 2 });

    const resumed = await admin.inject({ method: 'GET', url: '/api/v1/live/stream?follow=false', headers: { 'last-event-id': ids[0] } });
    expect(parseSse(resumed.body).map((e) => e.id)).toEqual([ids[1], ids[2]]);
    const bad = await admin.inject({ method: 'GET', url: '/api/v1/live/stream?follow=false', headers: { 'last-event-id': 'abc' } });
    expect(bad.statusCode).toBe(400);
  });

  it("a manager's stream carries only their creators; another agency's carries none of these", async () => {
    const managed = parseSse((await manager.inject({ method: 'GET', url: '/api/v1/live/stream?follow=false&lastEventId=0' })).body);
    expect(managed.map((e) => e.id)).toEqual([ids[0], ids[2]]);
    expect(managed.every((e) => JSON.parse(e.data!).creatorId === mine)).toBe(true);
    const foreign = await other.inject({ method: 'GET', url: '/api/v1/live/stream?follow=false&lastEventId=0' });
    expect(foreign.statusCode).toBe(200);
    expect(parseSse(foreign.body)).toEqual([]);
    expect(foreign.body).not.toContain(mine);
  });

  it('takes the token from ?access_token= on this route only; a missing or foreign token is 401', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/live/stream?follow=false' })).statusCode).toBe(401);
    const viaQuery = await app.inject({ method: 'GET', url: `/api/v1/live/stream?follow=false&lastEventId=${ids[1]}&access_token=${admin.token}` });
    expect(viaQuery.statusCode).toBe(200);
    expect(parseSse(viaQuery.body).map((e) => e.id)).toEqual([ids[2]]);
    const forged = app.jwt.sign({ sub: admin.userId, tid: admin.agencyId, role: 'admin' }).replace(/.{8}$/, 'AAAAAAAA');
    expect((await app.inject({ method: 'GET', url: `/api/v1/live/stream?follow=false&access_token=${forged}` })).statusCode).toBe(401);
    const otherApp = await createTestApp({ DB_LABEL: 'live_stream_other' });
    const otherToken = otherApp.jwt.sign({ sub: admin.userId, tid: admin.agencyId, role: 'admin' });
    await otherApp.close();
    expect((await app.inject({ method: 'GET', url: `/api/v1/live/stream?follow=false&access_token=${otherToken}` })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: `/api/v1/live/now?access_token=${admin.token}` })).statusCode).toBe(401);
  });
});

describe('LIVE sessions and tracking', () => {
  it('lists sessions newest first with paging and date filters; a manager sees only their creators’ sessions', async () => {
    const sessions = liveSessionModel(app.db);
    const tenantId = new Types.ObjectId(admin.agencyId);
    const base = Date.parse('2026-03-01T10:00:00Z');
    const make = (creatorId: string, hours: number) =>
      sessions.create({ tenantId, creatorId, key: `listener:test-${creatorId}-${hours}`, source: 'listener', status: 'ended', startedAt: new Date(base + hours * 3_600_000), endedAt: new Date(base + hours * 3_600_000 + 60_000), durationSeconds: 60, diamonds: hours, totalsApplied: true });
    const [a, b, c] = [await make(mine, 0), await make(mine, 2), await make(theirs, 1)];

    const first = (await admin.inject({ method: 'GET', url: '/api/v1/live/sessions?limit=2' })).json();
    expect(first.items.map((s: { id: string }) => s.id)).toEqual([String(b._id), String(c._id)]);
    const second = (await admin.inject({ method: 'GET', url: `/api/v1/live/sessions?limit=2&cursor=${first.nextCursor}` })).json();
    expect(second).toEqual({ items: [expect.objectContaining({ id: String(a._id), creatorId: mine, source: 'listener', durationSeconds: 60 })], nextCursor: null });
    const window = (await admin.inject({ method: 'GET', url: `/api/v1/live/sessions?from=${new Date(base + 30 * 60_000).toISOString()}&to=${new Date(base + 90 * 60_000).toISOString()}` })).json();
    expect(window.items.map((s: { id: string }) => s.id)).toEqual([String(c._id)]);

    const managed = (await manager.inject({ method: 'GET', url: '/api/v1/live/sessions' })).json();
    expect(managed.items.map((s: { id: string }) => s.id)).toEqual([String(b._id), String(a._id)]);
    expect((await manager.inject({ method: 'GET', url: `/api/v1/live/sessions?creatorId=${theirs}` })).statusCode).toBe(404);
    expect((await manager.inject({ method: 'GET', url: `/api/v1/live/sessions/${c._id}` })).statusCode).toBe(404);
    expect((await manager.inject({ method: 'GET', url: `/api/v1/live/sessions/${c._id}/gifts` })).statusCode).toBe(404);
    expect((await manager.inject({ method: 'GET', url: `/api/v1/live/sessions/${a._id}` })).json()).toMatchObject({ id: String(a._id), topGifters: [] });
    expect((await other.inject({ method: 'GET', url: '/api/v1/live/sessions' })).json().items).toEqual([]);
  });

  it('tracking: strict body, a manager only for their creators', async () => {
    expect((await admin.inject({ method: 'PUT', url: `/api/v1/creators/${mine}/live-tracking`, payload: { enabled: 'yes' } })).statusCode).toBe(400);
    expect((await admin.inject({ method: 'PUT', url: `/api/v1/creators/${mine}/live-tracking`, payload: { enabled: true, extra: 1 } })).statusCode).toBe(400);
    expect((await manager.inject({ method: 'PUT', url: `/api/v1/creators/${theirs}/live-tracking`, payload: { enabled: true } })).statusCode).toBe(404);
    const on = await manager.inject({ method: 'PUT', url: `/api/v1/creators/${mine}/live-tracking`, payload: { enabled: true } });
    expect(on.json().live).toMatchObject({ tracking: true, isLive: false });
    expect((await admin.inject({ method: 'GET', url: `/api/v1/creators/${mine}` })).json().live.tracking).toBe(true);
  });
});

describe('a followed stream over HTTP', () => {
  it('receives events published after it connected, resumes from Last-Event-ID, and ends when the app closes', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address() as { port: number };
    const response = await fetch(`http://127.0.0.1:${address.port}/api/v1/live/stream?access_token=${admin.token}`, { headers: { 'last-event-id': ids[1] } });
    expect(response.status).toBe(200);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let received = '';
    const readUntil = async (predicate: (text: string) => boolean) => {
      while (!predicate(received)) {
        const { value, done } = await reader.read();
        if (done) return false;
        received += value;
      }
      return true;
    };
    expect(await readUntil((t) => t.includes(`id: ${ids[2]}\n`))).toBe(true); // the resumed one
    await publisher.publish(new Types.ObjectId(admin.agencyId), [tally(mine, 42)]);
    expect(await readUntil((t) => parseSse(t).length === 2)).toBe(true);
    expect(parseSse(received)[0].id).toBe(ids[2]);
    expect(JSON.parse(parseSse(received)[1].data!)).toMatchObject({ creatorId: mine, diamonds: 42 });

    closed = true;
    await app.close();
    expect(await readUntil(() => false)).toBe(false); // the stream ended with the app
  });
});
