import { Schema, type Connection, type Types } from 'mongoose';
import type { AlertKind, WebhookFormat } from '@shared/alerts';
import { modelOn } from '../../db/connection';
import { tenantScopePlugin } from '../../db/tenant-scope';

export interface WebhookDoc {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  url: string;
  events: AlertKind[];
  format: WebhookFormat;
  description: string;
  /** The signing secret, encrypted with TOKEN_ENCRYPTION_KEY (it is shown once, at creation). */
  secret: string;
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: Date | null;
  failingSince: Date | null;
  createdBy: Types.ObjectId;
  /** Last delivery sequence number handed out: deliveries go out in this order. */
  seq: number;
  /** When its queue's head is due (null: nothing queued). The worker looks only at webhooks due now. */
  nextAttemptAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
const webhookSchema = new Schema<WebhookDoc>(
  {
    url: { type: String, required: true },
    events: { type: [String], required: true },
    format: { type: String, enum: ['json', 'slack', 'discord'], default: 'json' },
    description: { type: String, default: '' },
    secret: { type: String, required: true },
    enabled: { type: Boolean, default: true },
    disabledReason: { type: String, default: null },
    disabledAt: { type: Date, default: null },
    failingSince: { type: Date, default: null },
    createdBy: { type: Schema.Types.ObjectId, required: true },
    seq: { type: Number, default: 0 },
    nextAttemptAt: { type: Date, default: null },
  },
  { timestamps: true },
);
webhookSchema.plugin(tenantScopePlugin);
webhookSchema.index({ tenantId: 1, enabled: 1 });
webhookSchema.index({ nextAttemptAt: 1 });
export const webhookModel = (conn: Connection) => modelOn(conn, 'Webhook', webhookSchema);

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/**
 * One event for one webhook. `_id` = `<webhookId>:<eventId>`, so queueing an event twice queues it once. The
 * queue is this collection: a restarted server continues from `status: pending` in `seq` order.
 */
export interface DeliveryDoc {
  _id: string;
  tenantId: Types.ObjectId;
  webhookId: Types.ObjectId;
  eventId: string;
  event: AlertKind;
  seq: number;
  /** The exact body posted (and signed) on every attempt. */
  body: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastAttemptAt: Date | null;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
  createdAt: Date;
}
const deliverySchema = new Schema<DeliveryDoc>(
  {
    _id: { type: String, required: true },
    webhookId: { type: Schema.Types.ObjectId, required: true },
    eventId: { type: String, required: true },
    event: { type: String, required: true },
    seq: { type: Number, required: true },
    body: { type: String, required: true },
    status: { type: String, enum: ['pending', 'delivered', 'failed'], default: 'pending' },
    attempts: { type: Number, default: 0 },
    lastStatusCode: { type: Number, default: null },
    lastError: { type: String, default: null },
    lastAttemptAt: { type: Date, default: null },
    nextAttemptAt: { type: Date, required: true },
    deliveredAt: { type: Date, default: null },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
deliverySchema.plugin(tenantScopePlugin);
deliverySchema.index({ status: 1, nextAttemptAt: 1 });
deliverySchema.index({ tenantId: 1, webhookId: 1, seq: -1 });
export const deliveryModel = (conn: Connection) => modelOn(conn, 'WebhookDelivery', deliverySchema);

/** `_id` = webhook id: the instance delivering a webhook's queue right now (insert is the claim; expires). */
export interface DeliveryLockDoc {
  _id: string;
  owner: string;
  expiresAt: Date;
}
const lockSchema = new Schema<DeliveryLockDoc>({ _id: { type: String, required: true }, owner: { type: String, required: true }, expiresAt: { type: Date, required: true } }, { versionKey: false });
export const deliveryLockModel = (conn: Connection) => modelOn(conn, 'WebhookDeliveryLock', lockSchema);
