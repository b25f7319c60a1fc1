/**
 * Access tokens for Display API calls, refreshed transparently: before a call
 * when the access token is about to expire, and after `access_token_invalid`.
 *
 * TikTok rotates refresh tokens (the old one dies when used), so two refreshes
 * of one connection would lock the creator out. Refresh is single-flight:
 * in process (one promise per connection and token version) and across
 * instances (a lease on the connection document, taken by compare-and-set on
 * tokenVersion; others wait for the version to move and read the new token).
 * The rotated tokens are written before the new access token is used.
 */
import type { Connection, Types } from 'mongoose';
import { addSystemActivity } from '../activities/service';
import { creatorModel } from '../creators/model';
import { notifyAdmins } from '../notifications/service';
import { ConnectionExpiredError, tokenAad, type AccessGrant, type TikTokContext } from './context';
import { openSecret, sealSecret } from './crypto';
import { TikTokError, type TokenSet } from './display-client';
import { tiktokConnectionModel, type TikTokConnectionDoc } from './model';

/** Refresh when the access token has less than this left. */
const REFRESH_MARGIN_MS = 5 * 60_000;
/** Longer than a refresh call can take (timeout 10 s), so a live holder never loses it. */
const LEASE_MS = 45_000;
const WAIT_STEP_MS = 150;
const LEASE_SETTLE_MS = 60;

export function sealTokens(ctx: TikTokContext, tenantId: Types.ObjectId, creatorId: Types.ObjectId, tokens: TokenSet) {
  const aad = tokenAad(tenantId, creatorId);
  return {
    accessToken: sealSecret(ctx.config.tokenEncryptionKeys, tokens.accessToken, aad),
    refreshToken: sealSecret(ctx.config.tokenEncryptionKeys, tokens.refreshToken, aad),
    accessExpiresAt: tokens.accessExpiresAt,
    refreshExpiresAt: tokens.refreshExpiresAt,
  };
}

function openAccess(ctx: TikTokContext, doc: TikTokConnectionDoc): AccessGrant {
  if (!doc.accessToken) throw new ConnectionExpiredError();
  return { token: openSecret(ctx.config.tokenEncryptionKeys, doc.accessToken, tokenAad(doc.tenantId, doc._id)), version: doc.tokenVersion };
}

async function load(ctx: TikTokContext, tenantId: Types.ObjectId, creatorId: Types.ObjectId): Promise<TikTokConnectionDoc | null> {
  return tiktokConnectionModel(ctx.conn).findOne({ _id: creatorId, tenantId }).lean<TikTokConnectionDoc>();
}

/** A usable access token, refreshed first when it is about to expire. */
export async function currentAccessToken(ctx: TikTokContext, tenantId: Types.ObjectId, creatorId: Types.ObjectId): Promise<AccessGrant> {
  const doc = await load(ctx, tenantId, creatorId);
  if (!doc || doc.status !== 'active') throw new ConnectionExpiredError();
  const expiresAt = doc.accessExpiresAt?.getTime() ?? 0;
  if (expiresAt - ctx.tuning.now() > REFRESH_MARGIN_MS) return openAccess(ctx, doc);
  return refreshAccessToken(ctx, tenantId, creatorId, doc.tokenVersion);
}

/**
 * Runs `call` with an access token; on `access_token_invalid` refreshes once
 * (single-flight) and retries with the new token.
 */
export async function withAccessToken<T>(ctx: TikTokContext, tenantId: Types.ObjectId, creatorId: Types.ObjectId, call: (token: string) => Promise<T>): Promise<T> {
  const grant = await currentAccessToken(ctx, tenantId, creatorId);
  try {
    return await call(grant.token);
  } catch (err) {
    if (!(err instanceof TikTokError) || err.kind !== 'token_invalid') throw err;
  }
  const fresh = await refreshAccessToken(ctx, tenantId, creatorId, grant.version);
  try {
    return await call(fresh.token);
  } catch (err) {
    // A token TikTok issued a moment ago is refused: the authorization itself is gone.
    if (err instanceof TikTokError && err.kind === 'token_invalid') {
      await markExpired(ctx, tenantId, creatorId, 'access token refused right after a refresh');
      throw new ConnectionExpiredError();
    }
    throw err;
  }
}

/** Refreshes the tokens of version `seenVersion` (or returns the newer token someone else already got). */
export function refreshAccessToken(ctx: TikTokContext, tenantId: Types.ObjectId, creatorId: Types.ObjectId, seenVersion: number): Promise<AccessGrant> {
  const key = `${String(creatorId)}:${seenVersion}`;
  const running = ctx.refreshes.get(key);
  if (running) return running;
  const flight = refreshOnce(ctx, tenantId, creatorId, seenVersion).finally(() => ctx.refreshes.delete(key));
  ctx.refreshes.set(key, flight);
  return flight;
}

