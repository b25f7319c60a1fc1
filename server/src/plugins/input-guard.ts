/**
 * Checks every body and query before validation:
 * - operator-looking keys (`$gt`, `$where`) and dotted keys are refused anywhere, so no user input can become a
 *   MongoDB operator or a path into another field (schemas forbid unknown fields; this also covers free-form
 *   objects and gives a precise message);
 * - NUL characters in any string or key are refused (no field of ours holds one; FerretDB/SQLite fails on some);
 * - bodies with more keys than any of our requests needs are refused before the schema validator sees them:
 *   validating 95,000 unknown keys with every error collected costs about a second of CPU, during which the
 *   event loop (and /healthz) waits.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, clip } from './errors';

/** Properties in one object, and in a whole body, beyond any request this API takes. */
export const MAX_KEYS_PER_OBJECT = 500;
export const MAX_KEYS_PER_BODY = 5_000;

/**
 * Counts object members in raw JSON text (a `:` outside strings) and stops at `limit`: a plain character loop,
 * milliseconds for a megabyte, where building the object of 95,000 keys costs hundreds.
 */
export function jsonKeyCountExceeds(text: string, limit: number): boolean {
  // Fast path: fewer colons than the limit anywhere means fewer keys.
  let colons = 0;
  for (let at = text.indexOf(':'); at !== -1 && colons <= limit; at = text.indexOf(':', at + 1)) colons++;
  if (colons <= limit) return false;
  let keys = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 58 /* : */ && ++keys > limit) return true;
  }
  return false;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's schema names dotted keys exactly (e.g. alert kinds): only the "$" rule applies to its input. */
    allowDottedKeys?: boolean;
  }
}

type Finding = { field: string; problem: 'operator' | 'nul' | 'too_many_keys' };

function inspect(value: unknown, path: string, budget: { keys: number }, depth = 0, allowDots = false): Finding | null {
  if (typeof value === 'string') return value.includes('\u0000') ? { field: path || '(root)', problem: 'nul' } : null;
  if (depth > 20 || value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    budget.keys += value.length;
    if (budget.keys > MAX_KEYS_PER_BODY) return { field: path || '(root)', problem: 'too_many_keys' };
    for (let i = 0; i < value.length; i++) {
      const bad = inspect(value[i], `${path}[${i}]`, budget, depth + 1, allowDots);
      if (bad) return bad;
    }
    return null;
  }
  const keys = Object.keys(value);
  budget.keys += keys.length;
  if (keys.length > MAX_KEYS_PER_OBJECT || budget.keys > MAX_KEYS_PER_BODY) return { field: path || '(root)', problem: 'too_many_keys' };
  for (const key of keys) {
    const here = path ? `${path}.${key}` : key;
    if (key.startsWith('$') || (!allowDots && key.includes('.'))) return { field: here, problem: 'operator' };
    if (key.includes('\u0000')) return { field: here, problem: 'nul' };
    const bad = inspect((value as Record<string, unknown>)[key], here, budget, depth + 1, allowDots);
    if (bad) return bad;
  }
  return null;
}

export const inputGuardPlugin = fp(
  async function inputGuard(app: FastifyInstance) {
    // The JSON body parser refuses a body with too many keys before building it (the default parser otherwise).
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (jsonKeyCountExceeds(body as string, MAX_KEYS_PER_BODY)) {
        done(
          new AppError('VALIDATION_FAILED', `The body has more fields than any request here takes (at most ${MAX_KEYS_PER_BODY} in all).`, [
            { field: '(root)', in: 'body', message: 'has too many fields' },
          ]),
          undefined,
        );
        return;
      }
      parseJson(request, body as string, done);
    });
    app.addHook('preValidation', async (request) => {
      const allowDots = request.routeOptions.config?.allowDottedKeys === true;
      for (const [where, value] of [
        ['body', request.body],
        ['querystring', request.query],
      ] as const) {
        const found = inspect(value, '', { keys: 0 }, 0, allowDots);
        if (!found) continue;
        const field = clip(found.field.replace(/\u0000/g, '\\0'), 120);
        if (found.problem === 'operator') {
          throw new AppError('INVALID_KEY', `Field "${field}" in the ${where} is not allowed: names may not start with "$" or contain ".".`, [
            { field, in: where, message: 'is not an allowed field name' },
          ]);
        }
        if (found.problem === 'nul') {
          throw new AppError('VALIDATION_FAILED', `Field "${field}" in the ${where} contains a NUL character.`, [{ field, in: where, message: 'must not contain NUL characters' }]);
        }
        throw new AppError('VALIDATION_FAILED', `The ${where} has more fields than any request here takes (at most ${MAX_KEYS_PER_OBJECT} per object).`, [
          { field, in: where, message: 'has too many fields' },
        ]);
      }
    });
  },
  { name: 'input-guard' },
);
