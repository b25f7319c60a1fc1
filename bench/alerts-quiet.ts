/**
 * The creator.went_quiet round (issue 12): 200 tracked creators with 20 ended sessions each (4,000 sessions),
 * nobody live (BENCH_CREATORS / BENCH_SESSIONS change it). Baseline, measured in the same run: the previous job's reads — the tracked
 * creators, then each creator's latest session (one query per creator; on FerretDB/SQLite each scans the
 * sessions). Measured: the job as it is (`createQuietCheck().run()`): its first round (raises every alert, builds
 * the month rollups from one sessions query) and a later round (nothing moved: rollup chunks by `_id`).
 */
import { Types } from 'mongoose';
import { buildApp } from '../server/src/app';
import { createQuietCheck } from '../server/src/modules/alerts/quiet';
import { creatorModel } from '../server/src/modules/creators/model';
import { liveSessionModel } from '../server/src/modules/live/session-model';
import { testConfigFor } from './config';
import { benchDatabase, fmt, table } from './lib';

const CREATORS = Number(process.env.BENCH_CREATORS ?? 200);
const SESSIONS_EACH = Number(process.env.BENCH_SESSIONS ?? 20);
const DAY = 86_400_000;

const db = await benchDatabase('alerts_quiet');
const app = await buildApp(testConfigFor(db.uri));
try {
  await app.ready();
  const signup = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { agencyName: 'Bench', email: `bench-${Date.now()}@example.com`, password: 'bench password' } });
  const tenantId = new Types.ObjectId(signup.json().agency.id);
  const now = Date.now();
  const creatorIds = Array.from({ length: CREATORS }, () => new Types.ObjectId());
  await creatorModel(app.db).collection.insertMany(
    creatorIds.map((_id, i) => ({
      _id, tenantId, handle: `quiet_${String(i).padStart(5, '0')}`, displayName: `Creator ${i}`, displayNameLower: `creator ${i}`, tags: [], managerId: null,
      live: { tracking: true, isLive: false, sessionId: null }, totals: { diamonds: SESSIONS_EACH * 100, liveSeconds: SESSIONS_EACH * 3600, sessions: SESSIONS_EACH }, tiktok: { status: 'not_connected' },
      createdAt: new Date(now - 90 * DAY), updatedAt: new Date(),
    })),
  );
  const sessions = liveSessionModel(app.db).collection;
  let batch: Record<string, unknown>[] = [];
  for (let c = 0; c < CREATORS; c++) {
    for (let s = 0; s < SESSIONS_EACH; s++) {
      // Every creator's last LIVE ended 4–10 days ago: each is quiet past the default 3 days.
      const endedAt = new Date(now - (4 + (c % 7)) * DAY - s * DAY);
      batch.push({
        tenantId, creatorId: creatorIds[c], key: `import:q-${c}-${s}`, source: 'import', status: 'ended', startedAt: new Date(endedAt.getTime() - 3600_000), endedAt,
        durationSeconds: 3600, diamonds: 100, gifts: 1, peakViewers: 10, avgViewers: 5, likes: 0, newFollowers: 0, totalsApplied: true, reconciliation: null, createdAt: new Date(), updatedAt: new Date(),
      });
      if (batch.length === 5000) {
        await sessions.insertMany(batch);
        batch = [];
      }
    }
  }
  if (batch.length) await sessions.insertMany(batch);
  console.log(`alerts-quiet: ${CREATORS} tracked creators × ${SESSIONS_EACH} ended sessions = ${CREATORS * SESSIONS_EACH} sessions`);

  // ---- baseline: the previous job's reads (one latest-session query per creator) ----
  let started = performance.now();
  const tracked = await creatorModel(app.db).find({ 'live.tracking': true, 'live.isLive': { $ne: true } }, { _id: 1, tenantId: 1 }).setOptions({ allTenants: true }).lean();
  let found = 0;
  for (const c of tracked) {
    const last = await liveSessionModel(app.db).find({ tenantId: c.tenantId, creatorId: c._id }, { startedAt: 1, endedAt: 1, status: 1 }).sort({ startedAt: -1 }).limit(1).lean();
    if (last[0]) found++;
  }
  const baseline = performance.now() - started;
  if (found !== CREATORS) throw new Error(`baseline: found ${found} last sessions of ${CREATORS}`);

  // ---- the job as it is ----
  const quiet = createQuietCheck(app.db, app.alerts.service, { now: () => now });
  started = performance.now();
  const raised = await quiet.run();
  const first = performance.now() - started;
  if (raised !== CREATORS) throw new Error(`first round: raised ${raised}, expected ${CREATORS}`);
  // The next round (same process): nothing moved, nothing new.
  const other = createQuietCheck(app.db, app.alerts.service, { now: () => now });
  started = performance.now();
  const again = await other.run();
  const later = performance.now() - started;
  if (again !== 0) throw new Error(`later round raised ${again}`);

  table([
    { round: 'baseline: previous reads (one latest-session query per creator), no alerts raised', ms: fmt(baseline), 'ratio to baseline': 1 },
    { round: `first round (raises ${raised} alerts, builds the rollups)`, ms: fmt(first), 'ratio to baseline': fmt(first / baseline, 3) },
    { round: 'later round (nothing moved)', ms: fmt(later), 'ratio to baseline': fmt(later / baseline, 3) },
  ]);
} finally {
  await app.close();
  await db.stop();
}
