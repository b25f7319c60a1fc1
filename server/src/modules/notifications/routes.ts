import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, StandardErrors } from '@shared/schemas/common';
import { ListNotificationsQuery, Notification, NotificationPage } from '@shared/schemas/tiktok';
import { createNotificationsService } from './service';

const security = [{ bearerAuth: [] }];
const tags = ['notifications'];

/** Agency notifications for admins (expired TikTok connections, …). Register under /notifications. */
export const notificationsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = createNotificationsService(app.db);
  app.creatorLifecycle.onDelete((tenantId, creatorId) => service.removeForCreator(tenantId, creatorId));
  const adminOnly = app.requireRole('admin');

  app.get('/', {
    preHandler: adminOnly,
    schema: { tags, security, summary: "The agency's notifications, newest first (admins)", querystring: ListNotificationsQuery, response: { 200: NotificationPage, ...StandardErrors } },
    handler: async (request) => service.list(request.auth, request.query),
  });
  app.post('/:id/read', {
    preHandler: adminOnly,
    schema: { tags, security, summary: 'Mark a notification read', params: IdParams, response: { 200: Notification, ...StandardErrors } },
    handler: async (request) => service.markRead(request.auth, request.params.id),
  });
};
