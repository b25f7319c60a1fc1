import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { IdParams, StandardErrors } from '@shared/schemas/common';
import { CreatedWebhook, CreateWebhookBody, DeliveryPage, ListDeliveriesQuery, UpdateWebhookBody, Webhook, WebhookList } from '@shared/schemas/alerts';

const security = [{ bearerAuth: [] }];
const tags = ['webhooks'];

/** Outbound alert webhooks (admins). Register under /webhooks inside /api/v1. */
export const webhooksRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.alerts.webhooks;
  app.addHook('preHandler', app.requireRole('admin'));

  app.post('/', {
    config: { idempotent: true },
    schema: { tags, security, summary: 'Add a webhook; the answer holds its signing secret (shown once)', body: CreateWebhookBody, response: { 201: CreatedWebhook, ...StandardErrors } },
    handler: async (request, reply) => reply.code(201).send(await service.create(request.auth, request.body)),
  });
  app.get('/', {
    schema: { tags, security, summary: "The agency's webhooks", response: { 200: WebhookList, ...StandardErrors } },
    handler: async (request) => service.list(request.auth),
  });
  app.get('/:id', {
    schema: { tags, security, summary: 'A webhook', params: IdParams, response: { 200: Webhook, ...StandardErrors } },
    handler: async (request) => service.get(request.auth, request.params.id),
  });
  app.patch('/:id', {
    schema: { tags, security, summary: 'Change a webhook (enabled: true re-enables one disabled after failures)', params: IdParams, body: UpdateWebhookBody, response: { 200: Webhook, ...StandardErrors } },
    handler: async (request) => service.update(request.auth, request.params.id, request.body),
  });
  app.delete('/:id', {
    schema: { tags, security, summary: 'Delete a webhook and its queue', params: IdParams, response: { 204: Type.Null(), ...StandardErrors } },
    handler: async (request, reply) => {
      await service.remove(request.auth, request.params.id);
      return reply.code(204).send(null);
    },
  });
  app.post('/:id/test', {
    schema: {
      tags,
      security,
      summary: 'Send a signed test alert to the webhook now (not queued, not retried); answers what the receiver said',
      params: IdParams,
      response: { 200: Type.Object({ delivered: Type.Boolean(), statusCode: Type.Union([Type.Integer(), Type.Null()]), error: Type.Union([Type.String(), Type.Null()]) }), ...StandardErrors },
    },
    handler: async (request) => service.sendTest(request.auth, request.params.id),
  });
  app.get('/:id/deliveries', {
    schema: { tags, security, summary: "A webhook's deliveries, newest first (status, attempts, last error)", params: IdParams, querystring: ListDeliveriesQuery, response: { 200: DeliveryPage, ...StandardErrors } },
    handler: async (request) => service.deliveries(request.auth, request.params.id, request.query),
  });
};
