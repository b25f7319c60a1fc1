/**
 * Authentication: @fastify/jwt verifies the bearer token (HS256 only, `exp` required), then the session is
 * checked against the user as stored: a removed user's tokens stop working at once; tokens issued before a
 * password or role change carry an older token version (`tv`) and are refused; a signed-out token's id (`jti`)
 * is on the deny-list until it would have expired. The tenant comes only from here.
 *
 * Verified sessions are cached in process per token and validated by the agency's `authVersion`: every event
 * that ends sessions (removal, role or password change, sign-out) bumps it, so this instance applies it at once
 * and other instances through cache invalidation (modules/auth/tenant-versions.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import jwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Types } from 'mongoose';
import type { Role } from '@shared/schemas/auth';
import { revokedTokenModel, userModel } from '../modules/auth/model';
import { createTenantVersions, type TenantVersions } from '../modules/auth/tenant-versions';
import { AppError } from './errors';
import { exclusiveWorker } from '../coordination/index';

export interface AuthContext {
  userId: string;
  tenantId: string;
  /** ObjectId form of tenantId, ready for filters. */
  tenant: Types.ObjectId;
  role: Role;
}

export interface TokenPayload {
  sub: string;
  tid: string;
  role: Role;
  /** The user's token version when issued; a password or role change bumps it. */
  tv?: number;
  jti?: string;
  exp?: number;
  iat?: number;
  nbf?: number;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenPayload;
    user: TokenPayload;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext;
  }
  interface FastifyInstance {
    /** Per-agency roster/auth versions mirrored in process (see modules/auth/tenant-versions.ts). */
    tenantVersions: TenantVersions;
    /** onRequest/preHandler hook: 401 unless a valid token of an existing user is presented. */
    authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    /** Re-checks an already verified token (long-lived streams): the current AuthContext, or throws 401. */
    checkSession(payload: TokenPayload): Promise<AuthContext>;
    /** Ends a token's session: its jti goes on the deny-list until it expires. */
    revokeToken(payload: TokenPayload): Promise<void>;
    /** preHandler factory: 403 unless the caller has one of the roles. */
    requireRole(...roles: Role[]): (request: FastifyRequest) => Promise<void>;
    issueToken(user: { id: string; tenantId: string; role: Role; tokenVersion?: number }): { token: string; expiresAt: string };
  }
}

export interface AuthPluginOptions {
  secret: string;
  expiresIn: string;
}

