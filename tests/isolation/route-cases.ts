/**
 * What the isolation suite needs to know beyond the route table.
 *
 * - PUBLIC_ROUTES: routes that hold no tenant data and need no token, each with the reason.
 * - FIXTURES: how to create, in the victim agency, one thing of each kind a route parameter can name.
 *   A route whose parameter matches no fixture fails the suite until a fixture is added here.
 * - CUSTOM_CALLS: routes that cannot be called with a JSON body (multipart, streams).
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Types } from 'mongoose';
import type { Session } from '../helpers/app';
import { recordSessionForTests } from '../helpers/live/record-session';
import { multipartBody } from '../helpers/imports';

export const PUBLIC_ROUTES: Record<string, string> = {
  'GET /healthz': 'process liveness, no data',
  'GET /readyz': 'database reachability, no data',
  'GET /api/v1/config': 'public client configuration, no tenant data',
  'POST /api/v1/auth/signup': 'creates a new agency; takes no tenant',
  'POST /api/v1/auth/login': 'returns only the caller’s own agency',
  'POST /webhooks/tiktok': 'TikTok webhook deliveries: authenticated by the TikTok-Signature HMAC, not a JWT (forged/stale → 401, tested in tests/api/tiktok-webhooks)',
  'GET /connect/:token': 'hosted connect page: the random link token is the credential; minting one (POST /creators/:id/tiktok/invite) is isolation-tested',
  'POST /connect/:token/start': 'hosted connect page: same link token as GET /connect/:token; leads only to TikTok consent for that invite’s creator',
  'GET /upload': 'the CSV upload page: static HTML, signs in and calls the authenticated API itself',
  'GET /upload/upload.js': 'static script of the upload page',
  'GET /upload/upload.css': 'static styles of the upload page',
  'GET /upload/import-client.js': 'static script: the shared upload client (shared/upload/), no data',
  'GET /connect/callback': 'TikTok’s redirect back to the hosted page: authorised by the single-use state bound to one invite',
};

/** Documentation routes served by @fastify/swagger-ui (static, no data). */
export function isDocsRoute(url: string): boolean {
  return url === '/docs' || url.startsWith('/docs/');
}

export interface VictimIds {
  [resource: string]: string;
}

export type FixtureMaker = (app: FastifyInstance, victim: Session, ids: VictimIds) => Promise<string>;

async function created(res: LightMyRequestResponse): Promise<string> {
  if (res.statusCode >= 300) throw new Error(`fixture creation failed: ${res.statusCode} ${res.body}`);
  return res.json().id;
}

/** Keyed by the path segment before `:id` (e.g. /deals/:id → deals) or by the parameter's own name. Order matters: later makers may use earlier ids. */
export const FIXTURES: [string, FixtureMaker][] = [
  ['creators', async (_app, v) => created(await v.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle: 'victim_creator', tags: ['victim'] } }))],
  ['handle', async () => 'victim_creator'],
  ['users', async (_app, v) => created(await v.inject({ method: 'POST', url: '/api/v1/users', payload: { email: `victim-${Date.now()}@example.com`, password: 'victim password', role: 'manager' } }))],
  ['deals', async (_app, v, ids) => created(await v.inject({ method: 'POST', url: '/api/v1/deals', payload: { creatorId: ids.creators, brand: 'Victim Brand', value: { amount: 100, currency: 'USD' } } }))],
  ['activities', async (_app, v, ids) => created(await v.inject({ method: 'POST', url: `/api/v1/creators/${ids.creators}/activities`, payload: { type: 'note', body: 'victim note' } }))],
  ['notifications', async (app, v, ids) => {
    // Notifications are written by the system (e.g. an expired TikTok connection), never by a route.
    const { notificationModel } = await import('../../server/src/modules/notifications/model');
    const doc = await notificationModel(app.db).create({ tenantId: v.agencyId, audience: 'admins', type: 'tiktok_expired', title: 'victim notification', body: 'victim note', creatorId: ids.creators });
    return String(doc._id);
  }],
  // Issue 12: an outbound webhook (admin route) whose deliveries are listed under /webhooks/:id/deliveries.
  ['webhooks', async (_app, v) => created(await v.inject({ method: 'POST', url: '/api/v1/webhooks', payload: { url: 'https://hooks.example.com/victim', events: ['creator.live_started'], format: 'json' } }))],
  // A finished LIVE session (ledger, gifters, realtime events) recorded through the listener's own write path.
  ['sessions', async (app, v, ids) => {
    const sessionId = await recordSessionForTests(app, new Types.ObjectId(v.agencyId), new Types.ObjectId(ids.creators));
    // The victim's own stream does carry these events, so an empty stream for the attacker proves something.
    const own = await v.inject({ method: 'GET', url: '/api/v1/live/stream?follow=false&lastEventId=0' });
    if (!own.body.includes(sessionId)) throw new Error(`fixture: the victim's stream lacks its session events: ${own.body.slice(0, 200)}`);
    return sessionId;
  }],
  ['imports', async (_app, v) => {
    // One good row and one naming a creator not on the roster: the import has both a report and errors.
    const csv = 'Username,Start time,Duration,Diamonds\nvictim_creator,2026-01-05 20:00,600,42\nnot_on_roster,2026-01-05 20:00,60,1\n';
    const { payload, headers } = multipartBody({}, { content: csv });
    return created(await v.inject({ method: 'POST', url: '/api/v1/imports', payload, headers }));
  }],
];

