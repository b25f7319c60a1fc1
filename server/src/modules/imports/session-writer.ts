/**
 * Writes batches of normalised LIVE session rows: digest check (a re-uploaded batch costs one `_id`
 * lookup), ledger entry, insertMany, reconciliation with listener sessions, creator totals
 * (ledger.ts), digest. Every write is an insert or an `_id` update: FerretDB answers anything else
 * with a collection scan.
 */
import { createHash } from 'node:crypto';
import { Types, type Connection } from 'mongoose';
import { sessionRowHash, type NormalisedSession } from '@shared/csv';
import { reconciliationRecord } from '@shared/live';
import { liveSessionModel, type LiveSessionDoc } from '../live/session-model';
import type { ImportCreator } from './creator-resolver';
import type { TotalsLedger } from './ledger';
import { importDigestModel, type CreatorDelta, type LedgerReconciliation } from './model';
import type { ImportFaults } from './faults';

export interface PreparedSession {
  line: number;
  value: NormalisedSession;
  creator: ImportCreator;
}

export interface ImportCounters {
  inserted: number;
  duplicates: number;
  updated: number;
  failed: number;
  skipped: number;
  reconciled: number;
  /** What the import added to creator totals (net of listener sessions it took over). */
  diamondsAdded: number;
}

export interface WriterContext {
  conn: Connection;
  tenantId: Types.ObjectId;
  importId: Types.ObjectId;
  counters: ImportCounters;
  ledger: TotalsLedger;
  /** Listener sessions whose start is this close to an imported start are the same LIVE. */
  reconcileToleranceMs: number;
  heartbeat: () => Promise<void>;
  /** Fault injection for crash tests (faults.ts); absent in production. */
  faults?: ImportFaults;
}

/** A deterministic ObjectId for (agency, key): the first 12 bytes of SHA-256("<tenantId>|<key>"). */
export function liveSessionIdFor(tenantId: Types.ObjectId | string, key: string): Types.ObjectId {
  return new Types.ObjectId(createHash('sha256').update(`${String(tenantId)}|${key}`).digest().subarray(0, 12));
}

/**
 * The `_id` of an imported session: the first 96 bits of its row hash. The row hash is already a SHA-256
 * over the creator's id (unique across agencies), so no second hash is needed per row.
 */
export function importedSessionId(rowHash: string): Types.ObjectId {
  return new Types.ObjectId(rowHash.slice(0, 24));
}

interface ListenerRef {
  id: Types.ObjectId;
  startMs: number;
  diamonds: number;
  seconds: number;
  taken: boolean;
}

/** Indexes of the documents a duplicate key refused; other write errors are rethrown. */
export function duplicateIndexes(err: unknown): Set<number> {
  const e = err as { code?: number; writeErrors?: { index: number; code: number }[] | { index: number; code: number } };
  const list = e.writeErrors ? ([] as { index: number; code: number }[]).concat(e.writeErrors) : [];
  if (!list.length || list.some((w) => w.code !== 11000)) throw err;
  return new Set(list.map((w) => w.index));
}

