import { Schema, type Connection, type Types } from 'mongoose';
import type { AlertKind } from '@shared/alerts';
import { modelOn } from '../../db/connection';
import { tenantScopePlugin } from '../../db/tenant-scope';

/**
 * One raised alert. `_id` is derived from what caused it (kind + session, creator + day, spell start…), so
 * inserting it is the claim: a restart, a second instance or a replay that raises the same alert again gets a
 * duplicate-key error and stops there. `fannedOut` turns true once notifications, the stream and webhook
 * deliveries have been written; a sweep finishes events whose raiser died in between (every step is idempotent).
 */
export interface AlertEventDoc {
  _id: string;
  tenantId: Types.ObjectId;
  kind: AlertKind;
  creatorId: Types.ObjectId | null;
  at: Date;
  title: string;
  text: string;
  data: Record<string, unknown>;
  /** Users this alert is for (after preferences), decided when raised. */
  recipients: string[];
  /** Whether webhooks get it (spike below the agency floor, a quiet threshold that is only a user's: no). */
  forWebhooks: boolean;
  fannedOut: boolean;
  createdAt: Date;
}
const alertEventSchema = new Schema<AlertEventDoc>(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    creatorId: { type: Schema.Types.ObjectId, default: null },
    at: { type: Date, required: true },
    title: { type: String, required: true },
    text: { type: String, default: '' },
    data: { type: Schema.Types.Mixed, default: {} },
    recipients: { type: [String], default: [] },
    forWebhooks: { type: Boolean, default: true },
    fannedOut: { type: Boolean, default: false },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);
alertEventSchema.plugin(tenantScopePlugin);
alertEventSchema.index({ fannedOut: 1, createdAt: 1 });
alertEventSchema.index({ tenantId: 1, creatorId: 1 });
export const alertEventModel = (conn: Connection) => modelOn(conn, 'AlertEvent', alertEventSchema);

/** `<tenantId>:<kind>:<creatorId>` → when that kind was last raised for that creator (the cooldown). */
export interface AlertCooldownDoc {
  _id: string;
  tenantId: Types.ObjectId;
  lastAt: Date;
}
const cooldownSchema = new Schema<AlertCooldownDoc>({ _id: { type: String, required: true }, lastAt: { type: Date, required: true } }, { versionKey: false });
cooldownSchema.plugin(tenantScopePlugin);
export const alertCooldownModel = (conn: Connection) => modelOn(conn, 'AlertCooldown', cooldownSchema);

/** `user:<userId>` (a user's choices) or `agency:<tenantId>` (the defaults admins set). Unset values fall back. */
export interface AlertPreferencesDoc {
  _id: string;
  tenantId: Types.ObjectId;
  /** Stored as a list: alert kinds contain dots, which are paths in MongoDB field names. */
  events: { kind: AlertKind; on: boolean }[];
  quietDays: number | null;
  spikeFloor: number | null;
  updatedAt: Date;
}
const preferencesSchema = new Schema<AlertPreferencesDoc>(
  {
    _id: { type: String, required: true },
    events: { type: [{ _id: false, kind: String, on: Boolean }], default: [] },
    quietDays: { type: Number, default: null },
    spikeFloor: { type: Number, default: null },
    updatedAt: { type: Date, default: () => new Date() },
  },
  { versionKey: false, minimize: false },
);
preferencesSchema.plugin(tenantScopePlugin);
export const alertPreferencesModel = (conn: Connection) => modelOn(conn, 'AlertPreferences', preferencesSchema);

/** The stored list as the `{kind: on}` map the rules use. */
export function eventToggles(doc: Pick<AlertPreferencesDoc, 'events'> | null): Partial<Record<AlertKind, boolean>> {
  return Object.fromEntries((doc?.events ?? []).map((e) => [e.kind, e.on]));
}
