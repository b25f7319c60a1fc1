/**
 * One instance without REDIS_URL: realtime fan-out and cache invalidation are in process, so no query on an event
 * log or on version documents ever runs (every query is counted through mongoose's debug hook); and a second
 * instance on the same database without Redis refuses to start, naming REDIS_URL.
 */
import mongoose from 'mongoose';
import { Types } from 'mongoose';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStreamPublisher } from '../../server/src/modules/live/stream-log';
import { createTestApp, signupAgency, type Session } from '../helpers/app';
import { testDbUri } from '../helpers/db';

const queries: { collection: string; method: string; doc: string }[] = [];
let app: FastifyInstance;
let admin: Session;
let uri: string;

beforeAll(async () => {
  mongoose.set('debug', (collection: string, method: string, ...args: unknown[]) => {
    queries.push({ collection, method, doc: JSON.stringify(args).slice(0, 500) });
  });
  uri = testDbUri('single_instance');
  app = await createTestApp({ MONGODB_URI: uri });
  await app.workers.start(['instance-presence']);
  admin = await signupAgency(app, 'Solo');
});
afterAll(async () => {
  mongoose.set('debug', false);
  await app?.close();
});

describe('single instance (in-process coordination)', () => {
  it('runs no query on an event log or on version documents: streams, publishes, roster edits, cached reads', async () => {
    expect(app.coordination.mode).toBe('in-process');
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const creatorId = (await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle: 'solo_one' } })).json().id as string;
    queries.length = 0;

    const response = await fetch(`http://127.0.0.1:${port}/api/v1/live/stream?access_token=${admin.token}`);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const publisher = createStreamPublisher(app.coordination.bus);
    let received = '';
    for (let i = 1; i <= 20; i++) {
      await publisher.publish(new Types.ObjectId(admin.agencyId), [{ type: 'tally', creatorId: new Types.ObjectId(creatorId), data: { creatorId, diamonds: i } }]);
    }
    while (!received.includes('"diamonds":20')) received += (await reader.read()).value ?? '';
    // Roster writes bump versions; reads served from cache while nothing changed; sessions checked on every request.
    for (let i = 0; i < 5; i++) {
      expect((await admin.inject({ method: 'GET', url: '/api/v1/creators' })).statusCode).toBe(200);
      await admin.inject({ method: 'PATCH', url: `/api/v1/creators/${creatorId}`, payload: { notes: `n${i}` } });
    }
    const renamed = await admin.inject({ method: 'GET', url: '/api/v1/creators' });
    expect(renamed.body).toContain('n4'); // the bump invalidated the cached page at once
    await new Promise((r) => setTimeout(r, 1_500)); // any poller would have ticked several times by now
    // The stream stays open: app.close() ends it (a client that just goes away leaves undici's socket to time out).

    expect(queries.length).toBeGreaterThan(0); // the hook does see this app's queries
    const realtime = queries.filter((q) => /stream|counter/i.test(q.collection));
    const versions = queries.filter((q) => q.collection === 'agencies' || /rosterVersion|authVersion/.test(q.doc));
    expect(realtime).toEqual([]);
    expect(versions).toEqual([]);
  });

  it('a second instance on the same database without Redis refuses to start and says to set REDIS_URL', async () => {
    const second = await createTestApp({ MONGODB_URI: uri });
    try {
      await expect(second.workers.start()).rejects.toThrow(/set REDIS_URL/);
    } finally {
      await second.close();
    }
  });

  it('an instance killed on this machine (its process gone) does not block a restart', async () => {
    const { spawnSync } = await import('node:child_process');
    const { hostname } = await import('node:os');
    const { claimPresence } = await import('../../server/src/coordination/presence');
    const conn = mongoose.createConnection(testDbUri('presence_dead'));
    try {
      const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
      await conn.collection('instance_presence').insertOne({ _id: 'presence', instances: { killed: { mode: 'in-process', seenAt: Date.now(), pid: gone, host: hostname() } } } as never);
      const claimed = await claimPresence(conn, { instanceId: 'restarted', mode: 'in-process' });
      await claimed.release();
      // A live one (this very process, another instance id) still blocks.
      await conn.collection('instance_presence').updateOne({ _id: 'presence' } as never, { $set: { 'instances.alive': { mode: 'in-process', seenAt: Date.now(), pid: process.pid, host: hostname() } } });
      await expect(claimPresence(conn, { instanceId: 'third', mode: 'in-process' })).rejects.toThrow(/REDIS_URL/);
    } finally {
      await conn.close();
    }
  });
});
