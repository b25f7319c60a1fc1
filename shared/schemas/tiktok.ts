/** TikTok connection, sync metrics and notifications: the HTTP contract (API.md "TikTok connection"). */
import { Type, type Static } from 'typebox';
import { ALERT_KINDS } from '../alerts/kinds';
import { Cursor, Id, IsoDateTime, Limit } from './common';

/** The read scopes LiveRoster asks for, no more. */
export const TIKTOK_SCOPES = ['user.info.basic', 'user.info.profile', 'user.info.stats', 'video.list'] as const;

/** PKCE challenge: hex (64 chars, TikTok Desktop) or base64url (43 chars, RFC 7636) of SHA-256(verifier). */
const CodeChallenge = Type.String({ minLength: 43, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' });
/** RFC 7636 verifier: 43–128 of [A-Za-z0-9-._~]. */
const CodeVerifier = Type.String({ minLength: 43, maxLength: 128, pattern: '^[A-Za-z0-9._~-]+$' });

export const TikTokAuthorizeBody = Type.Object(
  {
    redirectUri: Type.String({ format: 'uri', maxLength: 2000, description: 'Exactly the redirect URI registered with TikTok (the extension: its chromiumapp.org URL)' }),
    codeChallenge: CodeChallenge,
  },
  { additionalProperties: false },
);
export type TikTokAuthorizeBody = Static<typeof TikTokAuthorizeBody>;

export const TikTokAuthorizeResponse = Type.Object({
  authorizeUrl: Type.String(),
  state: Type.String(),
  expiresAt: IsoDateTime,
});
export type TikTokAuthorizeResponse = Static<typeof TikTokAuthorizeResponse>;

export const TikTokCallbackBody = Type.Object(
  {
    state: Type.String({ minLength: 16, maxLength: 200 }),
    code: Type.String({ minLength: 1, maxLength: 2000 }),
    codeVerifier: CodeVerifier,
  },
  { additionalProperties: false },
);
export type TikTokCallbackBody = Static<typeof TikTokCallbackBody>;

export const TikTokInviteResponse = Type.Object({ url: Type.String(), expiresAt: IsoDateTime });
export type TikTokInviteResponse = Static<typeof TikTokInviteResponse>;

export const TikTokVideo = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  createTime: IsoDateTime,
  shareUrl: Type.Union([Type.String(), Type.Null()]),
  duration: Type.Integer(),
  views: Type.Integer(),
  likes: Type.Integer(),
  comments: Type.Integer(),
  shares: Type.Integer(),
  /** TikTok's signed cover URL while it is still valid (they expire after hours); null otherwise. */
  coverUrl: Type.Union([Type.String(), Type.Null()]),
});
export type TikTokVideo = Static<typeof TikTokVideo>;

export const MetricsQuery = Type.Object(
  { days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, default: 30 })) },
  { additionalProperties: false },
);
export type MetricsQuery = Static<typeof MetricsQuery>;

const Averages = Type.Object({ views: Type.Number(), likes: Type.Number(), comments: Type.Number(), shares: Type.Number() });

export const CreatorMetrics = Type.Object({
  /** One point per sync within the window, oldest first (the follower sparkline). */
  followers: Type.Array(Type.Object({ at: IsoDateTime, count: Type.Integer() })),
  /** The recent videos of the last sync, newest first. */
  videos: Type.Array(TikTokVideo),
  /** (likes + comments + shares) / views over `videos`; null without views. */
  engagementRate: Type.Union([Type.Number(), Type.Null()]),
  averages: Averages,
  followerGrowth: Type.Object({ absolute: Type.Integer(), percent: Type.Union([Type.Number(), Type.Null()]) }),
});
export type CreatorMetrics = Static<typeof CreatorMetrics>;

/** `tiktok_expired` (older notifications), `live_suspended` (older account-health notices; the alert `creator.stream_suspended` replaced them), every alert kind (issue 12), and a webhook disabled after a day of failures. */
export const NOTIFICATION_TYPES = ['tiktok_expired', 'live_suspended', ...ALERT_KINDS, 'webhook_disabled'] as const;

export const Notification = Type.Object({
  id: Id,
  type: Type.Enum(NOTIFICATION_TYPES),
  title: Type.String(),
  body: Type.String(),
  creatorId: Type.Union([Id, Type.Null()]),
  readAt: Type.Union([IsoDateTime, Type.Null()]),
  createdAt: IsoDateTime,
  /** The alert's stable id (the webhook X-LiveRoster-Delivery), when the notification carries an alert. */
  eventId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  /** What the alert carries (session summary, spike figures, tier…). */
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type Notification = Static<typeof Notification>;

export const ListNotificationsQuery = Type.Object(
  {
    unread: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type ListNotificationsQuery = Static<typeof ListNotificationsQuery>;

export const NotificationPage = Type.Object({
  items: Type.Array(Notification),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
  /** Unread notifications of the caller (all pages). */
  unreadCount: Type.Integer({ minimum: 0 }),
});
