import { Type, type Static } from 'typebox';
import { Cursor, Id, IsoDateTime, Limit, Page } from './common';

export const USER_ACTIVITY_TYPES = ['note', 'call', 'email', 'meeting', 'task'] as const;
export const SYSTEM_ACTIVITY_TYPES = ['deal', 'live_session', 'import', 'tiktok', 'account_health'] as const;
export type ActivityType = (typeof USER_ACTIVITY_TYPES)[number] | (typeof SYSTEM_ACTIVITY_TYPES)[number];

export const Activity = Type.Object({
  id: Id,
  creatorId: Id,
  type: Type.Enum([...USER_ACTIVITY_TYPES, ...SYSTEM_ACTIVITY_TYPES]),
  body: Type.String(),
  system: Type.Boolean(),
  dueAt: Type.Union([IsoDateTime, Type.Null()]),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  authorId: Type.Union([Id, Type.Null()]),
  createdAt: IsoDateTime,
});
export type Activity = Static<typeof Activity>;

export const CreateActivityBody = Type.Object(
  {
    type: Type.Enum(USER_ACTIVITY_TYPES),
    body: Type.String({ minLength: 1, maxLength: 10_000 }),
    dueAt: Type.Optional(Type.Union([IsoDateTime, Type.Null()])),
  },
  { additionalProperties: false },
);
export type CreateActivityBody = Static<typeof CreateActivityBody>;

export const ListActivitiesQuery = Type.Object(
  { limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);
export type ListActivitiesQuery = Static<typeof ListActivitiesQuery>;
export const ActivityPage = Page(Activity);
