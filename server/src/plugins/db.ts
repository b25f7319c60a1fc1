/** The database connection of this app instance, closed with the app. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ERROR_CATALOGUE } from '@shared/schemas/errors';
import type { Connection } from 'mongoose';
import { trackAvailability, type DatabaseAvailability } from '../db/availability';
import { connectDatabase, syncIndexes } from '../db/connection';

declare module 'fastify' {
  interface FastifyInstance {
    db: Connection;
    /** Whether the database is reachable now (db/availability.ts). */
    dbAvailability: DatabaseAvailability;
  }
}

/** Routes that read or write the database (everything under /api/v1 but the public config, webhooks, connect pages). */
function needsDatabase(url: string): boolean {
  if (url.startsWith('/api/v1/')) return !url.startsWith('/api/v1/config');
  return url.startsWith('/webhooks/') || url.startsWith('/connect/');
}

export const dbPlugin = fp<{ uri: string }>(
  async function db(app: FastifyInstance, opts) {
    const conn = await connectDatabase(opts.uri);
    app.decorate('db', conn);
    const availability = trackAvailability(conn);
    app.decorate('dbAvailability', availability);
    // Indexes are declared in the models; create them once every module has registered its models.
    app.addHook('onReady', async () => syncIndexes(conn));
    app.addHook('onClose', async () => conn.close());
    // While the database is known to be down, routes that need it answer 503 at once (the driver would hold
    // each request for its whole server-selection timeout first). Health and static routes still answer.
    app.addHook('onRequest', async (request, reply) => {
      if (availability.up() || !needsDatabase(request.url)) return;
      return reply.status(503).header('retry-after', '5').send({ error: { code: 'DATABASE_UNAVAILABLE', message: ERROR_CATALOGUE.DATABASE_UNAVAILABLE.message } });
    });
  },
  { name: 'db' },
);
