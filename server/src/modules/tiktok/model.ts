/**
 * What the TikTok module stores. Tokens live only in `tiktok_connections`
 * (sealed), never on the creator. Everything TikTok-derived (profile fields on
 * the creator, snapshots, videos) is purged on disconnect; purge jobs make
 * sure of it even when a step fails.
 */
import { Schema, type Connection, type Types } from 'mongoose';
import { modelOn } from '../../db/connection';
import { tenantScopePlugin } from '../../db/tenant-scope';
import type { SealedSecret } from './crypto';

const sealedSchema = new Schema<SealedSecret>(
  { ciphertext: { type: String, required: true }, iv: { type: String, required: true }, tag: { type: String, required: true }, keyId: { type: String, required: true } },
  { _id: false },
);

/** One per connected creator; `_id` is the creator's id (hot paths look it up by `_id`). */
export interface TikTokConnectionDoc {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  openId: string;
  scopes: string[];
  status: 'active' | 'expired';
  accessToken?: SealedSecret | null;
  refreshToken?: SealedSecret | null;
  accessExpiresAt?: Date | null;
  refreshExpiresAt?: Date | null;
  /** Bumped by every token write: refreshes compare-and-set on it. */
  tokenVersion: number;
  /** Refresh lease: only the holder refreshes; others wait for tokenVersion to move. */
  refreshingUntil: Date | null;
  refreshingBy: string | null;
  connectedAt: Date;
  lastSyncAt: Date | null;
  nextSyncAt: Date;
  lastSyncError: string | null;
}

const connectionSchema = new Schema<TikTokConnectionDoc>(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    openId: { type: String, required: true },
    scopes: { type: [String], default: [] },
    status: { type: String, enum: ['active', 'expired'], required: true },
    accessToken: { type: sealedSchema, default: null },
    refreshToken: { type: sealedSchema, default: null },
    accessExpiresAt: { type: Date, default: null },
    refreshExpiresAt: { type: Date, default: null },
    tokenVersion: { type: Number, default: 0 },
    refreshingUntil: { type: Date, default: null },
    refreshingBy: { type: String, default: null },
    connectedAt: { type: Date, required: true },
    lastSyncAt: { type: Date, default: null },
    nextSyncAt: { type: Date, required: true },
    lastSyncError: { type: String, default: null },
  },
  { collection: 'tiktok_connections' },
);
connectionSchema.plugin(tenantScopePlugin);
// One TikTok account per agency: connecting it to a second creator is a 409 (TIKTOK_ACCOUNT_IN_USE).
connectionSchema.index({ tenantId: 1, openId: 1 }, { unique: true });
connectionSchema.index({ openId: 1 });
connectionSchema.index({ nextSyncAt: 1 });

/** A pending authorization: `_id` is SHA-256 of the state handed to TikTok (the state itself is not stored). */
export interface TikTokAuthStateDoc {
  _id: string;
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
  /** Who started it (extension flow); null for the hosted invite page. */
  userId: Types.ObjectId | null;
  kind: 'extension' | 'invite';
  inviteId: string | null;
  redirectUri: string;
  /** Hosted page only: the server-side PKCE verifier, sealed. */
  codeVerifier: SealedSecret | null;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Date;
}

const stateSchema = new Schema<TikTokAuthStateDoc>(
  {
    _id: { type: String, required: true },
    creatorId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, default: null },
    kind: { type: String, enum: ['extension', 'invite'], required: true },
    inviteId: { type: String, default: null },
    redirectUri: { type: String, required: true },
    codeVerifier: { type: sealedSchema, default: null },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
    createdAt: { type: Date, required: true },
  },
  { collection: 'tiktok_auth_states' },
);
stateSchema.plugin(tenantScopePlugin);
stateSchema.index({ expiresAt: 1 });
stateSchema.index({ tenantId: 1, creatorId: 1 });

/** A hosted connect link; `_id` is SHA-256 of the random token in the URL. */
export interface TikTokInviteDoc {
  _id: string;
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
  createdBy: Types.ObjectId;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Date;
}

