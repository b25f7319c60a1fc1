/** What the security suites share: forged tokens, and a followed SSE stream over real HTTP. */
import { generateKeyPairSync } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createSigner } from 'fast-jwt';
import type { Session } from '../helpers/app';

/** A token signed with the app's own secret but with claims of the attacker's choosing. */
export function hsToken(app: FastifyInstance, claims: Record<string, unknown>, options: { expiresIn?: number; notBefore?: number; noTimestamp?: boolean } = {}): string {
  return createSigner({ key: app.config.jwtSecret, algorithm: 'HS256', ...options })(claims);
}

/** A token signed with a fresh key pair of another algorithm (what an attacker who has no secret can make). */
export function foreignAlgorithmToken(algorithm: 'RS256' | 'ES256' | 'PS256' | 'EdDSA', claims: Record<string, unknown>): string {
  const pair =
    algorithm === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : algorithm === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return createSigner({ key, algorithm, expiresIn: 600_000 })(claims);
}

export function claimsOf(session: Session, role: 'admin' | 'manager' = 'admin'): Record<string, unknown> {
  return { sub: session.userId, tid: session.agencyId, role, tv: 0 };
}

export async function listen(app: FastifyInstance): Promise<string> {
  if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

export interface FollowedStream {
  status: number;
  /** Everything received so far. */
  text(): string;
  /** Resolves true when the stream has ended within `ms`, false if it is still open. */
  endedWithin(ms: number): Promise<boolean>;
  cancel(): Promise<void>;
}

/** Opens GET /api/v1/live/stream with the token in the Authorization header and keeps reading it. */
export async function followStream(baseUrl: string, token: string): Promise<FollowedStream> {
  const response = await fetch(`${baseUrl}/api/v1/live/stream`, { headers: { authorization: `Bearer ${token}` } });
  let received = '';
  let ended = false;
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const done = (async () => {
    try {
      for (;;) {
        const { value, done: finished } = await reader.read();
        if (finished) break;
        received += value;
      }
    } catch {
      // cancelled or reset: ended either way
    }
    ended = true;
  })();
  return {
    status: response.status,
    text: () => received,
    async endedWithin(ms) {
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, ms))]);
      return ended;
    },
    async cancel() {
      await reader.cancel().catch(() => undefined);
      await done;
    },
  };
}
