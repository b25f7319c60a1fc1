/**
 * Two server instances on one database and one sandbox LIVE, coordinating through Redis (a key prefix of the
 * test's own on the shared server), and an agency signed up on the first: the setup of the multi-instance LIVE
 * tests that run both apps in the test's process.
 */
import type { FastifyInstance } from 'fastify';
import { startSandboxLive, type SandboxLive } from '../../../server/sandbox/live/index';
import { randomPrefix, SHARED_REDIS_URL } from '../../../server/src/coordination/testing';
import { createTestApp, signupAgency, type Session } from '../app';
import { testDbUri } from '../db';

export interface TwoInstances {
  live: SandboxLive;
  appA: FastifyInstance;
  appB: FastifyInstance;
  admin: Session;
  /** Closes both apps, then the sandbox (after the test stopped its managers). */
  stop(): Promise<void>;
}

export async function startTwoInstances(name: string, agencyName: string): Promise<TwoInstances> {
  const live = await startSandboxLive();
  const uri = testDbUri(`live_${name}`);
  const redis = { REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: randomPrefix(name) };
  const appA = await createTestApp({ MONGODB_URI: uri, ...redis }, undefined, { liveConnection: live.settings });
  const appB = await createTestApp({ MONGODB_URI: uri, JWT_SECRET: appA.config.jwtSecret, ...redis }, undefined, { liveConnection: live.settings });
  const admin = await signupAgency(appA, agencyName);
  return {
    live,
    appA,
    appB,
    admin,
    async stop() {
      await appA.close();
      await appB.close();
      await live.stop();
    },
  };
}
