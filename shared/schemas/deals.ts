import { Type, type Static } from 'typebox';
import { Cursor, Id, IsoDateTime, Limit, Money, Page } from './common';

export const DEAL_STAGES = ['lead', 'negotiating', 'contracted', 'delivered', 'paid', 'lost'] as const;
export const DealStage = Type.Enum(DEAL_STAGES);
export type DealStage = (typeof DEAL_STAGES)[number];

export const Deal = Type.Object({
  id: Id,
  creatorId: Id,
  brand: Type.String(),
  title: Type.String(),
  value: Money,
  stage: DealStage,
  dueDate: Type.Union([IsoDateTime, Type.Null()]),
  notes: Type.String(),
  createdBy: Id,
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Deal = Static<typeof Deal>;

const Brand = Type.String({ minLength: 1, maxLength: 120 });
const Title = Type.String({ maxLength: 200 });
const Notes = Type.String({ maxLength: 10_000 });
// Due dates are calendar days or full timestamps; both are stored as an instant (UTC midnight for days).
const DueDate = Type.Union([Type.String({ format: 'date' }), IsoDateTime, Type.Null()]);

export const CreateDealBody = Type.Object(
  {
    creatorId: Id,
    brand: Brand,
    title: Type.Optional(Title),
    value: Money,
    stage: Type.Optional(DealStage),
    dueDate: Type.Optional(DueDate),
    notes: Type.Optional(Notes),
  },
  { additionalProperties: false },
);
export type CreateDealBody = Static<typeof CreateDealBody>;

export const UpdateDealBody = Type.Object(
  {
    brand: Type.Optional(Brand),
    title: Type.Optional(Title),
    value: Type.Optional(Money),
    stage: Type.Optional(DealStage),
    dueDate: Type.Optional(DueDate),
    notes: Type.Optional(Notes),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateDealBody = Static<typeof UpdateDealBody>;

export const ListDealsQuery = Type.Object(
  { creatorId: Type.Optional(Id), stage: Type.Optional(DealStage), limit: Type.Optional(Limit), cursor: Type.Optional(Cursor), format: Type.Optional(Type.Literal('csv', { description: 'CSV export of the whole filtered list (streamed)' })) },
  { additionalProperties: false },
);
export type ListDealsQuery = Static<typeof ListDealsQuery>;
export const DealPage = Page(Deal);
