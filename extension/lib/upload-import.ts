import { ApiError } from './api-error';
import type { ImportRecord } from './api-types';

/**
 * `POST /api/v1/imports` (multipart) with upload progress. XHR rather than fetch: fetch reports no
 * upload progress. Runs in the options page (a File cannot travel through extension messaging).
 */
export function uploadImport(options: {
  apiUrl: string;
  token: string;
  file: File;
  creatorId?: string;
  addMissingCreators?: boolean;
  onProgress?: (fraction: number) => void;
}): Promise<ImportRecord> {
  const body = new FormData();
  if (options.creatorId) body.append('creatorId', options.creatorId);
  if (options.addMissingCreators) body.append('addMissingCreators', 'true');
  // Fields before the file: a streaming multipart parser sees them before the rows.
  body.append('file', options.file, options.file.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${options.apiUrl.replace(/\/+$/, '')}/api/v1/imports`);
    xhr.setRequestHeader('authorization', `Bearer ${options.token}`);
    xhr.setRequestHeader('idempotency-key', crypto.randomUUID());
    xhr.upload.onprogress = (e) => e.lengthComputable && options.onProgress?.(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK_ERROR', `Cannot reach the API at ${options.apiUrl}`));
    xhr.onload = () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(xhr.responseText);
      } catch {
        parsed = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(parsed as ImportRecord);
      const error = (parsed as { error?: { code: string; message: string; details?: unknown } } | undefined)?.error;
      reject(new ApiError(xhr.status, error?.code ?? `HTTP_${xhr.status}`, error?.message ?? xhr.statusText, error?.details));
    };
    xhr.send(body);
  });
}
