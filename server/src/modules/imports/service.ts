/**
 * CSV import: the uploaded file streams through the shared/csv pipeline into batched inserts, with
 * the import record created as soon as the header is accepted and updated every batch (progress for
 * `GET /imports/:id` while the upload runs). Design and trade-offs: README.md in this folder.
 */
import { Types, type Connection } from 'mongoose';
import { CsvHeaderError, createCsvRowPipeline, detectFormat, errorReportCsv, toCsvLine, type DateOrder, type ImportRowResult, type NormalisedBackstage, type NormalisedSession } from '@shared/csv';
import type { PageOf } from '@shared/schemas/common';
import type { BackstagePeriod, ImportRecord, ListImportsQuery } from '@shared/schemas/imports';
import { decodeCursor, encodeCursor } from '../../lib/cursor';
import type { AuthContext } from '../../plugins/auth';
import { AppError, notFound } from '../../plugins/errors';
import { addSystemActivity } from '../activities/service';
import { findAccessibleCreator } from '../creators/access';
import { liveSessionModel } from '../live/session-model';
import { createBackstageWriter, type PreparedBackstage } from './backstage-writer';
import { createCreatorResolver, type ImportCreator } from './creator-resolver';
import { FileTooLargeError, NoHeaderLineError, NotCsvError, streamCsvRows } from './csv-stream';
import { toBackstagePeriod, toImportRecord } from './dto';
import { createTotalsLedger } from './ledger';
import { IMPORT_HEARTBEAT_MS } from './recovery';
import { backstagePeriodModel, importDigestModel, importErrorModel, importModel, type BackstagePeriodDoc, type ImportDoc } from './model';
import { createSessionWriter, type ImportCounters, type PreparedSession } from './session-writer';
import { SimulatedCrash, importTestHooks } from './test-hooks';

const SESSION_BATCH = 1000;
const BACKSTAGE_BATCH = 500;
const ERROR_BATCH = 1000;
const FIRST_ERRORS = 100;
const SEP_LINE_RE = /^sep=.?$/i;
const isBlankRow = (row: readonly string[]) => row.every((c) => !c || !c.trim());

export interface ImportUpload {
  fileName: string;
  /** The file's bytes; `truncated()` says whether the size limit cut it. */
  stream: AsyncIterable<Uint8Array>;
  truncated: () => boolean;
  bytesTotal: number | null;
}

export interface ImportOptions {
  creatorId?: string;
  addMissingCreators: boolean;
  dateOrder?: DateOrder;
  clientRef?: string;
  /** Notes added by the route (e.g. form fields that came after the file). */
  notes?: string[];
}

export interface ImportsServiceOptions {
  maxBytes: number;
  /** ± this many ms between an imported start and a listener session's start: the same LIVE. */
  reconcileToleranceMs: number;
  /** An import silent for this long is dead: its unfinished ledger entries are recovered. */
  staleAfterMs: number;
}

export const limitMessage = (maxBytes: number) =>
  `The file is larger than the ${Math.round((maxBytes / (1024 * 1024)) * 10) / 10} MB import limit: split it into smaller files (rows already imported are never imported twice).`;

type PendingRow = { line: number; format: 'sessions'; value: NormalisedSession } | { line: number; format: 'backstage'; value: NormalisedBackstage };

