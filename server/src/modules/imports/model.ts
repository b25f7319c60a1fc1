/**
 * Collections of the CSV import (see README.md for why each exists):
 * - imports:          one record per upload, updated every batch (progress, counts, first errors)
 * - import_errors:    every row error of every import (the record keeps only the first 100)
 * - import_batches:   the totals ledger: one document per batch whose creator roll-up is not finished
 * - import_digests:   "every session of this batch of keys exists": lets a re-upload skip whole batches
 * - backstage_periods: the latest Backstage month-to-date figures per creator and period
 */
import { Schema, type Connection, type Types } from 'mongoose';
import type { ImportStatus } from '@shared/schemas/imports';
import { modelOn } from '../../db/connection';
import { tenantScopePlugin } from '../../db/tenant-scope';

export interface ImportDoc {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  createdBy: Types.ObjectId;
  status: ImportStatus;
  format: 'sessions' | 'backstage' | null;
  fileName: string;
  creatorId: Types.ObjectId | null;
  addMissingCreators: boolean;
  clientRef: string | null;
  inserted: number;
  duplicates: number;
  updated: number;
  failed: number;
  skipped: number;
  reconciled: number;
  /** Net diamonds the import added to creator totals. */
  diamondsAdded: number;
  creatorsAdded: number;
  /** 'csv' or 'xlsx' (what the bytes were, not what the name said). */
  fileType: 'csv' | 'xlsx' | null;
  /** The header row as written (the error CSV repeats it beside each bad row's cells). */
  headers: string[];
  /** Headers the importer did not import (unknown, or repeating an earlier column). */
  ignoredColumns: string[];
  /** IANA zone used for times that state no offset. */
  timeZone: string | null;
  /** The first 100 row errors (all of them are in import_errors). */
  firstErrors: { line: number; message: string }[];
  errorCount: number;
  dateOrder: 'MDY' | 'DMY' | null;
  assumptions: string[];
  message: string | null;
  bytesRead: number;
  bytesTotal: number | null;
  /** Written with every batch: an import whose heartbeat is old is dead, and its ledger may be recovered. */
  heartbeatAt: Date;
  finishedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const importSchema = new Schema<ImportDoc>(
  {
    createdBy: { type: Schema.Types.ObjectId, required: true },
    status: { type: String, enum: ['processing', 'completed', 'failed'], required: true },
    format: { type: String, default: null },
    fileName: { type: String, default: '' },
    creatorId: { type: Schema.Types.ObjectId, default: null },
    addMissingCreators: { type: Boolean, default: false },
    clientRef: { type: String, default: null },
    inserted: { type: Number, default: 0 },
    duplicates: { type: Number, default: 0 },
    updated: { type: Number, default: 0 },
    failed: { type: Number, default: 0 },
    skipped: { type: Number, default: 0 },
    reconciled: { type: Number, default: 0 },
    diamondsAdded: { type: Number, default: 0 },
    creatorsAdded: { type: Number, default: 0 },
    fileType: { type: String, default: null },
    headers: { type: [String], default: [] },
    ignoredColumns: { type: [String], default: [] },
    timeZone: { type: String, default: null },
    firstErrors: { type: [{ line: Number, message: String, _id: false }], default: [] },
    errorCount: { type: Number, default: 0 },
    dateOrder: { type: String, default: null },
    assumptions: { type: [String], default: [] },
    message: { type: String, default: null },
    bytesRead: { type: Number, default: 0 },
    bytesTotal: { type: Number, default: null },
    heartbeatAt: { type: Date, required: true },
    finishedAt: { type: Date, default: null },
  },
  { timestamps: true, collection: 'imports' },
);
importSchema.plugin(tenantScopePlugin);
importSchema.index({ tenantId: 1, _id: -1 });
importSchema.index({ tenantId: 1, clientRef: 1 });
export const importModel = (conn: Connection) => modelOn(conn, 'Import', importSchema);

export interface ImportErrorDoc {
  tenantId: Types.ObjectId;
  importId: Types.ObjectId;
  line: number;
  message: string;
  /** The row's cells as read, for the error CSV. */
  cells?: string[];
}
const importErrorSchema = new Schema<ImportErrorDoc>(
  { importId: { type: Schema.Types.ObjectId, required: true }, line: { type: Number, required: true }, message: { type: String, required: true }, cells: { type: [String], default: undefined } },
  { collection: 'import_errors', versionKey: false },
);
importErrorSchema.plugin(tenantScopePlugin);
importErrorSchema.index({ tenantId: 1, importId: 1, line: 1 });
export const importErrorModel = (conn: Connection) => modelOn(conn, 'ImportError', importErrorSchema);

/** What one batch adds to one creator's running totals. */
export interface CreatorDelta {
  creatorId: Types.ObjectId;
  diamonds: number;
  liveSeconds: number;
  sessions: number;
}

/** One imported session that took over a listener session's place in the totals. */
export interface LedgerReconciliation {
  sessionId: Types.ObjectId;
  listenerId: Types.ObjectId;
  listenerDiamonds: number;
  listenerSeconds: number;
  importDiamonds: number;
  importSeconds: number;
}

/**
 * Ledger entry of one batch (ledger.ts). `pending`: written before the sessions are inserted, lists the
 * candidate ids; `inserted`: the sessions this batch actually inserted and the exact creator deltas.
 * Deleted once the creators hold the deltas.
 */
export interface ImportBatchDoc {
  _id: string;
  tenantId: Types.ObjectId;
  importId: Types.ObjectId;
  state: 'pending' | 'inserted';
  candidateIds: Types.ObjectId[];
  deltas: CreatorDelta[];
  reconciliations: LedgerReconciliation[];
  /** The import that took over this entry after its owner died (compare-and-set). */
  recoveredBy: Types.ObjectId | null;
  createdAt: Date;
}
const importBatchSchema = new Schema<ImportBatchDoc>(
  {
    _id: { type: String, required: true },
    importId: { type: Schema.Types.ObjectId, required: true },
    state: { type: String, enum: ['pending', 'inserted'], required: true },
    candidateIds: { type: [Schema.Types.ObjectId], default: [] },
    deltas: { type: [{ creatorId: Schema.Types.ObjectId, diamonds: Number, liveSeconds: Number, sessions: Number, _id: false }], default: [] },
    reconciliations: {
      type: [{ sessionId: Schema.Types.ObjectId, listenerId: Schema.Types.ObjectId, listenerDiamonds: Number, listenerSeconds: Number, importDiamonds: Number, importSeconds: Number, _id: false }],
      default: [],
    },
    recoveredBy: { type: Schema.Types.ObjectId, default: null },
    createdAt: { type: Date, required: true },
  },
  { collection: 'import_batches', versionKey: false },
);
importBatchSchema.plugin(tenantScopePlugin);
importBatchSchema.index({ tenantId: 1, importId: 1 });
export const importBatchModel = (conn: Connection) => modelOn(conn, 'ImportBatch', importBatchSchema);

/**
 * `_id` = SHA-256 of the agency and the ordered keys of one batch: written once every session of the
 * batch exists, so the same batch in a later upload is known to be all duplicates with one `_id` lookup.
 */
export interface ImportDigestDoc {
  _id: string;
  tenantId: Types.ObjectId;
  creatorIds: Types.ObjectId[];
  rows: number;
  createdAt: Date;
}
const importDigestSchema = new Schema<ImportDigestDoc>(
  { _id: { type: String, required: true }, creatorIds: { type: [Schema.Types.ObjectId], default: [] }, rows: Number, createdAt: Date },
  { collection: 'import_digests', versionKey: false },
);
importDigestSchema.plugin(tenantScopePlugin);
importDigestSchema.index({ tenantId: 1, creatorIds: 1 });
export const importDigestModel = (conn: Connection) => modelOn(conn, 'ImportDigest', importDigestSchema);

export interface BackstageFiguresDoc {
  diamonds?: number;
  liveSeconds?: number;
  validLiveDays?: number;
  newFollowers?: number;
  liveStreams?: number;
}
/** `_id` = `backstage:<backstageRowHash>`; replaced whole by a newer export of the same period. */
export interface BackstagePeriodDoc {
  _id: string;
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
  periodStart: string;
  periodEnd: string;
  diamonds: number;
  liveSeconds: number;
  validLiveDays?: number;
  newFollowers?: number;
  liveStreams?: number;
  lastMonth?: BackstageFiguresDoc;
  group?: string;
  manager?: string;
  creatorTikTokId?: string;
  /** The export said "The creator has quit the network" (shared/month marks them, never projects them). */
  quit?: boolean;
  importId: Types.ObjectId;
  updatedAt: Date;
}
const backstagePeriodSchema = new Schema<BackstagePeriodDoc>(
  {
    _id: { type: String, required: true },
    creatorId: { type: Schema.Types.ObjectId, required: true },
    periodStart: { type: String, required: true },
    periodEnd: { type: String, required: true },
    diamonds: Number,
    liveSeconds: Number,
    validLiveDays: Number,
    newFollowers: Number,
    liveStreams: Number,
    lastMonth: { type: Schema.Types.Mixed, default: undefined },
    group: String,
    manager: String,
    creatorTikTokId: String,
    quit: Boolean,
    importId: Schema.Types.ObjectId,
    updatedAt: Date,
  },
  { collection: 'backstage_periods', versionKey: false },
);
backstagePeriodSchema.plugin(tenantScopePlugin);
backstagePeriodSchema.index({ tenantId: 1, creatorId: 1, periodStart: -1 });
export const backstagePeriodModel = (conn: Connection) => modelOn(conn, 'BackstagePeriod', backstagePeriodSchema);
