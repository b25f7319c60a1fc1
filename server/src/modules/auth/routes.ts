import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AuthResponse, ChangePasswordBody, LoginBody, MeResponse, SignupBody } from '@shared/schemas/auth';
import { StandardErrors } from '@shared/schemas/common';
import { createAuthService } from './service';

export interface AuthRoutesOptions {
  rateLimitPerMinute: number;
}

/** Public routes: signup and login (rate limited per IP). */
export const authPublicRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (app, opts) => {
  const service = createAuthService(app.db, app.issueToken);
  const rateLimit = { max: opts.rateLimitPerMinute, timeWindow: '1 minute' };

  app.post('/signup', {
    config: { rateLimit },
    schema: { tags: ['auth'], summary: 'Create an agency and its first admin', body: SignupBody, response: { 201: AuthResponse, ...StandardErrors } },
    handler: async (request, reply) => reply.code(201).send(await service.signup(request.body)),
  });

  app.post('/login', {
    config: { rateLimit },
    schema: { tags: ['auth'], summary: 'Sign in', body: LoginBody, response: { 200: AuthResponse, ...StandardErrors } },
    handler: async (request) => service.login(request.body),
  });
};

/** Authenticated: who am I, sign out, change my password. */
export const authMeRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (app, opts) => {
  const service = createAuthService(app.db, app.issueToken);
  const security = [{ bearerAuth: [] }];
  app.get('/me', {
    schema: { tags: ['auth'], summary: 'The signed-in user and agency', security, response: { 200: MeResponse, ...StandardErrors } },
    handler: async (request) => service.me(request.auth.tenantId, request.auth.userId),
  });

  app.post('/logout', {
    schema: {
      tags: ['auth'],
      summary: 'Sign out: this token is refused from now on (and its live streams close)',
      security,
      response: { 204: Type.Null(), ...StandardErrors },
    },
    handler: async (request, reply) => {
      await app.revokeToken(request.user);
      return reply.code(204).send(null);
    },
  });

  app.post('/password', {
    // The current password is checked here: limited like login, per user.
    config: { rateLimit: { max: opts.rateLimitPerMinute, timeWindow: '1 minute', keyGenerator: (request) => `password:${request.auth?.userId ?? request.ip}` } },
    schema: {
      tags: ['auth'],
      summary: 'Change my password (ends every other session; answers a fresh token)',
      security,
      body: ChangePasswordBody,
      response: { 200: AuthResponse, ...StandardErrors },
    },
    handler: async (request) => service.changePassword(request.auth.tenantId, request.auth.userId, request.body),
  });
};
