/**
 * creator.went_quiet: a tracked creator not live for N days (each recipient's `quietDays`, the agency default for
 * webhooks), once per quiet spell. The spell starts when their last LIVE ended (or, never live, when they were
 * added); its start is part of the alert's id, so the job may run on every instance, as often as it likes.
 *
 * A constant number of queries per agency and round, whatever the roster size: one scan of the tracked creators
 * (every agency at once), then per agency its month settings (an `_id` lookup) and the month module's rollups
 * (rollup.ts: `_id`-keyed chunks holding each creator's last LIVE end; the sessions are re-read in one query only
 * for creators whose totals moved since, which every ended or imported session does).
 */
import type { Connection, Types } from 'mongoose';
import { zonedMonth } from '@shared/month';
import { creatorModel, type CreatorDoc } from '../creators/model';
import { loadRollups } from '../month/rollup';
import { createSettingsService } from '../month/settings';
import type { AlertsService } from './service';

const DAY_MS = 86_400_000;

export function createQuietCheck(conn: Connection, alerts: AlertsService, options: { now: () => number }) {
  const creators = creatorModel(conn);
  const settings = createSettingsService(conn);

  async function runAgency(tenantId: Types.ObjectId, tracked: CreatorDoc[], now: number): Promise<number> {
    const { timeZone } = await settings.get(tenantId);
    // Only the tracked creators' chunks are read (and only theirs re-read when stale): wholeRoster false.
    const rollups = await loadRollups(conn, tenantId, zonedMonth(now, timeZone), timeZone, tracked, false);
    const prefs = await alerts.tenantPreferences(tenantId);
    const thresholds = [...new Set([prefs.agency.quietDays, ...prefs.users.map((u) => u.prefs.quietDays)])].sort((a, b) => a - b);
    let raised = 0;
    for (const creator of tracked) {
      const lastLiveAt = rollups.get(String(creator._id))?.last ?? null;
      const spellStart = lastLiveAt ?? creator.createdAt.getTime();
      const quietMs = now - spellStart;
      for (const days of thresholds) {
        if (quietMs < days * DAY_MS) continue;
        const outcome = await alerts.raise({
          tenantId,
          kind: 'creator.went_quiet',
          creatorId: creator._id,
          source: `${creator._id}:${spellStart}:${days}`,
          at: spellStart + days * DAY_MS,
          title: `@${creator.handle} has not been LIVE for ${days} days`,
          text:
            lastLiveAt !== null
              ? `Their last LIVE ended ${new Date(spellStart).toISOString().slice(0, 10)}. Check in: a short LIVE today keeps their month on track.`
              : `No LIVE since they were added on ${new Date(spellStart).toISOString().slice(0, 10)}. Check in with them.`,
          data: { quietDays: days, lastLiveAt: lastLiveAt !== null ? new Date(lastLiveAt).toISOString() : null, quietSince: new Date(spellStart).toISOString() },
          wants: (p) => p.quietDays === days,
          forWebhooks: days === prefs.agency.quietDays,
          cooldownVariant: String(days),
        });
        if (outcome === 'raised') raised++;
      }
    }
    return raised;
  }

  return {
    /** One pass over every agency's tracked creators that are not live; returns how many alerts were raised. */
    async run(): Promise<number> {
      const now = options.now();
      // Cross-tenant on purpose: one job, one scan for every agency.
      const tracked = await creators
        .find({ 'live.tracking': true, 'live.isLive': { $ne: true } }, { _id: 1, tenantId: 1, handle: 1, createdAt: 1, totals: 1 })
        .setOptions({ allTenants: true })
        .lean<CreatorDoc[]>();
      const byAgency = new Map<string, CreatorDoc[]>();
      for (const c of tracked) {
        const list = byAgency.get(String(c.tenantId));
        if (list) list.push(c);
        else byAgency.set(String(c.tenantId), [c]);
      }
      let raised = 0;
      for (const list of byAgency.values()) raised += await runAgency(list[0].tenantId, list, now);
      return raised;
    },
  };
}
