/**
 * GET /api/v1/creators?limit=100 for an agency with 5,000 creators at 100
 * connections, against the same JSON served by a bare Fastify route from
 * memory in the same run (the baseline). Prints p50/p99 latency, requests/s
 * and the ratio. Targets: p99 < 25 ms, throughput ≥ 0.3× the bare route.
 */
import type autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import Fastify from 'fastify';
import { Types } from 'mongoose';
import { buildApp } from '../server/src/app';
import { creatorModel } from '../server/src/modules/creators/model';
import { testConfigFor } from './config';
import { benchDatabase, fmt, table } from './lib';

const CREATORS = Number(process.env.BENCH_CREATORS ?? 5000);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 100;
const require = createRequire(import.meta.url);

/** Runs autocannon in its own process, so the load generator does not share this event loop with the servers. */
async function load(url: string, headers: Record<string, string> = {}) {
  const args = [require.resolve('autocannon/autocannon.js'), '-j', '-c', String(CONNECTIONS), '-d', String(DURATION)];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  args.push(url);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  await once(child, 'exit');
  const result = JSON.parse(out) as autocannon.Result;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

const db = await benchDatabase('roster');
const app = await buildApp(testConfigFor(db.uri));
try {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const signup = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { agencyName: 'Bench', email: `bench-${Date.now()}@example.com`, password: 'bench password' } });
  const { token, agency } = signup.json();
  const tenantId = new Types.ObjectId(agency.id);
  const docs = Array.from({ length: CREATORS }, (_, i) => {
    const handle = `creator_${String(i).padStart(5, '0')}`;
    return { tenantId, handle, displayName: `Creator ${i}`, displayNameLower: `creator ${i}`, tags: [i % 3 ? 'music' : 'talk'], totals: { diamonds: i * 10, liveSeconds: i, sessions: 1 } };
  });
  for (let i = 0; i < docs.length; i += 1000) await creatorModel(app.db).insertMany(docs.slice(i, i + 1000));
  const url = `http://127.0.0.1:${port}/api/v1/creators?limit=100`;
  const headers = { authorization: `Bearer ${token}` };
  const sample = await (await fetch(url, { headers })).text();
  if (JSON.parse(sample).items.length !== 100) throw new Error('expected 100 creators per page');

  const bare = Fastify();
  bare.get('/creators', async (_req, reply) => reply.type('application/json').send(sample));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const barePort = (bare.server.address() as { port: number }).port;

  console.log(`api-roster: ${CREATORS} creators, ${CONNECTIONS} connections, ${DURATION} s per target, ${sample.length} bytes per response`);
  const baseline = await load(`http://127.0.0.1:${barePort}/creators`);
  const api = await load(url, headers);
  await bare.close();
  table([
    { target: 'bare Fastify (same JSON from memory)', 'req/s': fmt(baseline.rps), 'p50 ms': baseline.p50, 'p99 ms': baseline.p99 },
    { target: 'GET /api/v1/creators?limit=100', 'req/s': fmt(api.rps), 'p50 ms': api.p50, 'p99 ms': api.p99 },
  ]);
  console.log(`ratio (API / bare throughput): ${fmt(api.rps / baseline.rps, 3)}×   target ≥ 0.3×`);
  console.log(`API p99: ${api.p99} ms   target < 25 ms`);
} finally {
  await app.close();
  await db.stop();
}
