/**
 * creator.went_quiet: a tracked creator not live for N days (each recipient's `quietDays`, the agency default for
 * webhooks), once per quiet spell. The spell starts when their last LIVE ended (or, never live, when they were
 * added); its start is part of the alert's id, so the job may run on every instance, as often as it likes.
 */
import type { Connection } from 'mongoose';
import { creatorModel } from '../creators/model';
import { liveSessionModel } from '../live/session-model';
import type { AlertsService } from './service';

const DAY_MS = 86_400_000;

export function createQuietCheck(conn: Connection, alerts: AlertsService, options: { now: () => number }) {
  const creators = creatorModel(conn);
  const sessions = liveSessionModel(conn);
  return {
    /** One pass over every agency's tracked creators that are not live; returns how many alerts were raised. */
    async run(): Promise<number> {
      const now = options.now();
      // Cross-tenant on purpose: one job for every agency.
      const tracked = await creators
        .find({ 'live.tracking': true, 'live.isLive': { $ne: true } }, { _id: 1, tenantId: 1, handle: 1, createdAt: 1 })
        .setOptions({ allTenants: true })
        .lean();
      let raised = 0;
      for (const creator of tracked) {
        const last = await sessions
          .find({ tenantId: creator.tenantId, creatorId: creator._id }, { startedAt: 1, endedAt: 1, status: 1 })
          .sort({ startedAt: -1 })
          .limit(1)
          .lean();
        if (last[0]?.status === 'live') continue;
        const spellStart = last[0] ? (last[0].endedAt ?? last[0].startedAt).getTime() : creator.createdAt.getTime();
        const quietMs = now - spellStart;
        const prefs = await alerts.tenantPreferences(creator.tenantId);
        const thresholds = new Set([prefs.agency.quietDays, ...prefs.users.map((u) => u.prefs.quietDays)]);
        for (const days of [...thresholds].sort((a, b) => a - b)) {
          if (quietMs < days * DAY_MS) continue;
          const outcome = await alerts.raise({
            tenantId: creator.tenantId,
            kind: 'creator.went_quiet',
            creatorId: creator._id,
            source: `${creator._id}:${spellStart}:${days}`,
            at: spellStart + days * DAY_MS,
            title: `@${creator.handle} has not been LIVE for ${days} days`,
            text: last[0]
              ? `Their last LIVE ended ${new Date(spellStart).toISOString().slice(0, 10)}. Check in: a short LIVE today keeps their month on track.`
              : `No LIVE since they were added on ${new Date(spellStart).toISOString().slice(0, 10)}. Check in with them.`,
            data: { quietDays: days, lastLiveAt: last[0] ? new Date(spellStart).toISOString() : null, quietSince: new Date(spellStart).toISOString() },
            wants: (p) => p.quietDays === days,
            forWebhooks: days === prefs.agency.quietDays,
            cooldownVariant: String(days),
          });
          if (outcome === 'raised') raised++;
        }
      }
      return raised;
    },
  };
}
