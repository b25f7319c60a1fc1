/** What every part of the TikTok module shares: one per app instance. */
import type { FastifyBaseLogger } from 'fastify';
import type { Connection, Types } from 'mongoose';
import type { AppConfig } from '../../config';
import { AppError } from '../../plugins/errors';
import { TikTokError, type TikTokClient, type TikTokTuning } from './display-client';

export interface AccessGrant {
  token: string;
  /** tokenVersion the token belongs to: a refresh compares-and-sets on it. */
  version: number;
}

export interface TikTokContext {
  conn: Connection;
  config: AppConfig;
  client: TikTokClient;
  /** Timings and the clock; tests shorten backoffs and move the clock. */
  tuning: TikTokTuning;
  log: FastifyBaseLogger;
  /** Names this process in refresh leases. */
  instanceId: string;
  /** In-process single flight of refreshes, keyed by connection and token version. */
  refreshes: Map<string, Promise<AccessGrant>>;
  /** Alerts (issue 12): a connection expired. Without it the admins get the older `tiktok_expired` notification. */
  onConnectionExpired?: (input: { tenantId: Types.ObjectId; creatorId: Types.ObjectId; handle: string; why: string }) => Promise<void>;
}

/** The connection's tokens are dead (refresh refused): the creator must connect again. */
export class ConnectionExpiredError extends Error {
  constructor() {
    super('TikTok connection expired');
    this.name = 'ConnectionExpiredError';
  }
}

/** Turns TikTok-side failures into the API's error codes (no TikTok internals, never a token). */
export function toAppError(err: unknown): unknown {
  if (err instanceof ConnectionExpiredError) return new AppError('TIKTOK_CONNECTION_EXPIRED');
  if (!(err instanceof TikTokError)) return err;
  switch (err.kind) {
    case 'rate_limited': {
      const seconds = String(Math.max(1, Math.ceil((err.retryAfterMs ?? 60_000) / 1000)));
      return new AppError('TIKTOK_RATE_LIMITED', `TikTok is rate limiting requests; retry in ${seconds} s.`, undefined, { 'Retry-After': seconds });
    }
    case 'invalid_grant':
    case 'rejected':
      return new AppError('TIKTOK_AUTH_FAILED', `TikTok refused the request (${err.code}); start connecting again.`);
    default:
      return new AppError('TIKTOK_UNAVAILABLE');
  }
}

export function tokenAad(tenantId: unknown, creatorId: unknown): string {
  return `tiktok-token:${String(tenantId)}:${String(creatorId)}`;
}
