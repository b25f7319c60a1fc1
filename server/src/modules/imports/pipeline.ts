/**
 * One import, as a pipeline of visible stages over a spooled file (CSV or .xlsx):
 *
 *   read     file bytes → rows of text cells (csv-stream.ts / xlsx-stream.ts)
 *   header   the first real row: format detected ONCE (shared/csv row pipeline), the import record created
 *   rows     each data row normalised (shared/csv); bad rows reported with every problem and their cells
 *   flush    every batch: creators resolved, sessions/periods written (session-writer.ts, backstage-writer.ts),
 *            progress saved on the record
 *   finish   the last batch, the report (notes, figures), the timeline entries
 *
 * Failures are `ImportError`s (errors.ts, mapped to HTTP in one place); `ProcessDeath` from injected
 * faults (faults.ts) passes through untouched, as if the process had died.
 */
import { IMPORT_HEARTBEAT_MS } from './recovery';
import { Types, type Connection } from 'mongoose';
import { columnsNotStored, CsvHeaderError, createCsvRowPipeline, type CsvFormat, type DateOrder, type ImportRowResult, type NormalisedBackstage, type NormalisedSession } from '@shared/csv';
import type { ImportRecord } from '@shared/schemas/imports';
import type { AuthContext } from '../../plugins/auth';
import { addSystemActivity } from '../activities/service';
import { findAccessibleCreator } from '../creators/access';
import { createBackstageWriter, type PreparedBackstage } from './backstage-writer';
import { createCreatorResolver, type CreatorResolver, type ImportCreator } from './creator-resolver';
import { streamCsvRows } from './csv-stream';
import { toImportRecord } from './dto';
import { cleanHeaders, fromHeaderError, ImportError } from './errors';
import { ProcessDeath, type ImportFaults } from './faults';
import type { TotalsLedger } from './ledger';
import { importErrorModel, importModel, type ImportDoc } from './model';
import { createSessionWriter, type ImportCounters, type PreparedSession } from './session-writer';
import type { SpooledFile } from './upload';
import { streamXlsxRows } from './xlsx-stream';

const SESSION_BATCH = 1000;
const BACKSTAGE_BATCH = 500;
const ERROR_BATCH = 1000;
const FIRST_ERRORS = 100;
/** A bad row's cells kept for the error report: enough for any export, bounded for a hostile file. */
const MAX_ERROR_CELLS = 100;
const MAX_CELL_CHARS = 1000;

export interface ImportPipelineDeps {
  conn: Connection;
  ledger: TotalsLedger;
  /** ± this many ms between an imported start and a listener session's start: the same LIVE. */
  reconcileToleranceMs: number;
  /** An import silent for this long is dead: its unfinished ledger entries are recovered. */
  staleAfterMs: number;
  /** Crash-test fault injection; absent in production. */
  faults?: ImportFaults;
}

export interface ImportOptions {
  creatorId?: string;
  addMissingCreators: boolean;
  dateOrder?: DateOrder;
  /** IANA zone for times that state no offset. */
  timeZone: string;
  /** Whether the uploader picked the zone or it is the agency's (named so in the report). */
  timeZoneSource: 'upload' | 'agency';
  clientRef?: string;
}

type PendingRow =
  | { line: number; cells: readonly string[]; format: 'sessions'; value: NormalisedSession }
  | { line: number; cells: readonly string[]; format: 'backstage'; value: NormalisedBackstage };
type RowError = { line: number; message: string; cells?: string[] };
/** A bad row that names a creator: its roster problem (if any) joins its list at the next flush. */
type FailedRow = { line: number; message: string; cells?: readonly string[]; creatorHandle: string };

/** Runs one import of `file` to its end and answers the finished record. */
export async function runImport(deps: ImportPipelineDeps, auth: AuthContext, opts: ImportOptions, file: SpooledFile): Promise<ImportRecord> {
  const uploadCreator: ImportCreator | null = opts.creatorId ? await findAccessibleCreator(deps.conn, auth, opts.creatorId).then((c) => ({ id: c._id, handle: c.handle })) : null;
  const run = new ImportRun(deps, auth, opts, file, uploadCreator);
  // Finish what crashed imports of this agency left half-counted before adding anything.
  await deps.ledger.recoverStale(auth.tenant, run.importId, deps.faults?.staleAfterMs ?? deps.staleAfterMs);
  return run.execute();
}

