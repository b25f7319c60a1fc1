/**
 * Records a short, finished listener session without TikTok (tests and fixtures that need LIVE data but no
 * sandbox): the same writer, flush, publish and end path the listener uses, fed with made-up events.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Types } from 'mongoose';
import type { LiveEvent } from '@shared/live';
import { creatorLeaseKey } from '../../../server/src/modules/live/leases';
import { createAggregator } from '../../../server/src/modules/live/aggregator';
import { createSessionStore } from '../../../server/src/modules/live/session-store';
import { createStreamPublisher } from '../../../server/src/modules/live/stream-log';
import { applyToWriter, createWriter } from '../../../server/src/modules/live/writer';

export async function recordSessionForTests(app: FastifyInstance, tenantId: Types.ObjectId, creatorId: Types.ObjectId, events?: LiveEvent[]): Promise<string> {
  const now = Date.now();
  const publisher = createStreamPublisher(app.coordination.bus);
  const store = createSessionStore(app.db, { instanceId: 'test-recorder', now: Date.now, log: app.log, publisher });
  const aggregator = createAggregator(store, publisher, { now: Date.now, flushIntervalMs: 1_000, publishIntervalMs: 0, streakTimeoutMs: 60_000, log: app.log });
  // The creator's lease, as a listener holds it: the session's fence.
  const lease = (await app.coordination.ownership.acquire(creatorLeaseKey(creatorId)))!;
  const resume = await store.openSession({ tenantId, creatorId, roomId: `test-${randomBytes(6).toString('hex')}`, startedAt: now - 60_000, lease });
  const writer = createWriter(resume!);
  aggregator.add(writer);
  const feed: LiveEvent[] = events ?? [
    { kind: 'viewers', msgId: 'v1', at: now - 50_000, total: 12 },
    { kind: 'gift', msgId: 'g1', at: now - 40_000, createdAt: null, userId: '424242', handle: 'victim_fan', nickname: 'Victim Fan', giftId: '6369', giftName: 'Lion', groupId: '0', giftType: 2, diamondCount: 29999, repeatCount: 1, repeatEnd: false },
  ];
  for (const event of feed) applyToWriter(writer, event);
  await aggregator.flush();
  await aggregator.end(writer, now, 'stream_end');
  await aggregator.stop(false);
  await app.coordination.ownership.release(lease);
  return String(writer.sessionId);
}
