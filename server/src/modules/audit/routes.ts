/**
 * `GET /api/v1/audit/totals` (admins): the agency's creator totals recomputed from their sessions, and the
 * creators whose stored totals differ (none is healthy). `npm run audit:totals` runs the same check over every
 * agency from a shell (scripts/audit-totals.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { StandardErrors } from '@shared/schemas/common';
import { TotalsAudit } from '@shared/schemas/audit';
import { createCreatorTotals } from '../creators/totals';

export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const totals = createCreatorTotals(app.db);
  app.get('/totals', {
    preHandler: app.requireRole('admin'),
    schema: {
      tags: ['audit'],
      security: [{ bearerAuth: [] }],
      summary: "Creator totals recomputed from sessions; the differences (none is healthy) — admins",
      response: { 200: TotalsAudit, ...StandardErrors },
    },
    handler: async (request) => {
      const result = await totals.audit(request.auth.tenant);
      return {
        creators: result.creators,
        sessions: result.sessions,
        differences: result.differences.map(({ creatorId, handle, stored, fromSessions }) => ({ creatorId, handle, stored, fromSessions })),
        checkedAt: new Date().toISOString(),
      };
    },
  });
};
