/**
 * Several server instances of one deployment for a test: one database, one Redis (the run's shared one, under a
 * key prefix of their own), each app built and ready. `close()` closes them all and drops their Redis keys.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/src/app';
import { dropPrefix, randomPrefix, SHARED_REDIS_URL } from '../../server/src/coordination/testing';
import { testConfig } from './app';

export interface Instances {
  apps: FastifyInstance[];
  close(): Promise<void>;
}

export async function startInstances(dbLabel: string, count = 2, env: Record<string, string> = {}): Promise<Instances> {
  const prefix = randomPrefix(dbLabel);
  // One config for all: the same database (testConfig picks it from the label) and the same Redis prefix.
  const config = testConfig({ DB_LABEL: dbLabel, REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: prefix, ...env });
  const apps: FastifyInstance[] = [];
  const close = async () => {
    for (const app of apps.splice(0)) await app.close().catch(() => undefined);
    await dropPrefix(SHARED_REDIS_URL, prefix).catch(() => undefined);
  };
  try {
    for (let i = 0; i < count; i++) {
      const app = await buildApp(config);
      apps.push(app);
      await app.ready();
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { apps, close };
}
