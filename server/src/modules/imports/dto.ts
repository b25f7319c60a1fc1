import type { BackstagePeriod, ImportRecord } from '@shared/schemas/imports';
import type { BackstagePeriodDoc, ImportDoc } from './model';

/** The API shape of an import record. */
export function toImportRecord(doc: ImportDoc): ImportRecord {
  return {
    id: String(doc._id),
    status: doc.status,
    format: doc.format ?? null,
    fileName: doc.fileName ?? '',
    rows: doc.inserted + doc.duplicates + doc.updated + doc.failed,
    inserted: doc.inserted,
    duplicates: doc.duplicates,
    updated: doc.updated,
    failed: doc.failed,
    skipped: doc.skipped,
    reconciled: doc.reconciled,
    diamondsAdded: doc.diamondsAdded ?? 0,
    creatorsAdded: doc.creatorsAdded,
    errors: (doc.firstErrors ?? []).map((e) => ({ line: e.line, message: e.message })),
    errorCount: doc.errorCount,
    dateOrder: doc.dateOrder ?? null,
    assumptions: doc.assumptions ?? [],
    message: doc.message ?? null,
    bytesRead: doc.bytesRead ?? 0,
    bytesTotal: doc.bytesTotal ?? null,
    fileType: doc.fileType ?? null,
    timeZone: doc.timeZone ?? null,
    ignoredColumns: doc.ignoredColumns ?? [],
    creatorId: doc.creatorId ? String(doc.creatorId) : null,
    clientRef: doc.clientRef ?? null,
    createdBy: String(doc.createdBy),
    createdAt: new Date(doc.createdAt).toISOString(),
    finishedAt: doc.finishedAt ? new Date(doc.finishedAt).toISOString() : null,
  };
}

export function toBackstagePeriod(doc: BackstagePeriodDoc): BackstagePeriod {
  const out: BackstagePeriod = {
    creatorId: String(doc.creatorId),
    periodStart: doc.periodStart,
    periodEnd: doc.periodEnd,
    diamonds: doc.diamonds ?? 0,
    liveSeconds: doc.liveSeconds ?? 0,
    importId: String(doc.importId),
    updatedAt: new Date(doc.updatedAt).toISOString(),
  };
  for (const k of ['validLiveDays', 'newFollowers', 'liveStreams', 'group', 'manager'] as const) {
    if (doc[k] !== undefined && doc[k] !== null) (out as Record<string, unknown>)[k] = doc[k];
  }
  if (doc.lastMonth) out.lastMonth = doc.lastMonth;
  return out;
}
