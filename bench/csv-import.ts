/**
 * CSV import end to end: a generated 200,000-row LIVE sessions file (BENCH_IMPORT_ROWS) POSTed over
 * HTTP as multipart (streamed from disk), against, in the same run and database:
 * - baseline: the raw driver's insertMany of the same documents (batches of 1000, unordered) into a
 *   fresh collection of the same database with the same indexes as live_sessions
 * - papaparse parse-only rows/s of the same file
 * Also: peak RSS growth of the process during the import, and the re-import time.
 * Targets: import ≥ 0.5× the raw insert rate, RSS growth < 100 MB, re-import ≥ 2× faster than the first import.
 */
import { createReadStream, mkdtempSync, openAsBlob, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Papa from 'papaparse';
import { Types } from 'mongoose';
import { buildApp } from '../server/src/app';
import { liveSessionModel } from '../server/src/modules/live/session-model';
import { importedSessionId } from '../server/src/modules/imports/session-writer';
import { testConfigFor } from './config';
import { benchDatabase, fmt, table } from './lib';

// A collected heap before each import, so RSS growth measures the import, not earlier garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 200_000);
const CREATORS = Number(process.env.BENCH_IMPORT_CREATORS ?? 5);
const handles = Array.from({ length: CREATORS }, (_, i) => `bench_creator_${i}`);

function generateCsv(path: string): void {
  const lines = ['Username,Start time,Duration,Diamonds,Gifts,Viewers,Peak viewers,Likes'];
  for (let i = 0; i < ROWS; i++) {
    const creator = i % CREATORS;
    const start = new Date(Date.UTC(2020, 0, 1) + Math.floor(i / CREATORS) * 3 * 3600_000 + creator * 60_000).toISOString().slice(0, 16).replace('T', ' ');
    lines.push(`${handles[creator]},${start},${1800 + (i % 5400)},"${(i * 37) % 250_000}",${i % 400},${100 + (i % 9000)},${10 + (i % 900)},${i % 50_000}`);
  }
  writeFileSync(path, `${lines.join('\r\n')}\r\n`);
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - start) / 1000 };
}

