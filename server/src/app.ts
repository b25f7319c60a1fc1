/**
 * buildApp(config, runtime): the whole API as a Fastify instance, with no side
 * effects on import (tests build many). `config` is what the environment said;
 * `runtime` carries what exists only once started (database URI, sandbox URLs
 * and LIVE connection settings). Assembled in passes: core plugins, then the
 * app's own plugins, then the feature modules. Long-running workers (TikTok
 * sync, LIVE listeners) are started by main.ts, not here.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppConfig } from './config';
import { resolveRuntime, type AppRuntime } from './runtime';
import { createWorkerRegistry, type WorkerRegistry } from './lib/workers';
import { AppError } from './plugins/errors';
import { authPlugin } from './plugins/auth';
import { coordinationPlugin } from './plugins/coordination';
import { dbPlugin } from './plugins/db';
import { errorsPlugin } from './plugins/errors';
import { idempotencyPlugin } from './plugins/idempotency';
import { inputGuardPlugin } from './plugins/input-guard';
import { openapiPlugin } from './plugins/openapi';
import { securityPlugin } from './plugins/security';
import { installValidators } from './plugins/validation';
import { activitiesRoutes } from './modules/activities/routes';
import { auditRoutes } from './modules/audit/routes';
import { authMeRoutes, authPublicRoutes } from './modules/auth/routes';
import { createCreatorLifecycle, type CreatorLifecycle } from './modules/creators/lifecycle';
import { creatorsRoutes } from './modules/creators/routes';
import { dealsRoutes } from './modules/deals/routes';
import { importsRoutes } from './modules/imports/routes';
import { liveCreatorRoutes, liveRoutes, setupLive } from './modules/live/index';
import { monthRoutes } from './modules/month/routes';
import { createMonthLiveEvents } from './modules/month/live-events';
import { usersRoutes } from './modules/users/routes';
import { notificationsRoutes } from './modules/notifications/routes';
import { alertsPlugin } from './modules/alerts/plugin';
import { alertPreferencesRoutes } from './modules/alerts/routes';
import { webhooksRoutes } from './modules/webhooks/routes';
import { tiktokPlugin } from './modules/tiktok/plugin';
import { tiktokRoutes } from './modules/tiktok/routes';
import { connectPageRoutes } from './web/connect';
import { uploadPageRoutes } from './web/upload/routes';

declare module 'fastify' {
  interface FastifyInstance {
    config: AppConfig;
    /** Runtime objects passed beside the config (database URI, where TikTok and TikTok LIVE answer). */
    runtime: AppRuntime;
    creatorLifecycle: CreatorLifecycle;
    /** Background workers registered by modules; main.ts starts them, app.close() stops them. */
    workers: WorkerRegistry;
    /** Every route as registered (method, url, schema): the isolation suite walks it. */
    routeTable: RegisteredRoute[];
  }
}

export interface RegisteredRoute {
  method: string;
  url: string;
  schema?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

/** Redacts secrets from logs: tokens, passwords, authorization headers. */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.password',
  '*.access_token',
  '*.refresh_token',
  '*.accessToken',
  '*.refreshToken',
  '*.code_verifier',
  '*.codeVerifier',
  '*.client_secret',
];

const SECRET_QUERY_NAMES = new Set(['access_token', 'code', 'state', 'token', 'code_verifier', 'refresh_token']);

function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).trim().toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/**
 * Query secrets (SSE access token, OAuth code/state) and invite link tokens (/connect/<token>) never reach logs.
 * Parameter names are compared after percent-decoding (`access%5Ftoken`, `ACCESS_TOKEN`, `access_token[]`), so
 * no spelling of a secret's name slips through in clear.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = (q === -1 ? url : url.slice(0, q)).replace(/^\/connect\/(?!callback\b)[^/?]+/, '/connect/[redacted]');
  if (q === -1) return path;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      const name = eq === -1 ? part : part.slice(0, eq);
      return SECRET_QUERY_NAMES.has(decodedName(name).replace(/\[\]$/, '')) ? `${name}=[redacted]` : part;
    })
    .join('&');
  return `${path}?${query}`;
}

/** The licence every network user is offered the source under (AGPL-3.0 section 13). */
export const LICENSE = 'AGPL-3.0-only';

const ModeSchema = Type.Union([Type.Literal('sandbox'), Type.Literal('tiktok')]);

