import { randomBytes } from 'node:crypto';

/**
 * A connection string for a database of the test's own: same server for the
 * whole run, fresh database name per call (FerretDB and MongoDB both create it lazily).
 */
export function testDbUri(label = 'test'): string {
  const base = process.env.LIVEROSTER_TEST_MONGODB_URI;
  if (!base) throw new Error('LIVEROSTER_TEST_MONGODB_URI is not set: run tests through vitest (global setup starts the database)');
  const url = new URL(base);
  const safe = label.replace(/[^a-z0-9]/gi, '_').slice(0, 20);
  url.pathname = `/t_${safe}_${randomBytes(4).toString('hex')}`;
  return url.toString();
}
