/**
 * Request/response types of the LiveRoster HTTP API (contract: /work/shared/API.md, version 1).
 * The routes the server has schemas for come from `@shared/schemas` (type-only imports: no TypeBox in
 * the bundles); the rest (live, imports, config) mirror API.md until their schemas land.
 */
import type {
  Activity, ActivityType, Agency, AuthResponse, CreateActivityBody, CreateCreatorBody, CreateDealBody, Creator, CreatorMetrics, Deal, DealStage, Money,
  Role, TikTokStatus, TikTokVideo, User,
} from '@shared/schemas';

export type { Activity, ActivityType, Agency, AuthResponse, Creator, CreatorMetrics, Deal, DealStage, Money, Role, TikTokStatus, TikTokVideo, User };
export type CreatorInput = CreateCreatorBody;
export type DealInput = CreateDealBody;
export type ActivityInput = CreateActivityBody;
export type TikTokStats = NonNullable<Creator['tiktok']['stats']>;

/** Runtime copy of the stages (importing the schema module would pull TypeBox into the popup); checked against DealStage below. */
export const DEAL_STAGES = ['lead', 'negotiating', 'contracted', 'delivered', 'paid', 'lost'] as const satisfies readonly DealStage[];
type _AllStagesListed = DealStage extends (typeof DEAL_STAGES)[number] ? true : never;
export const DEAL_STAGES_COMPLETE: _AllStagesListed = true;

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
