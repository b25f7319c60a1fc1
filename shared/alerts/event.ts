import type { AlertKind } from './kinds';

/** An alert as every channel carries it (notification, stream, webhook `json` body). */
export interface AlertEvent {
  /** Stable id derived from what caused it: receivers dedupe on it (X-LiveRoster-Delivery). */
  id: string;
  type: AlertKind;
  /** When it happened (ISO). */
  createdAt: string;
  agencyId: string;
  creator: { id: string; handle: string; displayName: string; profileUrl: string } | null;
  /** One line a person reads first, and the sentence that says what to do. */
  title: string;
  text: string;
  data: Record<string, unknown>;
}

export type WebhookFormat = 'json' | 'slack' | 'discord';

const COLOURS: Record<AlertKind, number> = {
  'creator.live_started': 0x2ecc71,
  'creator.live_ended': 0x95a5a6,
  'gift.spike': 0xf1c40f,
  'tier.reached': 0x9b59b6,
  'creator.went_quiet': 0xe67e22,
  'tiktok.connection_expired': 0xe74c3c,
  'creator.stream_suspended': 0xc0392b,
};

/** Slack escapes `&`, `<` and `>` in text; everything else passes. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The POST body for a webhook of this format: the event itself (`json`), a Slack incoming-webhook message
 * (`text` with mrkdwn, which Slack requires, plus blocks), or a Discord webhook message (`content` plus one embed).
 */
export function webhookBody(event: AlertEvent, format: WebhookFormat): Record<string, unknown> {
  if (format === 'json') return { ...event };
  const link = event.creator?.profileUrl;
  if (format === 'slack') {
    const headline = `*${slackEscape(event.title)}*`;
    const text = `${headline}\n${slackEscape(event.text)}${link ? `\n<${link}|Open on TikTok>` : ''}`;
    return {
      text,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }, { type: 'context', elements: [{ type: 'mrkdwn', text: `${event.type} · ${event.id}` }] }],
    };
  }
  return {
    content: `**${event.title}**`.slice(0, 2000),
    embeds: [
      {
        title: event.title.slice(0, 256),
        description: event.text.slice(0, 4096),
        ...(link && { url: link }),
        color: COLOURS[event.type],
        timestamp: event.createdAt,
        footer: { text: `${event.type} · ${event.id}`.slice(0, 2048) },
      },
    ],
    allowed_mentions: { parse: [] },
  };
}
