import { Schema, type Connection, type Types } from 'mongoose';
import { modelOn } from '../../db/connection';
import { tenantScopePlugin } from '../../db/tenant-scope';
import { rosterVersionPlugin } from './roster-version';
import type { TikTokStatus } from '@shared/schemas/creators';

export interface CreatorDoc {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  handle: string;
  displayName: string;
  /** Lower-cased display name for prefix search (a case-insensitive regex cannot use an index). */
  displayNameLower: string;
  avatarUrl: string | null;
  tags: string[];
  managerId: Types.ObjectId | null;
  notes: string;
  tiktok: {
    status: TikTokStatus;
    openId?: string;
    username?: string;
    displayName?: string;
    avatarUrl?: string;
    bio?: string;
    isVerified?: boolean;
    profileDeepLink?: string;
    scopes?: string[];
    stats?: { followers: number; following: number; likes: number; videos: number };
    syncedAt?: Date;
  };
  live: { tracking: boolean; isLive: boolean; sessionId?: Types.ObjectId | null };
  /** Running totals kept with $inc as sessions end or are imported; never aggregated on read. */
  totals: { diamonds: number; liveSeconds: number; sessions: number };
  /** Tokens of totals additions not yet settled by their source (totals.ts): a repeat of one adds nothing. */
  pendingTotals?: string[];
  createdAt: Date;
  updatedAt: Date;
}

const creatorSchema = new Schema<CreatorDoc>(
  {
    handle: { type: String, required: true },
    displayName: { type: String, default: '' },
    displayNameLower: { type: String, default: '' },
    avatarUrl: { type: String, default: null },
    tags: { type: [String], default: [] },
    managerId: { type: Schema.Types.ObjectId, default: null },
    notes: { type: String, default: '' },
    tiktok: {
      status: { type: String, enum: ['not_connected', 'connected', 'expired', 'revoked'], default: 'not_connected' },
      openId: String,
      username: String,
      displayName: String,
      avatarUrl: String,
      bio: String,
      isVerified: Boolean,
      profileDeepLink: String,
      scopes: { type: [String], default: undefined },
      stats: { type: { followers: Number, following: Number, likes: Number, videos: Number }, default: undefined, _id: false },
      syncedAt: Date,
    },
    live: {
      tracking: { type: Boolean, default: false },
      isLive: { type: Boolean, default: false },
      sessionId: { type: Schema.Types.ObjectId, default: null },
    },
    totals: {
      diamonds: { type: Number, default: 0 },
      liveSeconds: { type: Number, default: 0 },
      sessions: { type: Number, default: 0 },
    },
    pendingTotals: { type: [String], default: undefined },
  },
  { timestamps: true },
);
creatorSchema.plugin(tenantScopePlugin);
creatorSchema.plugin(rosterVersionPlugin);
creatorSchema.index({ tenantId: 1, handle: 1 }, { unique: true });
creatorSchema.index({ tenantId: 1, displayNameLower: 1 });
creatorSchema.index({ tenantId: 1, tags: 1, handle: 1 });
creatorSchema.index({ tenantId: 1, managerId: 1, handle: 1 });
creatorSchema.index({ tenantId: 1, 'live.isLive': 1 });
creatorSchema.index({ 'live.tracking': 1 });
creatorSchema.index({ tenantId: 1, 'tiktok.openId': 1 });

export const creatorModel = (conn: Connection) => modelOn(conn, 'Creator', creatorSchema);
