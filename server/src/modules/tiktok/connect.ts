/**
 * Connecting a creator: the authorize URL with a single-use state, and the
 * callback that exchanges the code on the server (client secret), stores the
 * tokens sealed and syncs at once. Two entry points share it: the extension
 * (it brings the PKCE challenge and, at the callback, the verifier) and the
 * hosted invite page (server-side verifier, its own callback).
 */
import { createHash, randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { TIKTOK_SCOPES, type TikTokAuthorizeBody, type TikTokAuthorizeResponse, type TikTokInviteResponse } from '@shared/schemas/tiktok';
import { addSystemActivity } from '../activities/service';
import { findAccessibleCreator } from '../creators/access';
import { creatorModel, type CreatorDoc } from '../creators/model';
import type { AuthContext } from '../../plugins/auth';
import { AppError } from '../../plugins/errors';
import { type TikTokContext } from './context';
import { openSecret, sealSecret } from './crypto';
import { TikTokError, type TokenSet } from './display-client';
import { tiktokConnectionModel, tiktokInviteModel, tiktokStateModel, type TikTokAuthStateDoc, type TikTokConnectionDoc, type TikTokInviteDoc } from './model';
import { disconnectCreator, dropPendingRevokes, purgeDerivedDocuments } from './purge';
import { syncCreator } from './sync';
import { sealTokens } from './tokens';

export const STATE_TTL_MS = 10 * 60_000;
export const INVITE_TTL_MS = 7 * 24 * 3600_000;

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const randomToken = () => randomBytes(32).toString('base64url');
const stateAad = (hash: string) => `tiktok-state:${hash}`;

/** The hosted page's redirect URI (must be registered with TikTok). */
export function hostedRedirectUri(ctx: TikTokContext): string {
  return ctx.config.tiktok.redirectUri ?? `${ctx.config.publicUrl}/connect/callback`;
}

/** Extension flow, step 1: a state bound to agency + creator + caller, and TikTok's authorize URL. */
export async function startAuthorize(ctx: TikTokContext, auth: AuthContext, creatorId: string, body: TikTokAuthorizeBody): Promise<TikTokAuthorizeResponse> {
  const creator = await findAccessibleCreator(ctx.conn, auth, creatorId);
  const redirect = new URL(body.redirectUri);
  if (redirect.protocol !== 'https:' && !(redirect.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(redirect.hostname))) {
    throw new AppError('VALIDATION_FAILED', 'redirectUri must be https (or http on localhost).', [{ field: 'redirectUri', in: 'body', message: 'must be https' }]);
  }
  const state = randomToken();
  const now = ctx.tuning.now();
  const expiresAt = new Date(now + STATE_TTL_MS);
  await tiktokStateModel(ctx.conn).create({
    _id: sha256(state),
    tenantId: auth.tenant,
    creatorId: creator._id,
    userId: new Types.ObjectId(auth.userId),
    kind: 'extension',
    redirectUri: body.redirectUri,
    expiresAt,
    createdAt: new Date(now),
  });
  const authorizeUrl = ctx.client.authorizeUrl({ scopes: TIKTOK_SCOPES, redirectUri: body.redirectUri, state, codeChallenge: body.codeChallenge });
  return { authorizeUrl, state, expiresAt: expiresAt.toISOString() };
}

/** Consumes a state atomically: unknown, used, expired or someone else's all look the same. */
async function consumeState(ctx: TikTokContext, filter: Record<string, unknown>, allTenants: boolean): Promise<TikTokAuthStateDoc> {
  const now = new Date(ctx.tuning.now());
  const query = tiktokStateModel(ctx.conn).findOneAndUpdate({ ...filter, usedAt: null, expiresAt: { $gt: now } }, { $set: { usedAt: now } }, { returnDocument: 'after' });
  if (allTenants) query.setOptions({ allTenants: true });
  const state = await query.lean<TikTokAuthStateDoc>();
  if (!state) throw new AppError('INVALID_STATE');
  return state;
}

async function exchange(ctx: TikTokContext, input: { code: string; redirectUri: string; codeVerifier: string }): Promise<TokenSet> {
  try {
    return await ctx.client.exchangeCode(input);
  } catch (err) {
    if (err instanceof TikTokError && (err.kind === 'invalid_grant' || err.kind === 'rejected')) {
      ctx.log.warn({ code: err.code, logId: err.logId }, 'tiktok: code exchange refused');
      throw new AppError('TIKTOK_AUTH_FAILED', `TikTok refused the authorization (${err.code}); start connecting again.`);
    }
    if (err instanceof TikTokError && err.kind === 'rate_limited') throw new AppError('TIKTOK_RATE_LIMITED');
    throw new AppError('TIKTOK_UNAVAILABLE');
  }
}

/** Extension flow, step 2. */
export async function completeExtensionCallback(ctx: TikTokContext, auth: AuthContext, body: { state: string; code: string; codeVerifier: string }): Promise<CreatorDoc> {
  // Bound to agency and caller in the filter itself: another agency's state is as unknown as a made-up one.
  const state = await consumeState(ctx, { _id: sha256(body.state), tenantId: auth.tenant, userId: new Types.ObjectId(auth.userId), kind: 'extension' }, false);
  const creator = await findAccessibleCreator(ctx.conn, auth, String(state.creatorId));
  const tokens = await exchange(ctx, { code: body.code, redirectUri: state.redirectUri, codeVerifier: body.codeVerifier });
  return connectCreator(ctx, creator, tokens);
}

/**
 * Stores the connection and syncs. The unique (tenantId, openId) index makes a
 * second creator with the same TikTok account a 409, even under races.
 */
export async function connectCreator(ctx: TikTokContext, creator: CreatorDoc, tokens: TokenSet): Promise<CreatorDoc> {
  const tenantId = creator.tenantId;
  const creatorId = creator._id;
  const connections = tiktokConnectionModel(ctx.conn);
  const previous = await connections.findOne({ _id: creatorId, tenantId }).lean<TikTokConnectionDoc>();
  if (previous && previous.openId !== tokens.openId) {
    // Another TikTok account replaces the old one: its token is revoked and its data purged first.
    await disconnectCreator(ctx, tenantId, creatorId, 'replaced', { revoke: true, activity: false });
  }
  const now = ctx.tuning.now();
  try {
    await connections.updateOne(
      { _id: creatorId, tenantId },
      {
        $set: {
          openId: tokens.openId,
          scopes: tokens.scopes,
          status: 'active',
          ...sealTokens(ctx, tenantId, creatorId, tokens),
          refreshingUntil: null,
          refreshingBy: null,
          connectedAt: new Date(now),
          nextSyncAt: new Date(now),
          lastSyncError: null,
        },
        $inc: { tokenVersion: 1 },
        $setOnInsert: { lastSyncAt: null },
      },
      { upsert: true },
    );
  } catch (err) {
    if ((err as { code?: number }).code === 11000) {
      // Not stored, so nothing to clean up; not revoked either, because revoking could end the other creator's grant.
      throw new AppError('TIKTOK_ACCOUNT_IN_USE');
    }
    throw err;
  }
  await dropPendingRevokes(ctx, tenantId, tokens.openId);
  if (previous?.openId !== tokens.openId) await purgeDerivedDocuments(ctx, tenantId, creatorId);
  await creatorModel(ctx.conn).updateOne(
    { _id: creatorId, tenantId },
    { $set: { 'tiktok.status': 'connected', 'tiktok.openId': tokens.openId, 'tiktok.scopes': tokens.scopes } },
  );
  await addSystemActivity(ctx.conn, { tenantId, creatorId, type: 'tiktok', body: 'TikTok account connected.', data: { event: 'connected' } });
  try {
    await syncCreator(ctx, tenantId, creatorId);
  } catch (err) {
    // Connected all the same: the scheduler syncs it soon (nextSyncAt is now).
    ctx.log.warn({ creatorId: String(creatorId), err: err instanceof Error ? err.message : String(err) }, 'tiktok: first sync failed');
    await connections.updateOne({ _id: creatorId, tenantId }, { $set: { lastSyncError: err instanceof Error ? err.message : 'sync failed' } });
  }
  const doc = await creatorModel(ctx.conn).findOne({ _id: creatorId, tenantId }).lean<CreatorDoc>();
  if (!doc) throw new AppError('NOT_FOUND', 'Creator not found.');
  return doc;
}

/** A hosted connect link for a creator away from the manager's desk. */
export async function createInvite(ctx: TikTokContext, auth: AuthContext, creatorId: string): Promise<TikTokInviteResponse> {
  const creator = await findAccessibleCreator(ctx.conn, auth, creatorId);
  const token = randomToken();
  const now = ctx.tuning.now();
  const expiresAt = new Date(now + INVITE_TTL_MS);
  await tiktokInviteModel(ctx.conn).create({
    _id: sha256(token),
    tenantId: auth.tenant,
    creatorId: creator._id,
    createdBy: new Types.ObjectId(auth.userId),
    expiresAt,
    createdAt: new Date(now),
  });
  return { url: `${ctx.config.publicUrl}/connect/${token}`, expiresAt: expiresAt.toISOString() };
}

export interface OpenInvite {
  invite: TikTokInviteDoc;
  creator: CreatorDoc;
}

/** The invite behind a link token, if it is still usable. Looked up by the token's hash across tenants: the token is the credential. */
export async function findInvite(ctx: TikTokContext, token: string): Promise<OpenInvite | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const invite = await tiktokInviteModel(ctx.conn).findOne({ _id: sha256(token) }).setOptions({ allTenants: true }).lean<TikTokInviteDoc>();
  if (!invite || invite.usedAt || invite.expiresAt.getTime() <= ctx.tuning.now()) return null;
  const creator = await creatorModel(ctx.conn).findOne({ _id: invite.creatorId, tenantId: invite.tenantId }).lean<CreatorDoc>();
  return creator ? { invite, creator } : null;
}

