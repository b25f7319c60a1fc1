import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuthResponse, LoginBody, MeResponse, SignupBody } from '@shared/schemas/auth';
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

/** Authenticated: who am I. */
export const authMeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = createAuthService(app.db, app.issueToken);
  app.get('/me', {
    schema: { tags: ['auth'], summary: 'The signed-in user and agency', security: [{ bearerAuth: [] }], response: { 200: MeResponse, ...StandardErrors } },
    handler: async (request) => service.me(request.auth.tenantId, request.auth.userId),
  });
};
