/**
 * The totals ledger: creator totals roll up exactly once per newly inserted session, with no
 * transactions and no per-session update (an update is a collection scan on FerretDB/SQLite).
 *
 * Per batch of rows (token = `<importId>:<batchNo>`):
 *   1. `begin`:  ledger entry `pending` with the candidate session ids (deterministic from the keys)
 *   2. insertMany(ordered:false) of the sessions, each carrying `importBatch: token`; a duplicate key
 *      means someone else's session: the insert itself is the claim, so two concurrent uploads of the
 *      same file each own the sessions they inserted and nobody else's
 *   3. `record`: entry `inserted` with the exact per-creator deltas of the inserted sessions
 *   4. `apply`:  per creator, the totals' owner adds the batch's delta once per token (creators/totals.ts:
 *      the $inc and the marker land in one document write, so repeating it never counts twice)
 *   5. delete the entry, then `$pull` the token from the creators
 * A crash at any point leaves an entry (or only a stray token in `pendingTotals`, harmless). The
 * `imports-recovery` worker (recovery.ts, within a minute) and the next import of the agency call `recoverStale`: entries whose import is dead (failed, or no heartbeat
 * for `staleAfterMs`) are taken over by compare-and-set on `recoveredBy` and finished: `pending`
 * entries are rebuilt from the candidates that carry their token, `inserted` ones are re-applied.
 */
import { Types, type Connection } from 'mongoose';
import { reconciliationRecord } from '@shared/live';
import { createCreatorTotals } from '../creators/totals';
import { liveSessionModel, type LiveSessionDoc } from '../live/session-model';
import { importBatchModel, importModel, type CreatorDelta, type ImportBatchDoc, type LedgerReconciliation } from './model';

