/** Shared benchmark plumbing: a throwaway embedded database and result formatting. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedDb } from '../server/embedded-db/index';

export async function benchDatabase(label: string): Promise<{ uri: string; stop: () => Promise<void> }> {
  if (process.env.MONGODB_URI) return { uri: process.env.MONGODB_URI.replace(/\/?$/, `/bench_${label}_${Date.now()}`), stop: async () => {} };
  const dir = mkdtempSync(join(tmpdir(), `liveroster-bench-${label}-`));
  const db = await startEmbeddedDb({ dataDir: dir, postgresqlUrl: process.env.BENCH_FERRETDB_POSTGRESQL_URL });
  return {
    uri: `${db.uri}bench_${label}`,
    stop: async () => {
      await db.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function table(rows: Record<string, string | number>[]): void {
  console.table(rows);
}

export const fmt = (n: number, digits = 1) => Number(n.toFixed(digits));
