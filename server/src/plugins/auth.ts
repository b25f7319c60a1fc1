/**
 * Authentication: @fastify/jwt verifies the bearer token, then the user is
 * looked up so that a removed user's tokens stop working at once and a role
 * change applies to the next request. The tenant comes only from here.
 */
import jwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Types } from 'mongoose';
import type { Role } from '@shared/schemas/auth';
import { userModel } from '../modules/auth/model';
import { createTenantVersions, type TenantVersions } from '../modules/auth/tenant-versions';
import { AppError } from './errors';

export interface AuthContext {
  userId: string;
  tenantId: string;
  /** ObjectId form of tenantId, ready for filters. */
  tenant: Types.ObjectId;
  role: Role;
}

interface TokenPayload {
  sub: string;
  tid: string;
  role: Role;
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
    /** preHandler factory: 403 unless the caller has one of the roles. */
    requireRole(...roles: Role[]): (request: FastifyRequest) => Promise<void>;
    issueToken(user: { id: string; tenantId: string; role: Role }): { token: string; expiresAt: string };
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

export const authPlugin = fp<AuthPluginOptions>(
  async function auth(app: FastifyInstance, opts) {
    await app.register(jwt, { secret: opts.secret, sign: { expiresIn: opts.expiresIn } });
    const users = userModel(app.db);
    const versions = createTenantVersions(app.db, app.coordination.invalidation);
    app.decorate('tenantVersions', versions);
    app.addHook('onClose', async () => versions.stop());
    app.decorateRequest('auth', null as unknown as AuthContext);
    // Verified sessions, valid while their agency's authVersion is unchanged: a removed user's
    // token stops working as soon as the bump is seen (at once here, and on other instances through invalidation).
    const sessions = new Map<string, { tenantId: string; role: Role; authVersion: number }>();
    const MAX_SESSIONS = 10_000;

    app.decorate('issueToken', (user: { id: string; tenantId: string; role: Role }) => {
      const token = app.jwt.sign({ sub: user.id, tid: user.tenantId, role: user.role });
      const expiresAt = new Date(Date.now() + parseDurationSeconds(opts.expiresIn) * 1000).toISOString();
      return { token, expiresAt };
    });

    app.decorate('authenticate', async function authenticate(request: FastifyRequest) {
      await request.jwtVerify();
      const { sub, tid } = request.user;
      if (!Types.ObjectId.isValid(sub) || !Types.ObjectId.isValid(tid)) throw new AppError('UNAUTHORIZED');
      const tenant = new Types.ObjectId(tid);
      const { auth: authVersion } = await versions.get(tid);
      const cached = sessions.get(sub);
      if (cached && cached.tenantId === tid && cached.authVersion === authVersion) {
        request.auth = { userId: sub, tenantId: tid, tenant, role: cached.role };
        return;
      }
      const user = await users.findOne({ _id: sub, tenantId: tenant }, { role: 1 }).lean();
      if (!user) {
        sessions.delete(sub);
        throw new AppError('UNAUTHORIZED', 'This account no longer exists; sign in again.');
      }
      if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
      sessions.set(sub, { tenantId: tid, role: user.role, authVersion });
      request.auth = { userId: sub, tenantId: tid, tenant, role: user.role };
    });

    app.decorate('requireRole', (...roles: Role[]) => async (request: FastifyRequest) => {
      if (!roles.includes(request.auth.role)) throw new AppError('FORBIDDEN', `Only ${roles.join(' or ')} users can do this.`);
    });
  },
  { name: 'auth', dependencies: ['db', 'coordination'] },
);
