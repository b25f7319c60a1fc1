/** Alert preferences: each user's choices (`user:<id>`) over the agency defaults admins set (`agency:<tenantId>`). */
import type { Connection } from 'mongoose';
import { effectivePreferences, type AlertKind } from '@shared/alerts';
import type { AlertPreferencesUpdate, MyAlertPreferences, AlertPreferences } from '@shared/schemas/alerts';
import type { AuthContext } from '../../plugins/auth';
import { alertPreferencesModel, eventToggles, type AlertPreferencesDoc } from './model';

export function createPreferencesService(conn: Connection, options: { onChange: (auth: AuthContext) => void }) {
  const prefs = alertPreferencesModel(conn);
  const agencyKey = (auth: AuthContext) => `agency:${auth.tenant}`;
  const userKey = (auth: AuthContext) => `user:${auth.userId}`;

  async function load(auth: AuthContext, id: string): Promise<AlertPreferencesDoc | null> {
    return prefs.findOne({ _id: id, tenantId: auth.tenant }).lean<AlertPreferencesDoc>();
  }

  const view = (doc: AlertPreferencesDoc | null) => (doc ? { events: eventToggles(doc), quietDays: doc.quietDays, spikeFloor: doc.spikeFloor } : null);

  async function save(auth: AuthContext, id: string, update: AlertPreferencesUpdate): Promise<void> {
    const set: Record<string, unknown> = { updatedAt: new Date() };
    if (update.events) {
      const merged = { ...eventToggles(await load(auth, id)), ...update.events };
      set.events = Object.entries(merged).map(([kind, on]) => ({ kind: kind as AlertKind, on }));
    }
    if (update.quietDays !== undefined) set.quietDays = update.quietDays;
    if (update.spikeFloor !== undefined) set.spikeFloor = update.spikeFloor;
    await prefs.updateOne({ _id: id, tenantId: auth.tenant }, { $set: set }, { upsert: true });
    options.onChange(auth);
  }

  return {
    async mine(auth: AuthContext): Promise<MyAlertPreferences> {
      const [agency, user] = await Promise.all([load(auth, agencyKey(auth)), load(auth, userKey(auth))]);
      return { ...effectivePreferences(view(agency), view(user)), agencyDefaults: effectivePreferences(view(agency), null) };
    },
    async updateMine(auth: AuthContext, update: AlertPreferencesUpdate): Promise<MyAlertPreferences> {
      await save(auth, userKey(auth), update);
      return this.mine(auth);
    },
    async agencyDefaults(auth: AuthContext): Promise<AlertPreferences> {
      return effectivePreferences(view(await load(auth, agencyKey(auth))), null);
    },
    async updateAgencyDefaults(auth: AuthContext, update: AlertPreferencesUpdate): Promise<AlertPreferences> {
      await save(auth, agencyKey(auth), update);
      return this.agencyDefaults(auth);
    },
    async removeUser(auth: AuthContext, userId: string): Promise<void> {
      await prefs.deleteOne({ _id: `user:${userId}`, tenantId: auth.tenant });
    },
  };
}
