/**
 * Test harness for the LIVE module: the real app on a test database, the sandbox LIVE in this process, and
 * listener managers with short intervals. Shared by the module's tests and the SIGKILL child script.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import type { LiveConnectionSettings } from '../../../server/src/modules/live/connector';
import { createLiveManager, type LiveManager, type LiveManagerOptions } from '../../../server/src/modules/live/manager';
import { liveSessionModel, type LiveSessionDoc } from '../../../server/src/modules/live/session-model';
import { activityModel } from '../../../server/src/modules/activities/model';
import { creatorModel, type CreatorDoc } from '../../../server/src/modules/creators/model';

/** Intervals short enough for tests; leases long enough that a slow CI box never loses one by accident. */
export function fastManagerOptions(settings: LiveConnectionSettings, overrides: Partial<LiveManagerOptions> = {}): Partial<LiveManagerOptions> {
  return {
    settings,
    checksPerMinute: 600,
    schedulerTickMs: 50,
    minRecheckMs: 200,
    backoffBaseMs: 200,
    backoffMaxMs: 2_000,
    leaseTtlMs: 10_000,
    leaseRenewMs: 1_000,
    flushIntervalMs: 100,
    sessionWriteMinIntervalMs: 100,
    publishIntervalMs: 100,
    streakTimeoutMs: 60_000,
    watchdogMs: 60_000,
    reconnectMinMs: 100,
    reconnectMaxMs: 1_000,
    trackedRefreshMs: 100,
    rollupSweepMs: 1_000,
    // A room handed over is released to the successor well within this on a loaded machine; shorter than the
    // default so a test where nobody takes it does not wait 45 s.
    handoverDrainMs: 10_000,
    ...overrides,
  };
}

export function startManager(app: FastifyInstance, settings: LiveConnectionSettings, overrides: Partial<LiveManagerOptions> = {}): LiveManager {
  const manager = createLiveManager(app, fastManagerOptions(settings, overrides));
  manager.start();
  return manager;
}

export function uniqueHandle(prefix = 'c'): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

export async function waitFor<T>(probe: () => Promise<T> | T, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function sessionsOf(app: FastifyInstance, tenantId: string, creatorId: string): Promise<LiveSessionDoc[]> {
  return liveSessionModel(app.db)
    .find({ tenantId: new Types.ObjectId(tenantId), creatorId: new Types.ObjectId(creatorId) })
    .sort({ startedAt: 1 })
    .lean<LiveSessionDoc[]>();
}

export async function creatorDoc(app: FastifyInstance, tenantId: string, creatorId: string): Promise<CreatorDoc> {
  return (await creatorModel(app.db).findOne({ _id: creatorId, tenantId: new Types.ObjectId(tenantId) }).lean<CreatorDoc>())!;
}

/** Waits until the creator has an ended session whose rollup finished (its timeline entry, the rollup's last write, exists). */
export async function endedSession(app: FastifyInstance, tenantId: string, creatorId: string, timeoutMs = 15_000): Promise<LiveSessionDoc> {
  const session = await waitFor(async () => (await sessionsOf(app, tenantId, creatorId)).find((s) => s.status === 'ended' && s.totalsApplied), 'the session to end and roll up', timeoutMs);
  await waitFor(
    () => activityModel(app.db).countDocuments({ tenantId: new Types.ObjectId(tenantId), creatorId: new Types.ObjectId(creatorId), type: 'live_session', 'data.sessionId': String(session._id) }),
    'the session summary activity',
    timeoutMs,
  );
  return session;
}
