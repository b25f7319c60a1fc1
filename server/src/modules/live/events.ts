/**
 * The LIVE module's session sink: the one place a session is announced as opened and as ended (with its
 * summary and why it ended). Other modules (alerts, webhooks) hook in by passing an implementation to
 * `setupLive({ events })`; the live module never imports them.
 */
import type { Types } from 'mongoose';

export interface SessionStartedEvent {
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
  sessionId: Types.ObjectId;
  roomId: string;
  startedAt: Date;
  /** False when an existing session was resumed (takeover, restart, reconnect): announce only new ones. */
  isNew: boolean;
}

export interface SessionSummary {
  durationSeconds: number;
  diamonds: number;
  gifts: number;
  peakViewers: number;
  avgViewers: number;
}

export interface SessionEndedEvent {
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
  sessionId: Types.ObjectId;
  startedAt: Date;
  endedAt: Date;
  /** `stream_end`, `suspended` (ended by TikTok's moderation), `offline`, `room_changed`, `tracking_stopped`, `unobserved`, … */
  endReason: string;
  summary: SessionSummary;
}

export interface LiveSessionEvents {
  sessionStarted?(event: SessionStartedEvent): void | Promise<void>;
  sessionEnded?(event: SessionEndedEvent): void | Promise<void>;
}

/** Calls a sink without letting its failure touch the session path. */
export async function announce<E>(log: { error(obj: object, msg: string): void }, fn: ((event: E) => void | Promise<void>) | undefined, event: E): Promise<void> {
  if (!fn) return;
  try {
    await fn(event);
  } catch (err) {
    log.error({ err }, 'live: a session event sink failed');
  }
}
