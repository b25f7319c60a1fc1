/**
 * Opening (or resuming) a listener session: the only place a listener session starts. The room's session
 * (`listener:<roomId>`) is found or created and taken over (fencing out any previous writer), recomputed from
 * its ledger when it existed, and every OLDER session of the creator still marked live ends here: the creator
 * is in this room now, so those streams ended while nobody watched (`endReason: "unobserved"`, at the last
 * moment we know they were going). The caller holds the creator's lease, so no other instance writes them.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Connection, Types } from 'mongoose';
import { creatorModel } from '../creators/model';
import { announce, type LiveSessionEvents } from './events';
import { isDuplicateKeyError } from './leases';
import { liveGiftEventModel, type LiveGiftEventDoc } from './models';
import type { SessionEnder } from './session-end';
import { liveSessionModel, listenerSessionKey, type LiveSessionDoc } from './session-model';
import type { ResumeState } from './writer';
import type { GifterTotal } from '@shared/live';
import type { Lease } from '../../coordination/index';

/** End reasons TikTok gave (the room is over): such a session is never reopened. */
const TIKTOK_ENDED = new Set(['stream_end', 'suspended']);

export interface SessionOpenOptions {
  instanceId: string;
  log: FastifyBaseLogger;
  events?: LiveSessionEvents;
  ender: SessionEnder;
  reconcileFromLedger: (tenantId: Types.ObjectId, sessionId: Types.ObjectId) => Promise<{ diamonds: number; gifts: number; gifters: number }>;
  loadGifters: (tenantId: Types.ObjectId, sessionId: Types.ObjectId) => Promise<GifterTotal[]>;
}

export interface OpenSessionInput {
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
  roomId: string;
  startedAt: number;
  /** The creator's lease the caller holds: its fence goes on the session, and every write of the writer carries it. */
  lease: Lease;
}

/** The session is held by a newer lease than the caller's: the caller must not write it. */
export class SessionFencedError extends Error {
  constructor(key: string, fence: number, current: number | null) {
    super(`session ${key} is fenced by a newer lease (${current}) than ours (${fence})`);
    this.name = 'SessionFencedError';
  }
}

export function createSessionOpener(conn: Connection, options: SessionOpenOptions) {
  const sessions = liveSessionModel(conn);
  const ledger = liveGiftEventModel(conn);
  const creators = creatorModel(conn);

  /** The creator's listener sessions still marked live. */
  async function liveSessionsOf(tenantId: Types.ObjectId, creatorId: Types.ObjectId): Promise<LiveSessionDoc[]> {
    return sessions.find({ tenantId, creatorId, status: 'live', source: 'listener' }).lean<LiveSessionDoc[]>();
  }

  /** Ends the creator's live sessions other than `keep` as unobserved (see the file comment). */
  async function endOlderSessions(tenantId: Types.ObjectId, creatorId: Types.ObjectId, keep: Types.ObjectId | null): Promise<number> {
    let ended = 0;
    for (const session of await liveSessionsOf(tenantId, creatorId)) {
      if (keep && String(session._id) === String(keep)) continue;
      options.log.info({ sessionId: String(session._id), roomId: session.roomId }, 'live: ending a session nobody saw end');
      await options.ender.endUnobserved(session);
      ended++;
    }
    return ended;
  }

  return {
    liveSessionsOf,
    endOlderSessions,

    /**
     * Returns null when the room's session has already ended. The takeover raises the session's fence to the
     * lease's (conditional: a fence already higher means a newer holder took the session, and this one is refused
     * with SessionFencedError rather than fencing the newer one out).
     */
    async openSession(input: OpenSessionInput): Promise<ResumeState | null> {
      const key = listenerSessionKey(input.roomId);
      const fence = input.lease.fence;
      const olderFence = { $or: [{ fence: null }, { fence: { $exists: false } }, { fence: { $lt: fence } }] };
      const takeOver = { $set: { listenerInstanceId: options.instanceId, fence } };
      let doc: LiveSessionDoc | null;
      try {
        doc = await sessions
          .findOneAndUpdate(
            { tenantId: input.tenantId, key, ...olderFence },
            {
              $setOnInsert: { creatorId: input.creatorId, source: 'listener', status: 'live', startedAt: new Date(input.startedAt), roomId: input.roomId },
              ...takeOver,
            },
            { upsert: true, returnDocument: 'after' },
          )
          .lean<LiveSessionDoc>();
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        // The session exists with a fence as high as ours (or another opener inserted it first): ours only if lower.
        doc = await sessions.findOneAndUpdate({ tenantId: input.tenantId, key, ...olderFence }, takeOver, { returnDocument: 'after' }).lean<LiveSessionDoc>();
        if (!doc) {
          const current = await sessions.findOne({ tenantId: input.tenantId, key }, { fence: 1, status: 1 }).lean<LiveSessionDoc>();
          if (current?.status === 'ended') return null;
          if (current?.fence !== fence) throw new SessionFencedError(key, fence, current?.fence ?? null);
          doc = await sessions.findOne({ tenantId: input.tenantId, key }).lean<LiveSessionDoc>();
        }
      }
      if (!doc) throw new Error(`session ${key} could not be opened`);
      if (doc.status === 'ended') {
        // We are in this room now, so it is still going: unless TikTok said it ended, the end was a judgement
        // (nobody saw it end, an offline check, tracking off) and the session continues (reopened, its roll-up
        // taken back out of the totals until it really ends).
        if (TIKTOK_ENDED.has(doc.endReason ?? '') || !(await options.ender.reopen(input.tenantId, doc._id))) return null;
        doc = (await sessions.findOne({ _id: doc._id, tenantId: input.tenantId }).lean<LiveSessionDoc>())!;
        if (doc.status !== 'live') return null;
      }
      const isNew = !doc.lastFlushAt && !doc.lastEventAt;
      await endOlderSessions(input.tenantId, input.creatorId, doc._id);
      // A session that existed (a takeover, a restart, a reconnect) continues from its ledger: a writer that died
      // between its ledger insert and its session update left the running totals behind.
      Object.assign(doc, await options.reconcileFromLedger(input.tenantId, doc._id));
      const settledStreaks = new Map<string, number>();
      const settled = await ledger
        .find({ tenantId: input.tenantId, sessionId: doc._id, settledBy: { $in: ['timeout', 'disconnect', 'streamEnd'] } }, { streakKey: 1, streakCount: 1 })
        .lean<Pick<LiveGiftEventDoc, 'streakKey' | 'streakCount'>[]>();
      for (const s of settled) settledStreaks.set(s.streakKey, Math.max(settledStreaks.get(s.streakKey) ?? 0, s.streakCount));
      await creators.updateOne({ _id: input.creatorId, tenantId: input.tenantId }, { $set: { 'live.isLive': true, 'live.sessionId': doc._id } });
      await announce(options.log, options.events?.sessionStarted?.bind(options.events), {
        tenantId: input.tenantId,
        creatorId: input.creatorId,
        sessionId: doc._id,
        roomId: input.roomId,
        startedAt: doc.startedAt,
        isNew,
      });
      return { doc, lease: input.lease, gifters: await options.loadGifters(input.tenantId, doc._id), settledStreaks };
    },
  };
}

export type SessionOpener = ReturnType<typeof createSessionOpener>;
