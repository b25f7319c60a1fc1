/**
 * `npm run audit:totals`: recomputes every creator's totals (all agencies) from its sessions and prints the
 * creators whose stored totals differ. 0 differences is the healthy answer (exit code 0; 1 otherwise).
 * Database: MONGODB_URI, else the embedded database of a server running over DATA_DIR, else the embedded
 * database started here over DATA_DIR (with no server running).
 */
import { join } from 'node:path';
import { loadConfig } from '../server/src/config';
import { connectDatabase } from '../server/src/db/connection';
import { runningEmbeddedDbUri, startEmbeddedDb, type EmbeddedDb } from '../server/embedded-db/index';
import { createCreatorTotals } from '../server/src/modules/creators/totals';

async function main(): Promise<number> {
  const config = loadConfig();
  let embedded: EmbeddedDb | null = null;
  let uri = config.mongodbUri;
  if (!uri) {
    const dir = join(config.dataDir, 'db');
    const running = runningEmbeddedDbUri(dir);
    if (running) uri = `${running}liveroster`;
    else {
      embedded = await startEmbeddedDb({ dataDir: dir });
      uri = `${embedded.uri}liveroster`;
    }
  }
  const conn = await connectDatabase(uri);
  try {
    const result = await createCreatorTotals(conn).audit(null);
    console.log(`audit:totals — ${result.creators} creators, ${result.sessions} sessions, ${result.differences.length} difference(s)`);
    for (const d of result.differences) {
      const f = (t: { diamonds: number; liveSeconds: number; sessions: number }) => `${t.diamonds} diamonds, ${t.liveSeconds} s, ${t.sessions} sessions`;
      console.log(`  agency ${d.tenantId} @${d.handle} (${d.creatorId}): stored ${f(d.stored)}; from sessions ${f(d.fromSessions)}`);
    }
    return result.differences.length === 0 ? 0 : 1;
  } finally {
    await conn.close();
    await embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
