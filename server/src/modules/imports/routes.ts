import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { ErrorBody, IdParams, StandardErrors } from '@shared/schemas/common';
import { BackstagePeriodList, ImportPage, ImportRecord, ListImportsQuery } from '@shared/schemas/imports';
import { isValidTimeZone, type DateOrder } from '@shared/csv';
import { AppError } from '../../plugins/errors';
import { ImportError, toHttpError } from './errors';
import type { ImportFaults } from './faults';
import { createImportsService } from './service';
import { agencyTimeZone } from './time-zone';
import { limitMessage, MULTIPART_OVERHEAD, readUpload, releaseRequest, type SpooledFile } from './upload';
import { registerImportRecovery } from './recovery';

const security = [{ bearerAuth: [] }];
const tags = ['imports'];
const ImportErrors = { ...StandardErrors, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody };

export interface ImportsRoutesOptions {
  /**
   * Minutes between an imported LIVE's start and a listener session's start that still make them the
   * same LIVE. Default 10: the listener notices a LIVE only at its next check (a few per minute per
   * agency, with backoff) and joins a little after TikTok's own start time, which the export states to
   * the minute; one creator's separate LIVEs are practically never 10 minutes apart.
   */
  reconcileToleranceMinutes?: number;
  /** Crash-test fault injection for the import write path (faults.ts); production passes none. */
  faults?: ImportFaults;
}

const FIELD_RULES: Record<string, (v: string) => string | null> = {
  creatorId: (v) => (/^[a-f0-9]{24}$/.test(v) ? null : 'must be a creator id (24 hex characters)'),
  addMissingCreators: (v) => (['true', 'false', '1', '0', 'on', 'off', ''].includes(v) ? null : 'must be true or false'),
  dateOrder: (v) => (v === '' || v === 'MDY' || v === 'DMY' ? null : 'must be MDY or DMY'),
  clientRef: (v) => (/^[A-Za-z0-9_-]{1,100}$/.test(v) ? null : 'must be 1–100 letters, digits, "_" or "-"'),
  timeZone: (v) => (v === '' || isValidTimeZone(v) ? null : 'must be an IANA time zone name such as "Europe/Berlin" or "UTC"'),
};

/** CSV imports and the Backstage figures they store. */
export const importsRoutes: FastifyPluginAsyncTypebox<ImportsRoutesOptions> = async (app, opts) => {
  const maxBytes = app.config.importMaxBytes;
  // Registered here only: multipart bodies are accepted by this module's routes and nowhere else.
  await app.register(multipart, { limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 1024, parts: 12 }, throwFileSizeLimit: false });
  const service = createImportsService(app.db, {
    maxBytes,
    reconcileToleranceMs: (opts.reconcileToleranceMinutes ?? 10) * 60_000,
    staleAfterMs: 10 * 60_000,
    faults: opts.faults,
  });
  app.creatorLifecycle.onDelete((tenantId, creatorId) => service.removeForCreator(tenantId, creatorId));
  registerImportRecovery(app);

  app.post('/imports', {
    config: { idempotent: true },
    schema: {
      tags,
      security,
      summary: 'Import a CSV or .xlsx of LIVE sessions or Backstage creator data',
      description:
        'multipart/form-data: ONE `file` (CSV, or an .xlsx workbook: its first sheet) and text fields: `creatorId` (required when rows name no creator), ' +
        '`addMissingCreators` (true: rows naming a creator not on the roster add them), `dateOrder` (MDY|DMY, for dates the file cannot prove), `timeZone` ' +
        "(IANA name, for times without an offset; default the agency's zone), `clientRef` (find the import with GET /imports?clientRef= while it runs). " +
        'The upload is read to its end before anything is imported: 413 over the size limit or for a second file, 400 for an unknown field, with nothing imported. ' +
        'Answers when the file is processed; 415 for what is neither CSV nor .xlsx, 422 for an empty file or unrecognised headers (details.headers lists what was found).',
      consumes: ['multipart/form-data'],
      response: { 201: ImportRecord, ...ImportErrors },
    },
    handler: async (request, reply) => {
      let file: SpooledFile | null = null;
      try {
        if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data, in a form field named "file".');
        const length = Number(request.headers['content-length']);
        if (Number.isFinite(length) && length > maxBytes + MULTIPART_OVERHEAD) throw new ImportError('FILE_TOO_LARGE', limitMessage(maxBytes), { limitBytes: maxBytes });
        // The whole upload is read (and refused if need be) before anything is imported.
        const upload = await readUpload(request, { maxBytes, fieldRules: FIELD_RULES });
        file = upload.file;
        const { fields } = upload;
        const timeZone = fields.timeZone || (await agencyTimeZone(app.db, request.auth.tenant));
        const record = await service.run(
          request.auth,
          {
            creatorId: fields.creatorId || undefined,
            addMissingCreators: ['true', '1', 'on'].includes(fields.addMissingCreators ?? ''),
            dateOrder: (fields.dateOrder || undefined) as DateOrder | undefined,
            timeZone,
            timeZoneSource: fields.timeZone ? 'upload' : 'agency',
            clientRef: fields.clientRef || undefined,
          },
          file,
        );
        return reply.code(201).send(record);
      } catch (err) {
        // A refusal may come before the body is read: leave the connection usable for the next request.
        releaseRequest(request, reply, maxBytes + MULTIPART_OVERHEAD);
        throw toHttpError(err) ?? err;
      } finally {
        await file?.dispose();
      }
    },
  });

  app.get('/imports', {
    schema: { tags, security, summary: 'List imports (newest first)', querystring: ListImportsQuery, response: { 200: ImportPage, ...StandardErrors } },
    handler: async (request) => service.list(request.auth, request.query),
  });

  app.get('/imports/:id', {
    schema: { tags, security, summary: 'An import: progress while it runs, then its report', params: IdParams, response: { 200: ImportRecord, ...StandardErrors } },
    handler: async (request) => service.get(request.auth, request.params.id),
  });

  app.get('/imports/:id/errors.csv', {
    schema: {
      tags,
      security,
      summary: "Every row error of an import as CSV: Line, Problem, then the row's own cells under the file's headers (spreadsheet formulas neutralised)",
      params: IdParams,
      produces: ['text/csv'],
      response: { 200: Type.String({ description: 'text/csv' }), ...StandardErrors },
    },
    handler: async (request, reply) => {
      const chunks = await service.errorsCsv(request.auth, request.params.id);
      reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="import-${request.params.id}-errors.csv"`);
      return reply.send(Readable.from(chunks) as never);
    },
  });

  app.get('/creators/:id/backstage', {
    schema: { tags, security, summary: "A creator's Backstage month-to-date figures, latest export per period", params: IdParams, response: { 200: BackstagePeriodList, ...StandardErrors } },
    handler: async (request) => ({ items: await service.backstage(request.auth, request.params.id) }),
  });
};
