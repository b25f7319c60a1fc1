import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CreateUserBody, UpdateUserBody, User } from '@shared/schemas/auth';
import { Cursor, IdParams, Limit, Page, StandardErrors } from '@shared/schemas/common';
import { createUsersService } from './service';

const security = [{ bearerAuth: [] }];

/** Admin-only user management. */
export const usersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = createUsersService(app.db);
  app.addHook('preHandler', app.requireRole('admin'));

  app.get('/', {
    schema: {
      tags: ['users'],
      security,
      querystring: Type.Object({ limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) }, { additionalProperties: false }),
      response: { 200: Page(User), ...StandardErrors },
    },
    handler: async (request) => service.list(request.auth.tenant, request.query.limit, request.query.cursor),
  });

  app.post('/', {
    // Per admin (and per IP behind it): creating users is rare, and a taken email answers 409, so unlimited
    // attempts would make this an oracle for which emails have accounts.
    config: {
      idempotent: true,
      rateLimit: { max: app.config.security.userCreateRateLimitPerMinute, timeWindow: '1 minute', keyGenerator: (request) => `users:${request.auth?.userId ?? request.ip}` },
    },
    schema: { tags: ['users'], security, body: CreateUserBody, response: { 201: User, ...StandardErrors } },
    handler: async (request, reply) => reply.code(201).send(await service.create(request.auth.tenant, request.body)),
  });

  app.patch('/:id', {
    schema: { tags: ['users'], security, params: IdParams, body: UpdateUserBody, response: { 200: User, ...StandardErrors } },
    handler: async (request) => service.update(request.auth, request.params.id, request.body),
  });

  app.delete('/:id', {
    schema: { tags: ['users'], security, params: IdParams, response: { 204: Type.Null(), ...StandardErrors } },
    handler: async (request, reply) => {
      await service.remove(request.auth.tenant, request.params.id);
      return reply.code(204).send(null);
    },
  });
};
