/** Agency month settings: read by anyone of the agency, written by admins, validated by shared/month. */
import { findOwnById } from './by-id';
import { Types, type Connection } from 'mongoose';
import { DEFAULT_AGENCY_SETTINGS, validateAgencySettings, type AgencySettings } from '@shared/month';
import type { AuthContext } from '../../plugins/auth';
import { AppError } from '../../plugins/errors';
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

export function createSettingsService(conn: Connection) {
  const settings = agencySettingsModel(conn);
  return {
    async get(tenant: Types.ObjectId): Promise<AgencySettings> {
      return toSettings(await findOwnById<AgencySettingsDoc>(settings, tenant, tenant));
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
      return clean;
    },
  };
}
export type SettingsService = ReturnType<typeof createSettingsService>;
