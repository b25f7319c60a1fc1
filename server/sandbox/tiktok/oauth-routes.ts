import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { approveRedirect, denyRedirect, validateAuthorize, type AuthorizeRequest } from './authorize';
import { consentPage, errorPage } from './pages';
import { isValidCodeVerifier, verifyCodeChallenge } from './pkce';
import type { SandboxState } from './state';
import type { Grant } from './tokens';
import { logId, sleep } from './traffic';
import type { SandboxEndpoint } from './types';

type Form = Record<string, unknown>;

/** TikTok's OAuth error body; HTTP 400 for every category (what TikTok returns in practice). */
function oauthError(sandbox: SandboxState, reply: FastifyReply, error: string, description: string, status = 400) {
  return reply.code(status).send({ error, error_description: description, log_id: logId(sandbox.now()) });
}

function field(form: Form, key: string): string | undefined {
  const value = form[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isForm(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

/** Applies an injected failure to an OAuth endpoint; returns true if the reply was sent. */
async function injectedOAuthFailure(sandbox: SandboxState, endpoint: SandboxEndpoint, reply: FastifyReply): Promise<boolean> {
  const failure = sandbox.failures.next(endpoint);
  if (!failure) return false;
  if (failure.kind === 'slow') {
    await sleep(failure.delayMs);
    return false;
  }
  if (failure.kind === '429') {
    oauthError(sandbox, reply, 'temporarily_unavailable', 'Too many requests (sandbox injected).', 429);
  } else {
    oauthError(sandbox, reply, 'server_error', 'Internal server error (sandbox injected).', 500);
  }
  return true;
}

function tokenResponse(sandbox: SandboxState, grant: Grant) {
  const now = sandbox.now();
  return {
    access_token: grant.accessToken,
    expires_in: Math.max(0, Math.round((grant.accessExpiresAt - now) / 1000)),
    open_id: grant.openId,
    refresh_token: grant.refreshToken,
    refresh_expires_in: Math.max(0, Math.round((grant.refreshExpiresAt - now) / 1000)),
    scope: grant.scopes.join(','),
    token_type: 'Bearer',
  };
}

/** Which sandbox account the consent form chose; may create one from `new_handle`. */
function chosenAccount(sandbox: SandboxState, form: Form): { openId: string } | { error: string } {
  const choice = field(form, 'account');
  const newHandle = field(form, 'new_handle');
  if (choice === '__new__' || (!choice && newHandle)) {
    if (!newHandle) return { error: 'Type a handle for the new sandbox account.' };
    const existing = sandbox.findAccount(newHandle);
    if (existing) return { openId: existing.openId };
    try {
      return { openId: sandbox.addAccount({ handle: newHandle, videoCount: 5 }).openId };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }
  const account = choice ? sandbox.findAccount(choice) : undefined;
  return account ? { openId: account.openId } : { error: 'Choose the sandbox account to log in as.' };
}

function stringParams(form: Form): Record<string, string> {
  const keys = ['client_key', 'scope', 'response_type', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method'];
  return Object.fromEntries(keys.flatMap((k) => (typeof form[k] === 'string' ? [[k, form[k] as string]] : [])));
}

function renderConsent(sandbox: SandboxState, reply: FastifyReply, request: AuthorizeRequest, form: Form, error?: string) {
  return reply
    .code(error ? 400 : 200)
    .type('text/html; charset=utf-8')
    .send(
      consentPage({
        appName: sandbox.config.appName,
        request,
        rawParams: stringParams(form),
        accounts: [...sandbox.accounts.values()],
        preselect: field(form, 'account'),
        error,
      }),
    );
}

export function registerOAuthRoutes(app: FastifyInstance, sandbox: SandboxState): void {
  // Login Kit authorize (lives on www.tiktok.com for real; same base URL here).
  app.get('/v2/auth/authorize/', async (request, reply) => {
    const query = request.query as Form;
    const validation = validateAuthorize(sandbox, query);
    if (!validation.ok) {
      if ('redirectTo' in validation) return reply.redirect(validation.redirectTo, 302);
      return reply.code(validation.page.status).type('text/html; charset=utf-8').send(errorPage(validation.page.error, validation.page.description));
    }
    return renderConsent(sandbox, reply, validation.request, query);
  });

  // The consent form posts back here: decision=approve|deny, account=<open_id>|__new__, new_handle, granted_scope*.
  app.post('/v2/auth/authorize/', async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    const validation = validateAuthorize(sandbox, form);
    if (!validation.ok) {
      if ('redirectTo' in validation) return reply.redirect(validation.redirectTo, 302);
      return reply.code(validation.page.status).type('text/html; charset=utf-8').send(errorPage(validation.page.error, validation.page.description));
    }
    if (field(form, 'decision') === 'deny') return reply.redirect(denyRedirect(validation.request), 302);
    if (field(form, 'decision') !== 'approve') return renderConsent(sandbox, reply, validation.request, form, 'Choose Approve or Deny.');
    const account = chosenAccount(sandbox, form);
    if ('error' in account) return renderConsent(sandbox, reply, validation.request, form, account.error);
    // With the consent page's checkboxes, the user may grant a subset; plain HTTP clients grant all requested.
    const granted = form.scope_choice ? ([] as unknown[]).concat(form.granted_scope ?? []).map(String) : undefined;
    return reply.redirect(approveRedirect(sandbox, validation.request, account.openId, granted), 302);
  });

  app.post('/v2/oauth/token/', async (request, reply) => {
    if (await injectedOAuthFailure(sandbox, '/v2/oauth/token/', reply)) return reply;
    if (!isForm(request)) return oauthError(sandbox, reply, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded.');
    const form = (request.body ?? {}) as Form;
    if (field(form, 'client_key') !== sandbox.config.clientKey || field(form, 'client_secret') !== sandbox.config.clientSecret) {
      return oauthError(sandbox, reply, 'invalid_client', 'Client key or secret is missing or invalid.');
    }
    const grantType = field(form, 'grant_type');
    if (grantType === 'authorization_code') return exchangeCode(sandbox, form, reply);
    if (grantType === 'refresh_token') {
      const refreshToken = field(form, 'refresh_token');
      if (!refreshToken) return oauthError(sandbox, reply, 'invalid_request', 'refresh_token is required.');
      const outcome = sandbox.tokens.refresh(refreshToken);
      if (!outcome.ok) {
        const why = {
          unknown: 'Refresh token is invalid.',
          rotated: 'Refresh token was already used; a newer one replaced it.',
          expired: 'Refresh token is expired.',
          revoked: 'Refresh token is revoked.',
        }[outcome.reason];
        return oauthError(sandbox, reply, 'invalid_grant', why);
      }
      return reply.send(tokenResponse(sandbox, outcome.grant));
    }
    return oauthError(sandbox, reply, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token.');
  });

  app.post('/v2/oauth/revoke/', async (request, reply) => {
    if (await injectedOAuthFailure(sandbox, '/v2/oauth/revoke/', reply)) return reply;
    if (!isForm(request)) return oauthError(sandbox, reply, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded.');
    const form = (request.body ?? {}) as Form;
    if (field(form, 'client_key') !== sandbox.config.clientKey || field(form, 'client_secret') !== sandbox.config.clientSecret) {
      return oauthError(sandbox, reply, 'invalid_client', 'Client key or secret is missing or invalid.');
    }
    const token = field(form, 'token');
    if (!token) return oauthError(sandbox, reply, 'invalid_request', 'token is required.');
    // Revoking an unknown or already revoked token succeeds too (RFC 7009), so retries are safe.
    sandbox.tokens.revokeByToken(token);
    return reply.send({});
  });
}

function exchangeCode(sandbox: SandboxState, form: Form, reply: FastifyReply) {
  const codeValue = field(form, 'code');
  if (!codeValue) return oauthError(sandbox, reply, 'invalid_request', 'code is required.');
  const code = sandbox.tokens.findCode(codeValue);
  if (!code) return oauthError(sandbox, reply, 'invalid_grant', 'Authorization code is invalid.');
  if (code.used) return oauthError(sandbox, reply, 'invalid_grant', 'Authorization code has already been used.');
  if (code.expiresAt <= sandbox.now()) return oauthError(sandbox, reply, 'invalid_grant', 'Authorization code is expired.');
  if (field(form, 'redirect_uri') !== code.redirectUri) {
    return oauthError(sandbox, reply, 'invalid_grant', 'redirect_uri does not match the one used for the authorization request.');
  }
  if (code.codeChallenge !== null) {
    const verifier = field(form, 'code_verifier');
    if (!verifier) return oauthError(sandbox, reply, 'invalid_request', 'code_verifier is required.');
    if (!isValidCodeVerifier(verifier)) {
      return oauthError(sandbox, reply, 'invalid_request', 'code_verifier must be 43-128 characters of [A-Za-z0-9-._~].');
    }
    if (!verifyCodeChallenge(verifier, code.codeChallenge, sandbox.config.pkceEncoding)) {
      return oauthError(sandbox, reply, 'invalid_grant', 'code_verifier does not match code_challenge.');
    }
  }
  code.used = true;
  return reply.send(tokenResponse(sandbox, sandbox.tokens.createGrant(code.openId, code.scopes)));
}
