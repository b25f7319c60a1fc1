/**
 * Opaque list cursors: base64url JSON of the last item's sort key. Invalid
 * cursors are a 400 with the field named, never a 500 or an empty page.
 */
import { AppError } from '../plugins/errors';

export function encodeCursor(value: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T extends Record<string, string | number>>(cursor: string, keys: (keyof T)[]): T {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (parsed && typeof parsed === 'object' && keys.every((k) => typeof parsed[k] === 'string' || typeof parsed[k] === 'number')) return parsed as T;
  } catch {
    // fall through to the error below
  }
  throw new AppError('VALIDATION_FAILED', 'The cursor is not valid; start again from the first page.', [{ field: 'cursor', in: 'querystring', message: 'is not a cursor this API issued' }]);
}

/** Escapes a user string for use inside a RegExp (prefix search). */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
