/**
 * One mongoose Connection per app instance (tests build many apps against one
 * server), never the global default connection. Models register on it lazily.
 */
import mongoose, { type Connection, type Model, type Schema } from 'mongoose';

export async function connectDatabase(uri: string): Promise<Connection> {
  const conn = mongoose.createConnection(uri, {
    // FerretDB and MongoDB both: no retryable writes needed for our single-document updates,
    // and FerretDB v1 does not support them on SQLite.
    retryWrites: false,
    serverSelectionTimeoutMS: 10_000,
    // Notice a database that went away (and came back) within seconds: availability.ts follows the heartbeats.
    heartbeatFrequencyMS: 2_000,
    maxPoolSize: 50,
  });
  await conn.asPromise();
  return conn;
}

/** Returns the model registered on this connection, registering it on first use. */
export function modelOn<T>(conn: Connection, name: string, schema: Schema<T>): Model<T> {
  return (conn.models[name] as Model<T> | undefined) ?? conn.model<T>(name, schema);
}

/** Creates the declared indexes of every registered model (called once at start). */
export async function syncIndexes(conn: Connection): Promise<void> {
  for (const model of Object.values(conn.models)) await model.createIndexes();
}
