import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api-error';
import type { Deal, DealInput } from '../api-types';
import { LiveRosterDb } from '../cache';
import { enqueueDeal, flushDealOutbox } from '../deal-outbox';
import { makeDeal } from '../../test/fixtures';

let db: LiveRosterDb;
beforeEach(() => {
  db = new LiveRosterDb(`outbox-${Math.random()}`);
});
afterEach(async () => {
  await db.delete();
});

const input = (brand: string): DealInput => ({ creatorId: 'c1', brand, value: { amount: 1000, currency: 'USD' } });

/** A fake API honouring Idempotency-Key like the server: a repeated key returns the first deal. */
function fakeServer() {
  const byKey = new Map<string, Deal>();
  const calls: string[] = [];
  let failures: Array<ApiError | null> = [];
  return {
    calls,
    byKey,
    failNext(...errors: Array<ApiError | null>) {
      failures = errors;
    },
    send: async (deal: DealInput, key: string) => {
      calls.push(key);
      const failure = failures.shift();
      if (failure) throw failure;
      if (!byKey.has(key)) byKey.set(key, makeDeal(deal));
      return byKey.get(key)!;
    },
  };
}

describe('deal outbox', () => {
  it('keeps deals while offline and sends them later with their original keys', async () => {
    const server = fakeServer();
    await enqueueDeal(db, input('A'), 'key-a', 1);
    await enqueueDeal(db, input('B'), 'key-b', 2);
    server.failNext(new ApiError(0, 'NETWORK_ERROR', 'offline'));
    const offline = await flushDealOutbox(db, server.send);
    expect(offline).toEqual({ sent: [], pending: 2, rejected: 0 });
    expect(server.calls).toEqual(['key-a']);

    const online = await flushDealOutbox(db, server.send);
    expect(online.sent.map((s) => s.deal.brand)).toEqual(['A', 'B']);
    expect(online.pending).toBe(0);
    expect(server.calls).toEqual(['key-a', 'key-a', 'key-b']);
    expect(await db.deals.count()).toBe(2);
    expect((await db.dealOutbox.toArray())).toEqual([]);
  });

  it('a retry after a lost answer creates nothing new (same key)', async () => {
    const server = fakeServer();
    await enqueueDeal(db, input('A'), 'key-a');
    // The server created the deal but the answer was lost (5xx from a proxy after the write).
    const originalSend = server.send;
    let first = true;
    const lossy = async (deal: DealInput, key: string) => {
      const created = await originalSend(deal, key);
      if (first) {
        first = false;
        throw new ApiError(502, 'BAD_GATEWAY', 'lost');
      }
      return created;
    };
    await flushDealOutbox(db, lossy);
    const result = await flushDealOutbox(db, lossy);
    expect(server.byKey.size).toBe(1);
    expect(result.sent.map((s) => s.idempotencyKey)).toEqual(['key-a']);
    expect(await db.deals.count()).toBe(1);
  });

  it('marks a refused deal rejected, keeps it visible and goes on with the next', async () => {
    const server = fakeServer();
    await enqueueDeal(db, input('bad'), 'key-bad', 1);
    await enqueueDeal(db, input('good'), 'key-good', 2);
    server.failNext(new ApiError(400, 'VALIDATION_FAILED', 'brand too long'));
    const result = await flushDealOutbox(db, server.send);
    expect(result).toMatchObject({ pending: 0, rejected: 1 });
    expect(result.sent.map((s) => s.deal.brand)).toEqual(['good']);
    const rejected = await db.dealOutbox.get('key-bad');
    expect(rejected?.rejected).toEqual({ code: 'VALIDATION_FAILED', message: 'brand too long' });
    expect(rejected?.attempts).toBe(1);
    await flushDealOutbox(db, server.send);
    expect(server.calls.filter((k) => k === 'key-bad')).toHaveLength(1);
  });

  it('an expired session keeps the deal queued instead of rejecting it', async () => {
    const server = fakeServer();
    await enqueueDeal(db, input('A'), 'key-a');
    server.failNext(new ApiError(401, 'TOKEN_EXPIRED', 'expired'));
    expect(await flushDealOutbox(db, server.send)).toEqual({ sent: [], pending: 1, rejected: 0 });
    expect((await flushDealOutbox(db, server.send)).sent).toHaveLength(1);
  });

  it('concurrent flushes share one run, so a deal is sent once', async () => {
    const server = fakeServer();
    await enqueueDeal(db, input('A'), 'key-a');
    const [a, b] = await Promise.all([flushDealOutbox(db, server.send), flushDealOutbox(db, server.send)]);
    expect(a).toBe(b);
    expect(server.calls).toEqual(['key-a']);
  });
});
