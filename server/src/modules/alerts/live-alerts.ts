/**
 * The alerts side of the LIVE sink: go-live, gift spikes and tier crossings from the running tallies, the end
 * summary (and a suspension) from the ended session's document. Runs beside the listener, never in its way:
 * every call is queued per session and errors are logged, not thrown.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Connection, Types } from 'mongoose';
import { readSpike, trimSamples, DEFAULT_COOLDOWN_MS, type DiamondSample } from '@shared/alerts';
import type { LiveAlertSink } from '../live/alert-sink';
import { liveSessionModel, type LiveSessionDoc } from '../live/session-model';
import type { TallyPayload } from '../live/writer';
import { monthOf, type MonthTierSource } from './month-adapter';
import type { AlertsService } from './service';

interface SessionWatch {
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
  startedAt: number;
  samples: DiamondSample[];
  /** No spike evaluation before this (a spike was just raised or held back by the cooldown). */
  quietUntil: number;
  /** Month so far without this session, for tier crossings (loaded once per session and month). */
  month: { month: string; before: number; settingsAt: number; timeZone: string; tiers: { name: string; diamonds: number }[] } | null;
  chain: Promise<void>;
  lastSeenAt: number;
}

/** A watch whose session showed no tally for this long ended elsewhere (another instance, the sweeper): dropped. */
const WATCH_IDLE_MS = 30 * 60_000;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h ? `${h}h ${m}m` : `${m}m ${seconds % 60}s`;
}

