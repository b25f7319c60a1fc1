/**
 * The one error handler: every failure leaves as `{error: {code, message, details?}}`
 * (API.md). 4xx keep their message; 5xx say only "Internal Server Error" and log the cause.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ERROR_CATALOGUE, type ErrorCode } from '@shared/schemas/errors';
import { isDatabaseUnavailableError } from '../db/availability';

export class AppError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message ?? ERROR_CATALOGUE[code].message);
    this.statusCode = ERROR_CATALOGUE[code].status;
  }
}

/** Shorthand for the most common failure: missing, or another agency's (never reveal which). */
export function notFound(what = 'Resource'): AppError {
  return new AppError('NOT_FOUND', `${what} not found.`);
}

interface AjvLikeError {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/**
 * Error answers stay small whatever the request was (a body with 95,000 unknown keys once produced a 9.4 MB
 * answer): at most MAX_DETAILS entries, each field name and message clipped, and the message says how many
 * more there were.
 */
export const MAX_DETAILS = 10;
const MAX_FIELD_CHARS = 120;
const MAX_MESSAGE_CHARS = 1_000;

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function clipDetail(detail: unknown): unknown {
  if (!detail || typeof detail !== 'object') return typeof detail === 'string' ? clip(detail, MAX_FIELD_CHARS * 2) : detail;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(detail as Record<string, unknown>).slice(0, 10)) {
    out[k] = typeof v === 'string' ? clip(v, k === 'field' ? MAX_FIELD_CHARS : MAX_FIELD_CHARS * 2) : v;
  }
  return out;
}

/** The first MAX_DETAILS details (clipped) and how many were left out. */
export function boundDetails(details: unknown): { details: unknown; more: number } {
  if (!Array.isArray(details)) {
    // Objects and scalars are the route's own summary; keep them unless they are large.
    const size = details === undefined ? 0 : JSON.stringify(details).length;
    return { details: size > 2_000 ? undefined : details, more: 0 };
  }
  return { details: details.slice(0, MAX_DETAILS).map(clipDetail), more: Math.max(0, details.length - MAX_DETAILS) };
}

function withMore(message: string, more: number): string {
  return clip(message, MAX_MESSAGE_CHARS) + (more > 0 ? ` (and ${more} more)` : '');
}

/** Turns ajv errors into `[{field, message}]` a person can act on. */
export function validationDetails(errors: AjvLikeError[], context?: string) {
  return errors.map((e) => {
    let field = (e.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    if (e.keyword === 'required' && e.params?.missingProperty) field = joinField(field, String(e.params.missingProperty));
    if (e.keyword === 'additionalProperties' && e.params?.additionalProperty) {
      field = joinField(field, String(e.params.additionalProperty));
      return { field, in: context, message: 'is not an allowed field' };
    }
    return { field: field || '(root)', in: context, message: e.message ?? 'is invalid' };
  });
}
function joinField(parent: string, child: string) {
  return parent ? `${parent}.${child}` : child;
}

const FASTIFY_CODE_MAP: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
  FST_JWT_NO_AUTHORIZATION_IN_HEADER: 'UNAUTHORIZED',
  FST_JWT_AUTHORIZATION_TOKEN_INVALID: 'UNAUTHORIZED',
  FST_JWT_AUTHORIZATION_TOKEN_UNTRUSTED: 'UNAUTHORIZED',
  FST_JWT_BAD_REQUEST: 'UNAUTHORIZED',
  FST_JWT_BAD_COOKIE_REQUEST: 'UNAUTHORIZED',
  FST_JWT_AUTHORIZATION_TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  FST_REQ_FILE_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

export const errorsPlugin = fp(
  async function errors(app: FastifyInstance) {
    app.setErrorHandler((err: FastifyError & Partial<AppError>, request, reply) => {
      if (err instanceof AppError) {
        if (err.headers) reply.headers(err.headers);
        const { details, more } = boundDetails(err.details);
        return reply.status(err.statusCode).send({ error: { code: err.code, message: withMore(err.message, more), ...(details !== undefined && { details }) } });
      }
      if (err.validation) {
        const all = err.validation as AjvLikeError[];
        const { details, more } = boundDetails(validationDetails(all.slice(0, MAX_DETAILS), err.validationContext));
        const listed = (details as { field: string; message: string }[]).map((d) => `${d.field} ${d.message}`).join('; ');
        return reply.status(400).send({
          error: {
            code: 'VALIDATION_FAILED',
            message: withMore(`Invalid ${err.validationContext ?? 'request'}: ${listed}`, more + Math.max(0, all.length - MAX_DETAILS)),
            details,
          },
        });
      }
      const mapped = err.code ? FASTIFY_CODE_MAP[err.code] : undefined;
      if (mapped) {
        const message = clip(
          mapped === 'VALIDATION_FAILED' ? `The body is not valid JSON: ${err.message}` : mapped === 'PAYLOAD_TOO_LARGE' ? err.message : ERROR_CATALOGUE[mapped].message,
          MAX_MESSAGE_CHARS,
        );
        return reply.status(ERROR_CATALOGUE[mapped].status).send({ error: { code: mapped, message } });
      }
      if ((err as { code?: unknown }).code === 11000) {
        return reply.status(409).send({ error: { code: 'CONFLICT', message: ERROR_CATALOGUE.CONFLICT.message } });
      }
      if (isDatabaseUnavailableError(err)) {
        // The database went away (restart, failover): a clear, retryable answer instead of a 500.
        (app as { dbAvailability?: { failed(e: unknown): void } }).dbAvailability?.failed(err);
        return reply.status(503).header('retry-after', '5').send({ error: { code: 'DATABASE_UNAVAILABLE', message: ERROR_CATALOGUE.DATABASE_UNAVAILABLE.message } });
      }
      const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
      if (status < 500) {
        const code = status === 429 ? 'RATE_LIMITED' : status === 404 ? 'NOT_FOUND' : status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'VALIDATION_FAILED';
        return reply.status(status).send({ error: { code, message: clip(err.message, MAX_MESSAGE_CHARS) } });
      }
      request.log.error({ err }, 'request failed');
      const code: ErrorCode = status === 503 ? 'UNAVAILABLE' : 'INTERNAL';
      return reply.status(status).send({ error: { code, message: ERROR_CATALOGUE[code].message } });
    });
  },
  { name: 'errors' },
);