export function createTotalsLedger(conn: Connection) {
  const batches = importBatchModel(conn);
  // Creator totals are changed by their owner only (creators/totals.ts), idempotent per batch token.
  const totals = createCreatorTotals(conn);
  const sessions = liveSessionModel(conn);
  const imports = importModel(conn);

  /**
   * Steps 4–5. `deferPull` collects the tokens to `$pull` later in one update per creator (the running
   * import does that at its end: a token left behind by a crash is harmless, its entry is gone).
   */
  async function apply(tenantId: Types.ObjectId, token: string, deltas: CreatorDelta[], afterInc?: () => Promise<void>, deferPull?: (creatorId: Types.ObjectId, token: string) => void): Promise<void> {
    for (const d of deltas) await totals.addOnce(tenantId, d.creatorId, token, d);
    await afterInc?.();
    await batches.deleteOne({ _id: token, tenantId });
    for (const d of deltas) {
      if (deferPull) deferPull(d.creatorId, token);
      else await totals.settle(tenantId, d.creatorId, [token]);
    }
  }

  /** The deferred `$pull`s: one update per creator. */
  async function pullTokens(tenantId: Types.ObjectId, creatorId: Types.ObjectId, tokens: string[]): Promise<void> {
    await totals.settle(tenantId, creatorId, tokens);
  }

  /** Rebuilds the deltas of a `pending` entry from the sessions that carry its token. */
  async function rebuild(entry: ImportBatchDoc): Promise<{ deltas: CreatorDelta[]; reconciliations: LedgerReconciliation[] }> {
    const tenantId = entry.tenantId;
    // One query (a collection scan on FerretDB) rather than one lookup per candidate: rare path.
    const candidates = new Set(entry.candidateIds.map(String));
    const mine = (await sessions.find({ tenantId, importBatch: entry._id }).lean<LiveSessionDoc[]>()).filter((d) => candidates.has(String(d._id)));
    const reconciliations: LedgerReconciliation[] = [];
    const byCreator = new Map<string, CreatorDelta>();
    for (const s of mine) {
      let diamonds = s.diamonds;
      let seconds = s.durationSeconds;
      let count = 1;
      const intent = s.reconciliation as { matchedSessionId?: Types.ObjectId; listenerDiamonds?: number; listenerSeconds?: number } | null | undefined;
      if (intent?.matchedSessionId) {
        const won = await claimListener(tenantId, intent.matchedSessionId, s, intent.listenerDiamonds ?? 0, intent.listenerSeconds ?? 0);
        if (won) {
          diamonds -= intent.listenerDiamonds ?? 0;
          seconds -= intent.listenerSeconds ?? 0;
          count = 0;
          reconciliations.push({ sessionId: s._id, listenerId: intent.matchedSessionId, listenerDiamonds: intent.listenerDiamonds ?? 0, listenerSeconds: intent.listenerSeconds ?? 0, importDiamonds: s.diamonds, importSeconds: s.durationSeconds });
        } else {
          await sessions.updateOne({ _id: s._id, tenantId }, { $set: { reconciliation: null } });
        }
      }
      const key = String(s.creatorId);
      const d = byCreator.get(key) ?? { creatorId: s.creatorId, diamonds: 0, liveSeconds: 0, sessions: 0 };
      d.diamonds += diamonds;
      d.liveSeconds += seconds;
      d.sessions += count;
      byCreator.set(key, d);
    }
    return { deltas: [...byCreator.values()], reconciliations };
  }

  /**
   * Marks a listener session as reconciled with this imported one (compare-and-set: free, or already
   * ours after a crash). False when another import took it first.
   */
  async function claimListener(tenantId: Types.ObjectId, listenerId: Types.ObjectId, imported: { _id: Types.ObjectId; diamonds: number; durationSeconds: number }, listenerDiamonds: number, listenerSeconds: number): Promise<boolean> {
    const res = await sessions.updateOne(
      { _id: listenerId, tenantId, source: 'listener', $or: [{ reconciliation: null }, { 'reconciliation.matchedSessionId': imported._id }] },
      {
        $set: { reconciliation: reconciliationRecord(imported._id, { diamonds: listenerDiamonds, seconds: listenerSeconds }, { diamonds: imported.diamonds, seconds: imported.durationSeconds }) },
      },
    );
    return res.matchedCount === 1;
  }

  return {
    apply,
    pullTokens,
    claimListener,

    async begin(tenantId: Types.ObjectId, importId: Types.ObjectId, token: string, candidateIds: Types.ObjectId[]): Promise<void> {
      await batches.collection.insertOne({ _id: token as never, tenantId, importId, state: 'pending', candidateIds, deltas: [], reconciliations: [], recoveredBy: null, createdAt: new Date() });
    },

    async record(tenantId: Types.ObjectId, token: string, deltas: CreatorDelta[], reconciliations: LedgerReconciliation[]): Promise<void> {
      await batches.updateOne({ _id: token, tenantId }, { $set: { state: 'inserted', deltas, reconciliations } });
    },

    /**
     * Finishes the entries of dead imports of this agency (failed, or silent for `staleAfterMs`).
     * Returns how many entries it finished.
     */
    async recoverStale(tenantId: Types.ObjectId, self: Types.ObjectId, staleAfterMs: number): Promise<number> {
      const entries = await batches.find({ tenantId }).lean<ImportBatchDoc[]>();
      let done = 0;
      const alive = new Map<string, boolean>();
      const isAlive = async (importId: Types.ObjectId | null): Promise<boolean> => {
        if (!importId) return false;
        const key = String(importId);
        if (!alive.has(key)) {
          const owner = await imports.findOne({ _id: importId, tenantId }, { status: 1, heartbeatAt: 1 }).lean();
          alive.set(key, !!owner && owner.status === 'processing' && Date.now() - new Date(owner.heartbeatAt).getTime() < staleAfterMs);
        }
        return alive.get(key)!;
      };
      for (const entry of entries) {
        if (String(entry.importId) === String(self) || (await isAlive(entry.importId))) continue;
        if (entry.recoveredBy && (String(entry.recoveredBy) === String(self) || (await isAlive(entry.recoveredBy)))) continue;
        const claimed = await batches.updateOne({ _id: entry._id, tenantId, recoveredBy: entry.recoveredBy ?? null }, { $set: { recoveredBy: self } });
        if (claimed.matchedCount !== 1) continue;
        let { deltas } = entry;
        if (entry.state === 'pending') {
          const rebuilt = await rebuild(entry);
          deltas = rebuilt.deltas;
          await this.record(tenantId, entry._id, deltas, rebuilt.reconciliations);
        }
        await apply(tenantId, entry._id, deltas);
        await imports.updateOne(
          { _id: entry.importId, tenantId, status: 'processing' },
          { $set: { status: 'failed', message: 'The import was interrupted; a later upload of the agency finished rolling its sessions into the creator totals. Upload the same file again to import the rows it had not reached.', finishedAt: new Date() } },
        );
        done++;
      }
      return done;
    },
  };
}
export type TotalsLedger = ReturnType<typeof createTotalsLedger>;