/** Hosted page, step 1: the server makes the PKCE verifier and keeps it (sealed) with the state. */
export async function startInviteAuthorize(ctx: TikTokContext, token: string): Promise<string | null> {
  const open = await findInvite(ctx, token);
  if (!open) return null;
  const verifier = randomBytes(48).toString('base64url');
  const digest = createHash('sha256').update(verifier).digest();
  const challenge = ctx.config.tiktok.pkceEncoding === 'hex' ? digest.toString('hex') : digest.toString('base64url');
  const state = randomToken();
  const hash = sha256(state);
  const now = ctx.tuning.now();
  const redirectUri = hostedRedirectUri(ctx);
  await tiktokStateModel(ctx.conn).create({
    _id: hash,
    tenantId: open.invite.tenantId,
    creatorId: open.invite.creatorId,
    userId: null,
    kind: 'invite',
    inviteId: open.invite._id,
    redirectUri,
    codeVerifier: sealSecret(ctx.config.tokenEncryptionKeys, verifier, stateAad(hash)),
    expiresAt: new Date(now + STATE_TTL_MS),
    createdAt: new Date(now),
  });
  return ctx.client.authorizeUrl({ scopes: TIKTOK_SCOPES, redirectUri, state, codeChallenge: challenge });
}

/** Hosted page, step 2 (GET /connect/callback). */
export async function completeInviteCallback(ctx: TikTokContext, input: { state: string; code: string }): Promise<CreatorDoc> {
  const hash = sha256(input.state);
  // The callback carries no agency: the state's hash is the only key, so this lookup spans tenants.
  const state = await consumeState(ctx, { _id: hash, kind: 'invite' }, true);
  const invite = await tiktokInviteModel(ctx.conn).findOne({ _id: state.inviteId, tenantId: state.tenantId }).lean<TikTokInviteDoc>();
  if (!invite || invite.usedAt || invite.expiresAt.getTime() <= ctx.tuning.now() || !state.codeVerifier) throw new AppError('INVALID_STATE');
  const creator = await creatorModel(ctx.conn).findOne({ _id: state.creatorId, tenantId: state.tenantId }).lean<CreatorDoc>();
  if (!creator) throw new AppError('INVALID_STATE');
  const codeVerifier = openSecret(ctx.config.tokenEncryptionKeys, state.codeVerifier, stateAad(hash));
  const tokens = await exchange(ctx, { code: input.code, redirectUri: state.redirectUri, codeVerifier });
  const connected = await connectCreator(ctx, creator, tokens);
  await tiktokInviteModel(ctx.conn).updateOne({ _id: invite._id, tenantId: invite.tenantId }, { $set: { usedAt: new Date(ctx.tuning.now()) } });
  return connected;
}
