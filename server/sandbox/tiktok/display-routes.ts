import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { currentStats, type SandboxAccount } from './accounts';
import type { SandboxState } from './state';
import type { Grant } from './tokens';
import { logId, sleep } from './traffic';
import type { SandboxEndpoint, SandboxVideo } from './types';

/** Display API v2 error codes with their HTTP status, defined once. */
export const DISPLAY_ERRORS = {
  access_token_invalid: { status: 401, message: 'The access token is invalid or not found in the request.' },
  scope_not_authorized: { status: 401, message: 'The user did not authorize the scope required for completing this request.' },
  scope_permission_missed: { status: 401, message: 'The user did not authorize the scope required by one of the requested fields.' },
  invalid_params: { status: 400, message: 'The request parameters are invalid.' },
  rate_limit_exceeded: { status: 429, message: 'API rate limit was exceeded, please try again later.' },
  internal_error: { status: 500, message: 'Internal server error.' },
} as const;
export type DisplayErrorCode = keyof typeof DISPLAY_ERRORS;

const USER_FIELD_SCOPES: Record<string, string> = {
  open_id: 'user.info.basic',
  union_id: 'user.info.basic',
  avatar_url: 'user.info.basic',
  avatar_url_100: 'user.info.basic',
  avatar_large_url: 'user.info.basic',
  display_name: 'user.info.basic',
  bio_description: 'user.info.profile',
  profile_deep_link: 'user.info.profile',
  is_verified: 'user.info.profile',
  username: 'user.info.profile',
  follower_count: 'user.info.stats',
  following_count: 'user.info.stats',
  likes_count: 'user.info.stats',
  video_count: 'user.info.stats',
};

const VIDEO_FIELDS = new Set([
  'id', 'create_time', 'cover_image_url', 'share_url', 'video_description', 'duration', 'height', 'width',
  'title', 'embed_html', 'embed_link', 'like_count', 'comment_count', 'share_count', 'view_count',
]);

/** TikTok's cover URLs are signed and expire (~6 h): clients must not store them as permanent. */
export const COVER_URL_TTL_SECONDS = 6 * 3600;

export function coverSignature(secret: string, videoId: string, expires: number): string {
  return createHmac('sha256', secret).update(`cover:${videoId}:${expires}`).digest('hex').slice(0, 24);
}

export function baseUrlOf(sandbox: SandboxState, request: FastifyRequest): string {
  return sandbox.config.publicBaseUrl ?? `${request.protocol}://${request.host}`;
}

function send(sandbox: SandboxState, reply: FastifyReply, data: object, code: DisplayErrorCode | 'ok' = 'ok', message?: string) {
  const status = code === 'ok' ? 200 : DISPLAY_ERRORS[code].status;
  const text = code === 'ok' ? '' : (message ?? DISPLAY_ERRORS[code].message);
  return reply.code(status).send({ data, error: { code, message: text, log_id: logId(sandbox.now()) } });
}

export function displayError(sandbox: SandboxState, reply: FastifyReply, code: DisplayErrorCode, message?: string) {
  return send(sandbox, reply, {}, code, message);
}

function parseFields(request: FastifyRequest): string[] {
  const raw = (request.query as Record<string, unknown>).fields;
  return typeof raw === 'string' ? [...new Set(raw.split(',').map((f) => f.trim()).filter(Boolean))] : [];
}

/** Injected failure → rate limit → bearer token, in that order. Returns the grant or null if a reply was sent. */
async function guard(sandbox: SandboxState, endpoint: SandboxEndpoint, request: FastifyRequest, reply: FastifyReply): Promise<Grant | null> {
  const failure = sandbox.failures.next(endpoint);
  if (failure?.kind === 'slow') await sleep(failure.delayMs);
  if (failure?.kind === '500') return displayError(sandbox, reply, 'internal_error'), null;
  if (failure?.kind === '429') return displayError(sandbox, reply, 'rate_limit_exceeded'), null;
  const header = request.headers.authorization ?? '';
  const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? '';
  const key = sandbox.config.rateLimitScope === 'token' ? `${endpoint} ${token}` : endpoint;
  if (!sandbox.limiter.take(key)) return displayError(sandbox, reply, 'rate_limit_exceeded'), null;
  const grant = token ? sandbox.tokens.grantForAccessToken(token) : undefined;
  const account = grant && sandbox.accounts.get(grant.openId);
  if (!grant || !account) return displayError(sandbox, reply, 'access_token_invalid'), null;
  return grant;
}

