import { Type, type Static } from 'typebox';
import { Cursor, Id, IsoDateTime, Limit, Page } from './common';

export const TikTokStatus = Type.Union([
  Type.Literal('not_connected'),
  Type.Literal('connected'),
  Type.Literal('expired'),
  Type.Literal('revoked'),
]);
export type TikTokStatus = Static<typeof TikTokStatus>;

export const TikTokStats = Type.Object({
  followers: Type.Integer(),
  following: Type.Integer(),
  likes: Type.Integer(),
  videos: Type.Integer(),
});

export const CreatorTikTok = Type.Object({
  status: TikTokStatus,
  openId: Type.Optional(Type.String()),
  username: Type.Optional(Type.String()),
  displayName: Type.Optional(Type.String()),
  avatarUrl: Type.Optional(Type.String()),
  bio: Type.Optional(Type.String()),
  isVerified: Type.Optional(Type.Boolean()),
  profileDeepLink: Type.Optional(Type.String()),
  scopes: Type.Optional(Type.Array(Type.String())),
  stats: Type.Optional(TikTokStats),
  syncedAt: Type.Optional(IsoDateTime),
});

export const CreatorLive = Type.Object({
  tracking: Type.Boolean(),
  isLive: Type.Boolean(),
  sessionId: Type.Optional(Id),
  /** GET /creators/:id and /creators/by-handle/:handle: the running session's diamonds and seconds so far (0 when not live); `totals` count finished sessions only. */
  diamonds: Type.Optional(Type.Integer()),
  seconds: Type.Optional(Type.Integer()),
});

export const CreatorTotals = Type.Object({
  diamonds: Type.Integer(),
  liveSeconds: Type.Integer(),
  sessions: Type.Integer(),
});

export const Creator = Type.Object({
  id: Id,
  handle: Type.String(),
  displayName: Type.String(),
  avatarUrl: Type.Union([Type.String(), Type.Null()]),
  tags: Type.Array(Type.String()),
  managerId: Type.Union([Id, Type.Null()]),
  notes: Type.String(),
  tiktok: CreatorTikTok,
  live: CreatorLive,
  totals: CreatorTotals,
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Creator = Static<typeof Creator>;

const Handle = Type.String({ minLength: 1, maxLength: 40, description: 'TikTok handle, with or without "@"; stored lower case' });
const Tag = Type.String({ minLength: 1, maxLength: 40, pattern: '^[^$.]*$' });
const Tags = Type.Array(Tag, { maxItems: 30, uniqueItems: true });
const DisplayName = Type.String({ maxLength: 120 });
const Notes = Type.String({ maxLength: 10_000 });

export const CreateCreatorBody = Type.Object(
  {
    handle: Handle,
    displayName: Type.Optional(DisplayName),
    tags: Type.Optional(Tags),
    managerId: Type.Optional(Type.Union([Id, Type.Null()])),
    notes: Type.Optional(Notes),
  },
  { additionalProperties: false },
);
export type CreateCreatorBody = Static<typeof CreateCreatorBody>;

export const UpdateCreatorBody = Type.Object(
  {
    handle: Type.Optional(Handle),
    displayName: Type.Optional(DisplayName),
    tags: Type.Optional(Tags),
    managerId: Type.Optional(Type.Union([Id, Type.Null()])),
    notes: Type.Optional(Notes),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateCreatorBody = Static<typeof UpdateCreatorBody>;

export const ListCreatorsQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 60 })),
    tag: Type.Optional(Tag),
    managerId: Type.Optional(Id),
    live: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
    format: Type.Optional(Type.Literal('csv', { description: 'CSV export of the whole filtered list (streamed)' })),
  },
  { additionalProperties: false },
);
export type ListCreatorsQuery = Static<typeof ListCreatorsQuery>;

export const CreatorPage = Page(Creator);
export const HandleParams = Type.Object({ handle: Type.String({ minLength: 1, maxLength: 40 }) }, { additionalProperties: false });
