import { createHmac, randomBytes } from 'node:crypto';
import type { WebhookDelivery } from './types';

/** `TikTok-Signature` value: t=<unix s>,s=hex(HMAC-SHA256(client_secret, `${t}.${rawBody}`)). */
export function signWebhook(clientSecret: string, rawBody: string, unixSeconds: number): string {
  const s = createHmac('sha256', clientSecret).update(`${unixSeconds}.${rawBody}`).digest('hex');
  return `t=${unixSeconds},s=${s}`;
}

export const DEFAULT_WEBHOOK_RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000, 600_000];

interface SenderOptions {
  clientKey: string;
  clientSecret: string;
  now: () => number;
  retryDelaysMs: number[];
  getUrl: () => string | undefined;
}

/**
 * Sends TikTok-shaped webhook events at least once: any non-2xx or network error is retried after
 * each delay in `retryDelaysMs` (bounded), then the delivery is marked failed. `stop()` cancels retries.
 */
export class WebhookSender {
  readonly deliveries: WebhookDelivery[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private inFlight = new Set<AbortController>();
  private settle = new Map<string, () => void>();
  private stopped = false;

  constructor(private options: SenderOptions) {}

  /** Queues one event; resolves with the delivery once delivered, given up or cancelled. */
  send(event: string, userOpenId: string, content: unknown): Promise<WebhookDelivery> {
    const url = this.options.getUrl();
    if (!url) return Promise.reject(new Error('sandbox TikTok has no webhook URL configured'));
    const body = JSON.stringify({
      client_key: this.options.clientKey,
      event,
      create_time: Math.floor(this.options.now() / 1000),
      user_openid: userOpenId,
      // TikTok sends content as a JSON object encoded as a string.
      content: JSON.stringify(content ?? {}),
    });
    const delivery: WebhookDelivery = {
      id: randomBytes(8).toString('hex'),
      event,
      userOpenId,
      url,
      body,
      attempts: 0,
      statuses: [],
      status: this.stopped ? 'cancelled' : 'pending',
    };
    this.deliveries.push(delivery);
    if (this.stopped) return Promise.resolve(delivery);
    return new Promise((resolve) => {
      this.settle.set(delivery.id, () => resolve(delivery));
      void this.attempt(delivery);
    });
  }

  private finish(delivery: WebhookDelivery, status: WebhookDelivery['status']): void {
    delivery.status = status;
    this.settle.get(delivery.id)?.();
    this.settle.delete(delivery.id);
  }

  private async attempt(delivery: WebhookDelivery): Promise<void> {
    if (this.stopped) return this.finish(delivery, 'cancelled');
    delivery.attempts += 1;
    const t = Math.floor(this.options.now() / 1000);
    const abort = new AbortController();
    this.inFlight.add(abort);
    let status = 0;
    try {
      const res = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'tiktok-signature': signWebhook(this.options.clientSecret, delivery.body, t),
          'user-agent': 'TikTok-Sandbox-Webhook/1.0',
        },
        body: delivery.body,
        signal: abort.signal,
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch {
      status = 0;
    } finally {
      this.inFlight.delete(abort);
    }
    delivery.statuses.push(status);
    if (status >= 200 && status < 300) return this.finish(delivery, 'delivered');
    if (this.stopped) return this.finish(delivery, 'cancelled');
    const delay = this.options.retryDelaysMs[delivery.attempts - 1];
    if (delay === undefined) return this.finish(delivery, 'failed');
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(delivery);
    }, delay);
    this.timers.add(timer);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const abort of this.inFlight) abort.abort();
    for (const delivery of this.deliveries) if (delivery.status === 'pending') this.finish(delivery, 'cancelled');
  }
}
