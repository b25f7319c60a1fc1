/**
 * Backstage "Creator data" rows: month-to-date figures per creator and period. A newer export of the
 * same period (same start, end not older) REPLACES the stored figures; an older one changes nothing.
 * These are month figures, not sessions: they never touch the creator's session totals.
 */
import type { Connection, Types } from 'mongoose';
import { backstageRowHash, type NormalisedBackstage } from '@shared/csv';
import { tenantVersionsFor } from '../auth/tenant-versions';
import type { ImportCreator } from './creator-resolver';
import { backstagePeriodModel, type BackstagePeriodDoc } from './model';
import type { ImportCounters } from './session-writer';
import { duplicateIndexes } from './session-writer';

export interface PreparedBackstage {
  line: number;
  value: NormalisedBackstage;
  creator: ImportCreator;
}

const FIGURES = ['diamonds', 'liveSeconds', 'validLiveDays', 'newFollowers', 'liveStreams', 'group', 'manager', 'creatorTikTokId', 'periodEnd', 'quit'] as const;

function sameFigures(a: Partial<BackstagePeriodDoc>, b: Partial<BackstagePeriodDoc>): boolean {
  return FIGURES.every((k) => (a[k] ?? null) === (b[k] ?? null)) && JSON.stringify(a.lastMonth ?? null) === JSON.stringify(b.lastMonth ?? null);
}

export function createBackstageWriter(conn: Connection, tenantId: Types.ObjectId, importId: Types.ObjectId, counters: ImportCounters) {
  const periods = backstagePeriodModel(conn);
  let olderSeen = 0;

  async function flush(rows: PreparedBackstage[]): Promise<void> {
    if (!rows.length) return;
    // One document per creator and period; within a file the latest period end (then the later row) wins.
    const byId = new Map<string, BackstagePeriodDoc>();
    for (const { value: v, creator } of rows) {
      const doc: BackstagePeriodDoc = {
        _id: `backstage:${backstageRowHash(String(creator.id), v)}`,
        tenantId,
        creatorId: creator.id,
        periodStart: v.periodStart,
        periodEnd: v.periodEnd,
        diamonds: v.diamonds,
        liveSeconds: v.liveSeconds,
        importId,
        updatedAt: new Date(),
      };
      for (const k of ['validLiveDays', 'newFollowers', 'liveStreams', 'lastMonth', 'group', 'manager', 'creatorTikTokId', 'quit'] as const) {
        if (v[k] !== undefined) (doc as unknown as Record<string, unknown>)[k] = v[k];
      }
      const seen = byId.get(doc._id);
      if (seen) {
        counters.duplicates++;
        if (seen.periodEnd > doc.periodEnd) continue;
      }
      byId.set(doc._id, doc);
    }
    const docs = [...byId.values()];
    let refused = new Set<number>();
    try {
      await periods.collection.insertMany(docs as never[], { ordered: false });
    } catch (err) {
      refused = duplicateIndexes(err);
    }
    counters.inserted += docs.length - refused.size;
    for (const i of refused) {
      const incoming = docs[i];
      const stored = await periods.findOne({ _id: incoming._id, tenantId }).lean<BackstagePeriodDoc>();
      if (stored && (stored.periodEnd > incoming.periodEnd || sameFigures(stored, incoming))) {
        if (stored.periodEnd > incoming.periodEnd) olderSeen++;
        counters.duplicates++;
        continue;
      }
      // Compare-and-set on the period end: a concurrent newer export is never overwritten by an older one.
      const res = await periods.replaceOne({ _id: incoming._id, tenantId, periodEnd: { $lte: incoming.periodEnd } }, incoming);
      if (res.matchedCount === 1) counters.updated++;
      else counters.duplicates++;
    }
    // Backstage figures feed the board and the roster's month (modules/month caches by roster version).
    await tenantVersionsFor(conn)?.bump([String(tenantId)], 'rosterVersion');
  }

  return {
    flush,
    /** Rows that were older exports of a period already stored with newer figures. */
    get olderSeen() {
      return olderSeen;
    },
  };
}