class ImportRun {
  readonly importId = new Types.ObjectId();
  private readonly tenantId: Types.ObjectId;
  private readonly imports;
  private readonly importErrors;
  private readonly rows;
  private readonly resolver: CreatorResolver;
  private readonly sessionWriter;
  private readonly backstageWriter;
  private readonly counters: ImportCounters = { inserted: 0, duplicates: 0, updated: 0, failed: 0, skipped: 0, reconciled: 0, diamondsAdded: 0 };
  private readonly notes: string[] = [];
  private format: CsvFormat | null = null;
  private recordCreated = false;
  private pending: PendingRow[] = [];
  private failedWithHandle: FailedRow[] = [];
  private pendingErrors: RowError[] = [];
  private firstErrors: RowError[] = [];
  private errorCount = 0;
  private bytesRead = 0;
  private readonly heartbeat: () => Promise<void>;
  private batches = 0;

  constructor(
    private readonly deps: ImportPipelineDeps,
    private readonly auth: AuthContext,
    private readonly opts: ImportOptions,
    private readonly file: SpooledFile,
    private readonly uploadCreator: ImportCreator | null,
  ) {
    const { conn } = deps;
    this.tenantId = auth.tenant;
    this.imports = importModel(conn);
    this.importErrors = importErrorModel(conn);
    this.rows = createCsvRowPipeline({
      dateOrder: opts.dateOrder,
      timeZone: opts.timeZone,
      timeZoneLabel: opts.timeZoneSource === 'agency' ? `${opts.timeZone} (the agency's time zone; pick the export's zone when uploading if it differs)` : `${opts.timeZone} (chosen at upload)`,
    });
    this.resolver = createCreatorResolver(conn, auth, { addMissing: opts.addMissingCreators });
    const heartbeat = async () => {
      if (this.recordCreated) await this.imports.updateOne({ _id: this.importId, tenantId: this.tenantId }, { $set: { heartbeatAt: new Date(), bytesRead: this.bytesRead } });
    };
    this.heartbeat = heartbeat;
    this.sessionWriter = createSessionWriter({ conn, tenantId: this.tenantId, importId: this.importId, counters: this.counters, ledger: deps.ledger, reconcileToleranceMs: deps.reconcileToleranceMs, heartbeat, faults: deps.faults });
    this.backstageWriter = createBackstageWriter(conn, this.tenantId, this.importId, this.counters);
  }

  async execute(): Promise<ImportRecord> {
    // Alive while it runs, however slow: the imports-recovery worker finishes imports that stop beating.
    const beat = setInterval(() => void this.heartbeat().catch(() => undefined), IMPORT_HEARTBEAT_MS);
    try {
      await this.read();
      await this.take(this.rows.end());
      await this.flush();
      await this.finish();
    } catch (err) {
      if (err instanceof ProcessDeath) throw err;
      throw await this.fail(err);
    } finally {
      clearInterval(beat);
    }
    return toImportRecord((await this.imports.findOne({ _id: this.importId, tenantId: this.tenantId }).lean<ImportDoc>())!);
  }

  /** Stage read: file → rows, each handed to the header stage (first) or the rows stage. */
  private async read(): Promise<void> {
    const source = this.countedBytes(this.file.open());
    const onRow = async (row: string[]) => {
      let results: ImportRowResult[];
      try {
        results = this.rows.push(row);
      } catch (err) {
        throw err instanceof CsvHeaderError ? fromHeaderError(err, row) : err;
      }
      if (!this.recordCreated && this.rows.header) await this.header();
      return this.take(results);
    };
    if (this.file.kind === 'xlsx') {
      const { otherSheets } = await streamXlsxRows(source, onRow);
      if (otherSheets.length) this.notes.push(`Only the workbook's first sheet was imported; ${otherSheets.map((s) => `"${s}"`).join(', ')} also held rows and ${otherSheets.length === 1 ? 'was' : 'were'} not read.`);
    } else {
      await streamCsvRows(source, onRow);
    }
  }

