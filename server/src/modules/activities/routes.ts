import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Activity, ActivityPage, CreateActivityBody, ListActivitiesQuery } from '@shared/schemas/activities';
import { IdParams, StandardErrors } from '@shared/schemas/common';
import { createActivitiesService } from './service';

const security = [{ bearerAuth: [] }];
const tags = ['activities'];

/** A creator's timeline: mounted under /creators/:id/activities. */
export const activitiesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = createActivitiesService(app.db);
  app.creatorLifecycle.onDelete((tenantId, creatorId) => service.removeForCreator(tenantId, creatorId));

  app.get('/:id/activities', {
    schema: { tags, security, params: IdParams, querystring: ListActivitiesQuery, response: { 200: ActivityPage, ...StandardErrors } },
    handler: async (request) => service.list(request.auth, request.params.id, request.query),
  });
  app.post('/:id/activities', {
    config: { idempotent: true },
    schema: { tags, security, params: IdParams, body: CreateActivityBody, response: { 201: Activity, ...StandardErrors } },
    handler: async (request, reply) => reply.code(201).send(await service.create(request.auth, request.params.id, request.body)),
  });
};
