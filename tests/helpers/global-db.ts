/**
 * Vitest global setup: one real database server per test run. Uses MONGODB_URI
 * when set (a real MongoDB), otherwise starts the embedded FerretDB on a free
 * port in a temporary folder. Test files get their own database from testDbUri().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedDb, type EmbeddedDb } from '../../server/embedded-db/index';

let db: EmbeddedDb | undefined;
let dir: string | undefined;

export async function setup() {
  if (process.env.MONGODB_URI) {
    process.env.LIVEROSTER_TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  if (process.env.LIVEROSTER_TEST_MONGODB_URI) return; // already started by an outer run
  dir = mkdtempSync(join(tmpdir(), 'liveroster-test-db-'));
  db = await startEmbeddedDb({ dataDir: dir, log: (l) => console.log(l) });
  process.env.LIVEROSTER_TEST_MONGODB_URI = db.uri;
}

export async function teardown() {
  await db?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
