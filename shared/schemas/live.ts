/** LIVE: tracking, what is live now, sessions, top gifters and the realtime stream (API.md "LIVE"). */
import { Type, type Static } from 'typebox';
import { Cursor, Id, IsoDateTime, Limit, Page } from './common';

export const LiveTrackingBody = Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false });
export type LiveTrackingBody = Static<typeof LiveTrackingBody>;

export const TopGifter = Type.Object({
  userId: Type.String(),
  handle: Type.String(),
  nickname: Type.String(),
  diamonds: Type.Integer(),
});
export type TopGifter = Static<typeof TopGifter>;

/** One creator live now: the numbers as of the latest flush (under a second old). */
export const LiveNowItem = Type.Object({
  creatorId: Id,
  sessionId: Id,
  startedAt: IsoDateTime,
  diamonds: Type.Integer(),
  viewers: Type.Integer(),
  peakViewers: Type.Integer(),
  gifts: Type.Integer(),
  likes: Type.Integer(),
  topGifters: Type.Array(TopGifter),
});
export type LiveNowItem = Static<typeof LiveNowItem>;
export const LiveNow = Type.Object({ items: Type.Array(LiveNowItem) });
export type LiveNow = Static<typeof LiveNow>;

export const LiveSessionSource = Type.Union([Type.Literal('listener'), Type.Literal('import')]);

export const LiveSession = Type.Object({
  id: Id,
  creatorId: Id,
  source: LiveSessionSource,
  status: Type.Union([Type.Literal('live'), Type.Literal('ended')]),
  startedAt: IsoDateTime,
  endedAt: Type.Union([IsoDateTime, Type.Null()]),
  durationSeconds: Type.Integer(),
  diamonds: Type.Integer(),
  gifts: Type.Integer(),
  peakViewers: Type.Integer(),
  avgViewers: Type.Number(),
  newFollowers: Type.Optional(Type.Integer()),
  likes: Type.Optional(Type.Integer()),
  uniqueGifters: Type.Optional(Type.Integer()),
  newMembers: Type.Optional(Type.Integer()),
  /** Imported sessions whose export had the column: total (unique) viewers, comments, shares. */
  totalViewers: Type.Optional(Type.Integer()),
  comments: Type.Optional(Type.Integer()),
  shares: Type.Optional(Type.Integer()),
  /** Why a listener session ended: `stream_end`, `suspended` (TikTok's moderation), `offline`, `room_changed`, `tracking_stopped`, `unobserved` (nobody saw it end). */
  endReason: Type.Optional(Type.String()),
  /** True when an imported session and a listener session were matched as the same LIVE (imports/README.md). */
  reconciled: Type.Optional(Type.Boolean()),
});
export type LiveSession = Static<typeof LiveSession>;
export const LiveSessionPage = Page(LiveSession);

export const LiveSessionDetail = Type.Object({ ...LiveSession.properties, topGifters: Type.Array(TopGifter) });
export type LiveSessionDetail = Static<typeof LiveSessionDetail>;

export const ListLiveSessionsQuery = Type.Object(
  {
    creatorId: Type.Optional(Id),
    from: Type.Optional(IsoDateTime),
    to: Type.Optional(IsoDateTime),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
    format: Type.Optional(Type.Literal('csv', { description: 'CSV export of the whole filtered list (streamed)' })),
  },
  { additionalProperties: false },
);
export type ListLiveSessionsQuery = Static<typeof ListLiveSessionsQuery>;

/** A counted gift of a session (the audit trail its diamonds are recomputed from). */
export const LiveGift = Type.Object({
  msgId: Type.String(),
  userId: Type.String(),
  handle: Type.String(),
  nickname: Type.String(),
  giftId: Type.String(),
  giftName: Type.String(),
  diamondCount: Type.Integer(),
  gifts: Type.Integer(),
  diamonds: Type.Integer(),
  settledBy: Type.String({ description: 'instant | end | timeout | disconnect | streamEnd' }),
  at: IsoDateTime,
});
export type LiveGift = Static<typeof LiveGift>;
export const LiveGiftPage = Page(LiveGift);

export const ListLiveGiftsQuery = Type.Object({ limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) }, { additionalProperties: false });
export type ListLiveGiftsQuery = Static<typeof ListLiveGiftsQuery>;

export const TopGiftersQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })) }, { additionalProperties: false });
export type TopGiftersQuery = Static<typeof TopGiftersQuery>;
export const CreatorTopGifter = Type.Object({ ...TopGifter.properties, gifts: Type.Integer(), sessions: Type.Integer() });
export const CreatorTopGifters = Type.Object({ items: Type.Array(CreatorTopGifter) });
export type CreatorTopGifters = Static<typeof CreatorTopGifters>;

/**
 * `GET /live/stream` (Server-Sent Events). EventSource cannot send headers, so the token may come as
 * `access_token` (this route only); `lastEventId` is the query twin of the `Last-Event-ID` header.
 * `follow=false` sends what is stored after `lastEventId` and ends (for clients that poll).
 */
export const LiveStreamQuery = Type.Object(
  {
    access_token: Type.Optional(Type.String({ maxLength: 4096 })),
    lastEventId: Type.Optional(Type.String({ maxLength: 32 })),
    follow: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
export type LiveStreamQuery = Static<typeof LiveStreamQuery>;

/** Data of the SSE `tally` event. */
export const LiveTallyEvent = Type.Object({ ...LiveNowItem.properties, at: IsoDateTime });
export type LiveTallyEvent = Static<typeof LiveTallyEvent>;

/** Data of the SSE `session_end` event. */
export const LiveSessionEndEvent = Type.Object({
  creatorId: Id,
  sessionId: Id,
  summary: Type.Object({ durationSeconds: Type.Integer(), diamonds: Type.Integer(), gifts: Type.Integer(), peakViewers: Type.Integer(), avgViewers: Type.Number() }),
  endReason: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
export type LiveSessionEndEvent = Static<typeof LiveSessionEndEvent>;