function parseDurationSeconds(value: string): number {
  const unit = value.slice(-1);
  const n = Number(value.slice(0, -1));
  return n * ({ s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[unit];
}

/** The deny-list key of a token: its jti, or (tokens minted without one) a digest of its claims. */
function tokenKey(payload: TokenPayload): string {
  if (typeof payload.jti === 'string' && payload.jti) return payload.jti;
  return `h:${createHash('sha256').update(JSON.stringify(payload)).digest('base64url')}`;
}

/** fast-jwt / @fastify/jwt failures → one code each (401), never a 500. */
function tokenError(err: unknown): AppError {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED' || code === 'FAST_JWT_EXPIRED') return new AppError('TOKEN_EXPIRED');
  if (code === 'FAST_JWT_INVALID_ALGORITHM') return new AppError('TOKEN_ALGORITHM_NOT_ALLOWED');
  if (code === 'FAST_JWT_INACTIVE') return new AppError('TOKEN_NOT_YET_VALID');
  if (code === 'FAST_JWT_MISSING_REQUIRED_CLAIM') return new AppError('TOKEN_MISSING_EXPIRY');
  if (code === 'FST_JWT_NO_AUTHORIZATION_IN_HEADER') return new AppError('UNAUTHORIZED');
  return new AppError('UNAUTHORIZED', 'The bearer token is not valid; sign in again.');
}

export const authPlugin = fp<AuthPluginOptions>(
  async function auth(app: FastifyInstance, opts) {
    await app.register(jwt, {
      secret: opts.secret,
      sign: { algorithm: 'HS256', expiresIn: opts.expiresIn },
      // Only the algorithm we sign with: an RS256/ES256/PS256/EdDSA (or "none") token is refused outright.
      verify: { algorithms: ['HS256'] },
    });
    const users = userModel(app.db);
    const revoked = revokedTokenModel(app.db);
    const versions = createTenantVersions(app.db, app.coordination.invalidation);
    app.decorate('tenantVersions', versions);
    app.addHook('onClose', async () => versions.stop());
    app.decorateRequest('auth', null as unknown as AuthContext);

    // Verified sessions by token key, valid while their agency's authVersion is unchanged.
    const sessions = new Map<string, { tenantId: string; userId: string; role: Role; authVersion: number }>();
    const MAX_SESSIONS = 10_000;
    // Tokens this instance signed out (key → exp ms): refused without a database read.
    const revokedHere = new Map<string, number>();

    app.decorate('issueToken', (user: { id: string; tenantId: string; role: Role; tokenVersion?: number }) => {
      const token = app.jwt.sign({ sub: user.id, tid: user.tenantId, role: user.role, tv: user.tokenVersion ?? 0, jti: randomUUID() });
      const expiresAt = new Date(Date.now() + parseDurationSeconds(opts.expiresIn) * 1000).toISOString();
      return { token, expiresAt };
    });

    async function checkSession(payload: TokenPayload): Promise<AuthContext> {
      // fast-jwt accepts a token without `exp` (it only checks one that is there): such a token never ends.
      if (typeof payload.exp !== 'number') throw new AppError('TOKEN_MISSING_EXPIRY');
      if (payload.exp * 1000 <= Date.now()) throw new AppError('TOKEN_EXPIRED');
      const { sub, tid } = payload;
      if (typeof sub !== 'string' || typeof tid !== 'string' || !Types.ObjectId.isValid(sub) || !Types.ObjectId.isValid(tid)) throw new AppError('UNAUTHORIZED');
      const tenant = new Types.ObjectId(tid);
      const key = tokenKey(payload);
      if (revokedHere.has(key)) throw new AppError('TOKEN_REVOKED');
      const { auth: authVersion } = await versions.get(tid);
      const cached = sessions.get(key);
      if (cached && cached.tenantId === tid && cached.userId === sub && cached.authVersion === authVersion) {
        return { userId: sub, tenantId: tid, tenant, role: cached.role };
      }
      sessions.delete(key);
      const [user, denied] = await Promise.all([
        users.findOne({ _id: sub, tenantId: tenant }, { role: 1, tokenVersion: 1 }).lean(),
        revoked.exists({ _id: key }),
      ]);
      if (!user) throw new AppError('UNAUTHORIZED', 'This account no longer exists; sign in again.');
      if (denied || (payload.tv ?? 0) !== (user.tokenVersion ?? 0)) throw new AppError('TOKEN_REVOKED');
      if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
      sessions.set(key, { tenantId: tid, userId: sub, role: user.role, authVersion });
      return { userId: sub, tenantId: tid, tenant, role: user.role };
    }
    app.decorate('checkSession', checkSession);

    app.decorate('revokeToken', async (payload: TokenPayload) => {
      const key = tokenKey(payload);
      const expMs = (payload.exp ?? 0) * 1000;
      for (const [k, exp] of revokedHere) if (exp <= Date.now()) revokedHere.delete(k);
      if (revokedHere.size >= MAX_SESSIONS) revokedHere.delete(revokedHere.keys().next().value!);
      revokedHere.set(key, expMs);
      sessions.delete(key);
      await revoked.updateOne({ _id: key }, { $setOnInsert: { tenantId: new Types.ObjectId(payload.tid), expiresAt: new Date(expMs) } }, { upsert: true });
      // Other instances drop their cached sessions of this agency and read the deny-list on the next request.
      await versions.bump([payload.tid], 'authVersion');
    });

    app.decorate('authenticate', async function authenticate(request: FastifyRequest) {
      try {
        await request.jwtVerify();
      } catch (err) {
        throw tokenError(err);
      }
      request.auth = await checkSession(request.user);
    });

    app.decorate('requireRole', (...roles: Role[]) => async (request: FastifyRequest) => {
      if (!roles.includes(request.auth.role)) throw new AppError('FORBIDDEN', `Only ${roles.join(' or ')} users can do this.`);
    });

    // One instance deletes expired deny-list entries (elected through the coordination).
    app.workers.register('auth-token-cleanup', exclusiveWorker(app, 'auth-token-cleanup', () => {
      const timer = setInterval(() => {
        revoked
          .deleteMany({ expiresAt: { $lt: new Date() } })
          .catch((err: unknown) => app.log.error({ err }, 'auth: revoked-token cleanup failed'));
      }, 60 * 60_000);
      timer.unref();
      return { stop: () => clearInterval(timer) };
    }));
  },
  { name: 'auth', dependencies: ['db', 'coordination'] },
);
