/**
 * `app.coordination`: realtime bus, cache invalidation, ownership and job scheduling across instances (Redis when
 * REDIS_URL is set, in process otherwise; see server/src/coordination/). The `instance-presence` worker, started
 * first, refuses a second instance on the same database without Redis.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createCoordination, type Coordination } from '../coordination/index';
import { claimPresence } from '../coordination/presence';

declare module 'fastify' {
  interface FastifyInstance {
    coordination: Coordination;
  }
}

export function defaultInstanceId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export const coordinationPlugin = fp<{ redisUrl?: string; redisKeyPrefix: string; instanceId?: string }>(
  async function coordination(app: FastifyInstance, opts) {
    const coord = createCoordination({
      redisUrl: opts.redisUrl,
      redisPrefix: opts.redisKeyPrefix,
      instanceId: opts.instanceId ?? defaultInstanceId(),
      log: app.log.child({ module: 'coordination' }),
    });
    app.decorate('coordination', coord);
    app.addHook('onClose', async () => coord.close());
    app.workers.register('instance-presence', async () => {
      const presence = await claimPresence(app.db, { instanceId: coord.instanceId, mode: coord.mode });
      return { stop: () => presence.release() };
    });
  },
  { name: 'coordination', dependencies: ['db'] },
);
