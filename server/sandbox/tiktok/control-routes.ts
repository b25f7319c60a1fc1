import type { FastifyInstance, FastifyReply } from 'fastify';
import { approveRedirect, denyRedirect, validateAuthorize } from './authorize';
import type { SandboxControl, SandboxState } from './state';
import { SANDBOX_ENDPOINTS, type FailureKind, type SandboxEndpoint } from './types';

type Json = Record<string, unknown>;

function fail(reply: FastifyReply, status: number, message: string) {
  return reply.code(status).send({ error: message });
}

/** Runs a control action, turning thrown errors ("no sandbox account", bad handle) into 404/400. */
async function run(reply: FastifyReply, action: () => unknown, status = 200) {
  try {
    return reply.code(status).send(await action());
  } catch (err) {
    const message = (err as Error).message;
    return fail(reply, message.startsWith('no sandbox account') ? 404 : 400, message);
  }
}

/**
 * Control-only authorize shortcut for HTTP tests: the same validation and codes as the consent page.
 * Body: {authorizeUrl, account (open_id or handle), decision?: 'approve'|'deny', scopes?: string[]}.
 */
function authorizeShortcut(sandbox: SandboxState, body: Json): { redirectUrl: string } {
  if (typeof body.authorizeUrl !== 'string') throw new Error('authorizeUrl is required');
  const params = Object.fromEntries(new URL(body.authorizeUrl).searchParams);
  const validation = validateAuthorize(sandbox, params);
  if (!validation.ok) {
    if ('redirectTo' in validation) return { redirectUrl: validation.redirectTo };
    throw new Error(`${validation.page.error}: ${validation.page.description}`);
  }
  if (body.decision === 'deny') return { redirectUrl: denyRedirect(validation.request) };
  const account = sandbox.requireAccount(String(body.account ?? ''));
  const scopes = Array.isArray(body.scopes) ? body.scopes.map(String) : undefined;
  return { redirectUrl: approveRedirect(sandbox, validation.request, account.openId, scopes) };
}

export function registerControlRoutes(app: FastifyInstance, sandbox: SandboxState, control: SandboxControl): void {
  const p = '/sandbox/control';
  const body = (b: unknown) => (b ?? {}) as Json;
  const idOf = (params: unknown) => (params as { id: string }).id;

  app.get(`${p}/accounts`, async () => control.listAccounts());
  app.post(`${p}/accounts`, async (req, reply) => run(reply, () => control.createAccount(body(req.body) as never), 201));
  app.get(`${p}/accounts/:id`, async (req, reply) => {
    const account = control.getAccount(idOf(req.params));
    return account ? account : fail(reply, 404, `no sandbox account "${idOf(req.params)}"`);
  });
  app.patch(`${p}/accounts/:id/stats`, async (req, reply) => run(reply, () => control.updateStats(idOf(req.params), body(req.body))));
  app.post(`${p}/accounts/:id/videos`, async (req, reply) => {
    const b = body(req.body);
    const videos = Array.isArray(b.videos) ? b.videos : typeof b.count === 'number' ? b.count : 1;
    return run(reply, () => control.addVideos(idOf(req.params), videos as never), 201);
  });
  app.post(`${p}/accounts/:id/expire-tokens`, async (req, reply) =>
    run(reply, () => {
      const id = idOf(req.params);
      const grants = body(req.body).refresh === true ? control.expireRefreshTokens(id) : control.expireAccessTokens(id);
      return { grants };
    }),
  );
  app.post(`${p}/accounts/:id/revoke-tokens`, async (req, reply) => run(reply, () => ({ grants: control.revokeTokens(idOf(req.params)) })));
  app.post(`${p}/accounts/:id/remove-authorization`, async (req, reply) =>
    run(reply, () => {
      const reason = typeof body(req.body).reason === 'number' ? (body(req.body).reason as number) : undefined;
      // Answer at once; the webhook (with its retries) continues in the background.
      const delivery = control.removeAuthorization(idOf(req.params), reason);
      delivery.catch(() => undefined);
      return { removed: true, webhook: Boolean(sandbox.webhookUrl) };
    }),
  );

  app.post(`${p}/authorize`, async (req, reply) => run(reply, () => authorizeShortcut(sandbox, body(req.body))));

  app.get(`${p}/webhooks`, async () => control.webhookDeliveries());
  app.put(`${p}/webhook-url`, async (req) => {
    const url = body(req.body).url;
    control.setWebhookUrl(typeof url === 'string' && url ? url : undefined);
    return { url: sandbox.webhookUrl ?? null };
  });
  app.post(`${p}/webhooks`, async (req, reply) =>
    run(
      reply,
      () => {
        const b = body(req.body);
        if (typeof b.event !== 'string' || typeof b.openId !== 'string') throw new Error('event and openId are required');
        if (!sandbox.webhookUrl) throw new Error('no webhook URL configured');
        const before = control.webhookDeliveries().length;
        control.sendWebhook(b.event, b.openId, b.content ?? {}).catch(() => undefined);
        return control.webhookDeliveries()[before] ?? null;
      },
      202,
    ),
  );

  app.get(`${p}/failures`, async () => sandbox.failures.pending());
  app.post(`${p}/failures`, async (req, reply) => {
    const b = body(req.body);
    if (!(SANDBOX_ENDPOINTS as readonly unknown[]).includes(b.endpoint)) return fail(reply, 400, `endpoint must be one of ${SANDBOX_ENDPOINTS.join(', ')}`);
    if (!['429', '500', 'slow'].includes(String(b.kind))) return fail(reply, 400, 'kind must be 429, 500 or slow');
    control.injectFailure({
      endpoint: b.endpoint as SandboxEndpoint,
      kind: String(b.kind) as FailureKind,
      count: typeof b.count === 'number' ? b.count : undefined,
      delayMs: typeof b.delayMs === 'number' ? b.delayMs : undefined,
    });
    return reply.code(201).send(sandbox.failures.pending());
  });
  app.delete(`${p}/failures`, async () => {
    control.clearFailures();
    return { cleared: true };
  });
  app.post(`${p}/rate-limits/reset`, async () => {
    control.resetRateLimits();
    return { reset: true };
  });
}
