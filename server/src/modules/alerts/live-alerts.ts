/**
 * The alerts side of the LIVE sink: go-live, gift spikes and tier crossings from the running tallies, the end
 * summary (and a suspension) from the ended session's document. Runs beside the listener, never in its way:
 * every call is queued per session and errors are logged, not thrown.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Connection, Types } from 'mongoose';
import { readSpike, tierCrossed, trimSamples, DEFAULT_COOLDOWN_MS, type DiamondSample } from '@shared/alerts';
import { computeMonth, zonedMonth, type AgencySettings, type Figures, type MonthBackstage, type MonthSession } from '@shared/month';
import type { LiveAlertSink } from '../live/alert-sink';
import { liveSessionModel, type LiveSessionDoc } from '../live/session-model';
import type { TallyPayload } from '../live/writer';
import type { TierMonthSource } from './tier-month';
import type { AlertsService } from './service';

interface SessionWatch {
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
  startedAt: number;
  samples: DiamondSample[];
  /** No spike evaluation before this (a spike was just raised or held back by the cooldown). */
  quietUntil: number;
  /** The creator's month without this session, for tier crossings (reloaded every MONTH_RELOAD_MS and at a new month). */
  month: MonthBase | null;
  chain: Promise<void>;
  lastSeenAt: number;
  /** The last tally seen: a quiet room's month still grows in LIVE time (recheckTiers). */
  lastTally: TallyPayload | null;
}

interface MonthBase {
  month: string;
  settings: AgencySettings;
  ended: MonthSession[];
  backstage: MonthBackstage | null;
  /** The month rule's figures without the running session. */
  before: Figures;
  loadedAt: number;
}

/**
 * How long a watch keeps the month it loaded: settings changed by an admin, a Backstage import or another session
 * that ended are seen within this; the running session itself is added fresh from every tally.
 */
const MONTH_RELOAD_MS = 30_000;

/** A watch whose session showed no tally for this long ended elsewhere (another instance, the sweeper): dropped. */
const WATCH_IDLE_MS = 30 * 60_000;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h ? `${h}h ${m}m` : `${m}m ${seconds % 60}s`;
}

/** Tiers are re-checked without a new tally for sessions that sent one within this long (a room gone silent, not gone). */
const RECHECK_WITHIN_MS = 10 * 60_000;

export function createLiveAlerts(
  conn: Connection,
  alerts: AlertsService,
  options: { now: () => number; log: FastifyBaseLogger; month: TierMonthSource; cooldownMs?: number },
): LiveAlertSink & { forget(sessionId: string): void; recheckTiers(): Promise<void> } {
  const sessions = liveSessionModel(conn);
  const watches = new Map<string, SessionWatch>();
  const cooldownMs = options.cooldownMs ?? DEFAULT_COOLDOWN_MS;

  function queue(sessionId: string, tenantId: Types.ObjectId, creatorId: Types.ObjectId, startedAt: number, job: (w: SessionWatch) => Promise<void>): void {
    let watch = watches.get(sessionId);
    const now = options.now();
    if (!watch) {
      for (const [id, other] of watches) if (now - other.lastSeenAt > WATCH_IDLE_MS) watches.delete(id);
      if (handles.size > 10_000) handles.clear();
      watch = { tenantId, creatorId, startedAt, samples: [], quietUntil: 0, month: null, chain: Promise.resolve(), lastSeenAt: now, lastTally: null };
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

  async function loadMonthBase(w: SessionWatch, now: number): Promise<MonthBase | null> {
    const settings = await options.month.settingsOf(w.tenantId);
    const month = zonedMonth(now, settings.timeZone);
    const [ended, backstage] = await Promise.all([
      options.month.endedSessions(w.tenantId, w.creatorId, month, settings.timeZone),
      options.month.backstageOf(w.tenantId, w.creatorId, month),
    ]);
    if (!ended) return null;
    const before = computeMonth({ month, asOf: now, settings, backstage, sessions: ended });
    return { month, settings, ended, backstage, before: { diamonds: before.diamonds, liveSeconds: before.liveSeconds, validDays: before.validDays }, loadedAt: now };
  }

  /**
   * The month rule (shared/month) without and with the running session: a tier is reached when the session takes
   * the month across every threshold the tier sets. The alert's id is creator + month + tier, so it is raised once
   * whichever instance, restart or replay sees the crossing.
   */
  async function checkTier(w: SessionWatch, tally: TallyPayload, now: number): Promise<void> {
    const stale = !w.month || now - w.month.loadedAt >= MONTH_RELOAD_MS || zonedMonth(now, w.month.settings.timeZone) !== w.month.month;
    if (stale) w.month = await loadMonthBase(w, now);
    const base = w.month;
    if (!base || base.settings.tiers.length === 0) return;
    const running: MonthSession = { startedAt: w.startedAt, durationSeconds: Math.max(0, Math.floor((now - w.startedAt) / 1000)), diamonds: tally.diamonds };
    const after = computeMonth({ month: base.month, asOf: now, settings: base.settings, backstage: base.backstage, sessions: [...base.ended, running] });
    const crossed = tierCrossed(base.settings.tiers, base.before, after);
    if (!crossed) return;
    const handleOf = await creatorHandle(w);
    const needs = [`${fmt(crossed.diamonds)} diamonds`, ...(crossed.liveHours !== undefined ? [`${crossed.liveHours} LIVE hours`] : []), ...(crossed.validDays !== undefined ? [`${crossed.validDays} valid days`] : [])].join(', ');
    await alerts.raise({
      tenantId: w.tenantId,
      kind: 'tier.reached',
      creatorId: w.creatorId,
      source: `${w.creatorId}:${base.month}:${crossed.name}`,
      at: now,
      title: `@${handleOf} reached tier ${crossed.name} for ${base.month}`,
      text: `${fmt(after.diamonds)} diamonds, ${fmt(after.liveSeconds / 3600)} LIVE hours and ${after.validDays} valid days this month (tier ${crossed.name} needs ${needs}). Congratulate them; ${after.tier.next ? `the next tier is ${after.tier.next}` : 'it is the top tier'}.`,
      data: {
        month: base.month,
        tier: crossed,
        monthDiamonds: after.diamonds,
        monthLiveSeconds: after.liveSeconds,
        monthValidDays: after.validDays,
        nextTier: after.tier.next,
        backstagePeriodEnd: after.sources.backstage?.periodEnd ?? null,
        sessionId: tally.sessionId,
      },
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
        w.lastTally = tally;
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

    /**
     * Tallies come when something changes (a gift, viewers); a tier's LIVE hours or valid days can be crossed by
     * time alone. The plugin's `alerts-tier-recheck` worker calls this every minute for the sessions this instance
     * listens to: their last tally, at the current LIVE time.
     */
    async recheckTiers(): Promise<void> {
      const now = options.now();
      const due: Promise<void>[] = [];
      for (const [sessionId, w] of watches) {
        const tally = w.lastTally;
        if (!tally || now - w.lastSeenAt > RECHECK_WITHIN_MS) continue;
        // Not through queue(): a re-check is not a sign of life (the watch still goes idle when the tallies stop).
        w.chain = w.chain.then(() => checkTier(w, tally, options.now())).catch((err) => options.log.error({ err, sessionId }, 'alerts: a tier re-check failed'));
        due.push(w.chain);
      }
      await Promise.all(due);
    },
  };
}