export async function buildApp(config: AppConfig, provided: Partial<AppRuntime> = {}): Promise<FastifyInstance> {
  const runtime = resolveRuntime(config, provided);
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
      // Access tokens may travel in the query of the SSE route (EventSource cannot send headers).
      serializers: {
        req: (req: { method: string; url: string; headers: Record<string, unknown> }) => ({
          method: req.method,
          url: redactUrl(req.url),
        }),
      },
    },
    trustProxy: config.nodeEnv === 'production',
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<TypeBoxTypeProvider>();

  installValidators(app);
  app.decorate('config', config);
  app.decorate('runtime', runtime);
  const routeTable: RegisteredRoute[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      routeTable.push({ method, url: route.url, schema: route.schema as Record<string, unknown>, config: route.config as Record<string, unknown> });
    }
  });
  app.decorate('creatorLifecycle', createCreatorLifecycle());
  const workers = createWorkerRegistry();
  app.decorate('workers', workers);
  app.addHook('onClose', async () => workers.stop());

  // Pass 1: core plugins.
  await app.register(errorsPlugin);
  await app.register(securityPlugin, { corsOrigins: config.corsOrigins });
  await app.register(openapiPlugin);
  await app.register(inputGuardPlugin);
  await app.register(dbPlugin, { uri: runtime.mongodbUri });
  await app.register(coordinationPlugin, { redisUrl: config.redisUrl, redisKeyPrefix: config.redisKeyPrefix });
  await app.register(authPlugin, { secret: config.jwtSecret, expiresIn: config.jwtExpiresIn });
  await app.register(idempotencyPlugin, { maxMultipartBytes: config.importMaxBytes + 1024 * 1024 });

  // Pass 2: health and public routes.
  app.get('/healthz', { schema: { tags: ['health'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({ status: 'ok' as const }));
  // Which TikTok each side talks to, and how the LIVE checks fare against the sign server, for operators.
  const modes = () => ({ tiktok: { mode: config.tiktok.mode }, live: { mode: config.live.mode, ...app.liveStatus() } });
  app.get('/readyz', { schema: { tags: ['health'] } }, async (_request, reply) => {
    // Not ready while the database is down (db/availability.ts), or when a ping does not answer within 2 s.
    const unavailable = () => reply.code(503).send({ error: { code: 'DATABASE_UNAVAILABLE', message: 'The database is not reachable.', details: modes() } });
    if (!app.dbAvailability.up()) return unavailable();
    try {
      await Promise.race([app.db.db!.admin().ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('ping timed out')), 2_000).unref())]);
      return { status: 'ready', ...modes() };
    } catch (err) {
      app.dbAvailability.failed(err);
      return unavailable();
    }
  });
  app.get(
    '/api/v1/config',
    {
      schema: {
        tags: ['health'],
        summary: 'Public facts a client needs before signing in',
        description: 'tiktok.mode / live.mode say whether Login Kit/Display API and LIVE are the sandbox or TikTok; sourceUrl is where this server\'s source is offered (AGPL-3.0 section 13).',
        response: {
          200: Type.Object({
            tiktok: Type.Object({ mode: ModeSchema }),
            live: Type.Object({ mode: ModeSchema }),
            sourceUrl: Type.String(),
            license: Type.String(),
            /** Kept for older clients: tiktok.mode === "sandbox" / live.mode === "sandbox". */
            sandbox: Type.Boolean(),
            liveSandbox: Type.Boolean(),
            pkceEncoding: Type.String(),
            version: Type.String(),
          }),
        },
      },
    },
    async () => ({
      tiktok: { mode: config.tiktok.mode },
      live: { mode: config.live.mode },
      sourceUrl: config.sourceUrl,
      license: LICENSE,
      sandbox: config.tiktok.mode === 'sandbox',
      liveSandbox: config.live.mode === 'sandbox',
      pkceEncoding: config.tiktok.pkceEncoding,
      version: '0.1.0',
    }),
  );
  await app.register(authPublicRoutes, { prefix: '/api/v1/auth', rateLimitPerMinute: config.authRateLimitPerMinute });
  // TikTok core (client, webhooks at /webhooks/tiktok, workers) and the hosted connect page.
  await app.register(alertsPlugin);
  await app.register(tiktokPlugin);
  await app.register(connectPageRoutes);
  await app.register(uploadPageRoutes);

  // LIVE: the stream route's query-token hook must precede authentication; workers and cleanups register here.
  // A session that ends updates its creator's month rollup in place (month/live-events.ts).
  const live = setupLive(app, { events: createMonthLiveEvents(app.db).events });

  // Pass 3: authenticated API. Everything registered inside needs a valid token.
  await app.register(
    async (api) => {
      api.addHook('onRequest', api.authenticate);
      await api.register(authMeRoutes, { prefix: '/auth', rateLimitPerMinute: config.authRateLimitPerMinute });
      await api.register(usersRoutes, { prefix: '/users' });
      await api.register(creatorsRoutes, { prefix: '/creators' });
      await api.register(activitiesRoutes, { prefix: '/creators' });
      await api.register(dealsRoutes, { prefix: '/deals' });
      await api.register(importsRoutes);
      await api.register(liveRoutes, { prefix: '/live', hub: live.hub });
      await api.register(liveCreatorRoutes, { prefix: '/creators' });
      await api.register(tiktokRoutes);
      await api.register(notificationsRoutes, { prefix: '/notifications' });
      await api.register(auditRoutes, { prefix: '/audit' });
      await api.register(monthRoutes);
      await api.register(alertPreferencesRoutes);
      await api.register(webhooksRoutes, { prefix: '/webhooks' });
    },
    { prefix: '/api/v1' },
  );

  app.setNotFoundHandler({ preHandler: app.rateLimit({ max: 120, timeWindow: '1 minute' }) }, async (request) => {
    throw new AppError('ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`);
  });

  return app;
}
