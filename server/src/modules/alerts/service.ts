/**
 * Raising alerts: a stable id per cause, the claim (insert of that id), the per-(kind, creator) cooldown, the
 * recipients (the agency's admins and the creator's manager, filtered by each one's preferences), and the
 * fan-out to the three channels: per-user notifications, the agency's realtime stream (`alert` events) and the
 * webhook delivery queue. Every fan-out step is idempotent, and a sweep finishes events whose raiser died.
 */
import { createHash } from 'node:crypto';
import { Types, type Connection } from 'mongoose';
import type { FastifyBaseLogger } from 'fastify';
import { COOLDOWN_EXEMPT, DEFAULT_COOLDOWN_MS, effectivePreferences, type AlertEvent, type AlertKind, type AlertPreferenceValues } from '@shared/alerts';
import { userModel } from '../auth/model';
import { creatorModel } from '../creators/model';
import { isDuplicateKeyError } from '../live/leases';
import type { LiveStreamPublisher } from '../live/stream-log';
import { notifyUsers } from '../notifications/service';
import { alertCooldownModel, alertEventModel, alertPreferencesModel, eventToggles, type AlertEventDoc, type AlertPreferencesDoc } from './model';

export interface RaiseInput {
  tenantId: Types.ObjectId;
  kind: AlertKind;
  creatorId: Types.ObjectId | null;
  /** What makes this alert unique within its kind (a session id, a spell start…): the stable id derives from it. */
  source: string;
  at: number;
  title: string;
  text: string;
  data: Record<string, unknown>;
  /** Which recipients want it beyond the on/off toggle (a spike above their floor, their quiet-days threshold). */
  wants?: (prefs: AlertPreferenceValues) => boolean;
  /** Whether webhooks (which follow the agency defaults) get it. Default: `wants(agency defaults)`. */
  forWebhooks?: boolean;
  /** Cooldown key suffix (variants of one kind that must not block each other). */
  cooldownVariant?: string;
}

export type RaiseOutcome = 'raised' | 'duplicate' | 'cooldown';

/** `evt_` + 32 hex of SHA-256(agency | kind | source): the same cause gives the same id everywhere. */
export function alertEventId(tenantId: Types.ObjectId | string, kind: AlertKind, source: string): string {
  return `evt_${createHash('sha256').update(`${tenantId}|${kind}|${source}`).digest('hex').slice(0, 32)}`;
}

export function tiktokProfileUrl(handle: string): string {
  return `https://www.tiktok.com/@${encodeURIComponent(handle)}`;
}

export interface AlertsOptions {
  now: () => number;
  cooldownMs?: number;
  log: FastifyBaseLogger;
  /** The realtime stream the side panel follows (`alert` events). */
  publisher: LiveStreamPublisher;
  /** Puts the event on every subscribed webhook's queue (webhooks module); idempotent per (webhook, event). */
  enqueueWebhooks: (tenantId: Types.ObjectId, event: AlertEvent) => Promise<void>;
}

