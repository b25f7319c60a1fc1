/**
 * The LIVE module's one hook for alerts (issue 12): a named sink the manager is given, told about session
 * starts, running tallies and session ends. It taps the realtime publisher — every tally and every session end
 * already passes through it, after it is persisted — so the session code itself is not touched. The sink must
 * not slow LIVE down or fail it: calls are fire-and-forget, errors are the sink's to log.
 */
import type { Types } from 'mongoose';
import type { LiveStreamPublisher } from './stream-log';
import type { TallyPayload } from './writer';

export interface LiveAlertSink {
  /** First tally of a session seen by this instance (a resumed session is seen again after a restart: the sink dedupes). */
  onSessionStarted(input: { tenantId: Types.ObjectId; creatorId: Types.ObjectId; sessionId: string; startedAt: number }): void;
  onTally(input: { tenantId: Types.ObjectId; creatorId: Types.ObjectId; tally: TallyPayload }): void;
  /** After the session's end and rollup (its document holds the summary and `endReason`). */
  onSessionEnded(input: { tenantId: Types.ObjectId; creatorId: Types.ObjectId; sessionId: string }): void;
}

/** A publisher that also tells the sink what it publishes. */
export function publisherWithAlerts(publisher: LiveStreamPublisher, sink: LiveAlertSink | undefined): LiveStreamPublisher {
  if (!sink) return publisher;
  const started = new Set<string>();
  return {
    async publish(tenantId, events) {
      await publisher.publish(tenantId, events);
      for (const event of events) {
        if (event.type === 'tally') {
          const tally = event.data as unknown as TallyPayload;
          if (!started.has(tally.sessionId)) {
            // Sessions that ended on another instance are never deleted here: bound the set (a repeat is deduped by the sink).
            if (started.size > 10_000) started.clear();
            started.add(tally.sessionId);
            sink.onSessionStarted({ tenantId, creatorId: event.creatorId, sessionId: tally.sessionId, startedAt: Date.parse(tally.startedAt) });
          }
          sink.onTally({ tenantId, creatorId: event.creatorId, tally });
        } else if (event.type === 'session_end') {
          const sessionId = String((event.data as { sessionId: unknown }).sessionId);
          started.delete(sessionId);
          sink.onSessionEnded({ tenantId, creatorId: event.creatorId, sessionId });
        }
      }
    },
  };
}
