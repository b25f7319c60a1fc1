import { Types, type Connection } from 'mongoose';
import type { PageOf } from '@shared/schemas/common';
import type { CreateDealBody, Deal, ListDealsQuery, UpdateDealBody } from '@shared/schemas/deals';
import { formatMoney } from '@shared/metrics/money';
import { decodeCursor, encodeCursor } from '../../lib/cursor';
import type { AuthContext } from '../../plugins/auth';
import { notFound } from '../../plugins/errors';
import { addSystemActivity } from '../activities/service';
import { creatorIdFilter, findAccessibleCreator } from '../creators/access';
import { dealModel, type DealDoc } from './model';

export function toDeal(doc: DealDoc): Deal {
  return {
    id: String(doc._id),
    creatorId: String(doc.creatorId),
    brand: doc.brand,
    title: doc.title ?? '',
    value: { amount: doc.value.amount, currency: doc.value.currency },
    stage: doc.stage,
    dueDate: doc.dueDate ? doc.dueDate.toISOString() : null,
    notes: doc.notes ?? '',
    createdBy: String(doc.createdBy),
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

/** "2026-12-01" means that calendar day; store it as UTC midnight. */
function parseDueDate(value: string | null | undefined): Date | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  return new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : value);
}

/** The deals list's filter (also the CSV export's). */
export async function dealListFilter(conn: Connection, auth: AuthContext, query: Pick<ListDealsQuery, 'creatorId' | 'stage'>): Promise<Record<string, unknown>> {
  const filter: Record<string, unknown> = { tenantId: auth.tenant, ...(await creatorIdFilter(conn, auth, query.creatorId)) };
  if (query.stage) filter.stage = query.stage;
  return filter;
}

export function createDealsService(conn: Connection) {
  const deals = dealModel(conn);

  /** A deal the caller may see (its creator must be visible to them). */
  async function findAccessibleDeal(auth: AuthContext, id: string): Promise<DealDoc> {
    const deal = await deals.findOne({ _id: id, tenantId: auth.tenant }).lean<DealDoc>();
    if (!deal) throw notFound('Deal');
    if (auth.role === 'manager') await findAccessibleCreator(conn, auth, String(deal.creatorId)).catch(() => {
      throw notFound('Deal');
    });
    return deal;
  }

  return {
    async list(auth: AuthContext, query: ListDealsQuery): Promise<PageOf<Deal>> {
      const limit = query.limit ?? 50;
      const filter = await dealListFilter(conn, auth, query);
      if (query.cursor) filter._id = { $lt: new Types.ObjectId(decodeCursor<{ id: string }>(query.cursor, ['id']).id) };
      const docs = await deals.find(filter).sort({ _id: -1 }).limit(limit + 1).lean<DealDoc[]>();
      const page = docs.slice(0, limit);
      return { items: page.map(toDeal), nextCursor: docs.length > limit ? encodeCursor({ id: String(page[page.length - 1]._id) }) : null };
    },

    async create(auth: AuthContext, body: CreateDealBody): Promise<Deal> {
      const creator = await findAccessibleCreator(conn, auth, body.creatorId);
      const doc = (
        await deals.create({
          tenantId: auth.tenant,
          creatorId: creator._id,
          brand: body.brand.trim(),
          title: body.title?.trim() ?? '',
          value: body.value,
          stage: body.stage ?? 'lead',
          dueDate: parseDueDate(body.dueDate) ?? null,
          notes: body.notes ?? '',
          createdBy: new Types.ObjectId(auth.userId),
        })
      ).toObject();
      await addSystemActivity(conn, {
        tenantId: auth.tenant,
        creatorId: creator._id,
        type: 'deal',
        body: `Deal with ${doc.brand} logged: ${formatMoney(doc.value)} (${doc.stage})`,
        data: { dealId: String(doc._id), stage: doc.stage, event: 'created' },
        authorId: auth.userId,
      });
      return toDeal(doc);
    },

    async get(auth: AuthContext, id: string): Promise<Deal> {
      return toDeal(await findAccessibleDeal(auth, id));
    },

    async update(auth: AuthContext, id: string, body: UpdateDealBody): Promise<Deal> {
      const before = await findAccessibleDeal(auth, id);
      const set: Record<string, unknown> = {};
      if (body.brand !== undefined) set.brand = body.brand.trim();
      if (body.title !== undefined) set.title = body.title.trim();
      if (body.value !== undefined) set.value = body.value;
      if (body.stage !== undefined) set.stage = body.stage;
      if (body.dueDate !== undefined) set.dueDate = parseDueDate(body.dueDate);
      if (body.notes !== undefined) set.notes = body.notes;
      const doc = await deals.findOneAndUpdate({ _id: id, tenantId: auth.tenant }, { $set: set }, { returnDocument: 'after' }).lean<DealDoc>();
      if (!doc) throw notFound('Deal');
      if (body.stage !== undefined && body.stage !== before.stage) {
        await addSystemActivity(conn, {
          tenantId: auth.tenant,
          creatorId: doc.creatorId,
          type: 'deal',
          body: `Deal with ${doc.brand} moved from ${before.stage} to ${doc.stage}`,
          data: { dealId: String(doc._id), from: before.stage, to: doc.stage, event: 'stage_changed' },
          authorId: auth.userId,
        });
      }
      return toDeal(doc);
    },

    async remove(auth: AuthContext, id: string): Promise<void> {
      const deal = await findAccessibleDeal(auth, id);
      await deals.deleteOne({ _id: deal._id, tenantId: auth.tenant });
    },

    async removeForCreator(tenantId: Types.ObjectId, creatorId: Types.ObjectId): Promise<void> {
      await deals.deleteMany({ tenantId, creatorId });
    },
  };
}
