/**
 * Request/response types of the LiveRoster HTTP API (contract: /work/shared/API.md, version 1).
 * Everything comes from `@shared/schemas` (type-only imports: no TypeBox in the bundles) except
 * `GET /api/v1/config`, whose response schema lives inline in server/src/app.ts.
 */
import type {
  Activity, ActivityType, Agency, AuthResponse, CreateActivityBody, CreateCreatorBody, CreateDealBody, Creator, CreatorMetrics, Deal, DealStage,
  LiveNowItem, LiveSession, LiveSessionEndEvent, Money, Role, TikTokStatus, TikTokVideo, TopGifter, UpdateCreatorBody, UpdateDealBody, User,
} from '@shared/schemas';
import type { CreateUserBody, SignupBody } from '@shared/schemas/auth';
import type { ImportRecord, ImportStatus } from '@shared/schemas/imports';

export type { Activity, ActivityType, Agency, AuthResponse, Creator, CreatorMetrics, Deal, DealStage, Money, Role, TikTokStatus, TikTokVideo, User };
export type CreatorInput = CreateCreatorBody;
export type DealInput = CreateDealBody;
export type ActivityInput = CreateActivityBody;
export type CreatorPatch = UpdateCreatorBody;
export type DealPatch = UpdateDealBody;
export type NewUser = CreateUserBody;
export type SignupInput = SignupBody;
export type { LiveSession };
export type TikTokStats = NonNullable<Creator['tiktok']['stats']>;

/** Runtime copy of the stages (importing the schema module would pull TypeBox into the popup); checked against DealStage below. */
export const DEAL_STAGES = ['lead', 'negotiating', 'contracted', 'delivered', 'paid', 'lost'] as const satisfies readonly DealStage[];
type _AllStagesListed = DealStage extends (typeof DEAL_STAGES)[number] ? true : never;
export const DEAL_STAGES_COMPLETE: _AllStagesListed = true;

export type { TopGifter, ImportRecord, ImportStatus };
/** One entry of `GET /api/v1/live/now`; the SSE `tally` event adds `at`. */
export type LiveTally = LiveNowItem & { at?: string };
/** Data of the SSE `session_end` event. */
export type SessionEnd = LiveSessionEndEvent;

/** Import statuses after which the record no longer changes (the server's IMPORT_STATUSES minus `processing`). */
export const FINAL_IMPORT_STATUSES: ReadonlySet<ImportStatus> = new Set(['completed', 'failed'] satisfies ImportStatus[]);

export type TikTokMode = 'sandbox' | 'tiktok';
/** `GET /api/v1/config`. `tiktok`/`live`/`sourceUrl` are absent on servers older than the modes. */
export interface ServerConfig {
  tiktok?: { mode: TikTokMode };
  live?: { mode: TikTokMode };
  sourceUrl?: string;
  license?: string;
  sandbox: boolean;
  liveSandbox: boolean;
  pkceEncoding: 'hex' | 'base64url';
  version: string;
}

export interface Page<T> { items: T[]; nextCursor: string | null }

export interface ApiErrorBody { error: { code: string; message: string; details?: unknown } }