const inviteSchema = new Schema<TikTokInviteDoc>(
  {
    _id: { type: String, required: true },
    creatorId: { type: Schema.Types.ObjectId, required: true },
    createdBy: { type: Schema.Types.ObjectId, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
    createdAt: { type: Date, required: true },
  },
  { collection: 'tiktok_invites' },
);
inviteSchema.plugin(tenantScopePlugin);
inviteSchema.index({ expiresAt: 1 });
inviteSchema.index({ tenantId: 1, creatorId: 1 });

/** Stats at one sync: the follower series behind the sparkline. */
export interface TikTokSnapshotDoc {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
  at: Date;
  followers: number;
  following: number;
  likes: number;
  videos: number;
}

const snapshotSchema = new Schema<TikTokSnapshotDoc>(
  {
    creatorId: { type: Schema.Types.ObjectId, required: true },
    at: { type: Date, required: true },
    followers: { type: Number, required: true },
    following: { type: Number, required: true },
    likes: { type: Number, required: true },
    videos: { type: Number, required: true },
  },
  { collection: 'tiktok_snapshots' },
);
snapshotSchema.plugin(tenantScopePlugin);
snapshotSchema.index({ tenantId: 1, creatorId: 1, at: 1 });

/** A recent video; `_id` is `${creatorId}:${videoId}` so upserts go by `_id`. */
export interface TikTokVideoDoc {
  _id: string;
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
  videoId: string;
  title: string;
  description: string;
  createTime: Date;
  shareUrl: string | null;
  duration: number;
  views: number;
  likes: number;
  comments: number;
  shares: number;
  /** TikTok's signed cover URLs expire: kept only together with the time they stop working. */
  coverUrl: string | null;
  coverExpiresAt: Date | null;
  lastSeenAt: Date;
}

const videoSchema = new Schema<TikTokVideoDoc>(
  {
    _id: { type: String, required: true },
    creatorId: { type: Schema.Types.ObjectId, required: true },
    videoId: { type: String, required: true },
    title: { type: String, default: '' },
    description: { type: String, default: '' },
    createTime: { type: Date, required: true },
    shareUrl: { type: String, default: null },
    duration: { type: Number, default: 0 },
    views: { type: Number, default: 0 },
    likes: { type: Number, default: 0 },
    comments: { type: Number, default: 0 },
    shares: { type: Number, default: 0 },
    coverUrl: { type: String, default: null },
    coverExpiresAt: { type: Date, default: null },
    lastSeenAt: { type: Date, required: true },
  },
  { collection: 'tiktok_videos' },
);
videoSchema.plugin(tenantScopePlugin);
videoSchema.index({ tenantId: 1, creatorId: 1, videoId: 1 }, { unique: true });
videoSchema.index({ tenantId: 1, creatorId: 1, createTime: -1 });

/**
 * Work left after a disconnect: revoking the token at TikTok (retried while
 * TikTok is unreachable) and purging derived data (re-run until it succeeds).
 * Whatever happens, nothing survives `disconnectedAt + 30 days`: then the job
 * (and the token it held) is deleted.
 */
export interface TikTokPurgeJobDoc {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
  reason: 'disconnect' | 'authorization_removed' | 'creator_deleted' | 'replaced';
  /** The disconnected account while its revoke is pending (a reconnect of it cancels the revoke); null otherwise. */
  openId: string | null;
  disconnectedAt: Date;
  /** The access token to revoke, sealed; null once revoked or when there is nothing to revoke. */
  revokeToken: SealedSecret | null;
  revokeAttempts: number;
  nextRevokeAt: Date | null;
  revokedAt: Date | null;
  purgedAt: Date | null;
  lastError: string | null;
}

const purgeJobSchema = new Schema<TikTokPurgeJobDoc>(
  {
    creatorId: { type: Schema.Types.ObjectId, required: true },
    reason: { type: String, required: true },
    openId: { type: String, default: null },
    disconnectedAt: { type: Date, required: true },
    revokeToken: { type: sealedSchema, default: null },
    revokeAttempts: { type: Number, default: 0 },
    nextRevokeAt: { type: Date, default: null },
    revokedAt: { type: Date, default: null },
    purgedAt: { type: Date, default: null },
    lastError: { type: String, default: null },
  },
  { collection: 'tiktok_purge_jobs' },
);
purgeJobSchema.plugin(tenantScopePlugin);
purgeJobSchema.index({ disconnectedAt: 1 });
purgeJobSchema.index({ tenantId: 1, creatorId: 1 });

/**
 * Webhook deliveries, deduplicated by SHA-256 of the raw body (TikTok delivers
 * at least once). Not tenant-scoped: one delivery can concern connections in
 * several agencies. The body is kept only until it has been processed.
 */
export interface TikTokWebhookEventDoc {
  _id: string;
  event: string;
  receivedAt: Date;
  body: string | null;
  processedAt: Date | null;
  attempts: number;
}

const webhookEventSchema = new Schema<TikTokWebhookEventDoc>(
  {
    _id: { type: String, required: true },
    event: { type: String, required: true },
    receivedAt: { type: Date, required: true },
    body: { type: String, default: null },
    processedAt: { type: Date, default: null },
    attempts: { type: Number, default: 0 },
  },
  { collection: 'tiktok_webhook_events' },
);
webhookEventSchema.index({ processedAt: 1, receivedAt: 1 });

export const tiktokConnectionModel = (conn: Connection) => modelOn(conn, 'TikTokConnection', connectionSchema);
export const tiktokStateModel = (conn: Connection) => modelOn(conn, 'TikTokAuthState', stateSchema);
export const tiktokInviteModel = (conn: Connection) => modelOn(conn, 'TikTokInvite', inviteSchema);
export const tiktokSnapshotModel = (conn: Connection) => modelOn(conn, 'TikTokSnapshot', snapshotSchema);
export const tiktokVideoModel = (conn: Connection) => modelOn(conn, 'TikTokVideo', videoSchema);
export const tiktokPurgeJobModel = (conn: Connection) => modelOn(conn, 'TikTokPurgeJob', purgeJobSchema);
export const tiktokWebhookEventModel = (conn: Connection) => modelOn(conn, 'TikTokWebhookEvent', webhookEventSchema);

/** Every collection holding TikTok-derived data per creator (the purge test reads them raw). */
export const TIKTOK_DERIVED_COLLECTIONS = ['tiktok_connections', 'tiktok_snapshots', 'tiktok_videos'] as const;
