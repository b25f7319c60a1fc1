/**
 * The authenticated TikTok routes (API.md "TikTok connection"). Register
 * inside /api/v1 without a prefix: paths span /creators/:id/… and /tiktok/….
 * No route returns or logs a TikTok token: creators leave through toCreator.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, IdParams, StandardErrors } from '@shared/schemas/common';
import { Creator } from '@shared/schemas/creators';
import { CreatorMetrics, MetricsQuery, TikTokAuthorizeBody, TikTokAuthorizeResponse, TikTokCallbackBody, TikTokInviteResponse } from '@shared/schemas/tiktok';
import { findAccessibleCreator } from '../creators/access';
import { toCreator } from '../creators/dto';
import { creatorModel, type CreatorDoc } from '../creators/model';
import { AppError } from '../../plugins/errors';
import { toAppError } from './context';
import { completeExtensionCallback, createInvite, startAuthorize } from './connect';
import { creatorMetrics } from './metrics';
import { tiktokConnectionModel, type TikTokConnectionDoc } from './model';
import { disconnectCreator } from './purge';
import { syncCreator } from './sync';

const security = [{ bearerAuth: [] }];
const tags = ['tiktok'];
const TikTokErrors = { ...StandardErrors, 502: ErrorBody, 503: ErrorBody };

export const tiktokRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const ctx = app.tiktok.ctx;

  app.post('/creators/:id/tiktok/authorize', {
    schema: {
      tags,
      security,
      summary: 'Start connecting: TikTok authorize URL with the four read scopes and a single-use state (10 min)',
      params: IdParams,
      body: TikTokAuthorizeBody,
      response: { 200: TikTokAuthorizeResponse, ...TikTokErrors },
    },
    handler: async (request) => startAuthorize(ctx, request.auth, request.params.id, request.body),
  });

  app.post('/tiktok/callback', {
    schema: {
      tags,
      security,
      summary: 'Finish connecting: exchange the code on the server, store tokens sealed, sync; returns the creator',
      body: TikTokCallbackBody,
      response: { 200: Creator, ...TikTokErrors },
    },
    handler: async (request) => {
      try {
        return toCreator(await completeExtensionCallback(ctx, request.auth, request.body));
      } catch (err) {
        throw toAppError(err);
      }
    },
  });

  app.post('/creators/:id/tiktok/invite', {
    config: { idempotent: true },
    schema: {
      tags,
      security,
      summary: 'A hosted connect link for the creator (no extension needed)',
      params: IdParams,
      response: { 201: TikTokInviteResponse, ...TikTokErrors },
    },
    handler: async (request, reply) => reply.code(201).send(await createInvite(ctx, request.auth, request.params.id)),
  });

  app.post('/creators/:id/tiktok/sync', {
    schema: { tags, security, summary: 'Sync profile, stats and recent videos now', params: IdParams, response: { 200: Creator, ...TikTokErrors } },
    handler: async (request) => {
      const creator = await findAccessibleCreator(app.db, request.auth, request.params.id);
      const connection = await tiktokConnectionModel(app.db).findOne({ _id: creator._id, tenantId: request.auth.tenant }, { status: 1 }).lean<Pick<TikTokConnectionDoc, 'status'>>();
      if (!connection) throw new AppError('TIKTOK_NOT_CONNECTED');
      if (connection.status !== 'active') throw new AppError('TIKTOK_CONNECTION_EXPIRED');
      try {
        await syncCreator(ctx, request.auth.tenant, creator._id, { maxBudgetWaitMs: 5_000 });
      } catch (err) {
        throw toAppError(err);
      }
      const doc = await creatorModel(app.db).findOne({ _id: creator._id, tenantId: request.auth.tenant }).lean<CreatorDoc>();
      if (!doc) throw new AppError('NOT_FOUND', 'Creator not found.');
      return toCreator(doc);
    },
  });

  app.get('/creators/:id/metrics', {
    schema: {
      tags,
      security,
      summary: 'Follower series over `days`, recent videos, engagement rate and averages',
      params: IdParams,
      querystring: MetricsQuery,
      response: { 200: CreatorMetrics, ...StandardErrors },
    },
    handler: async (request) => creatorMetrics(ctx, request.auth, request.params.id, request.query.days ?? 30),
  });

  app.delete('/creators/:id/tiktok', {
    schema: {
      tags,
      security,
      summary: 'Disconnect: revoke at TikTok, delete the tokens, purge TikTok data (the creator stays)',
      params: IdParams,
      response: { 204: Type.Null(), ...TikTokErrors },
    },
    handler: async (request, reply) => {
      const creator = await findAccessibleCreator(app.db, request.auth, request.params.id);
      await disconnectCreator(ctx, request.auth.tenant, creator._id, 'disconnect', { revoke: true, activity: true });
      return reply.code(204).send(null);
    },
  });
};
