/**
 * Imports: the upload runs through pipeline.ts (header → rows → flush → finish); this file holds the
 * reads (records, the error CSV, Backstage figures) and the creator-deletion hook. Design and
 * trade-offs: README.md in this folder.
 */
import { Types, type Connection } from 'mongoose';
import { toCsvLine } from '@shared/csv';
import type { PageOf } from '@shared/schemas/common';
import type { BackstagePeriod, ImportRecord, ListImportsQuery } from '@shared/schemas/imports';
import { decodeCursor, encodeCursor } from '../../lib/cursor';
import type { AuthContext } from '../../plugins/auth';
import { notFound } from '../../plugins/errors';
import { findAccessibleCreator } from '../creators/access';
import { liveSessionModel } from '../live/session-model';
import { toBackstagePeriod, toImportRecord } from './dto';
import type { ImportFaults } from './faults';
import { createTotalsLedger } from './ledger';
import { backstagePeriodModel, importDigestModel, importErrorModel, importModel, type BackstagePeriodDoc, type ImportDoc } from './model';
import { runImport, type ImportOptions } from './pipeline';
import type { SpooledFile } from './upload';

export interface ImportsServiceOptions {
  maxBytes: number;
  /** ± this many ms between an imported start and a listener session's start: the same LIVE. */
  reconcileToleranceMs: number;
  /** An import silent for this long is dead: its unfinished ledger entries are recovered. */
  staleAfterMs: number;
  /** Crash-test fault injection (faults.ts); production passes none. */
  faults?: ImportFaults;
}

export function createImportsService(conn: Connection, options: ImportsServiceOptions) {
  const imports = importModel(conn);
  const importErrors = importErrorModel(conn);
  const ledger = createTotalsLedger(conn);
  const deps = { conn, ledger, reconcileToleranceMs: options.reconcileToleranceMs, staleAfterMs: options.staleAfterMs, faults: options.faults };

  async function accessibleImport(auth: AuthContext, id: string): Promise<ImportDoc> {
    if (!Types.ObjectId.isValid(id)) throw notFound('Import');
    const doc = await imports.findOne({ _id: id, tenantId: auth.tenant }).lean<ImportDoc>();
    // Managers see the imports they uploaded; admins all of the agency's.
    if (!doc || (auth.role === 'manager' && String(doc.createdBy) !== auth.userId)) throw notFound('Import');
    return doc;
  }

  return {
    /** Imports a spooled upload to its end (pipeline.ts). */
    run: (auth: AuthContext, opts: ImportOptions, file: SpooledFile): Promise<ImportRecord> => runImport(deps, auth, opts, file),

    get: async (auth: AuthContext, id: string) => toImportRecord(await accessibleImport(auth, id)),

    async list(auth: AuthContext, query: ListImportsQuery): Promise<PageOf<ImportRecord>> {
      const limit = query.limit ?? 20;
      const filter: Record<string, unknown> = { tenantId: auth.tenant };
      if (auth.role === 'manager') filter.createdBy = new Types.ObjectId(auth.userId);
      if (query.clientRef) filter.clientRef = query.clientRef;
      if (query.cursor) filter._id = { $lt: new Types.ObjectId(decodeCursor<{ id: string }>(query.cursor, ['id']).id) };
      const docs = await imports.find(filter).sort({ _id: -1 }).limit(limit + 1).lean<ImportDoc[]>();
      const page = docs.slice(0, limit);
      return { items: page.map(toImportRecord), nextCursor: docs.length > limit ? encodeCursor({ id: String(page[page.length - 1]._id) }) : null };
    },

    /**
     * Every row error of an import as CSV text chunks: Line, Problem, then the row's own cells under the
     * file's headers, so a person can fix those rows and upload this file again (Line and Problem are
     * columns the importer ignores). Text cells are neutralised against formulas by shared/csv.
     */
    async errorsCsv(auth: AuthContext, id: string): Promise<AsyncGenerator<string>> {
      const doc = await accessibleImport(auth, id);
      const headers = doc.headers ?? [];
      const cursor = importErrors.find({ tenantId: auth.tenant, importId: doc._id }).sort({ line: 1 }).lean().cursor();
      return (async function* () {
        yield `\ufeff${toCsvLine(['Line', 'Problem', ...headers])}`;
        let chunk = '';
        for await (const e of cursor) {
          chunk += toCsvLine([e.line, e.message, ...(e.cells ?? []).map(originalCell)]);
          if (chunk.length > 64 * 1024) {
            yield chunk;
            chunk = '';
          }
        }
        if (chunk) yield chunk;
      })();
    },

    async backstage(auth: AuthContext, creatorId: string): Promise<BackstagePeriod[]> {
      const creator = await findAccessibleCreator(conn, auth, creatorId);
      const docs = await backstagePeriodModel(conn).find({ tenantId: auth.tenant, creatorId: creator._id }).sort({ periodStart: -1 }).lean<BackstagePeriodDoc[]>();
      return docs.map(toBackstagePeriod);
    },

    /** Creator deletion: imported sessions, Backstage periods and the digests that would skip re-importing them. */
    async removeForCreator(tenantId: Types.ObjectId, creatorId: Types.ObjectId): Promise<void> {
      await importDigestModel(conn).deleteMany({ tenantId, creatorIds: creatorId });
      await liveSessionModel(conn).deleteMany({ tenantId, creatorId, source: 'import' });
      await backstagePeriodModel(conn).deleteMany({ tenantId, creatorId });
    },
  };
}
export type ImportsService = ReturnType<typeof createImportsService>;

/** A cell as the file held it: plain numbers stay numbers (a "-5" is no formula), text is neutralised by toCsvLine. */
function originalCell(cell: string): string | number {
  return /^-?\d{1,15}(?:\.\d+)?$/.test(cell) && String(Number(cell)) === cell ? Number(cell) : cell;
}
