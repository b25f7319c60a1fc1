// The one upload client for LIVE imports, used by the API's upload page (served as is, an ES module)
// and by the extension's options page (bundled by WXT). Plain JavaScript so the API can serve it
// without a build step; types in import-client.d.ts. Browser APIs only (XHR for upload progress:
// fetch reports none).

/** What the file input accepts: CSV text and .xlsx workbooks. */
export const IMPORT_ACCEPT = '.csv,.tsv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** An API refusal (or a network failure: status 0). */
export class ImportUploadError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.name = 'ImportUploadError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const base = (apiUrl) => String(apiUrl || '').replace(/\/+$/, '');

/** A reference to find the import with GET /imports?clientRef= while it uploads. */
export function newClientRef() {
  const raw = globalThis.crypto && crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}${Math.random().toString(36).slice(2)}`;
  return raw.replace(/[^A-Za-z0-9_-]/g, '');
}

/** The multipart body: the text fields, then the one file. */
export function importForm(options) {
  const form = new FormData();
  if (options.creatorId) form.append('creatorId', options.creatorId);
  if (options.addMissingCreators) form.append('addMissingCreators', 'true');
  if (options.dateOrder) form.append('dateOrder', options.dateOrder);
  if (options.timeZone) form.append('timeZone', options.timeZone);
  if (options.clientRef) form.append('clientRef', options.clientRef);
  form.append('file', options.file, options.file.name);
  return form;
}

/**
 * POST /api/v1/imports with upload progress; resolves with the import record, rejects with an
 * ImportUploadError whose message a person can act on.
 */
export function uploadImport(options) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${base(options.apiUrl)}/api/v1/imports`);
    if (options.token) xhr.setRequestHeader('authorization', `Bearer ${options.token}`);
    xhr.setRequestHeader('idempotency-key', newClientRef());
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && options.onProgress) options.onProgress(e.loaded / e.total, e.loaded, e.total);
    };
    xhr.upload.onload = () => options.onUploaded && options.onUploaded();
    xhr.onerror = () => reject(new ImportUploadError(0, 'NETWORK_ERROR', `The API at ${options.apiUrl || 'this server'} could not be reached; check the connection and upload again (nothing is imported twice).`));
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body);
      const error = (body && body.error) || {};
      reject(new ImportUploadError(xhr.status, error.code || `HTTP_${xhr.status}`, uploadErrorMessage(xhr.status, error), error.details));
    };
    xhr.send(importForm(options));
  });
}

/** The refusal in words, with the headers the server found when it names them. */
export function uploadErrorMessage(status, error) {
  const message = (error && error.message) || `Upload failed (HTTP ${status}).`;
  const headers = error && error.details && Array.isArray(error.details.headers) ? error.details.headers : [];
  return headers.length ? `${message} Headers found: ${headers.join(', ')}.` : message;
}

async function getJson(options, path) {
  const res = await fetch(`${base(options.apiUrl)}${path}`, { headers: options.token ? { authorization: `Bearer ${options.token}` } : {} });
  if (!res.ok) throw new ImportUploadError(res.status, `HTTP_${res.status}`, `HTTP ${res.status}`);
  return res.json();
}

/** The import record by id (GET /api/v1/imports/:id). */
export function getImport(options, id) {
  return getJson(options, `/api/v1/imports/${encodeURIComponent(id)}`);
}

/**
 * Follows an import by its clientRef while the upload request is still open (the POST answers when
 * processing ends), calling onRecord with each progress record. Best effort: errors are ignored.
 */
export async function followImport(options) {
  const every = options.everyMs || 700;
  let id = null;
  while (!options.isDone()) {
    await new Promise((r) => setTimeout(r, every));
    if (options.isDone()) return;
    try {
      if (!id) id = (await getJson(options, `/api/v1/imports?clientRef=${encodeURIComponent(options.clientRef)}&limit=1`)).items[0]?.id ?? null;
      if (id && !options.isDone()) options.onRecord(await getImport(options, id));
    } catch {
      // progress is best effort; the upload's own answer is what counts
    }
  }
}

/** Every row error with the rows' own cells (GET /api/v1/imports/:id/errors.csv) as a Blob. */
export async function downloadErrorsCsv(options, id) {
  const res = await fetch(`${base(options.apiUrl)}/api/v1/imports/${encodeURIComponent(id)}/errors.csv`, { headers: options.token ? { authorization: `Bearer ${options.token}` } : {} });
  if (!res.ok) throw new ImportUploadError(res.status, `HTTP_${res.status}`, `Could not download the errors (HTTP ${res.status}).`);
  return res.blob();
}

/** Saves a Blob under a file name through a temporary link. */
export function saveBlob(blob, fileName) {
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement('a'), { href: url, download: fileName });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** "1.2 MB", "340 KB", "12 bytes": the file's size as a person reads it. */
export function formatBytes(n) {
  const bytes = Number(n) || 0;
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? '' : 's'}`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** The report's summary lines (the same on the web page and in the extension). */
export function reportSummary(record) {
  const n = (v) => Number(v || 0).toLocaleString('en-US');
  const lines = [
    `${record.fileName || 'File'}${record.bytesTotal !== null && record.bytesTotal !== undefined ? ` · ${formatBytes(record.bytesTotal)}` : ''}${record.fileType ? ` · ${record.fileType === 'xlsx' ? 'Excel workbook' : 'CSV'}` : ''}`,
    `${n(record.rows)} rows: ${n(record.inserted)} inserted · ${n(record.duplicates)} duplicates · ${n(record.updated)} updated · ${n(record.failed)} failed · ${n(record.skipped)} skipped`,
    `Diamonds added: ${n(record.diamondsAdded)}`,
  ];
  if (record.timeZone) lines.push(`Times without a time zone read as ${record.timeZone}`);
  if (record.ignoredColumns && record.ignoredColumns.length) lines.push(`Columns not imported: ${record.ignoredColumns.join(', ')}`);
  return lines;
}

/** IANA time zones the browser knows, for the time zone picker. */
export function timeZoneNames() {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
}