export function createImportsService(conn: Connection, options: ImportsServiceOptions) {
  const imports = importModel(conn);
  const importErrors = importErrorModel(conn);
  const ledger = createTotalsLedger(conn);

  async function accessibleImport(auth: AuthContext, id: string): Promise<ImportDoc> {
    if (!Types.ObjectId.isValid(id)) throw notFound('Import');
    const doc = await imports.findOne({ _id: id, tenantId: auth.tenant }).lean<ImportDoc>();
    // Managers see the imports they uploaded; admins all of the agency's.
    if (!doc || (auth.role === 'manager' && String(doc.createdBy) !== auth.userId)) throw notFound('Import');
    return doc;
  }

  async function run(auth: AuthContext, opts: ImportOptions, upload: ImportUpload): Promise<ImportRecord> {
    const tenantId = auth.tenant;
    const importId = new Types.ObjectId();
    const uploadCreator: ImportCreator | null = opts.creatorId ? await findAccessibleCreator(conn, auth, opts.creatorId).then((c) => ({ id: c._id, handle: c.handle })) : null;
    // Finish what crashed imports of this agency left half-counted before adding anything.
    await ledger.recoverStale(tenantId, importId, importTestHooks.staleAfterMs ?? options.staleAfterMs);

    const counters: ImportCounters = { inserted: 0, duplicates: 0, updated: 0, failed: 0, skipped: 0, reconciled: 0 };
    const resolver = createCreatorResolver(conn, auth, { addMissing: opts.addMissingCreators });
    const rowPipeline = createCsvRowPipeline({ dateOrder: opts.dateOrder, defaultUtcOffsetMinutes: 0 });
    const notes = [...(opts.notes ?? [])];
    let firstErrors: { line: number; message: string }[] = [];
    let pendingErrors: { line: number; message: string }[] = [];
    let errorCount = 0;
    let pending: PendingRow[] = [];
    let bytesRead = 0;
    let headerRow: string[] | null = null;
    let batches = 0;
    let record: ImportDoc | null = null;
    const heartbeat = async () => {
      if (record) await imports.updateOne({ _id: importId, tenantId }, { $set: { heartbeatAt: new Date(), bytesRead } });
    };
    const sessionWriter = createSessionWriter({ conn, tenantId, importId, counters, ledger, reconcileToleranceMs: options.reconcileToleranceMs, heartbeat });
    const backstageWriter = createBackstageWriter(conn, tenantId, importId, counters);

    const reportError = (line: number, message: string) => {
      counters.failed++;
      errorCount++;
      pendingErrors.push({ line, message });
      firstErrors.push({ line, message });
      if (firstErrors.length >= 2 * FIRST_ERRORS) firstErrors = lowestLines(firstErrors);
    };

    const progress = async (final?: Partial<ImportDoc>) => {
      if (pendingErrors.length) {
        const docs = pendingErrors.map((e) => ({ tenantId, importId, line: e.line, message: e.message }));
        pendingErrors = [];
        await importErrors.collection.insertMany(docs, { ordered: false });
      }
      const normaliser = rowPipeline.normaliser;
      await imports.updateOne(
        { _id: importId, tenantId },
        {
          $set: {
            ...counters,
            creatorsAdded: resolver.created,
            firstErrors: (firstErrors = lowestLines(firstErrors)),
            errorCount,
            bytesRead,
            heartbeatAt: new Date(),
            ...(normaliser && { dateOrder: normaliser.dateOrder, assumptions: [...normaliser.assumptions, ...notes] }),
            ...final,
          },
        },
      );
    };

    const creatorFor = (handle: string | undefined): { creator: ImportCreator } | { message: string } | 'lookup' => {
      if (!handle) {
        return uploadCreator ? { creator: uploadCreator } : { message: 'No creator: the username cell is empty; fill it in, or pick the creator when uploading.' };
      }
      if (uploadCreator && handle !== uploadCreator.handle) {
        return { message: `This row is for @${handle}, but the upload is for @${uploadCreator.handle}: upload with the creator "from the file" to import rows of several creators.` };
      }
      return uploadCreator ? { creator: uploadCreator } : 'lookup';
    };

    const flushRows = async () => {
      const rows = pending;
      pending = [];
      await resolver.prefetch(rows.flatMap((r) => (r.value.creatorHandle && creatorFor(r.value.creatorHandle) === 'lookup' ? [r.value.creatorHandle] : [])));
      const sessions: PreparedSession[] = [];
      const backstage: PreparedBackstage[] = [];
      for (const row of rows) {
        let found = creatorFor(row.value.creatorHandle);
        if (found === 'lookup') {
          const l = resolver.lookup(row.value.creatorHandle!);
          found = l.ok ? { creator: l.creator } : { message: l.message };
        }
        if ('message' in found) reportError(row.line, found.message);
        else if (row.format === 'sessions') sessions.push({ line: row.line, value: row.value, creator: found.creator });
        else backstage.push({ line: row.line, value: row.value, creator: found.creator });
      }
      await sessionWriter.flush(sessions);
      await backstageWriter.flush(backstage);
      await progress();
      if (sessions.length) await importTestHooks.afterBatch?.(++batches);
    };

    const take = async (results: ImportRowResult[]) => {
      const format = rowPipeline.normaliser?.format;
      for (const r of results) {
        if (r.ok === true) pending.push({ line: r.line, format: format!, value: r.value } as PendingRow);
        else if (r.ok === false) reportError(r.line, r.message);
        else counters.skipped++;
      }
      if (pending.length >= (format === 'backstage' ? BACKSTAGE_BATCH : SESSION_BATCH) || pendingErrors.length >= ERROR_BATCH) await flushRows();
    };

    const start = async (header: string[]) => {
      const detection = detectFormat(header);
      if (detection.format === 'sessions' && detection.needsCreatorId && !uploadCreator) {
        throw new AppError('UNPROCESSABLE', 'This file has no username column: pick the creator these LIVEs belong to and upload again.', { headers: cleanHeaders(header) });
      }
      if (detection.format === 'backstage' && uploadCreator) {
        notes.push('Backstage rows name their creators: the creator picked for the upload was not used.');
      }
      const now = new Date();
      const doc = {
        _id: importId,
        tenantId,
        createdBy: new Types.ObjectId(auth.userId),
        status: 'processing' as const,
        format: detection.format,
        fileName: upload.fileName.slice(0, 200),
        creatorId: uploadCreator?.id ?? null,
        addMissingCreators: opts.addMissingCreators,
        clientRef: opts.clientRef ?? null,
        bytesTotal: upload.bytesTotal,
        heartbeatAt: now,
      };
      record = (await imports.create(doc)).toObject() as ImportDoc;
    };

    // Alive while it runs, however slow the upload: the recovery worker finishes imports that stop beating.
    const beat = setInterval(() => void heartbeat().catch(() => undefined), IMPORT_HEARTBEAT_MS);
    try {
      await streamCsvRows(
        upload.stream,
        async (row) => {
          if (!headerRow && !isBlankRow(row) && !(SEP_LINE_RE.test(row[0].trim()) && isBlankRow(row.slice(1)))) {
            headerRow = row;
            const results = rowPipeline.push(row); // throws CsvHeaderError for headers that fit no format
            await start(row);
            return take(results);
          }
          return take(rowPipeline.push(row));
        },
        { onBytes: (n) => (bytesRead = n), truncated: upload.truncated, tooLargeMessage: limitMessage(options.maxBytes) },
      );
      await take(rowPipeline.end());
      await flushRows();
      await sessionWriter.finish();
      if (backstageWriter.olderSeen) notes.push(`${backstageWriter.olderSeen} row(s) were older exports of a period already imported with newer figures: the newer figures were kept.`);
      await progress({ status: 'completed', finishedAt: new Date() });
      for (const s of sessionWriter.summary.values()) {
        await addSystemActivity(conn, {
          tenantId,
          creatorId: s.creatorId,
          type: 'import',
          body: `Imported ${s.sessions} LIVE session${s.sessions === 1 ? '' : 's'} from ${upload.fileName || 'a CSV file'} (${s.diamonds.toLocaleString('en-US')} diamonds)`,
          data: { importId: String(importId), sessions: s.sessions, diamonds: s.diamonds },
          authorId: auth.userId,
        });
      }
    } catch (err) {
      if (err instanceof SimulatedCrash) throw err;
      await sessionWriter.finish().catch(() => {});
      const failure = toAppError(err, headerRow);
      if (record) {
        await progress({ status: 'failed', message: failure?.message ?? 'The import stopped on a server error. Upload the same file again to finish it: nothing is counted twice.', finishedAt: new Date() }).catch(() => {});
      }
      throw failure ?? err;
    } finally {
      clearInterval(beat);
    }
    return toImportRecord((await imports.findOne({ _id: importId, tenantId }).lean<ImportDoc>())!);
  }

  return {
    run,

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

    /** Every row error of an import as CSV text chunks (formulas neutralised by shared/csv). */
    async errorsCsv(auth: AuthContext, id: string): Promise<AsyncGenerator<string>> {
      const doc = await accessibleImport(auth, id);
      const cursor = importErrors.find({ tenantId: auth.tenant, importId: doc._id }).sort({ line: 1 }).lean().cursor();
      return (async function* () {
        yield errorReportCsv([]);
        let chunk = '';
        for await (const e of cursor) {
          chunk += toCsvLine([e.line, e.message]);
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

function lowestLines(errors: { line: number; message: string }[]): { line: number; message: string }[] {
  return errors.sort((a, b) => a.line - b.line).slice(0, FIRST_ERRORS);
}

function cleanHeaders(row: readonly string[] | null): string[] {
  return (row ?? []).map((h) => h.replace(/^\ufeff/, '').trim()).filter(Boolean);
}

/** The answer for failures a person can fix (413/415/422); null for server errors. */
function toAppError(err: unknown, header: string[] | null): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof FileTooLargeError) return new AppError('PAYLOAD_TOO_LARGE', err.message);
  if (err instanceof NotCsvError) return new AppError('UNSUPPORTED_MEDIA_TYPE', err.message);
  if (err instanceof NoHeaderLineError) return new AppError('UNPROCESSABLE', err.message, { headers: [] });
  if (err instanceof CsvHeaderError) {
    const d = err.problem.detection;
    return new AppError('UNPROCESSABLE', err.message, { headers: cleanHeaders(header), recognised: d.columns.map((c) => c.header), missing: d.missing });
  }
  return null;
}
