/** Agency month settings: read by anyone of the agency, written by admins, validated by shared/month. */
import { findOwnById } from './by-id';
import { Types, type Connection } from 'mongoose';
import { DEFAULT_AGENCY_SETTINGS, validateAgencySettings, type AgencySettings } from '@shared/month';
import type { AuthContext } from '../../plugins/auth';
import { AppError } from '../../plugins/errors';
import type { Invalidation } from '../../coordination/index';
import { agencySettingsModel, type AgencySettingsDoc } from './model';

function toSettings(doc: Partial<AgencySettingsDoc> | null): AgencySettings {
  if (!doc) return structuredClone(DEFAULT_AGENCY_SETTINGS);
  return {
    timeZone: doc.timeZone ?? DEFAULT_AGENCY_SETTINGS.timeZone,
    validDayMinSeconds: doc.validDayMinSeconds ?? DEFAULT_AGENCY_SETTINGS.validDayMinSeconds,
    tiers: (doc.tiers ?? []).map((t) => ({ name: t.name, diamonds: t.diamonds, ...(t.liveHours !== undefined && { liveHours: t.liveHours }), ...(t.validDays !== undefined && { validDays: t.validDays }) })),
    earnings: {
      currency: doc.earnings?.currency ?? 'USD',
      rates: (doc.earnings?.rates ?? []).map((r) => ({ from: r.from, ...(r.to !== undefined && { to: r.to }), per1000Diamonds: r.per1000Diamonds })),
      agencySharePercent: doc.earnings?.agencySharePercent ?? 0,
    },
  };
}

const TOPIC = 'agency-settings';

/**
 * With `invalidation` (the routes' service), settings are cached in process per agency: the board and the cards
 * read them on every request, and a read queued behind a long scan on FerretDB/SQLite is what made requests slow
 * while the board reloads. A PUT drops the agency's entry here and, through cache invalidation, on every other
 * instance; when messages may have been lost (resync), everything is dropped.
 */
export function createSettingsService(conn: Connection, invalidation?: Invalidation) {
  const settings = agencySettingsModel(conn);
  const cached = new Map<string, AgencySettings>();
  /** Bumped at every drop: a read that started before it does not store what it read. */
  let generation = 0;
  const drop = (tenantIds: string[] | null) => {
    generation++;
    if (tenantIds === null) cached.clear();
    else for (const id of tenantIds) cached.delete(id);
  };
  const offs = invalidation ? [invalidation.on(TOPIC, (m) => drop(Array.isArray(m.tenantIds) ? m.tenantIds.map(String) : null)), invalidation.onResync(() => drop(null))] : [];
  return {
    async get(tenant: Types.ObjectId): Promise<AgencySettings> {
      const key = String(tenant);
      const hit = cached.get(key);
      if (hit) return hit;
      const started = generation;
      const read = toSettings(await findOwnById<AgencySettingsDoc>(settings, tenant, tenant));
      if (invalidation && started === generation) {
        if (cached.size >= 10_000) cached.delete(cached.keys().next().value!);
        cached.set(key, read);
      }
      return read;
    },

    /** Stops listening for invalidations (app close). */
    stop(): void {
      for (const off of offs) off();
    },

    async put(auth: AuthContext, body: AgencySettings): Promise<AgencySettings> {
      const problems = validateAgencySettings(body);
      if (problems.length) {
        throw new AppError(
          'VALIDATION_FAILED',
          problems.map((p) => `${p.field}: ${p.message}`).join(' '),
          problems.map((p) => ({ field: p.field, in: 'body', message: p.message })),
        );
      }
      const clean = toSettings(body as Partial<AgencySettingsDoc>);
      await settings.replaceOne(
        { _id: auth.tenant, tenantId: auth.tenant },
        { _id: auth.tenant, tenantId: auth.tenant, ...clean, updatedAt: new Date(), updatedBy: new Types.ObjectId(auth.userId) },
        { upsert: true },
      );
      drop([String(auth.tenant)]);
      await invalidation?.publish(TOPIC, { tenantIds: [String(auth.tenant)] });
      return clean;
    },
  };
}
export type SettingsService = ReturnType<typeof createSettingsService>;