async function refreshOnce(ctx: TikTokContext, tenantId: Types.ObjectId, creatorId: Types.ObjectId, seenVersion: number): Promise<AccessGrant> {
  const connections = tiktokConnectionModel(ctx.conn);
  const deadline = ctx.tuning.now() + LEASE_MS * 2;
  for (;;) {
    const doc = await load(ctx, tenantId, creatorId);
    if (!doc || doc.status !== 'active') throw new ConnectionExpiredError();
    if (doc.tokenVersion > seenVersion) return openAccess(ctx, doc);
    const now = ctx.tuning.now();
    const leased = await connections
      .findOneAndUpdate(
        { _id: creatorId, tenantId, status: 'active', tokenVersion: seenVersion, $or: [{ refreshingUntil: null }, { refreshingUntil: { $lt: new Date(now) } }] },
        { $set: { refreshingUntil: new Date(now + LEASE_MS), refreshingBy: ctx.instanceId } },
        { returnDocument: 'after' },
      )
      .lean<TikTokConnectionDoc>();
    if (leased) {
      // FerretDB on SQLite does not make findAndModify an atomic compare-and-set across connections: two
      // instances can both "win". Writes are serialised, so after a short settle the stored holder is the one
      // winner; anyone else goes back to waiting instead of spending a refresh token that is about to die.
      await new Promise((resolve) => setTimeout(resolve, LEASE_SETTLE_MS));
      const settled = await load(ctx, tenantId, creatorId);
      if (settled && settled.refreshingBy === ctx.instanceId && settled.tokenVersion === seenVersion) return refreshWithLease(ctx, leased);
      if (settled && settled.tokenVersion > seenVersion) return openAccess(ctx, settled);
    }
    // Another request or instance is refreshing: wait for the version to move.
    if (ctx.tuning.now() > deadline) throw new TikTokError('unavailable', 'refresh_wait_timeout', 'Waited too long for another instance to refresh the TikTok token.', 0);
    await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
  }
}

async function refreshWithLease(ctx: TikTokContext, doc: TikTokConnectionDoc): Promise<AccessGrant> {
  const connections = tiktokConnectionModel(ctx.conn);
  const mine = { _id: doc._id, tenantId: doc.tenantId, tokenVersion: doc.tokenVersion, refreshingBy: ctx.instanceId };
  let tokens: TokenSet;
  try {
    if (!doc.refreshToken) throw new ConnectionExpiredError();
    const refreshToken = openSecret(ctx.config.tokenEncryptionKeys, doc.refreshToken, tokenAad(doc.tenantId, doc._id));
    tokens = await ctx.client.refresh(refreshToken);
  } catch (err) {
    if (err instanceof ConnectionExpiredError || (err instanceof TikTokError && err.kind === 'invalid_grant')) {
      await markExpired(ctx, doc.tenantId, doc._id, err instanceof TikTokError ? err.code : 'no refresh token');
      throw new ConnectionExpiredError();
    }
    // Transient (network, 5xx, 429): release the lease so the next caller can try again.
    await connections.updateOne(mine, { $set: { refreshingUntil: null, refreshingBy: null } });
    throw err;
  }
  // Persist the rotated pair before anyone uses the new access token: the old refresh token is dead now.
  const saved = await connections.updateOne(
    { _id: doc._id, tenantId: doc.tenantId, tokenVersion: doc.tokenVersion },
    {
      $set: { ...sealTokens(ctx, doc.tenantId, doc._id, tokens), scopes: tokens.scopes.length ? tokens.scopes : doc.scopes, refreshingUntil: null, refreshingBy: null },
      $inc: { tokenVersion: 1 },
    },
  );
  if (saved.modifiedCount !== 1) {
    // Only possible if the connection was disconnected meanwhile; the new tokens are dropped with it.
    ctx.log.warn({ creatorId: String(doc._id) }, 'tiktok: refreshed tokens could not be stored (connection changed meanwhile)');
    throw new ConnectionExpiredError();
  }
  ctx.log.info({ creatorId: String(doc._id), tokenVersion: doc.tokenVersion + 1 }, 'tiktok: tokens refreshed');
  return { token: tokens.accessToken, version: doc.tokenVersion + 1 };
}

/**
 * Refresh failed for good: tokens are deleted, the creator shows `expired`, a
 * system activity goes on its timeline and the agency's admins are notified.
 * Compare-and-set on status, so this happens once however many callers fail.
 */
export async function markExpired(ctx: TikTokContext, tenantId: Types.ObjectId, creatorId: Types.ObjectId, why: string): Promise<void> {
  const res = await tiktokConnectionModel(ctx.conn).updateOne(
    { _id: creatorId, tenantId, status: 'active' },
    { $set: { status: 'expired', accessToken: null, refreshToken: null, accessExpiresAt: null, refreshExpiresAt: null, refreshingUntil: null, refreshingBy: null }, $inc: { tokenVersion: 1 } },
  );
  if (res.modifiedCount !== 1) return;
  ctx.log.warn({ creatorId: String(creatorId), why }, 'tiktok: connection expired');
  const creator = await creatorModel(ctx.conn).findOneAndUpdate({ _id: creatorId, tenantId }, { $set: { 'tiktok.status': 'expired' } }, { returnDocument: 'after' }).lean();
  if (!creator) return;
  await addSystemActivity(ctx.conn, {
    tenantId,
    creatorId,
    type: 'tiktok',
    body: 'TikTok connection expired: TikTok no longer accepts our authorization. Ask the creator to connect again.',
    data: { event: 'expired' },
  });
  if (ctx.onConnectionExpired) await ctx.onConnectionExpired({ tenantId, creatorId, handle: creator.handle, why });
  else await notifyExpiredConnection(ctx.conn, { tenantId, creatorId, handle: creator.handle });
}

/** The admins' `tiktok_expired` notification (when no alerts module is wired in). */
export async function notifyExpiredConnection(conn: Connection, input: { tenantId: Types.ObjectId; creatorId: Types.ObjectId; handle: string }): Promise<void> {
  await notifyAdmins(conn, {
    tenantId: input.tenantId,
    creatorId: input.creatorId,
    type: 'tiktok_expired',
    title: `TikTok connection of @${input.handle} expired`,
    body: 'LiveRoster can no longer sync this creator. Send them a new connect link or reconnect from the side panel.',
  });
}
