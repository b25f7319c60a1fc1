import { useState } from 'preact/hooks';
import type { Creator, CreatorMetrics } from '../../lib/api-types';
import { formatCompact, formatPercent } from '../../lib/format';
import { formatAsOf } from '../../lib/last-live';
import { Sparkline } from '../../components/Sparkline';
import { Diamonds, Icon } from '../../components/Icon';
import { allTimeDiamonds, headlineName } from '../../state/creator-figures';
import { CreatorEditor } from './CreatorEditor';
import { DealList } from './DealList';
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
        <button id="tiktok-disconnect" type="button" disabled={!!busy} onClick={() => void card.disconnectTikTok()}>
          {busy === 'disconnect' ? 'Disconnecting…' : 'Disconnect'}
        </button>
      ) : (
        <button id="tiktok-connect" type="button" class="primary" disabled={!!busy} onClick={() => void card.connectTikTok()}>
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
                  {v.coverUrl ? <img src={v.coverUrl} alt={v.title || v.description || 'Video'} loading="lazy" /> : <span class="cover-placeholder" />}
                  <span class="video-stats">
                    <Icon name="play" label="views" /> {formatCompact(v.views)} <Icon name="heart" label="likes" /> {formatCompact(v.likes)}
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
    <section aria-labelledby="activity-heading">
      <h3 id="activity-heading">Activity</h3>
      <form
        class="row"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await card.addNote(note)) setNote('');
        }}
      >
        <label class="visually-hidden" for="quick-note">
          Quick note
        </label>
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

/** The TikTok account's technical id: not a headline, but there to copy for support or TikTok's tools. */
function TechnicalDetails({ creator }: { creator: Creator }) {
  const [copied, setCopied] = useState(false);
  const openId = creator.tiktok.openId;
  if (!openId) return null;
  return (
    <details class="tech-details" data-testid="creator-details">
      <summary>TikTok account details</summary>
      <div class="row">
        <span class="muted">open_id</span>
        <code class="grow open-id" data-testid="creator-open-id">
          {openId}
        </code>
        <button
          type="button"
          id="copy-open-id"
          aria-label="Copy the open_id"
          title="Copy"
          onClick={() => void navigator.clipboard.writeText(openId).then(() => setCopied(true), () => setCopied(false))}
        >
          <Icon name="copy" /> {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      {creator.tiktok.syncedAt && <div class="muted">Synced {new Date(creator.tiktok.syncedAt).toLocaleString()}</div>}
    </details>
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
        <button id="add-to-roster" type="button" class="primary" disabled={!!card.busy.value} onClick={() => void card.addToRoster()}>
          Add to roster
        </button>
        {card.error.value && <p class="error" role="alert">{card.error.value}</p>}
      </section>
    );
  }
  if (!creator) return <p class="muted card" role="status">{card.error.value ?? 'Loading…'}</p>;
  const tally = roster.liveIds.value.has(creator.id) ? roster.tallyOf(creator.id).value : null;
  const stale = card.stale.value;
  const asOf = card.asOf.value;
  const liveUnknown = !tally && (roster.liveIds.value.has(creator.id) || creator.live.isLive);
  return (
    <article class="card" data-testid="creator-card" data-creator-id={creator.id} aria-labelledby="creator-name">
      <header class="row card-header">
        <span class="avatar big" aria-hidden="true">
          {creator.avatarUrl ? <img src={creator.avatarUrl} alt="" /> : headlineName(creator).slice(0, 1).toUpperCase()}
        </span>
        <div class="grow">
          <h2 class="ellipsis" id="creator-name" data-testid="creator-name">
            {headlineName(creator)} {creator.tiktok.isVerified && <Icon name="check" label="Verified" class="verified" />}
          </h2>
          <div class="muted ellipsis" data-testid="creator-handle">@{creator.tiktok.username ?? creator.handle}</div>
        </div>
        {stale && (
          <span class="badge stale" data-testid="stale-badge" title="The server could not be reached: these figures are the ones saved on this computer">
            {asOf ? `Saved copy · as of ${formatAsOf(asOf)}` : 'Saved copy'}
          </span>
        )}
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
      {liveUnknown && (
        <p class="muted live-unknown-note" data-testid="live-unknown">
          <span class="badge live-unknown">LIVE</span> {stale || !asOf ? `when last synced${asOf ? ` (as of ${formatAsOf(asOf)})` : ''}` : 'now'}; the running diamonds arrive with the live connection.
        </p>
      )}
      <Metrics creator={creator} metrics={card.metrics.value} />
      <div class="row muted totals" data-testid="creator-totals">
        <Diamonds value={formatCompact(allTimeDiamonds(creator, tally))} testId="all-time-diamonds" /> all time{tally ? ' (with this LIVE)' : ''} · {creator.totals.sessions}{' '}
        {creator.totals.sessions === 1 ? 'session' : 'sessions'}
      </div>
      <MonthBlock creatorId={creator.id} />
      <SessionsList creatorId={creator.id} />
      <DealList state={state} />
      <Timeline state={state} />
      <CreatorEditor state={state} creator={creator} />
      <TechnicalDetails creator={creator} />
    </article>
  );
}