export function createAlertsService(conn: Connection, options: AlertsOptions) {
  const events = alertEventModel(conn);
  const cooldowns = alertCooldownModel(conn);
  const preferences = alertPreferencesModel(conn);
  const users = userModel(conn);
  const creators = creatorModel(conn);
  const cooldownMs = options.cooldownMs ?? DEFAULT_COOLDOWN_MS;
  /** Ids this process has claimed or seen claimed: a replay stops here without a database round trip. */
  const seen = new Set<string>();
  const prefsCache = new Map<string, { at: number; value: TenantPreferences }>();

  interface TenantPreferences {
    agency: AlertPreferenceValues;
    users: { userId: string; role: 'admin' | 'manager'; prefs: AlertPreferenceValues }[];
  }

  /** The agency defaults and every user's effective preferences (cached 5 s: alerts are raised in bursts). */
  async function tenantPreferences(tenantId: Types.ObjectId): Promise<TenantPreferences> {
    const key = String(tenantId);
    const cached = prefsCache.get(key);
    if (cached && options.now() - cached.at < 5_000) return cached.value;
    const [userDocs, prefDocs] = await Promise.all([
      users.find({ tenantId }, { _id: 1, role: 1 }).lean(),
      preferences.find({ tenantId }).lean<AlertPreferencesDoc[]>(),
    ]);
    const byId = new Map(prefDocs.map((d) => [d._id, d]));
    const view = (doc: AlertPreferencesDoc | undefined) => (doc ? { events: eventToggles(doc), quietDays: doc.quietDays, spikeFloor: doc.spikeFloor } : null);
    const agencyDoc = view(byId.get(`agency:${key}`));
    const value: TenantPreferences = {
      agency: effectivePreferences(agencyDoc, null),
      users: userDocs.map((u) => ({ userId: String(u._id), role: u.role, prefs: effectivePreferences(agencyDoc, view(byId.get(`user:${u._id}`))) })),
    };
    prefsCache.set(key, { at: options.now(), value });
    return value;
  }

  function toEvent(doc: AlertEventDoc, creator: { _id: Types.ObjectId; handle: string; displayName: string } | null): AlertEvent {
    return {
      id: doc._id,
      type: doc.kind,
      createdAt: doc.at.toISOString(),
      agencyId: String(doc.tenantId),
      creator: creator ? { id: String(creator._id), handle: creator.handle, displayName: creator.displayName || creator.handle, profileUrl: tiktokProfileUrl(creator.handle) } : null,
      title: doc.title,
      text: doc.text,
      data: doc.data,
    };
  }

  async function creatorOf(tenantId: Types.ObjectId, creatorId: Types.ObjectId | null) {
    if (!creatorId) return null;
    return creators.findOne({ _id: creatorId, tenantId }, { _id: 1, handle: 1, displayName: 1, managerId: 1 }).lean();
  }

  /** Notifications, stream and webhook queue for a claimed event; safe to run again. */
  async function fanOut(doc: AlertEventDoc): Promise<void> {
    const creator = await creatorOf(doc.tenantId, doc.creatorId);
    const event = toEvent(doc, creator);
    await notifyUsers(conn, { tenantId: doc.tenantId, userIds: doc.recipients, eventId: doc._id, at: doc.at, type: doc.kind, title: doc.title, body: doc.text, creatorId: doc.creatorId, data: { ...doc.data, creator: event.creator } });
    if (doc.forWebhooks) await options.enqueueWebhooks(doc.tenantId, event);
    if (doc.creatorId) {
      // Managers' streams show only their creators' events (sse.ts), and only to recipients (their preferences).
      await options.publisher.publish(doc.tenantId, [{ type: 'alert', creatorId: doc.creatorId, data: { ...event, recipients: doc.recipients } }]);
    }
    await events.updateOne({ _id: doc._id, tenantId: doc.tenantId }, { $set: { fannedOut: true } });
  }

  return {
    tenantPreferences,
    forgetPreferences: (tenantId: Types.ObjectId) => prefsCache.delete(String(tenantId)),

    async raise(input: RaiseInput): Promise<RaiseOutcome> {
      const id = alertEventId(input.tenantId, input.kind, input.source);
      if (seen.has(id)) return 'duplicate';
      const cooldownId = `${input.tenantId}:${input.kind}:${input.creatorId ?? '-'}${input.cooldownVariant ? `:${input.cooldownVariant}` : ''}`;
      const exempt = COOLDOWN_EXEMPT.includes(input.kind);
      if (!exempt) {
        const last = await cooldowns.findOne({ _id: cooldownId, tenantId: input.tenantId }).lean();
        if (last && input.at - last.lastAt.getTime() < cooldownMs && input.at >= last.lastAt.getTime()) return 'cooldown';
      }
      const prefs = await tenantPreferences(input.tenantId);
      const creator = await creatorOf(input.tenantId, input.creatorId);
      if (input.creatorId && !creator) return 'duplicate'; // deleted meanwhile: nothing to say
      const managerId = creator?.managerId ? String(creator.managerId) : null;
      const recipients = prefs.users
        .filter((u) => u.role === 'admin' || u.userId === managerId)
        .filter((u) => u.prefs.events[input.kind] && (input.wants?.(u.prefs) ?? true))
        .map((u) => u.userId);
      const forWebhooks = input.forWebhooks ?? (input.wants?.(prefs.agency) ?? true);
      const doc: AlertEventDoc = {
        _id: id,
        tenantId: input.tenantId,
        kind: input.kind,
        creatorId: input.creatorId,
        at: new Date(input.at),
        title: input.title,
        text: input.text,
        data: input.data,
        recipients,
        forWebhooks,
        fannedOut: false,
        createdAt: new Date(options.now()),
      };
      try {
        await events.collection.insertOne(doc as never);
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        seen.add(id);
        return 'duplicate';
      }
      seen.add(id);
      if (seen.size > 50_000) seen.clear();
      if (!exempt) await cooldowns.updateOne({ _id: cooldownId, tenantId: input.tenantId }, { $max: { lastAt: new Date(input.at) } }, { upsert: true });
      await fanOut(doc);
      return 'raised';
    },

    /** Finishes events whose raiser died between the claim and the end of the fan-out (every agency). */
    async sweepUnfinished(olderThanMs = 30_000): Promise<number> {
      // Cross-tenant on purpose: one sweep for every agency's half-delivered alerts.
      const pending = await events
        .find({ fannedOut: false, createdAt: { $lt: new Date(options.now() - olderThanMs) } })
        .setOptions({ allTenants: true })
        .limit(100)
        .lean<AlertEventDoc[]>();
      for (const doc of pending) await fanOut(doc);
      return pending.length;
    },

    async removeForCreator(tenantId: Types.ObjectId, creatorId: Types.ObjectId): Promise<void> {
      await events.deleteMany({ tenantId, creatorId });
    },

    async eventById(tenantId: Types.ObjectId, id: string): Promise<AlertEvent | null> {
      const doc = await events.findOne({ _id: id, tenantId }).lean<AlertEventDoc>();
      if (!doc) return null;
      return toEvent(doc, await creatorOf(doc.tenantId, doc.creatorId));
    },
  };
}

export type AlertsService = ReturnType<typeof createAlertsService>;


