/**
 * `Idempotency-Key` on creating POSTs (API.md): a repeat with the same key from
 * the same agency within 24 hours returns the first answer and creates nothing.
 * The key is claimed with a unique insert before the handler runs, so two
 * concurrent retries cannot both create; only 2xx answers are remembered (a
 * failed attempt releases the key so the client can retry it).
 * Routes opt in with `config: { idempotent: true }`.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Schema, type Connection, type Types } from 'mongoose';
import { modelOn } from '../db/connection';
import { tenantScopePlugin } from '../db/tenant-scope';
import { AppError } from './errors';

const WINDOW_MS = 24 * 60 * 60 * 1000;

interface IdempotencyDoc {
  tenantId: Types.ObjectId;
  key: string;
  requestHash: string;
  state: 'pending' | 'done';
  statusCode?: number;
  body?: string;
  contentType?: string;
  createdAt: Date;
}

const idempotencySchema = new Schema<IdempotencyDoc>({
  key: { type: String, required: true },
  requestHash: { type: String, required: true },
  state: { type: String, required: true },
  statusCode: Number,
  body: String,
  contentType: String,
  createdAt: { type: Date, required: true },
});
idempotencySchema.plugin(tenantScopePlugin);
idempotencySchema.index({ tenantId: 1, key: 1 }, { unique: true });
// No TTL indexes (FerretDB): expired keys are ignored on read and swept by purgeExpiredIdempotencyKeys.
idempotencySchema.index({ createdAt: 1 });

export const idempotencyModel = (conn: Connection) => modelOn(conn, 'IdempotencyKey', idempotencySchema);

/** Deletes keys older than the 24 h window (run periodically). */
export async function purgeExpiredIdempotencyKeys(conn: Connection, now = Date.now()): Promise<number> {
  const res = await idempotencyModel(conn)
    .deleteMany({ createdAt: { $lt: new Date(now - WINDOW_MS) } })
    .setOptions({ allTenants: true });
  return res.deletedCount;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    idempotent?: boolean;
  }
  interface FastifyRequest {
    idempotencyClaim?: { key: string };
  }
}

function requestHash(request: FastifyRequest): string {
  return createHash('sha256')
    .update(request.method)
    .update(request.url)
    .update(JSON.stringify(request.body ?? null))
    .digest('hex');
}

export const idempotencyPlugin = fp(
  async function idempotency(app: FastifyInstance) {
    const keys = idempotencyModel(app.db);

    // Runs after authentication (preHandler), so the tenant is known.
    app.addHook('preHandler', async (request, reply) => {
      if (!request.routeOptions.config.idempotent) return;
      const key = request.headers['idempotency-key'];
      if (key === undefined) return;
      if (typeof key !== 'string' || key.length < 1 || key.length > 200) {
        throw new AppError('VALIDATION_FAILED', 'Idempotency-Key must be 1–200 characters.', [{ field: 'Idempotency-Key', in: 'headers', message: 'must be 1–200 characters' }]);
      }
      const tenantId = request.auth.tenant;
      const hash = requestHash(request);
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          await keys.create({ tenantId, key, requestHash: hash, state: 'pending', createdAt: new Date() });
          request.idempotencyClaim = { key };
          return;
        } catch (err) {
          if ((err as { code?: number }).code !== 11000) throw err;
        }
        const existing = await keys.findOne({ tenantId, key }).lean();
        if (!existing) continue; // released between our insert and read: claim again
        if (existing.createdAt.getTime() < Date.now() - WINDOW_MS) {
          await keys.deleteOne({ tenantId, key, createdAt: existing.createdAt });
          continue;
        }
        if (existing.requestHash !== hash) throw new AppError('IDEMPOTENCY_KEY_REUSED');
        if (existing.state === 'pending') throw new AppError('IDEMPOTENCY_IN_PROGRESS', undefined, undefined, { 'Retry-After': '1' });
        reply.header('idempotent-replayed', 'true');
        if (existing.contentType) reply.header('content-type', existing.contentType);
        return reply.code(existing.statusCode ?? 200).send(existing.body ?? '');
      }
      throw new AppError('IDEMPOTENCY_IN_PROGRESS', undefined, undefined, { 'Retry-After': '1' });
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const claim = request.idempotencyClaim;
      if (!claim) return payload;
      request.idempotencyClaim = undefined;
      const filter = { tenantId: request.auth.tenant, key: claim.key };
      if (reply.statusCode >= 200 && reply.statusCode < 300 && (typeof payload === 'string' || payload == null)) {
        await keys.updateOne(filter, {
          $set: { state: 'done', statusCode: reply.statusCode, body: payload ?? '', contentType: String(reply.getHeader('content-type') ?? '') },
        });
      } else {
        await keys.deleteOne(filter);
      }
      return payload;
    });
  },
  { name: 'idempotency', dependencies: ['db', 'auth'] },
);
