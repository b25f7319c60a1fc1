/**
 * Scheduled jobs on two instances coordinating through Redis: each job runs on exactly one of them (its lease in
 * Redis names the runner), and when the runner goes away the other one starts the job. (A runner that dies without
 * releasing is taken over after the job lease's TTL: coordination.test.ts.)
 */
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropPrefix, randomPrefix, SHARED_REDIS_URL } from '../../server/src/coordination/testing';
import { createTestApp } from '../helpers/app';
import { testDbUri } from '../helpers/db';
import { waitFor } from '../helpers/live/harness';

const JOBS = ['imports-recovery', 'auth-token-cleanup', 'webhook-deliveries', 'alerts-quiet', 'alerts-sweep'];
const prefix = randomPrefix('jobs');
let a: FastifyInstance;
let b: FastifyInstance;
let redis: Redis;

beforeAll(async () => {
  const env = { MONGODB_URI: testDbUri('scheduled_jobs'), REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: prefix };
  a = await createTestApp(env);
  b = await createTestApp(env);
  redis = new Redis(SHARED_REDIS_URL);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  redis?.disconnect();
  await dropPrefix(SHARED_REDIS_URL, prefix);
});

/** Which app holds the job's lease (the token names the instance), or null. */
async function runnerOf(job: string): Promise<'a' | 'b' | null> {
  const token = await redis.get(`${prefix}job:${job}`);
  if (!token) return null;
  if (token.includes(`:${a.coordination.instanceId}:`)) return 'a';
  if (token.includes(`:${b.coordination.instanceId}:`)) return 'b';
  throw new Error(`job ${job} is held by a stranger: ${token}`);
}

describe('scheduled jobs across instances', () => {
  it('each job runs on exactly one instance; when its runner goes, the other starts it', async () => {
    expect(a.coordination.mode).toBe('redis');
    expect(a.workers.names()).toEqual(expect.arrayContaining(JOBS));
    await a.workers.start(JOBS);
    await waitFor(async () => (await Promise.all(JOBS.map(runnerOf))).every((r) => r === 'a'), 'a to run every job', 10_000);
    await b.workers.start(JOBS);
    // b stays out while a runs them (several of b's lease rounds).
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await Promise.all(JOBS.map(runnerOf))).toEqual(JOBS.map(() => 'a'));

    await a.close();
    await waitFor(async () => (await Promise.all(JOBS.map(runnerOf))).every((r) => r === 'b'), 'b to take every job over', 30_000);
  }, 60_000);
});
