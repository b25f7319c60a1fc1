import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { IdParams, StandardErrors } from '@shared/schemas/common';
import { CreateDealBody, Deal, DealPage, ListDealsQuery, UpdateDealBody } from '@shared/schemas/deals';
import { sendCsv, wantsCsv } from '../../lib/csv-reply';
import { DEAL_HEADER, createExportsService } from '../exports/service';
import { createDealsService } from './service';

const security = [{ bearerAuth: [] }];
const tags = ['deals'];

/** Brand deals. */
export const dealsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = createDealsService(app.db);
  app.creatorLifecycle.onDelete((tenantId, creatorId) => service.removeForCreator(tenantId, creatorId));

  app.get('/', {
    schema: { tags, security, querystring: ListDealsQuery, response: { 200: DealPage, ...StandardErrors } },
    handler: async (request, reply) => {
      if (wantsCsv(request)) return sendCsv(reply, 'deals.csv', DEAL_HEADER, await createExportsService(app.db).deals(request.auth, request.query));
      return service.list(request.auth, request.query);
    },
  });
  app.post('/', {
    config: { idempotent: true },
    schema: { tags, security, body: CreateDealBody, response: { 201: Deal, ...StandardErrors } },
    handler: async (request, reply) => reply.code(201).send(await service.create(request.auth, request.body)),
  });
  app.get('/:id', {
    schema: { tags, security, params: IdParams, response: { 200: Deal, ...StandardErrors } },
    handler: async (request) => service.get(request.auth, request.params.id),
  });
  app.patch('/:id', {
    schema: { tags, security, params: IdParams, body: UpdateDealBody, response: { 200: Deal, ...StandardErrors } },
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
