/**
 * Push frames handled by us instead of tiktok-live-connector's `WebcastWebSocketClient.onMessage`, inside a decode
 * worker, for two reasons:
 * - speed: the library inflates every frame with the promisified `zlib.unzip` (a thread-pool round trip and two
 *   promises per frame), copies the payload and every message with `Buffer.from`, and decodes every message of
 *   the frame, whatever its type. We inflate with `gunzipSync` (frames are a few KB: cheaper than the hop), decode
 *   without copies, and decode only the messages whose events the tallies read (`METHOD_OF_EVENT`); the others
 *   are skipped exactly as the library's own `WebcastDeserializeConfig.includeMessageTypes` would skip them.
 * - ack order: the library acks a frame as soon as it is decoded, before its events are emitted. Here the ack is
 *   handed to `ackWhenTaken` only after the connection emitted the frame's events, and the worker sends it only
 *   when the main thread answered that it took the batch holding them (worker.ts). An ack therefore never vouches
 *   for an event the tallies did not get. (What that does NOT buy: the library reconnects from the cursor the sign
 *   server hands out, the room's latest, so a frame received but not taken when a worker dies is not sent again
 *   by the sandbox; see the README's known limits.)
 *
 * Everything else stays the library's: the connection's `processDecodedData` (its event mapping, the stream-end
 * disconnect), `im_enter_room_resp`, heartbeats, `sendAck` itself. It is installed by wrapping the
 * connection's `_wsClientProvider` (tiktok-live-connector 2.5); if the library's shape differs, installing throws
 * rather than silently running the library's path with different ack semantics.
 */
import { gunzipSync } from 'node:zlib';
import { ProtoMessageFetchResult, WebcastPushFrame, WebcastWebSocketClient, deserializeMessage, type TikTokLiveConnection } from 'tiktok-live-connector';
import type { LiveEventName } from '@shared/live';

/** The webcast message type behind each event the tallies read (room-connector.ts listens to these names). */
const METHOD_OF_EVENT: Record<LiveEventName, string> = {
  gift: 'WebcastGiftMessage',
  roomUser: 'WebcastRoomUserSeqMessage',
  like: 'WebcastLikeMessage',
  member: 'WebcastMemberMessage',
  chat: 'WebcastChatMessage',
  streamEnd: 'WebcastControlMessage',
};
const DECODED_METHODS = new Set(Object.values(METHOD_OF_EVENT));

export interface PushFrameOptions {
  /**
   * Called with a frame's ack once the connection has emitted the frame's events (synchronously, to the
   * handlers): the caller sends it when those events are safe (the main thread took them).
   */
  ackWhenTaken(sendAck: () => void): void;
}

/** A `ProtoMessageFetchResult` as the library hands it on: its messages carry `decodedData` or `decodeError`. */
interface DecodedFetchResult {
  messages: { method: string; payload: Uint8Array; decodedData?: { type: string; data: unknown }; decodeError?: unknown }[];
  needAck: boolean;
  internalExt: string;
}

/** The parts of the library's connection this relies on (protected in its typings). */
interface ConnectionInternals {
  _wsClientProvider: (params: unknown) => WebcastWebSocketClient;
  processDecodedData(decoded: { type: string; data: unknown }): Promise<unknown>;
  handleError(exception: unknown, info: string): void;
  emit(event: string, ...args: unknown[]): boolean;
}

/** `sendAck` is protected in the library's typings; it sends nothing once the socket is closed. */
interface AckingClient {
  sendAck(frame: { logId: string; protoMessageFetchResult: unknown }): void;
}

function refuse(what: string): never {
  throw new Error(
    `live decode: tiktok-live-connector's shape differs from the 2.5 this was written for (${what}); ` +
      'push-frames.ts cannot take over its push frames. Re-check it against the installed library.',
  );
}

/** Inflates a gzip'd payload (TikTok's `compress=gzip`); anything else is returned as is. */
function inflate(payload: Uint8Array): Uint8Array {
  return payload.length > 2 && payload[0] === 31 && payload[1] === 139 && payload[2] === 8 ? gunzipSync(payload) : payload;
}

/** The fetch result of a `pb` push frame, with the messages the tallies read decoded (the library's shape). */
export function decodeFetchResult(payload: Uint8Array): DecodedFetchResult {
  const result = ProtoMessageFetchResult.decode(inflate(payload)) as unknown as DecodedFetchResult;
  for (const message of result.messages ?? []) {
    if (!DECODED_METHODS.has(message.method)) continue;
    try {
      message.decodedData = { type: message.method, data: deserializeMessage(message.method as 'WebcastGiftMessage', message.payload as Buffer) };
    } catch (err) {
      message.decodeError = err;
    }
  }
  return result;
}

/**
 * Takes over the push frames of every WebSocket `connection` opens from now on (call right after creating it).
 * Throws when the library is not the shape this was written for.
 */
export function installPushFrames(connection: TikTokLiveConnection, options: PushFrameOptions): void {
  const internals = connection as unknown as ConnectionInternals;
  const provider = internals._wsClientProvider;
  if (typeof provider !== 'function') refuse('no _wsClientProvider function on the connection');
  if (typeof internals.processDecodedData !== 'function') refuse('no processDecodedData on the connection');
  if (typeof internals.handleError !== 'function') refuse('no handleError on the connection');
  if (typeof (WebcastWebSocketClient.prototype as unknown as AckingClient).sendAck !== 'function') refuse('no WebcastWebSocketClient.sendAck');

  internals._wsClientProvider = (params) => {
    const client = provider(params);
    // The library's client listens to 'message' with its own onMessage, bound in its constructor: exactly one.
    if (!(client instanceof WebcastWebSocketClient)) refuse('_wsClientProvider did not return a WebcastWebSocketClient');
    if (client.listenerCount('message') !== 1) refuse(`expected one 'message' listener on the client, found ${client.listenerCount('message')}`);
    client.removeAllListeners('message');
    client.on('message', (data: Buffer) => onFrame(internals, client, options, data));
    return client;
  };
}

function onFrame(connection: ConnectionInternals, client: WebcastWebSocketClient, options: PushFrameOptions, data: Buffer): void {
  client.emit('webSocketData', data);
  let frame: ReturnType<typeof WebcastPushFrame.decode>;
  let result: DecodedFetchResult | undefined;
  try {
    frame = WebcastPushFrame.decode(data);
    if (frame.payloadEncoding === 'pb' && frame.payload?.length) result = decodeFetchResult(frame.payload);
  } catch (err) {
    client.emit('messageDecodingFailed', err);
    return;
  }
  if (frame.payloadType === 'im_enter_room_resp') client.emit('imEnteredRoom', frame);
  if (!result) return;
  // What the connection's own 'protoMessageFetchResult' handler does, minus its `await` between messages: the
  // events of a message are emitted synchronously by `processDecodedData` (only a stream end then awaits the
  // disconnect), so here a frame's events all reach the handlers, in order and before the next frame's, by the
  // time the loop ends; the ack follows them.
  for (const message of result.messages) {
    if (message.decodeError) connection.handleError(message.decodeError, `Failed to decode ${message.method}`);
    if (!message.decodedData) continue;
    connection.emit('decodedData', message.method, message.decodedData, message.payload);
    connection.processDecodedData(message.decodedData).catch((err) => connection.handleError(err, 'Failed to process decoded data'));
  }
  if (result.needAck) {
    const logId = frame.logId;
    options.ackWhenTaken(() => (client as unknown as AckingClient).sendAck({ logId, protoMessageFetchResult: result }));
  }
}
