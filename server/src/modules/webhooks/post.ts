/**
 * One signed POST to a webhook target, through the connect-time address guard (target-guard.ts).
 * Signature: `X-LiveRoster-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, isPrivateAddress, TargetRefusedError } from './target-guard';

export function signatureHeader(secret: string, unixSeconds: number, body: string): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}

export interface PostResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

export interface PostOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  /** Production: plain http is refused at send time too (a hook saved before the switch to production). */
  httpsOnly?: boolean;
  headers: Record<string, string>;
}

/** Posts `body`; 2xx is success, anything else (3xx included: redirects are not followed) or a timeout is a failure. */
export function postWebhook(rawUrl: string, body: string, options: PostOptions): Promise<PostResult> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      return resolve({ ok: false, statusCode: null, error: 'invalid URL' });
    }
    if (options.httpsOnly && url.protocol !== 'https:') return resolve({ ok: false, statusCode: null, error: 'https is required in production; this webhook URL is http' });
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // An IP literal never goes through `lookup`: check it here, at connect time too.
    if (!options.allowPrivate && isIP(host) && isPrivateAddress(host)) return resolve({ ok: false, statusCode: null, error: new TargetRefusedError(host).message });
    const client = url.protocol === 'https:' ? https : http;
    let settled = false;
    const done = (result: PostResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const request = client.request(
      url,
      {
        method: 'POST',
        lookup: guardedLookup(options.allowPrivate) as never,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'LiveRoster-Webhooks/1', ...options.headers },
        timeout: options.timeoutMs,
      },
      (response) => {
        const code = response.statusCode ?? 0;
        let snippet = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (snippet.length < 300) snippet += chunk;
        });
        response.on('end', () => done(code >= 200 && code < 300 ? { ok: true, statusCode: code, error: null } : { ok: false, statusCode: code, error: `HTTP ${code}${snippet ? `: ${snippet.slice(0, 200)}` : ''}` }));
        response.on('error', (err) => done({ ok: false, statusCode: code, error: err.message }));
      },
    );
    // The whole attempt (connect, send, answer) is bounded, not only socket idleness.
    const timer = setTimeout(() => {
      done({ ok: false, statusCode: null, error: `timed out after ${options.timeoutMs} ms` });
      request.destroy();
    }, options.timeoutMs);
    request.on('timeout', () => {
      done({ ok: false, statusCode: null, error: `timed out after ${options.timeoutMs} ms` });
      request.destroy();
    });
    request.on('error', (err) => done({ ok: false, statusCode: null, error: err instanceof TargetRefusedError || (err as { code?: string }).code === 'WEBHOOK_TARGET_REFUSED' ? err.message : `${(err as { code?: string }).code ?? 'error'}: ${err.message}` }));
    request.on('close', () => clearTimeout(timer));
    request.end(body);
  });
}
