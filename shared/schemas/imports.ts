/**
 * CSV imports (API.md "Imports"). `POST /api/v1/imports` is multipart and so has no JSON body
 * schema: its form fields are described by `ImportFormFields` (validated by the route) and must
 * come BEFORE the `file` part, because the file is processed while it streams in.
 */
import { Type, type Static } from 'typebox';
import { Cursor, Id, IsoDateTime, Limit, Page } from './common';

export const IMPORT_STATUSES = ['processing', 'completed', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];
export const IMPORT_FORMATS = ['sessions', 'backstage'] as const;

export const ImportRowError = Type.Object({ line: Type.Integer(), message: Type.String() });
export type ImportRowError = Static<typeof ImportRowError>;

/** Form fields of the multipart upload (text parts, before the `file` part). */
export const ImportFormFields = Type.Object(
  {
    /** The creator the rows belong to; required when the file has no username column. */
    creatorId: Type.Optional(Id),
    /** "true"/"1"/"on": rows naming a creator who is not on the roster add that creator. */
    addMissingCreators: Type.Optional(Type.Enum(['true', 'false', '1', '0', 'on', 'off'])),
    /** Date order of A/B/YYYY dates when the file cannot prove it. */
    dateOrder: Type.Optional(Type.Enum(['MDY', 'DMY'])),
    /** IANA time zone (e.g. `Europe/Berlin`) for times the file states without an offset; default the agency's zone. */
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    /** A caller-chosen reference (e.g. a UUID) to find the import with `GET /imports?clientRef=` while it uploads. */
    clientRef: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' })),
  },
  { additionalProperties: false },
);
export type ImportFormFields = Static<typeof ImportFormFields>;

export const ImportRecord = Type.Object({
  id: Id,
  status: Type.Enum(IMPORT_STATUSES),
  format: Type.Union([Type.Enum(IMPORT_FORMATS), Type.Null()]),
  fileName: Type.String(),
  /** Data rows read so far: inserted + duplicates + updated + failed (blank and totals rows are `skipped`). */
  rows: Type.Integer(),
  inserted: Type.Integer(),
  /** Rows already imported (same LIVE, or a Backstage period with the same or newer figures). */
  duplicates: Type.Integer(),
  /** Backstage rows that replaced an older export of the same creator and period. */
  updated: Type.Integer(),
  failed: Type.Integer(),
  /** Blank rows and totals rows. */
  skipped: Type.Integer(),
  /** Imported sessions matched to a LIVE the listener recorded (the import's figures became the reference). */
  reconciled: Type.Integer(),
  /** Diamonds this import added to creator totals (net of LIVEs the listener had already counted). */
  diamondsAdded: Type.Integer(),
  creatorsAdded: Type.Integer(),
  /** The first 100 row errors; all of them: `GET /imports/:id/errors.csv`. */
  errors: Type.Array(ImportRowError),
  errorCount: Type.Integer(),
  dateOrder: Type.Union([Type.Enum(['MDY', 'DMY']), Type.Null()]),
  /** What was decided without proof (date order, time zone, units). */
  assumptions: Type.Array(Type.String()),
  /** Set when status is failed: why. */
  message: Type.Union([Type.String(), Type.Null()]),
  /** Bytes of the file processed so far. */
  bytesRead: Type.Integer(),
  /** The file's exact size in bytes (the file itself, not the multipart body); null for records from before it was kept. */
  bytesTotal: Type.Union([Type.Integer(), Type.Null()]),
  /** What the file was: CSV text or an .xlsx workbook. */
  fileType: Type.Union([Type.Enum(['csv', 'xlsx']), Type.Null()]),
  /** The IANA time zone used for times without an offset (the upload's `timeZone`, else the agency's). */
  timeZone: Type.Union([Type.String(), Type.Null()]),
  /** Columns of the file that were not imported (unknown to the importer, or repeating an earlier column). */
  ignoredColumns: Type.Array(Type.String()),
  creatorId: Type.Union([Id, Type.Null()]),
  clientRef: Type.Union([Type.String(), Type.Null()]),
  createdBy: Id,
  createdAt: IsoDateTime,
  finishedAt: Type.Union([IsoDateTime, Type.Null()]),
});
export type ImportRecord = Static<typeof ImportRecord>;
export const ImportPage = Page(ImportRecord);

export const ListImportsQuery = Type.Object(
  { clientRef: Type.Optional(Type.String({ maxLength: 100 })), limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);
export type ListImportsQuery = Static<typeof ListImportsQuery>;

/** One creator's month-to-date figures from LIVE Backstage, the latest export of that period. */
export const BackstagePeriod = Type.Object({
  creatorId: Id,
  periodStart: Type.String({ format: 'date' }),
  periodEnd: Type.String({ format: 'date' }),
  diamonds: Type.Integer(),
  liveSeconds: Type.Integer(),
  validLiveDays: Type.Optional(Type.Integer()),
  newFollowers: Type.Optional(Type.Integer()),
  liveStreams: Type.Optional(Type.Integer()),
  lastMonth: Type.Optional(
    Type.Object({
      diamonds: Type.Optional(Type.Integer()),
      liveSeconds: Type.Optional(Type.Integer()),
      validLiveDays: Type.Optional(Type.Integer()),
      newFollowers: Type.Optional(Type.Integer()),
      liveStreams: Type.Optional(Type.Integer()),
    }),
  ),
  group: Type.Optional(Type.String()),
  manager: Type.Optional(Type.String()),
  importId: Id,
  updatedAt: IsoDateTime,
});
export type BackstagePeriod = Static<typeof BackstagePeriod>;
export const BackstagePeriodList = Type.Object({ items: Type.Array(BackstagePeriod) });
