import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { ErrorBody, IdParams, StandardErrors } from '@shared/schemas/common';
import { BackstagePeriodList, ImportPage, ImportRecord, ListImportsQuery } from '@shared/schemas/imports';
import type { DateOrder } from '@shared/csv';
import { AppError } from '../../plugins/errors';
import { registerImportRecovery } from './recovery';
import { createImportsService, limitMessage } from './service';

const security = [{ bearerAuth: [] }];
const tags = ['imports'];
/** Room for the form fields and multipart boundaries on top of the file itself. */
const MULTIPART_OVERHEAD = 64 * 1024;
const ImportErrors = { ...StandardErrors, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody };

export interface ImportsRoutesOptions {
  /**
   * Minutes between an imported LIVE's start and a listener session's start that still make them the
   * same LIVE. Default 10: the listener notices a LIVE only at its next check (a few per minute per
   * agency, with backoff) and joins a little after TikTok's own start time, which the export states to
   * the minute; one creator's separate LIVEs are practically never 10 minutes apart.
   */
  reconcileToleranceMinutes?: number;
}

const FIELD_RULES: Record<string, (v: string) => string | null> = {
  creatorId: (v) => (/^[a-f0-9]{24}$/.test(v) ? null : 'must be a creator id (24 hex characters)'),
  addMissingCreators: (v) => (['true', 'false', '1', '0', 'on', 'off', ''].includes(v) ? null : 'must be true or false'),
  dateOrder: (v) => (v === '' || v === 'MDY' || v === 'DMY' ? null : 'must be MDY or DMY'),
  clientRef: (v) => (/^[A-Za-z0-9_-]{1,100}$/.test(v) ? null : 'must be 1–100 letters, digits, "_" or "-"'),
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
  });
  app.creatorLifecycle.onDelete((tenantId, creatorId) => service.removeForCreator(tenantId, creatorId));
  registerImportRecovery(app);

  app.post('/imports', {
    config: { idempotent: true },
    schema: {
      tags,
      security,
      summary: 'Import a CSV of LIVE sessions or Backstage creator data',
      description:
        'multipart/form-data. Text fields BEFORE the file part (the file is processed while it streams in): `creatorId` (required when rows name no creator), ' +
        '`addMissingCreators` (true: rows naming a creator not on the roster add them), `dateOrder` (MDY|DMY, for dates the file cannot prove), `clientRef` ' +
        '(find the import with GET /imports?clientRef= while it runs). Then `file`. Answers when the file is processed; 413 over the size limit, 415 for ' +
        'what is not CSV, 422 for an empty file or unrecognised headers (details.headers lists what was found).',
      consumes: ['multipart/form-data'],
      response: { 201: ImportRecord, ...ImportErrors },
    },
    handler: async (request, reply) => {
      if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the CSV as multipart/form-data, in a form field named "file".');
      const length = Number(request.headers['content-length']);
      if (Number.isFinite(length) && length > maxBytes + MULTIPART_OVERHEAD) throw new AppError('PAYLOAD_TOO_LARGE', limitMessage(maxBytes), { limitBytes: maxBytes });
      const fields: Record<string, string> = {};
      let result: Awaited<ReturnType<typeof service.run>> | null = null;
      for await (const part of request.parts()) {
        if (part.type === 'field') {
          if (result) continue; // after the file: too late to apply (documented: fields come first)
          const rule = FIELD_RULES[part.fieldname];
          if (!rule) throw new AppError('VALIDATION_FAILED', `Unknown form field "${part.fieldname}".`, [{ field: part.fieldname, in: 'body', message: 'is not an allowed field' }]);
          const value = String(part.value ?? '').trim();
          const problem = rule(value);
          if (problem) throw new AppError('VALIDATION_FAILED', `${part.fieldname} ${problem}.`, [{ field: part.fieldname, in: 'body', message: problem }]);
          fields[part.fieldname] = value;
          continue;
        }
        if (result) {
          part.file.resume();
          continue;
        }
        const file = part.file;
        try {
          result = await service.run(
            request.auth,
            {
              creatorId: fields.creatorId || undefined,
              addMissingCreators: ['true', '1', 'on'].includes(fields.addMissingCreators ?? ''),
              dateOrder: (fields.dateOrder || undefined) as DateOrder | undefined,
              clientRef: fields.clientRef || undefined,
            },
            { fileName: part.filename ?? '', stream: file, truncated: () => file.truncated, bytesTotal: Number.isFinite(length) ? length : null },
          );
        } catch (err) {
          file.resume(); // let the rest of the upload drain so the client reads our answer
          if (err instanceof AppError && err.code === 'PAYLOAD_TOO_LARGE') throw new AppError('PAYLOAD_TOO_LARGE', err.message, { limitBytes: maxBytes });
          throw err;
        }
      }
      if (!result) throw new AppError('VALIDATION_FAILED', 'No file: send the CSV in a form field named "file", after the other fields.', [{ field: 'file', in: 'body', message: 'is required' }]);
      return reply.code(201).send(result);
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
      summary: 'Every row error of an import as CSV (Line, Problem; spreadsheet formulas neutralised)',
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
