/**
 * The hosted TikTok connect page (no JWT: the random link token is the
 * credential, and only someone who may see the creator can mint one).
 *   GET  /connect/:token        page with a "Connect TikTok" button
 *   POST /connect/:token/start  server-side PKCE verifier + state → 303 to TikTok
 *   GET  /connect/callback      TikTok redirects back: exchange, connect, sync
 * Register at the root after the TikTok plugin.
 */
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { ERROR_CATALOGUE } from '@shared/schemas/errors';
import { AppError } from '../plugins/errors';
import { completeInviteCallback, findInvite, startInviteAuthorize } from '../modules/tiktok/connect';
import { toAppError } from '../modules/tiktok/context';
import { connectedPage, failedPage, invalidInvitePage, invitePage } from './connect-pages';

const TokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) });
const CallbackQuery = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 2000 })),
  state: Type.Optional(Type.String({ maxLength: 200 })),
  scopes: Type.Optional(Type.String({ maxLength: 500 })),
  error: Type.Optional(Type.String({ maxLength: 200 })),
  error_description: Type.Optional(Type.String({ maxLength: 2000 })),
});
const schema = { tags: ['connect page'], hide: true };

function html(reply: FastifyReply, status: number, body: string) {
  // Link tokens and codes must not leak to other sites or caches.
  return reply.code(status).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').type('text/html; charset=utf-8').send(body);
}

export async function connectPageRoutes(app: FastifyInstance): Promise<void> {
  const ctx = app.tiktok.ctx;
  const site = { sandbox: app.config.tiktok.mode === 'sandbox', sourceUrl: app.config.sourceUrl };
  await app.register(formbody);
  // logLevel warn: the per-request info lines would log the link token that is part of the path.
  const limited = { logLevel: 'warn' as const, config: { rateLimit: { max: 60, timeWindow: '1 minute' } } };

  app.get('/connect/callback', { ...limited, schema: { ...schema, querystring: CallbackQuery } }, async (request, reply) => {
    const query = request.query as { code?: string; state?: string; error?: string; error_description?: string };
    if (query.error) {
      const message = query.error === 'access_denied' ? 'You declined the authorization on TikTok.' : `TikTok reported: ${query.error_description ?? query.error}.`;
      return html(reply, 400, failedPage({ message, site }));
    }
    if (!query.code || !query.state) return html(reply, 400, failedPage({ message: 'TikTok did not send an authorization code back.', site }));
    try {
      const creator = await completeInviteCallback(ctx, { code: query.code, state: query.state });
      return html(reply, 200, connectedPage({ handle: creator.handle, site }));
    } catch (err) {
      const appError = toAppError(err);
      if (!(appError instanceof AppError)) throw err;
      const message =
        appError.code === 'TIKTOK_ACCOUNT_IN_USE'
          ? 'This TikTok account is already connected to another creator of this agency.'
          : appError.code === 'INVALID_STATE'
            ? 'This connection attempt expired or was already used.'
            : ERROR_CATALOGUE[appError.code].message;
      return html(reply, appError.statusCode, failedPage({ message, site }));
    }
  });

  app.get('/connect/:token', { ...limited, schema: { ...schema, params: TokenParams } }, async (request, reply) => {
    const { token } = request.params as { token: string };
    const open = await findInvite(ctx, token);
    if (!open) return html(reply, 404, invalidInvitePage(site));
    return html(reply, 200, invitePage({ token, handle: open.creator.handle, site }));
  });

  app.post('/connect/:token/start', { ...limited, schema: { ...schema, params: TokenParams } }, async (request, reply) => {
    const { token } = request.params as { token: string };
    const url = await startInviteAuthorize(ctx, token);
    if (!url) return html(reply, 404, invalidInvitePage(site));
    return reply.header('cache-control', 'no-store').redirect(url, 303);
  });
}
