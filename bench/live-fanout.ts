/**
 * `npm run bench -- live-fanout`: the realtime path at scale. 1,000 rooms over 100 agencies publish their
 * coalesced tallies (the aggregator sends one per room every 500 ms whatever the event rate, so 20,000 events/s
 * become 2,000 tallies/s on the bus) and 300 SSE clients (3 per agency) follow them over HTTP.
 * - baseline: one instance, in-process bus;
 * - scale-out: 3 instances on one database and one Redis (its own redis-server): rooms published on A and B,
 *   clients spread over A, B and C.
 * Reports delivered events/s, tally-to-client lag p50/p99, database queries spent on realtime (every query the
 * apps run during the measured window, counted by mongoose's debug hook; target 0) and Redis commands/s.
 */
import { randomBytes } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../server/src/app';
import { loadConfig } from '../server/src/config';
import { startPrivateRedis } from '../server/src/coordination/testing';
import { createStreamPublisher } from '../server/src/modules/live/stream-log';
import { openLiveStream, type SseStream } from '../tests/helpers/live/sse-client';
import { benchDatabase, fmt, table } from './lib';

const AGENCIES = Number(process.env.FANOUT_AGENCIES ?? 100);
const ROOMS_PER_AGENCY = 10;
const CLIENTS_PER_AGENCY = 3;
const PUBLISH_INTERVAL_MS = 500;
const SECONDS = Number(process.env.FANOUT_SECONDS ?? 15);

async function scenario(name: string, instances: number, redisUrl: string | undefined, uri: string) {
  const env = { NODE_ENV: 'test', MONGODB_URI: uri, JWT_SECRET: 'b'.repeat(48), TOKEN_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`, AUTH_RATE_LIMIT_PER_MINUTE: '100000', DATA_DIR: `/tmp/fanout-${randomBytes(3).toString('hex')}`, LOG_LEVEL: 'silent', ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `bench:${randomBytes(3).toString('hex')}:` } : {}) };
  const apps: FastifyInstance[] = [];
  for (let i = 0; i < instances; i++) {
    const app = await buildApp(loadConfig(env));
    await app.listen({ port: 0, host: '127.0.0.1' });
    apps.push(app);
  }
  const agencies: { id: string; token: string }[] = [];
  for (let i = 0; i < AGENCIES; i++) {
    const res = await apps[0].inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { agencyName: `A${i}`, email: `f${i}-${randomBytes(3).toString('hex')}@example.com`, password: 'correct horse battery' } });
    agencies.push({ id: res.json().agency.id, token: res.json().token });
  }
  const lags: number[] = [];
  let delivered = 0;
  let measuring = false;
  const streams: SseStream[] = [];
  let c = 0;
  for (const agency of agencies) {
    for (let k = 0; k < CLIENTS_PER_AGENCY; k++) {
      const app = apps[c++ % apps.length];
      const { port } = app.server.address() as { port: number };
      streams.push(
        await openLiveStream(`http://127.0.0.1:${port}`, agency.token, {
          collect: false,
          onEvent(event) {
            if (event.event !== 'tally' || !measuring) return;
            delivered++;
            lags.push(Date.now() - (event.data as { sentAt: number }).sentAt);
          },
        }),
      );
    }
  }
  // Publishers: rooms on the first instance (baseline) or on A and B (scale-out), as listeners would be.
  const listenerApps = instances === 1 ? apps : apps.slice(0, 2);
  const publishers = listenerApps.map((a) => createStreamPublisher(a.coordination.bus));
  const rooms = agencies.flatMap((a, ai) => Array.from({ length: ROOMS_PER_AGENCY }, (_, r) => ({ tenant: new Types.ObjectId(a.id), creatorId: new Types.ObjectId(), publisher: publishers[(ai * ROOMS_PER_AGENCY + r) % publishers.length] })));
  let queries = 0;
  mongoose.set('debug', () => void queries++);
  const redis = redisUrl ? new Redis(redisUrl) : null;
  const commandsBefore = redis ? Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))![1]) : 0;
  queries = 0;
  measuring = true;
  let published = 0;
  const started = Date.now();
  const TICK = 50;
  let tick = 0;
  while (Date.now() - started < SECONDS * 1000) {
    const slice = rooms.filter((_, i) => i % (PUBLISH_INTERVAL_MS / TICK) === tick % (PUBLISH_INTERVAL_MS / TICK));
    tick++;
    // Batched per agency and instance, as the aggregator publishes.
    const batches = new Map<string, { publisher: (typeof rooms)[0]['publisher']; tenant: Types.ObjectId; events: { type: 'tally'; creatorId: Types.ObjectId; data: Record<string, unknown> }[] }>();
    for (const room of slice) {
      const key = `${room.tenant}:${publishers.indexOf(room.publisher)}`;
      if (!batches.has(key)) batches.set(key, { publisher: room.publisher, tenant: room.tenant, events: [] });
      batches.get(key)!.events.push({ type: 'tally', creatorId: room.creatorId, data: { creatorId: String(room.creatorId), diamonds: tick, sentAt: Date.now() } });
    }
    await Promise.all([...batches.values()].map((b) => b.publisher.publish(b.tenant, b.events)));
    published += slice.length;
    const next = started + tick * TICK;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  await new Promise((r) => setTimeout(r, 2_000)); // let the last ones arrive
  measuring = false;
  const elapsed = (Date.now() - started) / 1000;
  const commands = redis ? Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))![1]) - commandsBefore : 0;
  mongoose.set('debug', false);
  redis?.disconnect();
  await Promise.all(streams.map((stream) => stream.close()));
  for (const app of apps) {
    app.server.closeAllConnections();
    await app.close();
  }
  lags.sort((a, b) => a - b);
  const q = (p: number) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))] ?? NaN;
  return {
    scenario: name,
    'tallies published/s': fmt(published / SECONDS, 0),
    'events delivered/s': fmt(delivered / elapsed, 0),
    'delivered / expected': fmt(delivered / (published * CLIENTS_PER_AGENCY), 4),
    'lag p50 ms': q(0.5),
    'lag p99 ms': q(0.99),
    'realtime DB queries/s': fmt(queries / elapsed, 2),
    'Redis commands/s': fmt(commands / elapsed, 0),
  };
}

const db = await benchDatabase('fanout');
const redis = await startPrivateRedis();
try {
  const base = await scenario('baseline: 1 instance, in-process', 1, undefined, `${db.uri}_one`);
  const scaled = await scenario('3 instances + Redis', 3, redis.url, `${db.uri}_three`);
  table([base, scaled]);
  console.log(`lag p99 ratio (3 instances / baseline): ${fmt(Number(scaled['lag p99 ms']) / Number(base['lag p99 ms']), 2)}×; targets: lag p99 < 500 ms, delivered/expected 1, realtime DB queries 0`);
} finally {
  await redis.stop();
  await db.stop();
}
process.exit(0);