const dir = mkdtempSync(join(tmpdir(), 'liveroster-bench-csv-'));
const file = join(dir, 'sessions.csv');
generateCsv(file);
const db = await benchDatabase('imports');
const app = await buildApp(testConfigFor(db.uri, { IMPORT_MAX_BYTES: String(200 * 1024 * 1024) }));
try {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const signup = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { agencyName: 'Bench', email: `bench-${Date.now()}@example.com`, password: 'bench password' } });
  const { token, agency } = signup.json();
  const creatorIds: string[] = [];
  for (const handle of handles) creatorIds.push((await app.inject({ method: 'POST', url: '/api/v1/creators', headers: { authorization: `Bearer ${token}` }, payload: { handle } })).json().id);

  // papaparse parse-only, streamed from disk.
  const parse = await timed(
    () =>
      new Promise<number>((resolve, reject) => {
        let rows = 0;
        Papa.parse(createReadStream(file) as unknown as File, { step: () => void rows++, complete: () => resolve(rows - 1), error: reject });
      }),
  );

  // Baseline: the same documents (as the importer builds them) inserted raw into the same database.
  const tenantId = new Types.ObjectId(agency.id);
  // Same indexes as live_sessions (FerretDB maintains each on insert), in a fresh collection.
  const sessions = liveSessionModel(app.db);
  await sessions.createIndexes();
  const baselineColl = sessions.db.collection('bench_baseline_sessions');
  for (const index of await sessions.collection.indexes()) {
    if (index.name !== '_id_') await baselineColl.createIndex(index.key, { unique: !!index.unique, name: index.name });
  }
  const baseline = await timed(async () => {
    let batch: Record<string, unknown>[] = [];
    let n = 0;
    const flush = async () => {
      if (batch.length) await baselineColl.insertMany(batch, { ordered: false });
      batch = [];
    };
    await new Promise<void>((resolve, reject) => {
      let header = true;
      Papa.parse(createReadStream(file) as unknown as File, {
        step: (r: { data: string[] }, parser: Papa.Parser) => {
          if (header) return void (header = false);
          if (r.data.length < 8) return;
          const creatorId = new Types.ObjectId(creatorIds[handles.indexOf(r.data[0])]);
          const startedAt = new Date(`${r.data[1].replace(' ', 'T')}:00Z`);
          const rowHash = (n++).toString(16).padStart(24, '0').padEnd(64, '0');
          const key = `import:${rowHash}`;
          batch.push({ _id: importedSessionId(rowHash), tenantId, creatorId, key, source: 'import', status: 'ended', startedAt, endedAt: startedAt, durationSeconds: Number(r.data[2]), diamonds: Number(r.data[3]), gifts: Number(r.data[4]), viewers: Number(r.data[5]), peakViewers: Number(r.data[6]), avgViewers: 0, likes: Number(r.data[7]), newFollowers: null, rowHash, importId: tenantId, importBatch: key, startTimeKnown: true, reconciliation: null, totalsApplied: true, createdAt: new Date(), updatedAt: new Date() });
          if (batch.length >= 1000) {
            parser.pause();
            flush().then(() => parser.resume(), reject);
          }
        },
        complete: () => flush().then(resolve, reject),
        error: reject,
      });
    });
    return n;
  });
  await baselineColl.drop();

  async function upload(): Promise<{ record: Record<string, number | string>; seconds: number; peakRssMb: number; peakHeapMb: number; peakBuffersMb: number }> {
    gc();
    const before = process.memoryUsage();
    let peak = before.rss;
    let peakHeap = before.heapUsed;
    let peakBuffers = before.arrayBuffers;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
    }, 25);
    const form = new FormData();
    form.append('file', await openAsBlob(file, { type: 'text/csv' }), 'sessions.csv');
    const run = await timed(async () => {
      const res = await fetch(`${base}/api/v1/imports`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
      if (res.status !== 201) throw new Error(`import answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      return res.json();
    });
    clearInterval(sampler);
    const mb = (n: number) => n / (1024 * 1024);
    return { record: run.value, seconds: run.seconds, peakRssMb: mb(peak - before.rss), peakHeapMb: mb(peakHeap - before.heapUsed), peakBuffersMb: mb(peakBuffers - before.arrayBuffers) };
  }

  const first = await upload();
  if (first.record.inserted !== ROWS) throw new Error(`first import inserted ${first.record.inserted} of ${ROWS}: ${JSON.stringify(first.record).slice(0, 400)}`);
  const again = await upload();
  if (again.record.inserted !== 0 || again.record.duplicates !== ROWS) throw new Error(`re-import: ${JSON.stringify(again.record).slice(0, 400)}`);
  const totals = await Promise.all(creatorIds.map(async (id) => (await app.inject({ method: 'GET', url: `/api/v1/creators/${id}`, headers: { authorization: `Bearer ${token}` } })).json().totals.sessions));
  if (totals.reduce((a, b) => a + b, 0) !== ROWS) throw new Error(`creator session totals ${totals.join('+')} ≠ ${ROWS}`);

  const importRate = ROWS / first.seconds;
  const baselineRate = baseline.value / baseline.seconds;
  console.log(`csv-import: ${ROWS.toLocaleString()} rows, ${CREATORS} creators, file ${(statSync(file).size / 1024 / 1024).toFixed(1)} MB`);
  table([
    { target: 'papaparse parse only', 'rows/s': fmt(parse.value / parse.seconds, 0), seconds: fmt(parse.seconds, 2) },
    { target: 'raw driver insertMany (baseline)', 'rows/s': fmt(baselineRate, 0), seconds: fmt(baseline.seconds, 2) },
    { target: 'POST /api/v1/imports (first)', 'rows/s': fmt(importRate, 0), seconds: fmt(first.seconds, 2) },
    { target: 'POST /api/v1/imports (re-import)', 'rows/s': fmt(ROWS / again.seconds, 0), seconds: fmt(again.seconds, 2) },
  ]);
  console.log(`ratio (import / raw insert): ${fmt(importRate / baselineRate, 3)}×   target ≥ 0.5×`);
  console.log(`peak RSS growth: first ${fmt(first.peakRssMb)} MB, re-import ${fmt(again.peakRssMb)} MB   target < 100 MB` +
    `   (JS heap peak growth ${fmt(first.peakHeapMb)} / ${fmt(again.peakHeapMb)} MB, buffers ${fmt(first.peakBuffersMb)} / ${fmt(again.peakBuffersMb)} MB)`);
  console.log(`re-import speed-up: ${fmt(first.seconds / again.seconds, 2)}×   target ≥ 2×`);
} finally {
  await app.close();
  await db.stop();
  rmSync(dir, { recursive: true, force: true });
}
