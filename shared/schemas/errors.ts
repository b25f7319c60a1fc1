/**
 * Every failure the API can answer with, defined once: its HTTP status and the
 * default message. The server throws these by code; the extension switches on them.
 */
export const ERROR_CATALOGUE = {
  VALIDATION_FAILED: { status: 400, message: 'The request is not valid; see details for the fields to fix.' },
  INVALID_KEY: { status: 400, message: 'Field names may not start with "$" or contain ".".' },
  UNAUTHORIZED: { status: 401, message: 'Sign in first: the request has no valid bearer token.' },
  TOKEN_EXPIRED: { status: 401, message: 'Your session has expired; sign in again.' },
  INVALID_CREDENTIALS: { status: 401, message: 'Email or password is wrong.' },
  FORBIDDEN: { status: 403, message: 'Your role does not allow this.' },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No such route.' },
  EMAIL_TAKEN: { status: 409, message: 'An account with this email already exists.' },
  CREATOR_EXISTS: { status: 409, message: 'A creator with this handle is already on your roster.' },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, message: 'A request with this Idempotency-Key is still being processed; retry shortly.' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, message: 'This Idempotency-Key was used for a different request.' },
  CONFLICT: { status: 409, message: 'The request conflicts with the current state.' },
  LAST_ADMIN: { status: 409, message: 'An agency needs at least one admin.' },
  SESSION_LIVE: { status: 409, message: 'This LIVE session is still running: it can be deleted once it has ended.' },
  SESSION_RECONCILED: { status: 409, message: 'This LIVE session is reconciled with another (a listener session and its imported figures) and cannot be deleted alone.' },
  SESSION_BUSY: { status: 409, message: 'This LIVE session is being added to its creator\'s totals; retry shortly.' },
  TIKTOK_ACCOUNT_IN_USE: { status: 409, message: 'This TikTok account is already connected to another creator of your agency.' },
  TIKTOK_NOT_CONNECTED: { status: 409, message: 'This creator has no TikTok account connected.' },
  INVALID_STATE: { status: 400, message: 'The authorization state is unknown, used or expired; start connecting again.' },
  TIKTOK_AUTH_FAILED: { status: 502, message: 'TikTok refused the authorization; start connecting again.' },
  TIKTOK_UNAVAILABLE: { status: 503, message: 'TikTok could not be reached; try again later.' },
  TIKTOK_RATE_LIMITED: { status: 429, message: 'TikTok is rate limiting requests; retry after the time in Retry-After.' },
  TIKTOK_CONNECTION_EXPIRED: { status: 409, message: 'The TikTok connection has expired; ask the creator to connect again.' },
  WEBHOOK_SIGNATURE_INVALID: { status: 401, message: 'The webhook signature is missing, wrong or stale.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The upload is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'This media type is not accepted here.' },
  UNPROCESSABLE: { status: 422, message: 'The request is well-formed but cannot be processed.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; wait and retry.' },
  INTERNAL: { status: 500, message: 'Internal Server Error' },
  UNAVAILABLE: { status: 503, message: 'The service is not ready.' },
  // Issue 15 (security hardening).
  TOKEN_MISSING_EXPIRY: { status: 401, message: 'The token has no expiry (exp); sign in again.' },
  TOKEN_ALGORITHM_NOT_ALLOWED: { status: 401, message: 'The token is signed with an algorithm this server does not accept; sign in again.' },
  TOKEN_NOT_YET_VALID: { status: 401, message: 'The token is not valid yet (nbf is in the future).' },
  TOKEN_REVOKED: { status: 401, message: 'This session has ended (signed out, password or role changed); sign in again.' },
  ADMIN_PASSWORD_PROTECTED: { status: 403, message: "Another admin's password can only be changed by that admin." },
  CURRENT_PASSWORD_WRONG: { status: 403, message: 'The current password is wrong.' },
  PASSWORD_TOO_WEAK: { status: 400, message: 'The password is too easy to guess; use a longer phrase that is not your name or email.' },
  INVALID_CURSOR: { status: 400, message: 'The cursor is not valid; start again from the first page.' },
  STREAM_LIMIT_REACHED: { status: 429, message: 'Too many open live streams for this user; the oldest was closed.' },
  STREAM_CAPACITY_REACHED: { status: 503, message: 'This server holds as many live streams as it can; retry shortly.' },
  // issue 10 (nothing lost)
  DATABASE_UNAVAILABLE: { status: 503, message: 'The database is not reachable right now; retry in a few seconds (LIVE listeners keep counting meanwhile).' },
  // Issue 12 (alerts and webhooks).
  WEBHOOK_URL_INVALID: { status: 400, message: 'The webhook URL is not an absolute http(s) URL this server may post to (https only in production).' },
  WEBHOOK_TARGET_REFUSED: { status: 400, message: 'The webhook URL resolves to a private, loopback or link-local address, which this server does not post to.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
