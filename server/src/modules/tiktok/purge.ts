/**
 * Disconnect and purge. A disconnect revokes the token at TikTok at once,
 * deletes the tokens, sets the creator's status and deletes every
 * TikTok-derived field and document; the creator record stays. When TikTok
 * cannot be reached the revoke is retried by the purge worker, and the purge
 * happens anyway. Purge jobs re-run until done and are deleted, with the
 * token they hold, 30 days after the disconnect whatever happened.
 */
import type { Types } from 'mongoose';
import { addSystemActivity } from '../activities/service';
import { creatorModel } from '../creators/model';
import { tokenAad, type TikTokContext } from './context';
import { openSecret } from './crypto';
import { TikTokError } from './display-client';
import {
  tiktokConnectionModel,
  tiktokInviteModel,
  tiktokPurgeJobModel,
  tiktokSnapshotModel,
  tiktokStateModel,
  tiktokVideoModel,
  tiktokWebhookEventModel,
  type TikTokConnectionDoc,
  type TikTokPurgeJobDoc,
} from './model';

export const RETENTION_MS = 30 * 24 * 3600_000;
/** Finished jobs stay a day so that a sync still in flight at disconnect time cannot leave data behind. */
const DONE_JOB_GRACE_MS = 24 * 3600_000;
const MAX_REVOKE_BACKOFF_MS = 6 * 3600_000;

/** Profile fields the sync writes onto the creator (all TikTok-derived). */
const CREATOR_TIKTOK_FIELDS = ['openId', 'username', 'displayName', 'avatarUrl', 'bio', 'isVerified', 'profileDeepLink', 'scopes', 'stats', 'syncedAt'];

export async function purgeDerivedDocuments(ctx: TikTokContext, tenantId: Types.ObjectId, creatorId: Types.ObjectId): Promise<void> {
  await tiktokSnapshotModel(ctx.conn).deleteMany({ tenantId, creatorId });
  await tiktokVideoModel(ctx.conn).deleteMany({ tenantId, creatorId });
}

async function clearCreatorProfile(ctx: TikTokContext, tenantId: Types.ObjectId, creatorId: Types.ObjectId, status: 'revoked' | 'not_connected'): Promise<void> {
  await creatorModel(ctx.conn).updateOne(
    { _id: creatorId, tenantId },
    { $set: { 'tiktok.status': status }, $unset: Object.fromEntries(CREATOR_TIKTOK_FIELDS.map((f) => [`tiktok.${f}`, 1])) },
  );
}

export type DisconnectReason = TikTokPurgeJobDoc['reason'];

/**
 * Ends a connection. `revoke: false` when TikTok already killed the token
 * (authorization.removed). Returns whether the token was revoked now.
 */
export async function disconnectCreator(
  ctx: TikTokContext,
  tenantId: Types.ObjectId,
  creatorId: Types.ObjectId,
  reason: DisconnectReason,
  options: { revoke: boolean; activity: boolean },
): Promise<{ revoked: boolean }> {
  const connections = tiktokConnectionModel(ctx.conn);
  const connection = await connections.findOne({ _id: creatorId, tenantId }).lean<TikTokConnectionDoc>();
  const now = ctx.tuning.now();
  // The job is written first: if anything below fails, the purge worker finishes it.
  const job = await tiktokPurgeJobModel(ctx.conn).create({
    tenantId,
    creatorId,
    reason,
    // Kept only while a revoke is pending (a reconnect of this account cancels it); cleared with the token.
    openId: options.revoke && connection?.accessToken ? connection.openId : null,
    disconnectedAt: new Date(now),
    revokeToken: options.revoke && connection?.accessToken ? connection.accessToken : null,
    nextRevokeAt: new Date(now),
  });
  const revoked = job.revokeToken ? await tryRevoke(ctx, job.toObject()) : false;
  await connections.deleteOne({ _id: creatorId, tenantId });
  await purgeCreator(ctx, tenantId, creatorId, 'revoked');
  await tiktokPurgeJobModel(ctx.conn).updateOne({ _id: job._id, tenantId }, { $set: { purgedAt: new Date(ctx.tuning.now()) } });
  if (options.activity && connection) {
    const body =
      reason === 'authorization_removed'
        ? 'TikTok connection removed: the creator withdrew LiveRoster’s access on TikTok. TikTok data was deleted.'
        : `TikTok disconnected; TikTok data was deleted.${revoked ? '' : ' Revoking access at TikTok will be retried.'}`;
    await addSystemActivity(ctx.conn, { tenantId, creatorId, type: 'tiktok', body, data: { event: 'disconnected', reason } });
  }
  ctx.log.info({ creatorId: String(creatorId), reason, revoked }, 'tiktok: disconnected and purged');
  return { revoked };
}

/** Every TikTok-derived field and document of a creator, plus its pending authorizations and invites. */
async function purgeCreator(ctx: TikTokContext, tenantId: Types.ObjectId, creatorId: Types.ObjectId, status: 'revoked' | 'not_connected'): Promise<void> {
  await clearCreatorProfile(ctx, tenantId, creatorId, status);
  await purgeDerivedDocuments(ctx, tenantId, creatorId);
  await tiktokStateModel(ctx.conn).deleteMany({ tenantId, creatorId });
  await tiktokInviteModel(ctx.conn).deleteMany({ tenantId, creatorId });
}

