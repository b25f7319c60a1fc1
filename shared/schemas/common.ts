/** Building blocks shared by every schema of the HTTP contract (API.md). */
import { Type, type Static, type TSchema } from 'typebox';

/** Ids are strings on the wire (MongoDB ObjectIds, 24 hex chars). */
export const Id = Type.String({ pattern: '^[a-f0-9]{24}$', description: 'object id' });
export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });

export const IsoDateTime = Type.String({ format: 'date-time' });

/** Money is integer minor units plus an ISO 4217 code, never a float. */
export const Money = Type.Object(
  {
    amount: Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  },
  { additionalProperties: false },
);
export type Money = Static<typeof Money>;

export const Limit = Type.Integer({ minimum: 1, maximum: 200, default: 50 });
export const Cursor = Type.String({ maxLength: 512 });

/** `{items, nextCursor}` with nextCursor null on the last page. */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}
export interface PageOf<T> {
  items: T[];
  nextCursor: string | null;
}

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;

/** The error responses every authenticated route can give, for the OpenAPI document. */
export const StandardErrors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  429: ErrorBody,
} as const;
