/**
 * Agencies never lose their last admin (issue 15): two admins demote or delete each other at the same moment,
 * through two server instances on one database (so in-process serialisation alone cannot be what saves it),
 * over many rounds. Exactly one of each pair may succeed; the agency always keeps an admin.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInstances, type Instances } from '../helpers/instances';
import { addManager, sessionFor, signupAgency, type Session } from '../helpers/app';

let one: FastifyInstance;
let two: FastifyInstance;
let instances: Instances;
beforeAll(async () => {
  instances = await startInstances('sec_last_admin');
  [one, two] = instances.apps;
});
afterAll(async () => instances?.close());

/** An agency with two admins: A's session on instance one, B's on instance two. */
async function twoAdmins(): Promise<[Session, Session]> {
  const a = await signupAgency(one);
  const m = await addManager(one, a);
  expect((await a.inject({ method: 'PATCH', url: `/api/v1/users/${m.userId}`, payload: { role: 'admin' } })).statusCode).toBe(200);
  const login = await two.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: m.email, password: 'manager password 1' } });
  return [a, sessionFor(two, login.json().token, m.userId, m.agencyId, m.email)];
}

async function adminsOf(agencyId: string): Promise<number> {
  const { Types } = await import('mongoose');
  return one.db.collection('users').countDocuments({ tenantId: new Types.ObjectId(agencyId), role: 'admin' });
}

describe('two admins removing each other at once', () => {
  const ROUNDS = 8;

  it(`demote each other concurrently (${ROUNDS} rounds): one wins, one gets 409 LAST_ADMIN, an admin remains`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const [a, b] = await twoAdmins();
      const [ra, rb] = await Promise.all([
        a.inject({ method: 'PATCH', url: `/api/v1/users/${b.userId}`, payload: { role: 'manager' } }),
        b.inject({ method: 'PATCH', url: `/api/v1/users/${a.userId}`, payload: { role: 'manager' } }),
      ]);
      const codes = [ra.statusCode, rb.statusCode].sort();
      // The loser is either refused as the last admin, or (demoted first) no longer holds a valid admin token.
      expect(codes[0]).toBe(200);
      expect([401, 409]).toContain(codes[1]);
      expect(await adminsOf(a.agencyId)).toBe(1);
    }
  });

  it(`delete each other concurrently (${ROUNDS} rounds): an admin remains`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const [a, b] = await twoAdmins();
      const [ra, rb] = await Promise.all([
        a.inject({ method: 'DELETE', url: `/api/v1/users/${b.userId}` }),
        b.inject({ method: 'DELETE', url: `/api/v1/users/${a.userId}` }),
      ]);
      expect([ra.statusCode, rb.statusCode].filter((s) => s === 204)).toHaveLength(1);
      expect(await adminsOf(a.agencyId)).toBe(1);
    }
  });

  it(`one demotes while the other deletes (${ROUNDS} rounds), on the same instance too: an admin remains`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const [a, bOnTwo] = await twoAdmins();
      // Every other round both requests go through one instance (the in-process chain), else through two.
      const b = round % 2 ? sessionFor(one, bOnTwo.token, bOnTwo.userId, bOnTwo.agencyId, bOnTwo.email) : bOnTwo;
      await Promise.all([
        a.inject({ method: 'PATCH', url: `/api/v1/users/${b.userId}`, payload: { role: 'manager' } }),
        b.inject({ method: 'DELETE', url: `/api/v1/users/${a.userId}` }),
      ]);
      expect(await adminsOf(a.agencyId)).toBeGreaterThanOrEqual(1);
    }
  });

  it('a claim left by a crashed instance does not block the agency forever', async () => {
    const [a, b] = await twoAdmins();
    // A claim as a crashed holder leaves it: taken over once it is older than the stale limit.
    await one.db.collection('adminchangeclaims').insertOne({ _id: a.agencyId as never, owner: 'crashed', claimedAt: new Date(Date.now() - 60_000) });
    const res = await a.inject({ method: 'PATCH', url: `/api/v1/users/${b.userId}`, payload: { role: 'manager' } });
    expect(res.statusCode).toBe(200);
    expect(await one.db.collection('adminchangeclaims').countDocuments({ _id: a.agencyId as never })).toBe(0);
  });
});
