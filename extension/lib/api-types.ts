/**
 * Request/response types of the LiveRoster HTTP API (contract: /work/shared/API.md, version 1).
 * Temporary mirror: replace with imports from `@shared/schemas` once the server's TypeBox schemas land,
 * so the contract has one source of types.
 */

export type Role = 'admin' | 'manager';
export interface User { id: string; email: string; name: string; role: Role }
export interface Agency { id: string; name: string }
export interface AuthResponse { token: string; user: User; agency: Agency }

export interface Money { amount: number; currency: string }

export type TikTokStatus = 'not_connected' | 'connected' | 'expired' | 'revoked';
export interface TikTokStats { followers: number; following: number; likes: number; videos: number }

export interface Creator {
  id: string;
  handle: string;
  displayName: string;
  avatarUrl?: string | null;
  tags: string[];
  managerId?: string | null;
  notes?: string | null;
  tiktok: {
    status: TikTokStatus;
    openId?: string;
    username?: string;
    bio?: string;
    isVerified?: boolean;
    stats?: TikTokStats;
    syncedAt?: string;
  };
  live: { tracking: boolean; isLive: boolean; sessionId?: string | null };
  totals: { diamonds: number; liveSeconds: number; sessions: number };
  createdAt: string;
  updatedAt: string;
}

export interface CreatorInput { handle: string; displayName?: string; tags?: string[]; managerId?: string; notes?: string }

export interface Video {
  id: string;
  title: string;
  createTime: string | number;
  viewCount: number;
  likeCount: number;
  commentCount: number;
  shareCount: number;
  shareUrl: string;
  coverImageUrl?: string;
}

export interface CreatorMetrics {
  followers: Array<{ at: string; count: number }>;
  videos: Video[];
  engagementRate: number;
  averages: { views: number; likes: number; comments: number; shares: number };
}

export const DEAL_STAGES = ['lead', 'negotiating', 'contracted', 'delivered', 'paid', 'lost'] as const;
export type DealStage = (typeof DEAL_STAGES)[number];
export interface DealInput { creatorId: string; brand: string; title?: string; value: Money; stage?: DealStage; dueDate?: string; notes?: string }
export interface Deal extends DealInput { id: string; stage: DealStage; createdAt: string; updatedAt: string }

export type ActivityType = 'note' | 'call' | 'email' | 'meeting' | 'task' | 'deal' | 'live_session' | 'import' | 'tiktok';
export interface ActivityInput { type: 'note' | 'call' | 'email' | 'meeting' | 'task'; body: string; dueAt?: string }
export interface Activity { id: string; creatorId: string; type: ActivityType; body: string; dueAt?: string; system?: boolean; createdAt: string }

export interface TopGifter { userId: string; handle: string; nickname: string; diamonds: number }

/** One entry of `GET /api/v1/live/now`, and the data of an SSE `tally` event (which adds likes and `at`). */
export interface LiveTally {
  creatorId: string;
  sessionId: string;
  startedAt: string;
  diamonds: number;
  gifts: number;
  viewers: number;
  peakViewers: number;
  likes?: number;
  topGifters: TopGifter[];
  at?: string;
}

export interface SessionEnd {
  creatorId: string;
  sessionId: string;
  summary: { durationSeconds: number; diamonds: number; gifts: number; peakViewers: number; avgViewers: number };
}

export interface ImportRecord {
  id: string;
  status: string;
  format: string;
  rows: number;
  inserted: number;
  duplicates: number;
  failed: number;
  errors: Array<{ line: number; message: string }>;
}

export interface ServerConfig { sandbox: boolean; pkceEncoding: 'hex' | 'base64url'; version: string }

export interface Page<T> { items: T[]; nextCursor: string | null }

export interface ApiErrorBody { error: { code: string; message: string; details?: unknown } }
