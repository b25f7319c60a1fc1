/**
 * The realtime LIVE feed over the coordination bus (app.coordination.bus): in process for one instance, a Redis
 * Stream per agency for several. The listener of a room may run on another instance than the one holding a
 * browser's stream; the bus carries the events between them. The bus's event id is the SSE event id, so a client
 * that reconnects (to any instance) with `Last-Event-ID` gets what it missed while the feed still holds it
 * (a few minutes). Nothing here touches the database.
 */
import type { Types } from 'mongoose';
import type { BusEvent, RealtimeBus } from '../../coordination/index';
import type { LiveStreamEventType } from './models';

export interface PublishedEvent {
  type: LiveStreamEventType;
  creatorId: Types.ObjectId;
  data: Record<string, unknown>;
}

export interface LiveStreamPublisher {
  publish(tenantId: Types.ObjectId, events: PublishedEvent[]): Promise<void>;
}

export function createStreamPublisher(bus: RealtimeBus): LiveStreamPublisher {
  return {
    async publish(tenantId, events) {
      if (events.length === 0) return;
      await bus.publish(
        String(tenantId),
        events.map((e) => ({ type: e.type, creatorId: String(e.creatorId), data: e.data })),
      );
    },
  };
}

export type StreamEvent = BusEvent & { type: LiveStreamEventType };

export interface StreamSubscription {
  ready: Promise<void>;
  close(): void;
}

/** The open SSE streams of this instance over the bus; `closeAll` ends them when the app closes. */
export function createStreamHub(bus: RealtimeBus) {
  const open = new Set<{ close: () => void; onClose: () => void }>();
  return {
    async readAfter(tenantId: Types.ObjectId, afterId: string): Promise<StreamEvent[]> {
      return (await bus.readAfter(String(tenantId), afterId)) as StreamEvent[];
    },

    /** Follows the agency's feed after `afterId` (null: from now on). */
    subscribe(input: { tenantId: Types.ObjectId; afterId: string | null; visible: (creatorId: string) => boolean; send: (event: StreamEvent) => void; onClose: () => void }): StreamSubscription {
      const sub = bus.subscribe(String(input.tenantId), input.afterId, (event) => {
        if (input.visible(event.creatorId)) input.send(event as StreamEvent);
      });
      const entry = { close: () => sub.close(), onClose: input.onClose };
      open.add(entry);
      return {
        ready: sub.ready,
        close() {
          open.delete(entry);
          sub.close();
        },
      };
    },

    /** Ends every open stream (app shutdown): their responses end, so the server can close. */
    closeAll(): void {
      for (const entry of [...open]) entry.onClose();
      open.clear();
    },

    subscriberCount(): number {
      return open.size;
    },
  };
}

export type StreamHub = ReturnType<typeof createStreamHub>;
