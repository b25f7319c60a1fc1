/**
 * What tier.reached reads of the month module (issue 11 owns it; read-only here): the agency's settings (tiers,
 * time zone, valid day), a creator's ended sessions of the month (rollups) and the month's latest Backstage export.
 * The month itself is computed by shared/month `computeMonth`, in live-alerts.ts, with the running session added.
 */
import type { Connection, Types } from 'mongoose';
import type { AgencySettings, MonthBackstage, MonthSession } from '@shared/month';
import { loadEndedMonthSessions } from '../month/ended-month';
import { loadMonthBackstage } from '../month/loader';
import { createSettingsService } from '../month/settings';

export interface TierMonthSource {
  settingsOf(tenantId: Types.ObjectId): Promise<AgencySettings>;
  /** The creator's ended sessions of the month (null: the creator is gone). */
  endedSessions(tenantId: Types.ObjectId, creatorId: Types.ObjectId, month: string, timeZone: string): Promise<MonthSession[] | null>;
  backstageOf(tenantId: Types.ObjectId, creatorId: Types.ObjectId, month: string): Promise<MonthBackstage | null>;
}

/** Backstage periods are read for a whole agency at once and kept this long: one scan per agency and minute, not per live creator. */
const BACKSTAGE_TTL_MS = 60_000;

export function createTierMonthSource(conn: Connection, options: { now: () => number }): TierMonthSource {
  const settings = createSettingsService(conn);
  const backstage = new Map<string, { at: number; value: Promise<Map<string, MonthBackstage>> }>();
  return {
    settingsOf: (tenantId) => settings.get(tenantId),
    endedSessions: (tenantId, creatorId, month, timeZone) => loadEndedMonthSessions(conn, tenantId, creatorId, month, timeZone),
    async backstageOf(tenantId, creatorId, month) {
      const key = `${tenantId}|${month}`;
      let entry = backstage.get(key);
      if (!entry || options.now() - entry.at >= BACKSTAGE_TTL_MS) {
        if (backstage.size > 5_000) backstage.clear();
        entry = { at: options.now(), value: loadMonthBackstage(conn, tenantId, month) };
        backstage.set(key, entry);
        entry.value.catch(() => backstage.delete(key));
      }
      return (await entry.value).get(String(creatorId)) ?? null;
    },
  };
}