  /** Stage header: the format (detected once, by the row pipeline), refusals that depend on it, the record. */
  private async header(): Promise<void> {
    const { row, detection } = this.rows.header!;
    if (detection.format === 'sessions' && detection.needsCreatorId && !this.uploadCreator) {
      throw new ImportError('CREATOR_REQUIRED', 'This file has no username column: pick the creator these LIVEs belong to and upload again.', { headers: cleanHeaders(row) });
    }
    this.format = detection.format;
    if (detection.format === 'backstage' && this.uploadCreator) this.notes.push('Backstage rows name their creators: the creator picked for the upload was not used.');
    const ignoredColumns = columnsNotStored(detection);
    if (ignoredColumns.length) this.notes.push(`Columns not imported: ${ignoredColumns.map((c) => `"${c}"`).join(', ')} (not figures LiveRoster keeps for this kind of export, or repeats of an earlier column).`);
    await this.imports.create({
      _id: this.importId,
      tenantId: this.tenantId,
      createdBy: new Types.ObjectId(this.auth.userId),
      status: 'processing' as const,
      format: detection.format,
      fileName: this.file.name.slice(0, 200),
      fileType: this.file.kind,
      creatorId: this.uploadCreator?.id ?? null,
      addMissingCreators: this.opts.addMissingCreators,
      clientRef: this.opts.clientRef ?? null,
      bytesTotal: this.file.bytes,
      bytesRead: this.bytesRead,
      headers: cleanHeaders(row).slice(0, MAX_ERROR_CELLS),
      ignoredColumns,
      timeZone: this.opts.timeZone,
      heartbeatAt: new Date(),
    });
    this.recordCreated = true;
  }

  /** Stage rows: good rows wait for the next flush, bad rows are reported with every problem and their cells. */
  private async take(results: ImportRowResult[]): Promise<void> {
    for (const r of results) {
      if (r.ok === true) this.pending.push({ line: r.line, cells: r.cells ?? EMPTY, format: this.format!, value: r.value } as PendingRow);
      else if (r.ok === false && r.creatorHandle) this.failedWithHandle.push({ line: r.line, message: r.message, cells: r.cells, creatorHandle: r.creatorHandle });
      else if (r.ok === false) this.reportError(r.line, r.message, r.cells);
      else this.counters.skipped++;
    }
    const batch = this.format === 'backstage' ? BACKSTAGE_BATCH : SESSION_BATCH;
    if (this.pending.length >= batch || this.pendingErrors.length + this.failedWithHandle.length >= ERROR_BATCH) await this.flush();
  }

  private reportError(line: number, message: string, cells?: readonly string[]): void {
    const e: RowError = { line, message };
    if (cells) e.cells = cells.slice(0, MAX_ERROR_CELLS).map((c) => (c.length > MAX_CELL_CHARS ? c.slice(0, MAX_CELL_CHARS) : c));
    this.counters.failed++;
    this.errorCount++;
    this.pendingErrors.push(e);
    this.firstErrors.push({ line, message });
    if (this.firstErrors.length >= 2 * FIRST_ERRORS) this.firstErrors = lowestLines(this.firstErrors);
  }

  /** Stage flush: creators resolved for the waiting rows, rows written, progress saved. */
  private async flush(): Promise<void> {
    const rows = this.pending;
    this.pending = [];
    const failed = this.failedWithHandle;
    this.failedWithHandle = [];
    const lookups = rows.flatMap((r) => (r.value.creatorHandle && this.creatorFor(r.value.creatorHandle) === 'lookup' ? [r.value.creatorHandle] : []));
    // Bad rows are only looked up, never add a creator: with addMissingCreators their creator is no problem.
    if (!this.opts.addMissingCreators) for (const f of failed) if (this.creatorFor(f.creatorHandle) === 'lookup') lookups.push(f.creatorHandle);
    await this.resolver.prefetch(lookups);
    for (const f of failed) {
      let found = this.creatorFor(f.creatorHandle);
      if (found === 'lookup' && !this.opts.addMissingCreators) {
        const l = this.resolver.lookup(f.creatorHandle);
        found = l.ok ? { creator: l.creator } : { message: l.message };
      }
      this.reportError(f.line, typeof found === 'object' && 'message' in found ? `${f.message}; ${found.message}` : f.message, f.cells);
    }
    const sessions: PreparedSession[] = [];
    const backstage: PreparedBackstage[] = [];
    for (const row of rows) {
      let found = this.creatorFor(row.value.creatorHandle);
      if (found === 'lookup') {
        const l = this.resolver.lookup(row.value.creatorHandle!);
        found = l.ok ? { creator: l.creator } : { message: l.message };
      }
      if ('message' in found) this.reportError(row.line, found.message, row.cells);
      else if (row.format === 'sessions') sessions.push({ line: row.line, value: row.value, creator: found.creator });
      else backstage.push({ line: row.line, value: row.value, creator: found.creator });
    }
    await this.sessionWriter.flush(sessions);
    await this.backstageWriter.flush(backstage);
    await this.progress();
    if (sessions.length) await this.deps.faults?.afterBatch?.(++this.batches);
  }

