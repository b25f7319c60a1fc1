import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { IdParams, StandardErrors } from '@shared/schemas/common';
import { ListNotificationsQuery, Notification, NotificationPage } from '@shared/schemas/tiktok';
import { createNotificationsService } from './service';

const security = [{ bearerAuth: [] }];
const tags = ['notifications'];

/**
 * The caller's notifications (alerts for them, and for admins the agency's admin notifications such as an
 * expired TikTok connection or a disabled webhook), each with the caller's own read state. Register under /notifications.
 */
export const notificationsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = createNotificationsService(app.db);
  app.creatorLifecycle.onDelete((tenantId, creatorId) => service.removeForCreator(tenantId, creatorId));

  app.get('/', {
    schema: { tags, security, summary: "The caller's notifications, newest first, with the unread count", querystring: ListNotificationsQuery, response: { 200: NotificationPage, ...StandardErrors } },
    handler: async (request) => service.list(request.auth, request.query),
  });
  app.get('/unread-count', {
    schema: { tags, security, summary: "How many of the caller's notifications are unread", response: { 200: Type.Object({ unreadCount: Type.Integer({ minimum: 0 }) }), ...StandardErrors } },
    handler: async (request) => ({ unreadCount: await service.unreadCount(request.auth) }),
  });
  app.post('/read-all', {
    schema: { tags, security, summary: "Mark all the caller's notifications read", response: { 200: Type.Object({ marked: Type.Integer({ minimum: 0 }) }), ...StandardErrors } },
    handler: async (request) => ({ marked: await service.markAllRead(request.auth) }),
  });
  app.post('/:id/read', {
    schema: { tags, security, summary: 'Mark a notification read', params: IdParams, response: { 200: Notification, ...StandardErrors } },
    handler: async (request) => service.markRead(request.auth, request.params.id),
  });
};
