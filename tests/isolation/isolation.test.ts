/**
 * Tenant isolation across every registered route: a second agency's admin
 * calls each route with the first agency's ids and must get 404 (never 403,
 * never data), lists must not leak, and the first agency's data must be
 * unchanged afterwards. Routes come from Fastify's route table, so a new route
 * is covered without editing this file; a route the suite cannot derive a call
 * for fails it.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredRoute } from '../../server/src/app';
import { createTestApp, signupAgency, type Session } from '../helpers/app';
import { CUSTOM_CALLS, FIXTURES, PUBLIC_ROUTES, idForField, isDocsRoute, type VictimIds } from './route-cases';
import { sampleFromSchema } from './sample-body';

let app: FastifyInstance;
let victim: Session;
let attacker: Session;
const ids: VictimIds = {};
let snapshotBefore: string;

async function snapshotVictim(): Promise<string> {
  const reads = [
    `/api/v1/creators/${ids.creators}`,
    `/api/v1/deals/${ids.deals}`,
    `/api/v1/creators/${ids.creators}/activities`,
    '/api/v1/users',
    '/api/v1/creators',
    '/api/v1/deals',
  ];
  const out: unknown[] = [];
  for (const url of reads) out.push((await victim.inject({ method: 'GET', url })).json());
  return JSON.stringify(out);
}

function paramsOf(url: string): string[] {
  return [...url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]);
}

/** The victim id a path parameter names: `/deals/:id` → deals; `:handle` → handle. */
function resolveParam(url: string, param: string): string | undefined {
  if (param !== 'id') return ids[param];
  const before = url.slice(0, url.indexOf(':id')).split('/').filter(Boolean).pop();
  return before ? ids[before] : undefined;
}

function callFor(route: RegisteredRoute): (() => Promise<LightMyRequestResponse>) | string {
  const key = `${route.method} ${route.url}`;
  const custom = CUSTOM_CALLS[key];
  if (custom) return () => custom(attacker, ids);
  let url = route.url;
  for (const param of paramsOf(route.url)) {
    const value = resolveParam(route.url, param);
    if (!value) return `no fixture for :${param} in ${key}; add one to FIXTURES in tests/isolation/route-cases.ts`;
    url = url.replace(`:${param}`, encodeURIComponent(value));
  }
  url = url.replace(/\*$/, '');
  const bodySchema = route.schema?.body as Parameters<typeof sampleFromSchema>[0];
  const payload = route.method === 'GET' || route.method === 'DELETE' ? undefined : (sampleFromSchema(bodySchema, (f) => idForField(f, ids)) ?? {});
  return () => attacker.inject({ method: route.method as 'GET', url, ...(payload !== undefined && { payload: payload as object }) });
}

beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'isolation' });
  victim = await signupAgency(app, 'Victim Agency');
  attacker = await signupAgency(app, 'Attacker Agency');
  for (const [name, make] of FIXTURES) ids[name] = await make(app, victim, ids);
  snapshotBefore = await snapshotVictim();
});
afterAll(async () => app?.close());

describe('tenant isolation over the route table', () => {
  it('every route is public by decision or answers another agency with 404 / no leak', async () => {
    const routes = app.routeTable.filter((r) => !isDocsRoute(r.url) && r.method !== 'OPTIONS');
    expect(routes.length).toBeGreaterThan(15);
    const problems: string[] = [];
    const victimValues = Object.values(ids);
    for (const route of routes) {
      const key = `${route.method} ${route.url}`;
      if (PUBLIC_ROUTES[key]) continue;
      if (!route.url.startsWith('/api/v1/') && !CUSTOM_CALLS[key]) {
        problems.push(`${key}: not under /api/v1 and not declared public; add it to PUBLIC_ROUTES with a reason or to CUSTOM_CALLS`);
        continue;
      }
      // Without a token, every non-public route is closed.
      const anonymous = await app.inject({ method: route.method as 'GET', url: route.url.replace(/:([A-Za-z]+)/g, '000000000000000000000000') });
      if (anonymous.statusCode !== 401) problems.push(`${key}: answered ${anonymous.statusCode} without a token (expected 401)`);

      const call = callFor(route);
      if (typeof call === 'string') {
        problems.push(call);
        continue;
      }
      const res = await call();
      const namesVictim = paramsOf(route.url).length > 0 || /"[a-f0-9]{24}"/.test(JSON.stringify(sampleFromSchema(route.schema?.body as never, (f) => idForField(f, ids)) ?? {}));
      if (namesVictim) {
        if (res.statusCode !== 404) problems.push(`${key}: answered ${res.statusCode} to another agency's ids (expected 404) ${res.body.slice(0, 200)}`);
        else if (res.json().error?.code !== 'NOT_FOUND') problems.push(`${key}: 404 without the NOT_FOUND code`);
      } else {
        if (res.statusCode >= 500) problems.push(`${key}: ${res.statusCode}`);
        const leaked = victimValues.filter((v) => v.length === 24 && res.body.includes(v));
        if (leaked.length) problems.push(`${key}: leaked the other agency's ids ${leaked.join(', ')}`);
        if (res.body.includes('Victim Brand') || res.body.includes('victim note')) problems.push(`${key}: leaked the other agency's data`);
      }
    }
    expect(problems).toEqual([]);
    expect(await snapshotVictim()).toBe(snapshotBefore);
  });

  it('a data-layer query without a tenant fails loudly', async () => {
    const { creatorModel } = await import('../../server/src/modules/creators/model');
    await expect(creatorModel(app.db).find({ handle: 'victim_creator' }).lean()).rejects.toThrow(/Tenant scope missing/);
    await expect(creatorModel(app.db).updateMany({}, { $set: { notes: 'x' } })).rejects.toThrow(/Tenant scope missing/);
    await expect(creatorModel(app.db).aggregate([{ $match: {} }])).rejects.toThrow(/Tenant scope missing/);
    await expect(creatorModel(app.db).bulkWrite([{ deleteMany: { filter: {} } }])).rejects.toThrow(/Tenant scope missing/);
  });
});
