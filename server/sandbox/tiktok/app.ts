import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerControlRoutes } from './control-routes';import { baseUrlOf, coverSignature, displayError, registerDisplayRoutes } from './display-routes';
import { avatarSvg, coverSvg, indexPage, profilePage } from './pages';
import { createControl, SandboxState, type SandboxControl } from './state';
import { logId } from './traffic';
import type { SandboxTikTokOptions } from './types';

declare module 'fastify' {
  interface FastifyInstance {
    /** The sandbox's typed control surface (present only on the sandbox TikTok server). */
    tiktokSandbox: SandboxControl;
  }
}

import { registerOAuthRoutes } from './oauth-routes';

/** Pages that are not part of TikTok's API: index, profiles/videos behind share links, generated images. */
function registerSandboxPages(app: FastifyInstance, sandbox: SandboxState): void {
  const html = 'text/html; charset=utf-8';
  app.get('/', async (request, reply) =>
    reply.type(html).send(indexPage({ appName: sandbox.config.appName, accounts: [...sandbox.accounts.values()], now: sandbox.now(), baseUrl: baseUrlOf(sandbox, request) })),
  );
  app.get('/sandbox/media/avatar/:file', async (request, reply) => {
    const openId = decodeURIComponent((request.params as { file: string }).file.replace(/\.svg$/, ''));
    const account = sandbox.accounts.get(openId);
    if (!account) return reply.code(404).send({ error: 'no such avatar' });
    const size = Math.min(1080, Math.max(16, Number((request.query as { size?: string }).size) || 168));
    return reply.type('image/svg+xml').header('cache-control', 'public, max-age=3600').send(avatarSvg(account, size));
  });
  app.get('/sandbox/media/cover/:file', async (request, reply) => {
    const videoId = (request.params as { file: string }).file.replace(/\.svg$/, '');
    const query = request.query as { 'x-expires'?: string; 'x-signature'?: string };
    const expires = Number(query['x-expires']);
    // Like TikTok's CDN: a cover URL stops working once x-expires has passed.
    if (!Number.isFinite(expires) || query['x-signature'] !== coverSignature(sandbox.config.clientSecret, videoId, expires)) {
      return reply.code(403).send({ error: 'invalid signature' });
    }
    if (expires * 1000 <= sandbox.now()) return reply.code(403).send({ error: 'url expired' });
    const video = [...sandbox.accounts.values()].flatMap((a) => a.videos).find((v) => v.id === videoId);
    if (!video) return reply.code(404).send({ error: 'no such video' });
    return reply.type('image/svg+xml').send(coverSvg(video.title));
  });
  app.get('/@:handle', async (request, reply) => {
    const account = sandbox.findAccount((request.params as { handle: string }).handle);
    return account ? reply.type(html).send(profilePage(account, sandbox.now())) : reply.code(404).send({ error: 'no such account' });
  });
  app.get('/@:handle/video/:id', async (request, reply) => {
    const params = request.params as { handle: string; id: string };
    const account = sandbox.findAccount(params.handle);
    return account ? reply.type(html).send(profilePage(account, sandbox.now(), params.id)) : reply.code(404).send({ error: 'no such account' });
  });
  app.get('/embed/v2/:id', async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const account = [...sandbox.accounts.values()].find((a) => a.videos.some((v) => v.id === id));
    return account ? reply.type(html).send(profilePage(account, sandbox.now(), id)) : reply.code(404).send({ error: 'no such video' });
  });
}

/** Builds the sandbox TikTok as a Fastify instance; no side effects until it listens. `app.tiktokSandbox` is the control. */
export function buildSandboxTikTok(options: SandboxTikTokOptions): FastifyInstance {
  const sandbox = new SandboxState(options);
  const control = createControl(sandbox);
  const app = Fastify({ logger: options.logger ?? false });
  app.decorate('tiktokSandbox', control);
  app.register(formbody);
  // Malformed bodies get the error shape of the API they hit, not Fastify's.
  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (request.url.startsWith('/v2/oauth/')) {
      return reply.code(status >= 500 ? 500 : 400).send({
        error: status >= 500 ? 'server_error' : 'invalid_request',
        error_description: error.message,
        log_id: logId(sandbox.now()),
      });
    }
    if (request.url.startsWith('/v2/user/') || request.url.startsWith('/v2/video/')) {
      return displayError(sandbox, reply, status >= 500 ? 'internal_error' : 'invalid_params', error.message);
    }
    return reply.code(status).send({ error: error.message });
  });
  app.register(async (scope) => {
    registerOAuthRoutes(scope, sandbox);
    registerDisplayRoutes(scope, sandbox);
    registerControlRoutes(scope, sandbox, control);
    registerSandboxPages(scope, sandbox);
  });
  app.addHook('onClose', async () => sandbox.webhooks.stop());
  return app;
}

export interface RunningSandboxTikTok {
  baseUrl: string;
  app: FastifyInstance;
  control: SandboxControl;
  stop(): Promise<void>;
}

/** Starts the sandbox on `port` (0 = a free one) and returns its base URL and control surface. */
export async function startSandboxTikTok(
  options: SandboxTikTokOptions & { port?: number; host?: string },
): Promise<RunningSandboxTikTok> {
  const { port = 0, host = '127.0.0.1', ...rest } = options;
  // Generated links (avatars, covers, share URLs) follow the request's Host unless publicBaseUrl is set.
  const app = buildSandboxTikTok(rest);
  await app.listen({ port, host });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const listeningBase = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  return {
    baseUrl: rest.publicBaseUrl?.replace(/\/$/, '') ?? listeningBase,
    app,
    control: app.tiktokSandbox,
    stop: () => app.close(),
  };
}
