import type { ImportRecord } from '../schemas/imports';

export declare const IMPORT_ACCEPT: string;

export declare class ImportUploadError extends Error {
  constructor(status: number, code: string, message: string, details?: unknown);
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;
}

export interface ImportFormOptions {
  file: File;
  creatorId?: string;
  addMissingCreators?: boolean;
  dateOrder?: 'MDY' | 'DMY' | '';
  /** IANA zone for times without an offset; empty/absent: the agency's. */
  timeZone?: string;
  clientRef?: string;
}

export interface ApiTarget {
  /** '' on the API's own page (same origin). */
  apiUrl: string;
  token: string | null;
}

export declare function newClientRef(): string;
export declare function importForm(options: ImportFormOptions): FormData;
export declare function uploadImport(
  options: ApiTarget & ImportFormOptions & { onProgress?: (fraction: number, loaded: number, total: number) => void; onUploaded?: () => void },
): Promise<ImportRecord>;
export declare function uploadErrorMessage(status: number, error: { message?: string; details?: unknown } | undefined): string;
export declare function getImport(options: ApiTarget, id: string): Promise<ImportRecord>;
export declare function followImport(options: ApiTarget & { clientRef: string; isDone: () => boolean; onRecord: (record: ImportRecord) => void; everyMs?: number }): Promise<void>;
export declare function downloadErrorsCsv(options: ApiTarget, id: string): Promise<Blob>;
export declare function saveBlob(blob: Blob, fileName: string): void;
export declare function formatBytes(bytes: number): string;
export declare function reportSummary(record: ImportRecord): string[];
export declare function timeZoneNames(): string[];
