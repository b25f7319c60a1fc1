import { useState } from 'preact/hooks';
import type { Creator, CreatorMetrics } from '../../lib/api-types';
import { formatCompact, formatMoney, formatPercent } from '../../lib/format';
import { Sparkline } from '../../components/Sparkline';
import { LiveTallyPanel } from './LiveTallyPanel';
import { MonthBlock } from './MonthBlock';
import { SessionsList } from './SessionsList';
import type { PanelState } from './panel-state';

function TikTokConnection({ state, creator }: { state: PanelState; creator: Creator }) {
  const { card } = state;
  const status = creator.tiktok.status;
  const busy = card.busy.value;
  return (
    <div class="row tiktok-connection">
      <span class={`grow status-${status}`} data-testid="tiktok-status">
        TikTok: {status.replace('_', ' ')}
      </span>
      {status === 'connected' ? (
        <button id="tiktok-disconnect" disabled={!!busy} onClick={() => void card.disconnectTikTok()}>
          {busy === 'disconnect' ? 'Disconnecting…' : 'Disconnect'}
        </button>
      ) : (
        <button id="tiktok-connect" class="primary" disabled={!!busy} onClick={() => void card.connectTikTok()}>
          {busy === 'connect' ? 'Waiting for TikTok…' : status === 'not_connected' ? 'Connect TikTok' : 'Reconnect'}
        </button>
      )}
    </div>
  );
}

function Metrics({ creator, metrics }: { creator: Creator; metrics: CreatorMetrics | null }) {
  const stats = creator.tiktok.stats;
  return (
    <>
      {stats && (
        <div class="tiles" data-testid="metric-tiles">
          {(['followers', 'following', 'likes', 'videos'] as const).map((key) => (
            <div class="tile" key={key}>
              <b data-testid={`metric-${key}`}>{formatCompact(stats[key])}</b>
              <span>{key}</span>
            </div>
          ))}
        </div>
      )}
      {/* The API answers metrics for every creator; without a TikTok connection they are empty, so they are not shown. */}
      {metrics && creator.tiktok.status !== 'not_connected' && (
        <>
          <div class="row">
            <span class="grow muted">Followers, 30 days</span>
            <span data-testid="engagement-rate" title="Engagement rate">
              ER {formatPercent(metrics.engagementRate)}
            </span>
          </div>
          <Sparkline points={metrics.followers} />
          {metrics.videos.length > 0 && (
            <div class="videos" data-testid="video-grid">
              {metrics.videos.slice(0, 6).map((v) => (
                <a
                  class="video"
                  key={v.id}
                  href={v.shareUrl ?? undefined}
                  target="_blank"
                  rel="noreferrer"
                  title={`${v.title || v.description}\n${formatCompact(v.views)} views · ${formatCompact(v.likes)} likes · ${formatCompact(v.comments)} comments · ${formatCompact(v.shares)} shares`}
                >
                  {v.coverUrl ? <img src={v.coverUrl} alt="" loading="lazy" /> : <span class="cover-placeholder" />}
                  <span class="video-stats">
                    ▶ {formatCompact(v.views)} ♥ {formatCompact(v.likes)}
                  </span>
                </a>
              ))}
            </div>
          )}
        </>
      )}
    </>
  );
}

function Timeline({ state }: { state: PanelState }) {
  const { card } = state;
  const [note, setNote] = useState('');
  return (
    <section>
      <h3>Activity</h3>
      <form
        class="row"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await card.addNote(note)) setNote('');
        }}
      >
        <input id="quick-note" class="grow" placeholder="Quick note…" value={note} onInput={(e) => setNote((e.currentTarget as HTMLInputElement).value)} />
        <button type="submit" disabled={!note.trim() || card.busy.value === 'note'}>
          Add
        </button>
      </form>
      <ul class="timeline" data-testid="activity-timeline">
        {card.activities.value.map((a) => (
          <li key={a.id} class={a.system ? 'system' : ''}>
            <span class="muted">
              {new Date(a.createdAt).toLocaleString()} · {a.type}
            </span>
            <div>{a.body}</div>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The card of the creator on screen or picked from the roster. */
export function CreatorCard({ state }: { state: PanelState }) {
  const { card, roster } = state;
  const creator = card.creator.value;
  const unknown = card.unknownHandle.value;
  if (unknown) {
    return (
      <section class="card" data-testid="unknown-creator">
        <p>
          <b>@{unknown}</b> is not in your roster.
        </p>
        <button id="add-to-roster" class="primary" disabled={!!card.busy.value} onClick={() => void card.addToRoster()}>
          Add to roster
        </button>
        {card.error.value && <p class="error">{card.error.value}</p>}
      </section>
    );
  }
  if (!creator) return <p class="muted card">{card.error.value ?? 'Loading…'}</p>;
  const tally = roster.liveIds.value.has(creator.id) ? roster.tallyOf(creator.id).value : null;
  return (
    <article class="card" data-testid="creator-card" data-creator-id={creator.id}>
      <header class="row card-header">
        <span class="avatar big">{creator.avatarUrl ? <img src={creator.avatarUrl} alt="" /> : creator.handle.slice(0, 1).toUpperCase()}</span>
        <div class="grow">
          <h2 class="ellipsis" data-testid="creator-name">
            {creator.displayName || creator.handle} {creator.tiktok.isVerified && <span title="Verified">✔</span>}
          </h2>
          <div class="muted ellipsis">@{creator.tiktok.username ?? creator.handle}</div>
          {creator.tiktok.openId && (
            <div class="muted ellipsis open-id" data-testid="creator-open-id">
              open_id {creator.tiktok.openId}
            </div>
          )}
        </div>
        {card.stale.value && <span class="badge stale" data-testid="stale-badge">offline</span>}
      </header>
      {creator.tiktok.bio && <p class="bio" data-testid="creator-bio">{creator.tiktok.bio}</p>}
      <TikTokConnection state={state} creator={creator} />
      <label class="row toggle">
        <input
          id="live-tracking"
          type="checkbox"
          checked={creator.live.tracking}
          disabled={card.busy.value === 'tracking'}
          onChange={(e) => void card.setLiveTracking((e.currentTarget as HTMLInputElement).checked)}
        />
        <span>Track LIVE sessions</span>
      </label>
      {card.error.value && <p class="error" role="alert" data-testid="card-error">{card.error.value}</p>}
      {tally && <LiveTallyPanel tally={tally} />}
      <Metrics creator={creator} metrics={card.metrics.value} />
      <div class="row muted totals">
        💎 {formatCompact(creator.totals.diamonds + (tally?.diamonds ?? 0))} all-time · {creator.totals.sessions + (tally ? 1 : 0)} sessions
      </div>
      <MonthBlock creatorId={creator.id} />
      <SessionsList creatorId={creator.id} />
      <section>
        <h3>Deals</h3>
        {card.deals.value.length === 0 ? (
          <p class="muted">No deals yet — log one from the toolbar popup.</p>
        ) : (
          <ul class="deals" data-testid="deal-list">
            {card.deals.value.map((d) => (
              <li key={d.id} class="row">
                <span class="grow ellipsis">{d.brand}</span>
                <span class="badge">{d.stage}</span>
                <b>{formatMoney(d.value)}</b>
              </li>
            ))}
          </ul>
        )}
      </section>
      <Timeline state={state} />
    </article>
  );
}