export function createLiveAlerts(conn: Connection, alerts: AlertsService, options: { now: () => number; log: FastifyBaseLogger; tiers: MonthTierSource; cooldownMs?: number }): LiveAlertSink & { forget(sessionId: string): void } {
  const sessions = liveSessionModel(conn);
  const watches = new Map<string, SessionWatch>();
  const cooldownMs = options.cooldownMs ?? DEFAULT_COOLDOWN_MS;

  function queue(sessionId: string, tenantId: Types.ObjectId, creatorId: Types.ObjectId, startedAt: number, job: (w: SessionWatch) => Promise<void>): void {
    let watch = watches.get(sessionId);
    const now = options.now();
    if (!watch) {
      for (const [id, other] of watches) if (now - other.lastSeenAt > WATCH_IDLE_MS) watches.delete(id);
      if (handles.size > 10_000) handles.clear();
      watch = { tenantId, creatorId, startedAt, samples: [], quietUntil: 0, month: null, chain: Promise.resolve(), lastSeenAt: now };
      watches.set(sessionId, watch);
    }
    watch.lastSeenAt = now;
    const w = watch;
    w.chain = w.chain.then(() => job(w)).catch((err) => options.log.error({ err, sessionId }, 'alerts: a LIVE alert failed'));
  }


  async function checkSpike(w: SessionWatch, tally: TallyPayload, now: number): Promise<void> {
    if (now < w.quietUntil) return;
    const prefs = await alerts.tenantPreferences(w.tenantId);
    // The lowest floor anyone (or the agency, for webhooks) asked for; each recipient's own floor filters after.
    const floors = [prefs.agency.spikeFloor, ...prefs.users.filter((u) => u.prefs.events['gift.spike']).map((u) => u.prefs.spikeFloor)];
    const floor = Math.min(...floors);
    const reading = readSpike({ samples: w.samples, startedAt: w.startedAt, now, floor });
    if (!reading.spike) return;
    const top = tally.topGifters[0];
    const handleOf = await creatorHandle(w);
    const outcome = await alerts.raise({
      tenantId: w.tenantId,
      kind: 'gift.spike',
      creatorId: w.creatorId,
      // One spike per session and minute it was seen in: a replay of the same tallies finds the same id.
      source: `${tally.sessionId}:${Math.floor(now / 60_000)}`,
      at: now,
      title: `Gift spike: @${handleOf} got ${fmt(reading.windowDiamonds)} diamonds in the last minute`,
      text: `${fmt(reading.windowDiamonds)} diamonds in 60 s, against ${fmt(reading.averagePerMinute)} a minute so far this LIVE.${top ? ` Top gifter: ${top.nickname || top.handle} (${fmt(top.diamonds)}).` : ''} A good moment to thank them on stream.`,
      data: { sessionId: tally.sessionId, windowSeconds: 60, diamondsInWindow: reading.windowDiamonds, averagePerMinute: reading.averagePerMinute, sessionDiamonds: tally.diamonds, floor: prefs.agency.spikeFloor, topGifter: top ?? null },
      wants: (p) => reading.windowDiamonds >= p.spikeFloor,
    });
    if (outcome !== 'duplicate') w.quietUntil = now + cooldownMs;
  }

  const handles = new Map<string, string>();
  async function creatorHandle(w: SessionWatch): Promise<string> {
    const key = String(w.creatorId);
    if (!handles.has(key)) {
      const doc = await conn.collection('creators').findOne({ _id: w.creatorId, tenantId: w.tenantId }, { projection: { handle: 1 } });
      handles.set(key, String(doc?.handle ?? ''));
    }
    return handles.get(key)!;
  }

  async function checkTier(w: SessionWatch, tally: TallyPayload, now: number): Promise<void> {
    const settings = w.month && now - w.month.settingsAt < 30_000 ? null : await options.tiers.settingsOf(w.tenantId);
    const { month, start, end } = monthOf(now, settings?.timeZone ?? w.month?.timeZone ?? 'UTC');
    if (!w.month || w.month.month !== month || settings) {
      const before = w.month && w.month.month === month ? w.month.before : await options.tiers.monthDiamondsExcept(w.tenantId, w.creatorId, tally.sessionId, start, end);
      w.month = settings ? { month, before, settingsAt: now, timeZone: settings.timeZone, tiers: settings.tiers } : { ...w.month!, month, before };
    }
    const total = w.month.before + tally.diamonds;
    // The highest tier this session took the month across; lower ones crossed in the same moment are implied.
    const crossed = w.month.tiers.filter((t) => w.month!.before < t.diamonds && total >= t.diamonds).pop();
    if (!crossed) return;
    const handleOf = await creatorHandle(w);
    await alerts.raise({
      tenantId: w.tenantId,
      kind: 'tier.reached',
      creatorId: w.creatorId,
      source: `${w.creatorId}:${month}:${crossed.name}:${crossed.diamonds}`,
      at: now,
      title: `@${handleOf} reached tier ${crossed.name} for ${month}`,
      text: `${fmt(total)} diamonds this month (tier ${crossed.name} needs ${fmt(crossed.diamonds)}). Congratulate them; the next tier is ${w.month.tiers.find((t) => t.diamonds > total)?.name ?? 'the top one, reached'}.`,
      data: { month, tier: { name: crossed.name, diamonds: crossed.diamonds }, monthDiamonds: total, sessionId: tally.sessionId },
    });
  }

  return {
    onSessionStarted({ tenantId, creatorId, sessionId, startedAt }) {
      queue(sessionId, tenantId, creatorId, startedAt, async (w) => {
        const handleOf = await creatorHandle(w);
        await alerts.raise({
          tenantId,
          kind: 'creator.live_started',
          creatorId,
          source: sessionId,
          at: startedAt,
          title: `@${handleOf} is LIVE`,
          text: `@${handleOf} went LIVE at ${new Date(startedAt).toISOString().slice(11, 16)} UTC. Drop in and say hello.`,
          data: { sessionId, startedAt: new Date(startedAt).toISOString(), liveUrl: `https://www.tiktok.com/@${encodeURIComponent(handleOf)}/live` },
        });
      });
    },

    onTally({ tenantId, creatorId, tally }) {
      const now = options.now();
      queue(tally.sessionId, tenantId, creatorId, Date.parse(tally.startedAt), async (w) => {
        // Seen first mid-session (a restart, a takeover): what came before is not a spike of this minute.
        if (!w.samples.length && now - w.startedAt > 60_000) w.samples.push({ at: w.startedAt, diamonds: tally.diamonds });
        const last = w.samples[w.samples.length - 1];
        if (!last || last.diamonds !== tally.diamonds) w.samples.push({ at: now, diamonds: tally.diamonds });
        trimSamples(w.samples, now);
        await checkSpike(w, tally, now);
        await checkTier(w, tally, now);
      });
    },

    onSessionEnded({ tenantId, creatorId, sessionId }) {
      queue(sessionId, tenantId, creatorId, 0, async (w) => {
        watches.delete(sessionId);
        const doc = await sessions.findOne({ _id: sessionId, tenantId }).lean<LiveSessionDoc>();
        if (!doc || doc.status !== 'ended') return;
        const handleOf = await creatorHandle(w);
        const endedAt = doc.endedAt?.getTime() ?? options.now();
        const top = (doc.topGifters ?? []).slice(0, 3).map((g) => ({ userId: g.userId, handle: g.handle, nickname: g.nickname, diamonds: g.diamonds }));
        await alerts.raise({
          tenantId,
          kind: 'creator.live_ended',
          creatorId,
          source: sessionId,
          at: endedAt,
          title: `@${handleOf} ended their LIVE: ${fmt(doc.diamonds)} diamonds in ${duration(doc.durationSeconds)}`,
          text: `${duration(doc.durationSeconds)}, ${fmt(doc.diamonds)} diamonds, peak ${fmt(doc.peakViewers)} viewers.${top.length ? ` Top gifters: ${top.map((g) => `${g.nickname || g.handle} (${fmt(g.diamonds)})`).join(', ')}.` : ''}`,
          data: {
            sessionId,
            startedAt: doc.startedAt.toISOString(),
            endedAt: new Date(endedAt).toISOString(),
            durationSeconds: doc.durationSeconds,
            diamonds: doc.diamonds,
            gifts: doc.gifts,
            peakViewers: doc.peakViewers,
            avgViewers: doc.avgViewers,
            topGifters: top,
            endReason: doc.endReason ?? null,
          },
        });
        if (doc.endReason === 'suspended') {
          // Issue 10 records a suspended stream end as `endReason: "suspended"` (with an account-health event).
          await alerts.raise({
            tenantId,
            kind: 'creator.stream_suspended',
            creatorId,
            source: sessionId,
            at: endedAt,
            title: `@${handleOf}'s LIVE was suspended by TikTok`,
            text: `TikTok ended @${handleOf}'s LIVE by moderation at ${new Date(endedAt).toISOString().slice(11, 16)} UTC. Check the account's standing and talk to the creator before their next LIVE.`,
            data: { sessionId, endedAt: new Date(endedAt).toISOString(), durationSeconds: doc.durationSeconds },
          });
        }
      });
    },

    forget(sessionId: string) {
      watches.delete(sessionId);
    },
  };
}