/** One revoke attempt for a job; on failure schedules the next with exponential backoff. */
async function tryRevoke(ctx: TikTokContext, job: TikTokPurgeJobDoc): Promise<boolean> {
  const jobs = tiktokPurgeJobModel(ctx.conn);
  if (!job.revokeToken) return true;
  try {
    const token = openSecret(ctx.config.tokenEncryptionKeys, job.revokeToken, tokenAad(job.tenantId, job.creatorId));
    await ctx.client.revoke(token);
  } catch (err) {
    const retryable = err instanceof TikTokError && (err.kind === 'unavailable' || err.kind === 'rate_limited');
    if (retryable) {
      const attempts = job.revokeAttempts + 1;
      const delay = Math.min(MAX_REVOKE_BACKOFF_MS, 60_000 * 2 ** (attempts - 1));
      await jobs.updateOne(
        { _id: job._id, tenantId: job.tenantId },
        { $set: { revokeAttempts: attempts, nextRevokeAt: new Date(ctx.tuning.now() + delay), lastError: (err as Error).message } },
      );
      ctx.log.warn({ creatorId: String(job.creatorId), attempts }, 'tiktok: revoke failed; will retry');
      return false;
    }
    // TikTok refused the token outright (unknown, already dead): nothing left to revoke.
    ctx.log.warn({ creatorId: String(job.creatorId), code: err instanceof TikTokError ? err.code : 'error' }, 'tiktok: revoke refused; dropping the token');
  }
  await jobs.updateOne({ _id: job._id, tenantId: job.tenantId }, { $set: { revokeToken: null, openId: null, revokedAt: new Date(ctx.tuning.now()), nextRevokeAt: null } });
  return true;
}

/**
 * After a reconnect of the same TikTok account, an old pending revoke would
 * undo the creator's fresh consent: drop those tokens (they expire on their own).
 */
export async function dropPendingRevokes(ctx: TikTokContext, tenantId: Types.ObjectId, openId: string): Promise<void> {
  await tiktokPurgeJobModel(ctx.conn).updateMany(
    { tenantId, openId, revokeToken: { $ne: null } },
    { $set: { revokeToken: null, openId: null, nextRevokeAt: null, lastError: 'superseded by a new connection' } },
  );
}

export interface PurgeRoundResult {
  revoked: number;
  revokeFailures: number;
  purged: number;
  expiredJobs: number;
}

/**
 * The purge worker's round: retry due revokes, re-run purges (catching data a
 * sync wrote late), delete finished jobs, and delete every job (with its token)
 * 30 days after its disconnect. Also sweeps expired authorization states and
 * invites, and old webhook dedupe records.
 */
export async function runPurgeRound(ctx: TikTokContext, now = ctx.tuning.now()): Promise<PurgeRoundResult> {
  const jobs = tiktokPurgeJobModel(ctx.conn);
  const result: PurgeRoundResult = { revoked: 0, revokeFailures: 0, purged: 0, expiredJobs: 0 };
  const all = await jobs.find({}).setOptions({ allTenants: true }).sort({ disconnectedAt: 1 }).limit(1000).lean<TikTokPurgeJobDoc[]>();
  for (const job of all) {
    const age = now - job.disconnectedAt.getTime();
    const reconnected = await tiktokConnectionModel(ctx.conn).exists({ _id: job.creatorId, tenantId: job.tenantId });
    if (!reconnected) {
      await purgeDerivedDocuments(ctx, job.tenantId, job.creatorId);
      if (!job.purgedAt) {
        await purgeCreator(ctx, job.tenantId, job.creatorId, 'revoked');
        await jobs.updateOne({ _id: job._id, tenantId: job.tenantId }, { $set: { purgedAt: new Date(now) } });
        result.purged++;
      }
    }
    if (age >= RETENTION_MS) {
      if (job.revokeToken) ctx.log.warn({ creatorId: String(job.creatorId) }, 'tiktok: revoke never succeeded within 30 days; deleting the token');
      await jobs.deleteOne({ _id: job._id, tenantId: job.tenantId });
      result.expiredJobs++;
      continue;
    }
    if (job.revokeToken && (!job.nextRevokeAt || job.nextRevokeAt.getTime() <= now)) {
      if (await tryRevoke(ctx, job)) result.revoked++;
      else result.revokeFailures++;
      continue;
    }
    if (!job.revokeToken && age >= DONE_JOB_GRACE_MS) await jobs.deleteOne({ _id: job._id, tenantId: job.tenantId });
  }
  await tiktokStateModel(ctx.conn).deleteMany({ expiresAt: { $lt: new Date(now) } }).setOptions({ allTenants: true });
  await tiktokInviteModel(ctx.conn).deleteMany({ expiresAt: { $lt: new Date(now) } }).setOptions({ allTenants: true });
  // TikTok retries a delivery for up to 72 h; dedupe records outlive that, then go.
  await tiktokWebhookEventModel(ctx.conn).deleteMany({ receivedAt: { $lt: new Date(now - RETENTION_MS) } });
  return result;
}
