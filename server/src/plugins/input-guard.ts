/**
 * Rejects operator-looking keys (`$gt`, `$where`) and dotted keys anywhere in a
 * body or query before validation, so no user input can become a MongoDB operator
 * or a path into another field. Schemas already forbid unknown fields; this also
 * covers free-form objects and gives a precise message.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from './errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's schema names dotted keys exactly (e.g. alert kinds): only the "$" rule applies to its input. */
    allowDottedKeys?: boolean;
  }
}

function findBadKey(value: unknown, path: string, depth = 0, allowDots = false): string | null {
  if (depth > 20 || value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findBadKey(value[i], `${path}[${i}]`, depth + 1, allowDots);
      if (bad) return bad;
    }
    return null;
  }
  for (const [key, child] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    if (key.startsWith('$') || (!allowDots && key.includes('.'))) return here;
    const bad = findBadKey(child, here, depth + 1, allowDots);
    if (bad) return bad;
  }
  return null;
}

export const inputGuardPlugin = fp(
  async function inputGuard(app: FastifyInstance) {
    app.addHook('preValidation', async (request) => {
      // A route whose schema names dotted keys exactly (alert kinds such as "gift.spike") opts out of the dot rule.
      const allowDots = request.routeOptions.config?.allowDottedKeys === true;
      for (const [where, value] of [
        ['body', request.body],
        ['querystring', request.query],
      ] as const) {
        const bad = findBadKey(value, '', 0, allowDots);
        if (bad) {
          throw new AppError('INVALID_KEY', `Field "${bad}" in the ${where} is not allowed: names may not start with "$" or contain ".".`, [
            { field: bad, in: where, message: 'is not an allowed field name' },
          ]);
        }
      }
    });
  },
  { name: 'input-guard' },
);
