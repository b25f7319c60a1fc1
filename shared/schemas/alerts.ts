/** Alerts (preferences, notifications' alert kinds) and outbound webhooks: the HTTP contract of issue 12. */
import { Type, type Static } from 'typebox';
import { ALERT_KINDS } from '../alerts/kinds';
import { Cursor, Id, IsoDateTime, Limit } from './common';

export const AlertKindSchema = Type.Enum(ALERT_KINDS);

const EventToggles = Type.Object(Object.fromEntries(ALERT_KINDS.map((k) => [k, Type.Boolean()])) as Record<(typeof ALERT_KINDS)[number], ReturnType<typeof Type.Boolean>>, {
  additionalProperties: false,
});
const PartialEventToggles = Type.Partial(EventToggles, { additionalProperties: false });

const QuietDays = Type.Integer({ minimum: 1, maximum: 365 });
const SpikeFloor = Type.Integer({ minimum: 1, maximum: 1_000_000_000 });

/** What the caller receives: every kind on or off, the quiet-days threshold and the gift-spike floor. */
export const AlertPreferences = Type.Object({
  events: EventToggles,
  quietDays: QuietDays,
  spikeFloor: SpikeFloor,
});
export type AlertPreferences = Static<typeof AlertPreferences>;

/** A change: any subset; `null` for quietDays/spikeFloor goes back to the agency default. */
export const AlertPreferencesUpdate = Type.Object(
  {
    events: Type.Optional(PartialEventToggles),
    quietDays: Type.Optional(Type.Union([QuietDays, Type.Null()])),
    spikeFloor: Type.Optional(Type.Union([SpikeFloor, Type.Null()])),
  },
  { additionalProperties: false },
);
export type AlertPreferencesUpdate = Static<typeof AlertPreferencesUpdate>;

/** The caller's effective preferences and the agency defaults they fall back on. */
export const MyAlertPreferences = Type.Object({
  events: EventToggles,
  quietDays: QuietDays,
  spikeFloor: SpikeFloor,
  agencyDefaults: AlertPreferences,
});
export type MyAlertPreferences = Static<typeof MyAlertPreferences>;

export const WEBHOOK_FORMATS = ['json', 'slack', 'discord'] as const;
const WebhookUrl = Type.String({ minLength: 8, maxLength: 2048 });
const WebhookEvents = Type.Array(AlertKindSchema, { minItems: 1, maxItems: ALERT_KINDS.length, uniqueItems: true });

export const CreateWebhookBody = Type.Object(
  {
    url: WebhookUrl,
    events: WebhookEvents,
    format: Type.Optional(Type.Enum(WEBHOOK_FORMATS)),
    description: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(WebhookUrl),
    events: Type.Optional(WebhookEvents),
    format: Type.Optional(Type.Enum(WEBHOOK_FORMATS)),
    description: Type.Optional(Type.String({ maxLength: 200 })),
    /** true re-enables a webhook disabled after failures (its failure clock restarts). */
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type UpdateWebhookBody = Static<typeof UpdateWebhookBody>;

export const Webhook = Type.Object({
  id: Id,
  url: Type.String(),
  events: Type.Array(AlertKindSchema),
  format: Type.Enum(WEBHOOK_FORMATS),
  description: Type.String(),
  enabled: Type.Boolean(),
  /** Why it is disabled (`failing` after 24 h of failed deliveries), null while enabled. */
  disabledReason: Type.Union([Type.String(), Type.Null()]),
  disabledAt: Type.Union([IsoDateTime, Type.Null()]),
  /** Since when deliveries have been failing (null when the last one succeeded). */
  failingSince: Type.Union([IsoDateTime, Type.Null()]),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Webhook = Static<typeof Webhook>;

/** The creation answer: the signing secret is shown this once. */
export const CreatedWebhook = Type.Object({ ...Webhook.properties, secret: Type.String() });
export type CreatedWebhook = Static<typeof CreatedWebhook>;

export const WebhookList = Type.Object({ items: Type.Array(Webhook) });

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export const WebhookDelivery = Type.Object({
  id: Type.String(),
  webhookId: Id,
  eventId: Type.String(),
  event: AlertKindSchema,
  status: Type.Enum(DELIVERY_STATUSES),
  attempts: Type.Integer({ minimum: 0 }),
  lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  lastAttemptAt: Type.Union([IsoDateTime, Type.Null()]),
  nextAttemptAt: Type.Union([IsoDateTime, Type.Null()]),
  deliveredAt: Type.Union([IsoDateTime, Type.Null()]),
  createdAt: IsoDateTime,
});
export type WebhookDelivery = Static<typeof WebhookDelivery>;

export const ListDeliveriesQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum(DELIVERY_STATUSES)),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type ListDeliveriesQuery = Static<typeof ListDeliveriesQuery>;

export const DeliveryPage = Type.Object({ items: Type.Array(WebhookDelivery), nextCursor: Type.Union([Type.String(), Type.Null()]) });