export function createSessionWriter(ctx: WriterContext) {
  const sessions = liveSessionModel(ctx.conn);
  const digests = importDigestModel(ctx.conn);
  const { tenantId, counters } = ctx;
  let batchNo = 0;
  const crashPoint: NonNullable<ImportFaults['at']> = (step, batch) => ctx.faults?.at?.(step, batch);
  let listeners: Map<string, ListenerRef[]> | null = null;
  /** Per creator: sessions inserted and diamonds, for the timeline entry at the end. */
  const summary = new Map<string, { creatorId: Types.ObjectId; sessions: number; diamonds: number }>();
  /** Ledger tokens to pull from each creator at the end (ledger.ts `apply`). */
  const pulls = new Map<string, { creatorId: Types.ObjectId; tokens: string[] }>();
  const deferPull = (creatorId: Types.ObjectId, token: string) => {
    const p = pulls.get(String(creatorId)) ?? { creatorId, tokens: [] };
    p.tokens.push(token);
    pulls.set(String(creatorId), p);
  };
  async function finish(): Promise<void> {
    for (const p of pulls.values()) await ctx.ledger.pullTokens(tenantId, p.creatorId, p.tokens);
    pulls.clear();
  }

  // One scan of the agency's counted, unreconciled listener sessions, on the first batch that inserts.
  async function listenerIndex(): Promise<Map<string, ListenerRef[]>> {
    if (listeners) return listeners;
    const docs = await sessions
      .find({ tenantId, source: 'listener', status: 'ended', totalsApplied: true, reconciliation: null }, { _id: 1, creatorId: 1, startedAt: 1, diamonds: 1, durationSeconds: 1 })
      .lean<Pick<LiveSessionDoc, '_id' | 'creatorId' | 'startedAt' | 'diamonds' | 'durationSeconds'>[]>();
    listeners = new Map();
    for (const d of docs) {
      const list = listeners.get(String(d.creatorId)) ?? [];
      list.push({ id: d._id, startMs: new Date(d.startedAt).getTime(), diamonds: d.diamonds ?? 0, seconds: d.durationSeconds ?? 0, taken: false });
      listeners.set(String(d.creatorId), list);
    }
    return listeners;
  }

  function nearestListener(index: Map<string, ListenerRef[]>, creatorId: Types.ObjectId, startMs: number): ListenerRef | null {
    let best: ListenerRef | null = null;
    for (const ref of index.get(String(creatorId)) ?? []) {
      const gap = Math.abs(ref.startMs - startMs);
      if (!ref.taken && gap <= ctx.reconcileToleranceMs && (!best || gap < Math.abs(best.startMs - startMs))) best = ref;
    }
    return best;
  }

  async function flush(rows: PreparedSession[]): Promise<void> {
    if (!rows.length) return;
    const batch = ++batchNo;
    const token = `${ctx.importId}:${batch}`;
    const now = new Date();
    // Keys first: a batch already imported is recognised before any document is built (re-imports
    // then allocate little, which keeps the process's memory peak low).
    const hashes = rows.map(({ value, creator }) => sessionRowHash(String(creator.id), value));
    const digest = createHash('sha256').update(`${tenantId}|`).update(hashes.map((h) => h.slice(0, 24)).join(',')).digest('hex');
    if (await digests.exists({ _id: digest, tenantId })) {
      counters.duplicates += rows.length;
      return;
    }
    const docs = rows.map(({ value: v, creator }, i) => {
      const rowHash = hashes[i];
      const key = `import:${rowHash}`;
      const startedAt = new Date(v.startedAt);
      const doc: Record<string, unknown> & { _id: Types.ObjectId; creatorId: Types.ObjectId; diamonds: number; durationSeconds: number; startedAt: Date } = {
        _id: importedSessionId(rowHash),
        tenantId,
        creatorId: creator.id,
        key,
        source: 'import',
        status: 'ended',
        startedAt,
        endedAt: new Date(startedAt.getTime() + v.durationSeconds * 1000),
        durationSeconds: v.durationSeconds,
        diamonds: v.diamonds,
        gifts: v.gifts ?? 0,
        peakViewers: v.peakViewers ?? 0,
        avgViewers: v.avgViewers ?? 0,
        likes: v.likes ?? 0,
        newFollowers: v.newFollowers ?? null,
        rowHash,
        importId: ctx.importId,
        importBatch: token,
        startTimeKnown: v.startTimeKnown,
        reconciliation: null,
        // The ledger guarantees the roll-up (see live/session-model.ts and ledger.ts).
        totalsApplied: true,
        createdAt: now,
        updatedAt: now,
      };
      for (const k of ['gifters', 'viewers', 'comments', 'shares'] as const) if (v[k] !== undefined) doc[k] = v[k];
      return doc;
    });

    // Reconciliation intents go into the inserted documents, so a crash can't lose them.
    const index = await listenerIndex();
    const intents = new Map<number, ListenerRef>();
    docs.forEach((doc, i) => {
      if (!rows[i].value.startTimeKnown) return;
      const ref = nearestListener(index, doc.creatorId, doc.startedAt.getTime());
      if (!ref) return;
      ref.taken = true;
      intents.set(i, ref);
      doc.reconciliation = reconciliationRecord(ref.id, { diamonds: ref.diamonds, seconds: ref.seconds }, { diamonds: doc.diamonds, seconds: doc.durationSeconds });
    });

    await ctx.ledger.begin(tenantId, ctx.importId, token, docs.map((d) => d._id));
    crashPoint('after-begin', batch);
    let refused = new Set<number>();
    try {
      await sessions.collection.insertMany(docs as never[], { ordered: false });
    } catch (err) {
      refused = duplicateIndexes(err);
    }
    crashPoint('after-insert', batch);

    const byCreator = new Map<string, CreatorDelta>();
    const reconciliations: LedgerReconciliation[] = [];
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i];
      const ref = intents.get(i);
      if (refused.has(i)) {
        if (ref) ref.taken = false; // not ours: someone else's session holds that LIVE
        continue;
      }
      let diamonds = doc.diamonds;
      let seconds = doc.durationSeconds;
      let count = 1;
      if (ref) {
        if (await ctx.ledger.claimListener(tenantId, ref.id, doc, ref.diamonds, ref.seconds)) {
          diamonds -= ref.diamonds;
          seconds -= ref.seconds;
          count = 0;
          reconciliations.push({ sessionId: doc._id, listenerId: ref.id, listenerDiamonds: ref.diamonds, listenerSeconds: ref.seconds, importDiamonds: doc.diamonds, importSeconds: doc.durationSeconds });
        } else {
          await sessions.updateOne({ _id: doc._id, tenantId }, { $set: { reconciliation: null } });
        }
        if (reconciliations.length % 50 === 0) await ctx.heartbeat();
      }
      const key = String(doc.creatorId);
      const d = byCreator.get(key) ?? { creatorId: doc.creatorId, diamonds: 0, liveSeconds: 0, sessions: 0 };
      d.diamonds += diamonds;
      d.liveSeconds += seconds;
      d.sessions += count;
      byCreator.set(key, d);
      const s = summary.get(key) ?? { creatorId: doc.creatorId, sessions: 0, diamonds: 0 };
      s.sessions++;
      s.diamonds += doc.diamonds;
      summary.set(key, s);
    }
    const deltas = [...byCreator.values()];
    counters.diamondsAdded += deltas.reduce((sum, d) => sum + d.diamonds, 0);
    await ctx.ledger.record(tenantId, token, deltas, reconciliations);
    crashPoint('after-record', batch);
    await ctx.ledger.apply(tenantId, token, deltas, async () => crashPoint('after-inc', batch), deferPull);

    counters.inserted += docs.length - refused.size;
    counters.duplicates += refused.size;
    counters.reconciled += reconciliations.length;
    try {
      await digests.collection.insertOne({ _id: digest as never, tenantId, creatorIds: [...new Map(docs.map((d) => [String(d.creatorId), d.creatorId])).values()], rows: docs.length, createdAt: now });
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
    }
  }

  return { flush, finish, summary };
}
