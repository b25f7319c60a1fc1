/**
 * A webhook receiver for tests: a real HTTP server on a free port that records every POST and answers as the
 * test says (a status, or never: to make the sender time out). `verify` checks X-LiveRoster-Signature the way
 * the README tells receivers to.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHook {
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown>;
  status: number | 'hang';
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedHook[];
  /** How to answer the next requests (called per request with its index). */
  respond: (index: number, hook: Omit<ReceivedHook, 'status'>) => number | 'hang';
  close(): Promise<void>;
}

export async function startWebhookReceiver(path = '/hook'): Promise<WebhookReceiver> {
  const hanging = new Set<import('node:http').ServerResponse>();
  const receiver: WebhookReceiver = { url: '', received: [], respond: () => 200, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(body);
      } catch {
        /* recorded as is */
      }
      const hook = { headers: req.headers, body, json };
      const status = receiver.respond(receiver.received.length, hook);
      receiver.received.push({ ...hook, status });
      if (status === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 300 ? 'receiver says no' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  receiver.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

/** Verifies `t=<unix>,v1=<hex>` over "<t>.<body>" with the secret; `toleranceS` bounds the timestamp's age. */
export function verifySignature(secret: string, header: string | undefined, body: string, nowS: number, toleranceS = 300): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(nowS - t) > toleranceS) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
