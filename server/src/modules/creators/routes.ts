import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { IdParams, StandardErrors } from '@shared/schemas/common';
import { CreateCreatorBody, Creator, CreatorPage, HandleParams, ListCreatorsQuery, UpdateCreatorBody } from '@shared/schemas/creators';
import { sendCsv, wantsCsv } from '../../lib/csv-reply';
import { CREATOR_HEADER, createExportsService } from '../exports/service';
import { createRosterCache } from './roster-cache';
import { createCreatorsService } from './service';

const security = [{ bearerAuth: [] }];
const tags = ['creators'];

/** The roster. */
export const creatorsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = createCreatorsService(app.db, app.creatorLifecycle);

  const cache = createRosterCache();
  app.get('/', {
    schema: { tags, security, summary: 'List the roster', querystring: ListCreatorsQuery, response: { 200: CreatorPage, ...StandardErrors } },
    handler: async (request, reply) => {
      if (wantsCsv(request)) return sendCsv(reply, 'creators.csv', CREATOR_HEADER, await createExportsService(app.db).creators(request.auth, request.query));
      // Pages are cached per agency, caller scope and query while the roster version is unchanged.
      const { auth } = request;
      const key = `${auth.tenantId}|${auth.role === 'manager' ? auth.userId : '*'}|${request.url}`;
      const { roster: version } = await app.tenantVersions.get(auth.tenantId);
      const cached = cache.get(key, version);
      reply.type('application/json; charset=utf-8');
      // A string body with a JSON content type is sent as is (already serialised).
      if (cached) return reply.send(cached as never);
      const body = JSON.stringify(await service.list(auth, request.query));
      cache.set(key, version, body);
      return reply.send(body as never);
    },
  });
  app.post('/', {
    config: { idempotent: true },
    schema: { tags, security, summary: 'Add a creator', body: CreateCreatorBody, response: { 201: Creator, ...StandardErrors } },
    handler: async (request, reply) => reply.code(201).send(await service.create(request.auth, request.body)),
  });
  app.get('/by-handle/:handle', {
    schema: { tags, security, summary: 'Find a creator by TikTok handle', params: HandleParams, response: { 200: Creator, ...StandardErrors } },
    handler: async (request) => service.getByHandle(request.auth, request.params.handle),
  });
  app.get('/:id', {
    schema: { tags, security, params: IdParams, response: { 200: Creator, ...StandardErrors } },
    handler: async (request) => service.get(request.auth, request.params.id),
  });
  app.patch('/:id', {
    schema: { tags, security, params: IdParams, body: UpdateCreatorBody, response: { 200: Creator, ...StandardErrors } },
    handler: async (request) => service.update(request.auth, request.params.id, request.body),
  });
  app.delete('/:id', {
    schema: { tags, security, params: IdParams, response: { 204: Type.Null(), ...StandardErrors } },
    handler: async (request, reply) => {
      await service.remove(request.auth, request.params.id);
      return reply.code(204).send(null);
    },
  });
};
