/**
 * The messages between the connector pool (main thread) and its decode workers, and how the library's errors
 * cross the thread boundary. Everything here is structured-clone data: no agents, no functions.
 *
 * Main → worker: connect / disconnect / close / terminate one connection (by the pool's id for it); the first
 * three are requests (`req`) that get an `answer` (with what connect found) or `failed` (the library's error);
 * `taken` answers an `events` batch that carries a `batch` number (acks of its frames wait for it).
 * Worker → main: `ready`; `events` (batched once per worker event-loop turn: [id, event, id, event…], a null
 * event is a message the tallies ignore); `disconnected`; `error` (the library's decode and socket problems, for
 * the log). A worker flushes its batch of events before any other message, so a connection's events arrive in
 * order with its state changes.
 */
import {
  AlreadyConnectedError,
  AlreadyConnectingError,
  AuthenticatedWebSocketConnectionError,
  ConnectTimeoutError,
  InvalidRequestError,
  InvalidResponseCompositeError,
  InvalidResponseError,
  InvalidUniqueIdError,
  PremiumFeatureError,
  SignAPIError,
  SignatureMissingTokensError,
  SignatureRateLimitError,
  TikTokLiveError,
  UserOfflineError,
  type TikTokLiveConstructorConnectionOptions,
} from 'tiktok-live-connector';
import type { LiveEvent } from '@shared/live';
import type { LiveConnectionSettings } from '../connector';
import type { RoomConnected } from './room-connector';

/** `workerData` of a decode worker: plain settings; the worker builds its own agents and sign client from them. */
export interface DecodeWorkerInit {
  settings: LiveConnectionSettings;
  connectionOptions?: TikTokLiveConstructorConnectionOptions;
  /** Benchmarks' comparison only: leave push frames to the library (it acks a frame before emitting its events). */
  libraryPushFrames?: boolean;
}

export type ToWorker =
  | { type: 'connect'; req: number; id: number; handle: string }
  | { type: 'disconnect'; req: number; id: number }
  | { type: 'close'; req: number; id: number }
  | { type: 'terminate'; id: number }
  /** The main thread handed the events of this batch to their listeners: the worker may ack their frames. */
  | { type: 'taken'; batch: number };

export type FromWorker =
  | { type: 'ready' }
  /** `batch` is set when acks wait on this batch: the main thread answers `taken` with it. */
  | { type: 'events'; entries: (number | LiveEvent | null)[]; batch?: number }
  | { type: 'answer'; req: number; connected?: RoomConnected }
  | { type: 'failed'; req: number; error: SerializedError }
  | { type: 'disconnected'; id: number }
  | { type: 'error'; id: number; message: string };

export interface SerializedError {
  /** The nearest library error class in the error's prototype chain ('Error' when none). */
  className: string;
  name: string;
  message: string;
  stack?: string;
  /** The fields the scheduler and the sign gate read (retryAfter, resetTime, reason…) and the route id. */
  fields: Record<string, string | number | undefined>;
  /** InvalidResponseCompositeError: the errors of its sources (a rate limit hides in there). */
  requestErrs?: SerializedError[];
}

/**
 * The library's error classes, most specific first: the main thread rebuilds an instance of the same class, so
 * `instanceof` (scheduler.ts's classification, the listener's offline and rate-limit handling) works across threads.
 */
const ERROR_CLASSES: Record<string, abstract new (...args: never[]) => Error> = {
  SignatureRateLimitError,
  SignatureMissingTokensError,
  PremiumFeatureError,
  AuthenticatedWebSocketConnectionError,
  SignAPIError,
  TikTokLiveError,
  UserOfflineError,
  AlreadyConnectedError,
  AlreadyConnectingError,
  ConnectTimeoutError,
  InvalidResponseCompositeError,
  InvalidResponseError,
  InvalidRequestError,
  InvalidUniqueIdError,
};
const FIELDS = ['retryAfter', 'resetTime', 'reason', 'requestId', 'agentId', 'code'] as const;

function libraryClassOf(err: Error): string {
  for (const [name, cls] of Object.entries(ERROR_CLASSES)) if (err instanceof cls) return name;
  return 'Error';
}

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { className: 'Error', name: 'Error', message: String(err), fields: {} };
  const source = err as Error & Record<string, unknown>;
  const fields: SerializedError['fields'] = {};
  for (const key of FIELDS) {
    const value = source[key];
    if (typeof value === 'string' || typeof value === 'number') fields[key] = value;
  }
  const config = source.config as { routeId?: unknown; requestErrs?: unknown[] } | undefined;
  if (typeof config?.routeId === 'string') fields.routeId = config.routeId;
  return {
    className: libraryClassOf(err),
    name: err.name,
    message: err.message,
    stack: err.stack,
    fields,
    ...(Array.isArray(config?.requestErrs) && { requestErrs: config.requestErrs.map(serializeError) }),
  };
}

/** An instance of the same library class with the same message and fields (its constructor is not re-run). */
export function deserializeError(data: SerializedError): Error {
  const cls = ERROR_CLASSES[data.className] ?? Error;
  const err = Object.create(cls.prototype) as Error & Record<string, unknown>;
  Object.defineProperty(err, 'message', { value: data.message, writable: true, configurable: true });
  Object.defineProperty(err, 'name', { value: data.name, writable: true, configurable: true });
  Object.defineProperty(err, 'stack', { value: data.stack ?? `${data.name}: ${data.message}`, writable: true, configurable: true });
  const { routeId, ...fields } = data.fields;
  Object.assign(err, fields);
  if (routeId !== undefined || data.requestErrs) err.config = { routeId, ...(data.requestErrs && { requestErrs: data.requestErrs.map(deserializeError) }) };
  return err;
}
