/**
 * Opaque list cursors: base64url JSON of the last item's sort key. Invalid
 * cursors are a 400 `INVALID_CURSOR` with the field named, never a 500 or an
 * empty page: a crafted cursor that decodes (`{"id":"zz"}`) is checked key by
 * key before it reaches a query, where a bad ObjectId or date would throw.
 */
import { AppError } from '../plugins/errors';

export function encodeCursor(value: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** What a cursor key must hold. By default `id` is an ObjectId, `s`/`t` numbers (epoch ms), anything else a short string or a number. */
export type CursorKeyRule = 'objectId' | 'string' | 'number' | 'scalar';

const OBJECT_ID = /^[a-f0-9]{24}$/i;
const MAX_CURSOR_LENGTH = 1024;

function defaultRule(key: string): CursorKeyRule {
  if (key === 'id') return 'objectId';
  if (key === 's' || key === 't') return 'number';
  return 'scalar';
}

function fits(value: unknown, rule: CursorKeyRule): boolean {
  if (rule === 'objectId') return typeof value === 'string' && OBJECT_ID.test(value);
  if (rule === 'string') return typeof value === 'string' && value.length <= 512 && !value.includes('\u0000');
  if (rule === 'scalar') return fits(value, 'string') || fits(value, 'number');
  // Numbers in cursors are epoch milliseconds or sequence numbers: finite and within Date's range.
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 8.64e15;
}

export function invalidCursor(): AppError {
  return new AppError('INVALID_CURSOR', undefined, [{ field: 'cursor', in: 'querystring', message: 'is not a cursor this API issued' }]);
}

export function decodeCursor<T extends Record<string, string | number>>(
  cursor: string,
  keys: (keyof T & string)[],
  rules: Partial<Record<keyof T & string, CursorKeyRule>> = {},
): T {
  if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+={0,2}$/.test(cursor)) throw invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidCursor();
  const record = parsed as Record<string, unknown>;
  for (const key of keys) if (!fits(record[key], rules[key] ?? defaultRule(key))) throw invalidCursor();
  return record as T;
}

/** Escapes a user string for use inside a RegExp (prefix search). */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
