import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { StandardErrors } from '@shared/schemas/common';
import { AlertPreferences, AlertPreferencesUpdate, MyAlertPreferences } from '@shared/schemas/alerts';
import { createPreferencesService } from './preferences';

const security = [{ bearerAuth: [] }];
const tags = ['alerts'];

/** `/me/alert-preferences` (every user) and `/agency/alert-preferences` (the defaults; admins change them). Register at /api/v1. */
export const alertPreferencesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = createPreferencesService(app.db, { onChange: (auth) => app.alerts.service.forgetPreferences(auth.tenant) });
  const adminOnly = app.requireRole('admin');

  app.get('/me/alert-preferences', {
    schema: { tags, security, summary: 'Which alerts I get (my choices over the agency defaults)', response: { 200: MyAlertPreferences, ...StandardErrors } },
    handler: async (request) => service.mine(request.auth),
  });
  app.put('/me/alert-preferences', {
    config: { allowDottedKeys: true },
    schema: { tags, security, summary: 'Change which alerts I get (any subset; null goes back to the agency default)', body: AlertPreferencesUpdate, response: { 200: MyAlertPreferences, ...StandardErrors } },
    handler: async (request) => service.updateMine(request.auth, request.body),
  });
  app.get('/agency/alert-preferences', {
    schema: { tags, security, summary: "The agency's default alert preferences", response: { 200: AlertPreferences, ...StandardErrors } },
    handler: async (request) => service.agencyDefaults(request.auth),
  });
  app.put('/agency/alert-preferences', {
    config: { allowDottedKeys: true },
    preHandler: adminOnly,
    schema: { tags, security, summary: "Change the agency's default alert preferences (admins)", body: AlertPreferencesUpdate, response: { 200: AlertPreferences, ...StandardErrors } },
    handler: async (request) => service.updateAgencyDefaults(request.auth, request.body),
  });
};
