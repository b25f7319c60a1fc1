/**
 * The embedded database's by-id lookups: FerretDB v1.24 on SQLite scans a whole table for any filter it
 * cannot push down to SQL, and our two changes to it (server/embedded-db: an index on the exact `_id`
 * expression it filters by, and the `_id` pushdown whatever else the filter holds) are what keep
 * tenant-scoped by-id reads and writes off full scans. Asserted through FerretDB's own `explain`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedDb, type EmbeddedDb } from '../../server/embedded-db/index';
import { waitFor } from '../helpers/live/harness';

let db: EmbeddedDb;
let client: mongoose.mongo.MongoClient;

beforeAll(async () => {
  db = await startEmbeddedDb({ dataDir: mkdtempSync(join(tmpdir(), 'liveroster-lookups-')) });
  client = await mongoose.mongo.MongoClient.connect(db.uri);
}, 120_000);

afterAll(async () => {
  await client?.close();
  await db?.stop();
});

interface Explained {
  filterPushdown: boolean;
  queryPlanner: unknown;
}

describe('embedded database by-id lookups', () => {
  it('pushes the _id equality down when the filter also holds the tenant, and answers exactly as Mongo would', async () => {
    const things = client.db('lookups').collection<{ _id: mongoose.mongo.ObjectId; tenantId: string; n: number }>('things');
    const ids = Array.from({ length: 30 }, () => new mongoose.mongo.ObjectId());
    await things.insertMany(ids.map((_id, n) => ({ _id, tenantId: n % 2 ? 'a' : 'b', n })));

    const explain = (filter: object) => client.db('lookups').command({ explain: { find: 'things', filter } }) as Promise<Explained>;
    expect((await explain({ _id: ids[3], tenantId: 'a' })).filterPushdown).toBe(true);
    expect((await explain({ _id: ids[3] })).filterPushdown).toBe(true);
    expect((await explain({ tenantId: 'a' })).filterPushdown).toBe(false);

    // The rest of the filter still applies: another tenant's id finds nothing, updates nothing.
    expect(await things.findOne({ _id: ids[3], tenantId: 'a' })).toMatchObject({ n: 3 });
    expect(await things.findOne({ _id: ids[3], tenantId: 'b' })).toBeNull();
    expect((await things.updateOne({ _id: ids[4], tenantId: 'a' }, { $inc: { n: 100 } })).matchedCount).toBe(0);
    expect((await things.updateOne({ _id: ids[4], tenantId: 'b' }, { $inc: { n: 100 } })).modifiedCount).toBe(1);
    expect(await things.findOne({ _id: ids[4] })).toMatchObject({ n: 104 });
    expect(await things.countDocuments({ _id: ids[5], tenantId: 'a', n: { $gt: 4 } })).toBe(1);
    expect((await things.deleteOne({ _id: ids[6], tenantId: 'a' })).deletedCount).toBe(0);
    expect((await things.deleteOne({ _id: ids[6], tenantId: 'b' })).deletedCount).toBe(1);
  });

  it('uses an index for the pushed-down _id (SQLite searches, not scans)', async () => {
    const things = client.db('lookups').collection<{ _id: string; pad: string }>('indexed');
    // SQLite's planner scans small tables whatever their indexes; at this size it searches when it can.
    await things.insertMany(Array.from({ length: 20_000 }, (_, n) => ({ _id: `x${n}`, pad: 'p'.repeat(200) })));
    // The index pass runs every few seconds and picks up new collections.
    let plan = '';
    await waitFor(async () => {
      // A real query first: SQLite's EXPLAIN alone does not notice a schema change on a connection
      // opened before the index was made (it never checks the schema cookie), a query does.
      expect(await things.findOne({ _id: 'x7' })).toMatchObject({ _id: 'x7' });
      plan = JSON.stringify((await client.db('lookups').command({ explain: { find: 'indexed', filter: { _id: 'x7' } } })).queryPlanner);
      return /SEARCH/.test(plan) && /liveroster_id_path_/.test(plan);
    }, 'the _id path index in the query plan').catch((err: Error) => {
      throw new Error(`${err.message}; last plan: ${plan}`);
    });
  });
});