function videoView(sandbox: SandboxState, account: SandboxAccount, video: SandboxVideo, base: string, fields: string[]) {
  const expires = Math.floor(sandbox.now() / 1000) + COVER_URL_TTL_SECONDS;
  const shareUrl = `${base}/@${account.handle}/video/${video.id}`;
  const all: Record<string, unknown> = {
    id: video.id,
    create_time: video.createTime,
    cover_image_url: `${base}/sandbox/media/cover/${video.id}.svg?x-expires=${expires}&x-signature=${coverSignature(sandbox.config.clientSecret, video.id, expires)}`,
    share_url: shareUrl,
    video_description: video.description,
    duration: video.duration,
    height: video.height,
    width: video.width,
    title: video.title,
    embed_html: `<blockquote class="tiktok-embed" cite="${shareUrl}" data-video-id="${video.id}"><section>SANDBOX video ${video.id}</section></blockquote>`,
    embed_link: `${base}/embed/v2/${video.id}`,
    like_count: video.likeCount,
    comment_count: video.commentCount,
    share_count: video.shareCount,
    view_count: video.viewCount,
  };
  return Object.fromEntries(fields.map((f) => [f, all[f]]));
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

export function registerDisplayRoutes(app: FastifyInstance, sandbox: SandboxState): void {
  app.get('/v2/user/info/', async (request, reply) => {
    const grant = await guard(sandbox, '/v2/user/info/', request, reply);
    if (!grant) return reply;
    const account = sandbox.accounts.get(grant.openId)!;
    const fields = parseFields(request);
    if (fields.length === 0) return displayError(sandbox, reply, 'invalid_params', 'fields is required.');
    const unknown = fields.filter((f) => !(f in USER_FIELD_SCOPES));
    if (unknown.length) return displayError(sandbox, reply, 'invalid_params', `Unknown fields: ${unknown.join(',')}.`);
    const missing = fields.filter((f) => !grant.scopes.includes(USER_FIELD_SCOPES[f]));
    if (missing.length) {
      const scopes = [...new Set(missing.map((f) => USER_FIELD_SCOPES[f]))];
      return displayError(sandbox, reply, 'scope_permission_missed', `Fields ${missing.join(',')} need scope ${scopes.join(',')}.`);
    }
    const base = baseUrlOf(sandbox, request);
    const avatar = `${base}/sandbox/media/avatar/${encodeURIComponent(account.openId)}.svg`;
    const stats = currentStats(account, sandbox.now());
    const all: Record<string, unknown> = {
      open_id: account.openId,
      union_id: account.unionId,
      avatar_url: `${avatar}?size=168`,
      avatar_url_100: `${avatar}?size=100`,
      avatar_large_url: `${avatar}?size=720`,
      display_name: account.displayName,
      bio_description: account.bio,
      profile_deep_link: `${base}/@${account.handle}`,
      is_verified: account.isVerified,
      username: account.handle,
      ...stats,
    };
    return send(sandbox, reply, { user: Object.fromEntries(fields.map((f) => [f, all[f]])) });
  });

  app.post('/v2/video/list/', async (request, reply) => {
    const grant = await guard(sandbox, '/v2/video/list/', request, reply);
    if (!grant) return reply;
    if (!grant.scopes.includes('video.list')) return displayError(sandbox, reply, 'scope_not_authorized');
    const fields = parseFields(request);
    const bad = fields.filter((f) => !VIDEO_FIELDS.has(f));
    if (fields.length === 0 || bad.length) return displayError(sandbox, reply, 'invalid_params', bad.length ? `Unknown fields: ${bad.join(',')}.` : 'fields is required.');
    const body = (request.body ?? {}) as Record<string, unknown>;
    const maxCount = body.max_count ?? 10;
    if (!isInt(maxCount) || maxCount < 1 || maxCount > 20) return displayError(sandbox, reply, 'invalid_params', 'max_count must be an integer from 1 to 20.');
    const cursor = body.cursor ?? sandbox.now();
    if (!isInt(cursor) || cursor < 0) return displayError(sandbox, reply, 'invalid_params', 'cursor must be a UTC timestamp in milliseconds.');
    const account = sandbox.accounts.get(grant.openId)!;
    // Newest first; the cursor is the create_time (ms) of the last video returned, exclusive.
    const older = account.videos.filter((v) => v.createTime * 1000 < cursor);
    const page = older.slice(0, maxCount);
    const base = baseUrlOf(sandbox, request);
    return send(sandbox, reply, {
      videos: page.map((v) => videoView(sandbox, account, v, base, fields)),
      cursor: page.length ? page[page.length - 1].createTime * 1000 : cursor,
      has_more: older.length > page.length,
    });
  });

  app.post('/v2/video/query/', async (request, reply) => {
    const grant = await guard(sandbox, '/v2/video/query/', request, reply);
    if (!grant) return reply;
    if (!grant.scopes.includes('video.list')) return displayError(sandbox, reply, 'scope_not_authorized');
    const fields = parseFields(request);
    const bad = fields.filter((f) => !VIDEO_FIELDS.has(f));
    if (fields.length === 0 || bad.length) return displayError(sandbox, reply, 'invalid_params', bad.length ? `Unknown fields: ${bad.join(',')}.` : 'fields is required.');
    const filters = ((request.body ?? {}) as Record<string, unknown>).filters as Record<string, unknown> | undefined;
    const ids = filters?.video_ids;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 20 || !ids.every((id) => typeof id === 'string')) {
      return displayError(sandbox, reply, 'invalid_params', 'filters.video_ids must be 1 to 20 video id strings.');
    }
    const account = sandbox.accounts.get(grant.openId)!;
    const base = baseUrlOf(sandbox, request);
    const found = account.videos.filter((v) => ids.includes(v.id));
    return send(sandbox, reply, { videos: found.map((v) => videoView(sandbox, account, v, base, fields)) });
  });
}