export type CustomCall = (attacker: Session, ids: VictimIds) => Promise<LightMyRequestResponse>;
export const CUSTOM_CALLS: Record<string, CustomCall> = {
  // Multipart: an upload naming the victim's creator must be refused as not found, and import nothing.
  'POST /api/v1/imports': async (attacker, ids) => {
    const { payload, headers } = multipartBody({ creatorId: ids.creators }, { content: 'Start time,Duration,Diamonds\n2026-01-06 20:00,60,1\n' });
    const res = await attacker.inject({ method: 'POST', url: '/api/v1/imports', payload, headers });
    if (res.statusCode !== 404 || res.json().error?.code !== 'NOT_FOUND') throw new Error(`imports: an upload for another agency's creator got ${res.statusCode} ${res.body.slice(0, 200)}`);
    return res;
  },
  // Server-Sent Events: `follow=false` replays the agency's log and ends, so inject can read it. The attacker
  // replays everything from the start; the suite then checks the answer names none of the victim's ids.
  'GET /api/v1/live/stream': async (attacker) => {
    const forged = await attacker.inject({ method: 'GET', url: '/api/v1/live/stream?follow=false&lastEventId=0', headers: { authorization: 'Bearer not.a.token' } });
    if (forged.statusCode !== 401) throw new Error(`live stream: a foreign token got ${forged.statusCode}, expected 401`);
    const viaQuery = await attacker.inject({ method: 'GET', url: `/api/v1/live/stream?follow=false&lastEventId=0&access_token=not.a.token`, headers: { authorization: '' } });
    if (viaQuery.statusCode !== 401) throw new Error(`live stream: a foreign query token got ${viaQuery.statusCode}, expected 401`);
    return attacker.inject({ method: 'GET', url: `/api/v1/live/stream?follow=false&lastEventId=0&access_token=${attacker.token}`, headers: { authorization: '' } });
  },
  // Sign-out ends the token it is called with: walk it with a second token of the attacker, so the suite's own
  // session survives, and check that it did (logout ends one token, nobody else's).
  'POST /api/v1/auth/logout': async (attacker) => {
    const login = await attacker.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { authorization: '' }, payload: { email: attacker.email, password: 'correct horse battery' } });
    const res = await attacker.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { authorization: `Bearer ${login.json().token}` } });
    if (res.statusCode !== 204) throw new Error(`logout: ${res.statusCode} ${res.body.slice(0, 200)}`);
    const still = await attacker.inject({ method: 'GET', url: '/api/v1/auth/me' });
    if (still.statusCode !== 200) throw new Error(`logout of one token ended another session: ${still.statusCode}`);
    return res;
  },
  // A password change ends the caller's sessions: walk it with a wrong current password (403, nothing changes).
  'POST /api/v1/auth/password': async (attacker) => {
    const res = await attacker.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { currentPassword: 'not the password', newPassword: 'an entirely new passphrase 1' } });
    if (res.statusCode !== 403) throw new Error(`password change with a wrong current password: ${res.statusCode} ${res.body.slice(0, 200)}`);
    return res;
  },
};

/** Which victim id a body field of Id shape gets. */
export function idForField(field: string, ids: VictimIds): string {
  const byName: Record<string, string> = { creatorId: 'creators', managerId: 'users', dealId: 'deals', userId: 'users' };
  return ids[byName[field] ?? 'creators'];
}
