/**
 * Completes crashed imports without waiting for the agency's next upload (the `imports-recovery` worker, safe
 * on several instances): every `IMPORT_RECOVERY_EVERY_MS` it finishes the totals-ledger entries of imports that
 * stopped beating for `IMPORT_STALE_AFTER_MS` (ledger.ts `recoverStale`: compare-and-set on `recoveredBy`, so
 * two instances never finish the same entry twice, and the creator totals are idempotent per batch token
 * anyway), and marks such imports failed. A running import beats every `IMPORT_HEARTBEAT_MS` (service.ts).
 * Within a minute of a crash: stale after 45 s, checked every 10 s.
 */
import type { FastifyInstance } from 'fastify';
import { Types, type Connection } from 'mongoose';
import { createTotalsLedger } from './ledger';
import { importBatchModel, importModel } from './model';
import { exclusiveWorker } from '../../coordination/index';

export const IMPORT_HEARTBEAT_MS = 10_000;
export const IMPORT_STALE_AFTER_MS = 45_000;
export const IMPORT_RECOVERY_EVERY_MS = 10_000;

const INTERRUPTED = 'The import was interrupted (the server stopped); the rows it had counted are complete. Upload the same file again to import the rows it had not reached: nothing is counted twice.';

export async function recoverCrashedImports(conn: Connection, staleAfterMs = IMPORT_STALE_AFTER_MS): Promise<number> {
  const ledger = createTotalsLedger(conn);
  // Cross-tenant on purpose: one sweep serves every agency. Both collections are small (entries live only
  // while a batch is being counted; processing imports are the few running now).
  const entries = await importBatchModel(conn).find({}, { tenantId: 1 }).setOptions({ allTenants: true }).lean();
  const tenants = new Map(entries.map((e) => [String(e.tenantId), e.tenantId as Types.ObjectId]));
  const self = new Types.ObjectId();
  let done = 0;
  for (const tenantId of tenants.values()) done += await ledger.recoverStale(tenantId, self, staleAfterMs);
  // Imports that died between batches (no ledger entry left) still say `processing`: they are over.
  const imports = importModel(conn);
  const stale = await imports
    .find({ status: 'processing', heartbeatAt: { $lt: new Date(Date.now() - staleAfterMs) } }, { _id: 1, tenantId: 1 })
    .setOptions({ allTenants: true })
    .lean();
  for (const s of stale) {
    await imports.updateOne({ _id: s._id, tenantId: s.tenantId, status: 'processing', heartbeatAt: { $lt: new Date(Date.now() - staleAfterMs) } }, { $set: { status: 'failed', message: INTERRUPTED, finishedAt: new Date() } });
  }
  return done;
}

export function registerImportRecovery(app: FastifyInstance, everyMs = IMPORT_RECOVERY_EVERY_MS, staleAfterMs = IMPORT_STALE_AFTER_MS): void {
  // One instance runs it (elected through the coordination; another takes over when it dies).
  app.workers.register('imports-recovery', exclusiveWorker(app, 'imports-recovery', () => {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      recoverCrashedImports(app.db, staleAfterMs)
        .catch((err) => app.log.error({ err }, 'imports: recovering crashed imports failed'))
        .finally(() => (busy = false));
    }, everyMs);
    return { stop: () => clearInterval(timer) };
  }));
}
