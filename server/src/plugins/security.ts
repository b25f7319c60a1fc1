/** helmet, CORS for the extension's origin, and the rate limiter (used per route: login, signup, 404s). */
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from './errors';

export interface SecurityOptions {
  /** Allowed origins; "*" in a pattern matches one host label, e.g. chrome-extension://* */
  corsOrigins: string[];
}

function originMatchers(patterns: string[]): (string | RegExp)[] {
  return patterns.map((p) =>
    p.includes('*') ? new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]+')}$`) : p,
  );
}

export const securityPlugin = fp<SecurityOptions>(
  async function security(app: FastifyInstance, opts) {
    await app.register(helmet, {
      // Our pages (upload, connect, /docs) load their scripts and styles from this origin only.
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'https:', 'http:'],
          connectSrc: ["'self'"],
          formAction: ["'self'", 'https:', 'http:'],
        },
      },
      crossOriginResourcePolicy: { policy: 'cross-origin' },
    });
    await app.register(cors, {
      origin: originMatchers(opts.corsOrigins),
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'last-event-id'],
      exposedHeaders: ['retry-after', 'idempotent-replayed'],
      maxAge: 600,
    });
    // API answers hold tokens and agency data: no browser or proxy may keep a copy. Other answers (health,
    // webhooks, pages) default to the same unless they set a policy; static scripts, styles and images may be cached.
    app.addHook('onSend', async (request, reply, payload) => {
      const path = request.url.split('?', 1)[0];
      const current = reply.getHeader('cache-control');
      if (path.startsWith('/api/')) {
        if (!String(current ?? '').includes('no-store')) reply.header('cache-control', 'no-store');
      } else if (current === undefined && !/\.(js|css|png|svg|ico|map)$/.test(path)) {
        // Pages that chose their own policy (the upload page revalidates) keep it.
        reply.header('cache-control', 'no-store');
      }
      return payload;
    });
    await app.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) => {
        const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
        return new AppError('RATE_LIMITED', `Too many requests; retry in ${seconds} s.`, { limit: context.max }, { 'Retry-After': String(seconds) });
      },
    });
  },
  { name: 'security' },
);
