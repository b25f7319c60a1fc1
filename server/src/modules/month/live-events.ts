/**
 * The month's hook into the LIVE module (`setupLive(app, { events })`): when a listener session ends, its
 * creator's month rollup is brought up to date in place (rollup.ts `addEndedSession`) instead of waiting for a
 * background recount. Anything it cannot prove exact (a rollup not one session behind, a midnight-crossing
 * session with diamonds, a reconciled session) it leaves to the recount, which stays the fallback.
 */
import type { Connection, Types } from 'mongoose';
import { zonedMonth } from '@shared/month';
import { creatorModel, type CreatorDoc } from '../creators/model';
import type { LiveSessionEvents, SessionEndedEvent } from '../live/events';
import { liveSessionModel } from '../live/session-model';
import { findOwnById } from './by-id';
import { addEndedSession, type EndedSessionDoc, type InPlaceOutcome } from './rollup';
import { createSettingsService, type SettingsService } from './settings';

export function createMonthLiveEvents(conn: Connection, settings: SettingsService = createSettingsService(conn)) {
  /** What happened to each month the session touches (tests and the bench read it). */
  async function applyEnded(event: SessionEndedEvent): Promise<InPlaceOutcome[]> {
    const [{ timeZone }, session, creator] = await Promise.all([
      settings.get(event.tenantId),
      findOwnById<EndedSessionDoc & { tenantId: Types.ObjectId }>(liveSessionModel(conn), event.sessionId, event.tenantId, {
        creatorId: 1, source: 1, status: 1, startedAt: 1, endedAt: 1, durationSeconds: 1, diamonds: 1, reconciliation: 1, startTimeKnown: 1, totalsApplied: 1,
      }),
      findOwnById<CreatorDoc>(creatorModel(conn), event.creatorId, event.tenantId, { totals: 1 }),
    ]);
    if (!session || !creator) return [];
    const totals: [number, number, number] = [creator.totals?.diamonds ?? 0, creator.totals?.liveSeconds ?? 0, creator.totals?.sessions ?? 0];
    // The months it touches in the agency's zone (a session crossing month end counts on both sides).
    const end = session.endedAt ?? event.endedAt;
    const months = [...new Set([zonedMonth(session.startedAt.getTime(), timeZone), zonedMonth(end.getTime(), timeZone)])];
    return Promise.all(months.map((month) => addEndedSession(conn, event.tenantId, month, timeZone, session, totals)));
  }
  const events: LiveSessionEvents = {
    async sessionEnded(event) {
      await applyEnded(event);
    },
  };
  return { events, applyEnded };
}
