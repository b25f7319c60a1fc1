import { browser } from './browser';
import { ApiError, type SerializedApiError } from './api-error';
import type { Activity, ActivityInput, Agency, Creator, CreatorMetrics, CreatorPatch, Deal, DealInput, DealPatch, LiveTally, NewUser, ServerConfig, SessionEnd, SignupInput, User } from './api-types';
import type { LiveStreamStatus } from './live-stream';
import type { OnScreenCreator } from './tiktok-url';

export interface AuthState { signedIn: boolean; user: User | null; agency: Agency | null }
export interface Settings { apiUrl: string }
/** What saving an API URL did: the URL as stored, whether it answered, and what to tell the user when not. */
export interface SavedApiUrl extends Settings { changed: boolean; reachable: boolean; warning: string | null }
export type DealSubmitResult = { status: 'created'; deal: Deal } | { status: 'queued'; reason: string };

/** Every request a page can make to the background: name → [payload, answer]. */
export interface BackgroundRequests {
  'auth.state': [void, AuthState];
  'auth.login': [{ email: string; password: string }, AuthState];
  'auth.signup': [SignupInput, AuthState];
  'auth.logout': [void, AuthState];
  /** For the options page's CSV upload, which needs XHR upload progress and so sends itself. */
  'auth.token': [void, string | null];
  'settings.get': [void, Settings];
  'settings.setApiUrl': [{ apiUrl: string }, SavedApiUrl];
  'config.get': [void, ServerConfig];
  'roster.refresh': [void, { count: number }];
  'creator.get': [{ id: string }, Creator];
  'creator.byHandle': [{ handle: string }, Creator | null];
  'creator.add': [{ handle: string }, Creator];
  'creator.update': [{ id: string; patch: CreatorPatch }, Creator];
  'creator.remove': [{ id: string }, { removed: true }];
  'creator.metrics': [{ id: string }, CreatorMetrics];
  'creator.setLiveTracking': [{ id: string; enabled: boolean }, Creator];
  'deals.list': [{ creatorId: string }, Deal[]];
  'deals.submit': [{ input: DealInput; idempotencyKey: string }, DealSubmitResult];
  'deals.update': [{ id: string; patch: DealPatch }, Deal];
  'deals.flush': [void, { sent: number; pending: number; rejected: number }];
  'activities.list': [{ creatorId: string }, Activity[]];
  'activities.add': [{ creatorId: string; input: ActivityInput }, Activity];
  'tiktok.connect': [{ creatorId: string }, Creator];
  'tiktok.disconnect': [{ creatorId: string }, Creator];
  'users.list': [void, User[]];
  'users.invite': [NewUser, User];
  'tab.onScreen': [void, OnScreenCreator | null];
  'live.snapshot': [void, { status: LiveStreamStatus; tallies: LiveTally[] }];
}
export type RequestName = keyof BackgroundRequests;
export type PayloadOf<K extends RequestName> = BackgroundRequests[K][0];
export type AnswerOf<K extends RequestName> = BackgroundRequests[K][1];

/** What the background pushes to open side panels over the `sidepanel` port. */
export type PanelEvent =
  | { kind: 'live_snapshot'; tallies: LiveTally[] }
  | { kind: 'tally'; tally: LiveTally }
  | { kind: 'session_end'; end: SessionEnd }
  | { kind: 'stream'; status: LiveStreamStatus }
  | { kind: 'on_screen'; creator: OnScreenCreator | null }
  | { kind: 'auth'; state: AuthState }
  | { kind: 'roster_changed' }
  /** Deals were created for these creators (a queued deal went out, or the popup saved one). */
  | { kind: 'deals_changed'; creatorIds: string[] };

export const SIDE_PANEL_PORT = 'sidepanel';

interface Envelope { liveroster: true; type: RequestName; payload: unknown }
type Reply = { ok: true; data: unknown } | { ok: false; error: SerializedApiError };

/** Sends one typed request to the background; a failure rejects with the ApiError the background met. */
export async function sendToBackground<K extends RequestName>(type: K, ...payload: PayloadOf<K> extends void ? [] : [PayloadOf<K>]): Promise<AnswerOf<K>> {
  const envelope: Envelope = { liveroster: true, type, payload: payload[0] };
  const reply = (await browser.runtime.sendMessage(envelope)) as Reply | undefined;
  if (!reply) throw new ApiError(0, 'NO_BACKGROUND', 'The extension background did not answer');
  if (!reply.ok) throw ApiError.from(reply.error);
  return reply.data as AnswerOf<K>;
}

export type RequestHandlers = { [K in RequestName]: (payload: PayloadOf<K>) => Promise<AnswerOf<K>> };

/** Installs the background's request router; errors travel back serialised as ApiError. */
export function serveBackgroundRequests(handlers: RequestHandlers): void {
  // The polyfill turns a returned Promise into Chrome's sendResponse; anything else (undefined) leaves the message to other listeners.
  browser.runtime.onMessage.addListener((message: unknown): Promise<Reply> | undefined => {
    const envelope = message as Partial<Envelope> | undefined;
    if (!envelope?.liveroster || !envelope.type || !(envelope.type in handlers)) return undefined;
    const handler = handlers[envelope.type] as (payload: unknown) => Promise<unknown>;
    // Always resolves: a rejection would lose the ApiError's code and status on the way through the polyfill.
    return Promise.resolve()
      .then(() => handler(envelope.payload))
      .then(
        (data): Reply => ({ ok: true, data }),
        (error: unknown): Reply => ({
          ok: false,
          error: error instanceof ApiError ? error.toJSON() : { status: 0, code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) },
        }),
      );
  });
}