  private creatorFor(handle: string | undefined): { creator: ImportCreator } | { message: string } | 'lookup' {
    const upload = this.uploadCreator;
    if (!handle) return upload ? { creator: upload } : { message: 'No creator: the username cell is empty; fill it in, or pick the creator when uploading.' };
    if (upload && handle !== upload.handle) {
      return { message: `This row is for @${handle}, but the upload is for @${upload.handle}: upload with the creator "from the file" to import rows of several creators.` };
    }
    return upload ? { creator: upload } : 'lookup';
  }

  /** Stage finish: ledger tokens released, notes and final figures on the record, timeline entries. */
  private async finish(): Promise<void> {
    await this.sessionWriter.finish();
    if (this.backstageWriter.olderSeen) this.notes.push(`${this.backstageWriter.olderSeen} row(s) were older exports of a period already imported with newer figures: the newer figures were kept.`);
    await this.progress({ status: 'completed', finishedAt: new Date() });
    const fileName = this.file.name || (this.file.kind === 'xlsx' ? 'an .xlsx file' : 'a CSV file');
    for (const s of this.sessionWriter.summary.values()) {
      await addSystemActivity(this.deps.conn, {
        tenantId: this.tenantId,
        creatorId: s.creatorId,
        type: 'import',
        body: `Imported ${s.sessions} LIVE session${s.sessions === 1 ? '' : 's'} from ${fileName} (${s.diamonds.toLocaleString('en-US')} diamonds)`,
        data: { importId: String(this.importId), sessions: s.sessions, diamonds: s.diamonds },
        authorId: this.auth.userId,
      });
    }
  }

  /** A failed run: the record says why (for a person) and the error goes back to the route. */
  private async fail(err: unknown): Promise<unknown> {
    await this.sessionWriter.finish().catch(() => {});
    if (this.recordCreated) {
      const message = err instanceof ImportError ? err.message : 'The import stopped on a server error. Upload the same file again to finish it: nothing is counted twice.';
      await this.progress({ status: 'failed', message, finishedAt: new Date() }).catch(() => {});
    }
    return err;
  }

  private async progress(final?: Partial<ImportDoc>): Promise<void> {
    if (this.pendingErrors.length) {
      const docs = this.pendingErrors.map((e) => ({ tenantId: this.tenantId, importId: this.importId, line: e.line, message: e.message, ...(e.cells && { cells: e.cells }) }));
      this.pendingErrors = [];
      await this.importErrors.collection.insertMany(docs, { ordered: false });
    }
    const normaliser = this.rows.normaliser;
    this.firstErrors = lowestLines(this.firstErrors);
    await this.imports.updateOne(
      { _id: this.importId, tenantId: this.tenantId },
      {
        $set: {
          ...this.counters,
          creatorsAdded: this.resolver.created,
          firstErrors: this.firstErrors,
          errorCount: this.errorCount,
          bytesRead: this.bytesRead,
          heartbeatAt: new Date(),
          ...(normaliser && { dateOrder: normaliser.dateOrder, assumptions: [...normaliser.assumptions, ...this.notes] }),
          ...final,
        },
      },
    );
  }

  private async *countedBytes(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      this.bytesRead += chunk.length;
      yield chunk;
    }
  }
}

const EMPTY: readonly string[] = [];

function lowestLines(errors: RowError[]): RowError[] {
  return errors.sort((a, b) => a.line - b.line).slice(0, FIRST_ERRORS);
}
