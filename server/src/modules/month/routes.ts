import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, StandardErrors } from '@shared/schemas/common';
import { AgencySettings, Board, BoardQuery, CreatorMonth, MonthQuery } from '@shared/schemas/month';
import { minorUnitDigits } from '@shared/metrics/money';
import { moneyCell, sendCsv, wantsCsv, type CsvCell } from '../../lib/csv-reply';
import { createMonthService } from './service';
import { createSettingsService } from './settings';

const security = [{ bearerAuth: [] }];

export const BOARD_HEADER = [
  'Creator', 'Display name', 'Manager', 'Live now', 'Running session diamonds', 'Diamonds', 'LIVE hours', 'Valid days', 'Sessions',
  'Projected diamonds', 'Projected LIVE hours', 'Projected valid days', 'Current tier', 'Projected tier', 'Next tier',
  'Diamonds to next tier', 'Diamonds needed per day', 'Pace', 'Creator earnings', 'Agency earnings', 'Currency', 'Last LIVE (UTC)', 'Quit the network',
] as const;

const hours = (s: number) => Math.round((s / 3600) * 100) / 100;

/** `/api/v1/agency/settings`, `/api/v1/creators/:id/month`, `/api/v1/board` (register at the API root). */
export const monthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const settings = createSettingsService(app.db);
  const service = createMonthService(app.db, settings, app.tenantVersions);

  app.get('/agency/settings', {
    schema: { tags: ['agency'], security, summary: "The agency's month settings: time zone, valid day, tiers, earnings", response: { 200: AgencySettings, ...StandardErrors } },
    handler: async (request) => settings.get(request.auth.tenant),
  });
  app.put('/agency/settings', {
    preHandler: app.requireRole('admin'),
    schema: { tags: ['agency'], security, summary: 'Replace the month settings (admin)', body: AgencySettings, response: { 200: AgencySettings, ...StandardErrors } },
    handler: async (request) => settings.put(request.auth, request.body),
  });
  app.get('/creators/:id/month', {
    schema: { tags: ['month'], security, summary: "A creator's month: figures, days, projection, tier pacing, earnings", params: IdParams, querystring: MonthQuery, response: { 200: CreatorMonth, ...StandardErrors } },
    handler: async (request) => service.creatorMonth(request.auth, request.params.id, request.query.month),
  });
  app.get('/board', {
    schema: {
      tags: ['month'],
      security,
      summary: 'Every visible creator with month figures and tier pacing, sorted by month diamonds; totals per manager and agency',
      description: '`?format=csv` or `Accept: text/csv` answers the same rows as CSV.',
      querystring: BoardQuery,
      response: { 200: Board, ...StandardErrors },
    },
    handler: async (request, reply) => {
      const board = await service.board(request.auth, request.query);
      // JSON.stringify, not the schema's compiled serializer: the board's many nullable (anyOf) fields make that
      // one validate each value, ~40 ms per thousand rows; the service builds exactly the schema's shape (tested).
      if (!wantsCsv(request)) return reply.type('application/json; charset=utf-8').serializer(JSON.stringify).send(board);
      const managers = new Map(board.totals.managers.map((m) => [m.managerId ?? '', m.name]));
      async function* rows(): AsyncGenerator<CsvCell[]> {
        for (const i of board.items) {
          const m = i.month;
          const digits = minorUnitDigits(m.earnings.creator.currency);
          yield [
            i.handle, i.displayName, i.managerId ? (managers.get(i.managerId) ?? '') : '', i.live.isLive ? 'yes' : 'no', i.live.diamonds,
            m.diamonds, hours(m.liveSeconds), m.validDays, m.sessions, m.projection.diamonds, hours(m.projection.liveSeconds), m.projection.validDays,
            m.tier.current ?? '', m.tier.projected ?? '', m.tier.next ?? '', m.tier.toNext.diamonds, m.tier.neededPerDay?.diamonds ?? null, m.tier.pace.replace(/_/g, ' '),
            moneyCell(m.earnings.creator.amount, digits), moneyCell(m.earnings.agency.amount, digits), m.earnings.creator.currency, i.lastLiveAt ?? '', m.quit ? 'yes' : 'no',
          ];
        }
      }
      return sendCsv(reply, `board-${board.month}.csv`, BOARD_HEADER, rows());
    },
  });
};
