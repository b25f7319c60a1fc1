/** The database connection of this app instance, closed with the app. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Connection } from 'mongoose';
import { connectDatabase, syncIndexes } from '../db/connection';

declare module 'fastify' {
  interface FastifyInstance {
    db: Connection;
  }
}

export const dbPlugin = fp<{ uri: string }>(
  async function db(app: FastifyInstance, opts) {
    const conn = await connectDatabase(opts.uri);
    app.decorate('db', conn);
    // Indexes are declared in the models; create them once every module has registered its models.
    app.addHook('onReady', async () => syncIndexes(conn));
    app.addHook('onClose', async () => conn.close());
  },
  { name: 'db' },
);
