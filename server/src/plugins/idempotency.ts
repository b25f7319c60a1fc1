/**
 * `Idempotency-Key` on creating POSTs (API.md): a repeat with the same key from
 * the same user of the same agency within 24 hours returns the first answer and creates nothing,
 * after the repeat has been authorised like the first.
 * The key is claimed with a unique insert before the handler runs, so two
 * concurrent retries cannot both create; only 2xx answers are remembered (a
 * failed attempt releases the key so the client can retry it).
 * Routes opt in with `config: { idempotent: true }`.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
    idempotencyClaim?: { key: string; digest?: MultipartDigest };
  }
}

/**
 * A digest of a multipart body that two uploads of the same form share: the raw bytes with every occurrence of
 * the boundary removed (each client picks a random boundary per request, everything else a retry repeats).
 * Fed chunk by chunk; keeps `boundary.length - 1` bytes back so a boundary split across chunks is still found.
 */
class MultipartDigest {
  private readonly hash = createHash('sha256');
  private tail = Buffer.alloc(0);
  constructor(private readonly boundary: Buffer) {}
  update(chunk: Buffer): void {
    let buf = Buffer.concat([this.tail, chunk]);
    for (let at = buf.indexOf(this.boundary); at !== -1; at = buf.indexOf(this.boundary)) {
      this.hash.update(buf.subarray(0, at));
      buf = buf.subarray(at + this.boundary.length);
    }
    const keep = Math.min(buf.length, this.boundary.length - 1);
    this.hash.update(buf.subarray(0, buf.length - keep));
    this.tail = Buffer.from(buf.subarray(buf.length - keep));
  }
  digest(): string {
    this.hash.update(this.tail);
    this.tail = Buffer.alloc(0);
    return this.hash.digest('hex');
  }
}

function multipartBoundary(request: FastifyRequest): Buffer | null {
  const type = String(request.headers['content-type'] ?? '');
  if (!/^multipart\/form-data/i.test(type)) return null;
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(type);
  const boundary = match?.[1] ?? match?.[2];
  return boundary ? Buffer.from(boundary.trim()) : null;
}

function requestPrefix(request: FastifyRequest): ReturnType<typeof createHash> {
  return createHash('sha256').update(request.method).update('\0').update(request.url).update('\0');
}

function jsonRequestHash(request: FastifyRequest): string {
  return requestPrefix(request).update(JSON.stringify(request.body ?? null)).digest('hex');
}

/** Reads the whole (unread) multipart body of a request we are about to answer from the store. */
async function readMultipartDigest(request: FastifyRequest, boundary: Buffer, maxBytes: number): Promise<string> {
  const digest = new MultipartDigest(boundary);
  let seen = 0;
  for await (const chunk of request.raw) {
    seen += (chunk as Buffer).length;
    if (seen > maxBytes) throw new AppError('PAYLOAD_TOO_LARGE', `The upload is larger than ${maxBytes} bytes.`);
    digest.update(chunk as Buffer);
  }
  return requestPrefix(request).update(digest.digest()).digest('hex');
}

/** Watches what the route's own multipart parser reads from the socket, without changing how it reads. */
function tapMultipart(request: FastifyRequest, boundary: Buffer): MultipartDigest {
  const digest = new MultipartDigest(boundary);
  const raw = request.raw;
  const emit = raw.emit.bind(raw);
  raw.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === 'data' && Buffer.isBuffer(args[0])) digest.update(args[0]);
    return emit(event, ...args);
  }) as typeof raw.emit;
  return digest;
}

export interface IdempotencyOptions {
  /** Largest multipart body read to compare a replayed upload with the first one. */
  maxMultipartBytes: number;
}

export const idempotencyPlugin = fp<IdempotencyOptions>(
  async function idempotency(app: FastifyInstance, opts) {
    const keys = idempotencyModel(app.db);

    /**
     * Runs as the LAST preHandler of each idempotent route (added to the route itself, after every scope hook),
     * so the caller is authenticated AND authorised (requireRole, access checks in hooks) before anything is
     * replayed. Keys are the caller's own: stored as `<userId>:<key>`, so one user's key never replays another
     * user's answer. A used key with a different body (or, for uploads, different file bytes) is 422.
     */
    async function claimOrReplay(request: FastifyRequest, reply: FastifyReply) {
      const key = request.headers['idempotency-key'];
      if (key === undefined) return;
      if (typeof key !== 'string' || key.length < 1 || key.length > 200) {
        throw new AppError('VALIDATION_FAILED', 'Idempotency-Key must be 1–200 characters.', [{ field: 'Idempotency-Key', in: 'headers', message: 'must be 1–200 characters' }]);
      }
      const tenantId = request.auth.tenant;
      const scopedKey = `${request.auth.userId}:${key}`;
      const boundary = request.isMultipart?.() ? multipartBoundary(request) : null;
      const jsonHash = boundary ? null : jsonRequestHash(request);
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          // For an upload the digest is known only once the route has read the file: stored at onSend.
          await keys.create({ tenantId, key: scopedKey, requestHash: jsonHash ?? 'pending-upload', state: 'pending', createdAt: new Date() });
          request.idempotencyClaim = { key: scopedKey, ...(boundary && { digest: tapMultipart(request, boundary) }) };
          return;
        } catch (err) {
          if ((err as { code?: number }).code !== 11000) throw err;
        }
        const existing = await keys.findOne({ tenantId, key: scopedKey }).lean();
        if (!existing) continue; // released between our insert and read: claim again
        if (existing.createdAt.getTime() < Date.now() - WINDOW_MS) {
          await keys.deleteOne({ tenantId, key: scopedKey, createdAt: existing.createdAt });
          continue;
        }
        if (existing.state === 'pending') throw new AppError('IDEMPOTENCY_IN_PROGRESS', undefined, undefined, { 'Retry-After': '1' });
        const hash = boundary ? await readMultipartDigest(request, boundary, opts.maxMultipartBytes) : jsonHash;
        if (existing.requestHash !== hash) throw new AppError('IDEMPOTENCY_KEY_REUSED');
        reply.header('idempotent-replayed', 'true');
        if (existing.contentType) reply.header('content-type', existing.contentType);
        return reply.code(existing.statusCode ?? 200).send(existing.body ?? '');
      }
      throw new AppError('IDEMPOTENCY_IN_PROGRESS', undefined, undefined, { 'Retry-After': '1' });
    }

    app.addHook('onRoute', (route) => {
      if (!(route.config as { idempotent?: boolean } | undefined)?.idempotent) return;
      const own = route.preHandler ? [route.preHandler].flat() : [];
      route.preHandler = [...own, claimOrReplay];
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const claim = request.idempotencyClaim;
      if (!claim) return payload;
      request.idempotencyClaim = undefined;
      const filter = { tenantId: request.auth.tenant, key: claim.key };
      if (reply.statusCode >= 200 && reply.statusCode < 300 && (typeof payload === 'string' || payload == null)) {
        await keys.updateOne(filter, {
          $set: {
            state: 'done',
            statusCode: reply.statusCode,
            body: payload ?? '',
            contentType: String(reply.getHeader('content-type') ?? ''),
            ...(claim.digest && { requestHash: requestPrefix(request).update(claim.digest.digest()).digest('hex') }),
          },
        });
      } else {
        await keys.deleteOne(filter);
      }
      return payload;
    });
  },
  { name: 'idempotency', dependencies: ['db', 'auth'] },
);
