import type { Creator } from '../../lib/api-types';
import { formatCompact } from '../../lib/format';
import { formatAsOf } from '../../lib/last-live';
import { Diamonds } from '../../components/Icon';
import { VirtualList } from '../../components/VirtualList';
import { rosterCountText } from '../../state/roster-model';
import type { PanelState } from './panel-state';
import { RosterMonth } from './RosterMonth';
import { RosterRowFigures } from './RosterRowFigures';

const ROW_HEIGHT = 52;

/** One roster row's live part: subscribes only to that creator's tally signal. */
function RowLive({ state, creatorId }: { state: PanelState; creatorId: string }) {
  const tally = state.roster.tallyOf(creatorId).value;
  if (!tally) {
    // Live according to the cached roster, but no tally came in (offline, or before the snapshot): say so, no made-up 0.
    const asOf = state.roster.syncedAt.value;
    return (
      <span class="row-live" data-testid={`roster-live-unknown-${creatorId}`}>
        <span class="badge live-unknown" title="Live when the roster was last synced; its diamonds are not known here">
          {asOf ? `LIVE as of ${formatAsOf(asOf)}` : 'LIVE'}
        </span>
      </span>
    );
  }
  return (
    <span class="row-live">
      <span class="badge live">LIVE</span>
      <Diamonds value={formatCompact(tally.diamonds)} testId={`roster-diamonds-${creatorId}`} />
    </span>
  );
}

function Row({ state, creator }: { state: PanelState; creator: Creator }) {
  const live = state.roster.liveIds.value.has(creator.id);
  return (
    <button type="button" class="roster-row" data-testid="roster-row" data-creator-id={creator.id} data-handle={creator.handle} data-live={live ? 'true' : 'false'} onClick={() => state.openCreator(creator)}>
      <span class="avatar" aria-hidden="true">
        {creator.avatarUrl ? <img src={creator.avatarUrl} alt="" loading="lazy" /> : (creator.displayName || creator.handle).slice(0, 1).toUpperCase()}
      </span>
      <span class="grow">
        <span class="name ellipsis">{creator.displayName || creator.handle}</span>
        <span class="handle ellipsis muted">@{creator.handle}</span>
      </span>
      {live ? <RowLive state={state} creatorId={creator.id} /> : <RosterRowFigures state={state} creator={creator} />}
      <RosterMonth creatorId={creator.id} />
    </button>
  );
}

/** Search, tag filter and the virtualised roster (live creators first, by running diamonds). */
export function RosterView({ state }: { state: PanelState }) {
  const { roster } = state;
  const visible = roster.visible.value;
  const loading = !roster.loaded.value;
  return (
    <section class="roster" aria-busy={loading}>
      <div class="roster-tools row">
        <label class="visually-hidden" for="roster-search">
          Search creators
        </label>
        <input
          id="roster-search"
          class="grow"
          type="search"
          placeholder="Search creators"
          value={roster.query.value}
          onInput={(e) => (roster.query.value = (e.currentTarget as HTMLInputElement).value)}
        />
        <button id="roster-refresh" type="button" title="Reload the roster from the server" aria-label="Reload the roster" onClick={() => void state.refreshRoster()}>
          ↻
        </button>
        <label class="visually-hidden" for="roster-tag">
          Filter by tag
        </label>
        <select id="roster-tag" value={roster.tag.value ?? ''} onChange={(e) => (roster.tag.value = (e.currentTarget as HTMLSelectElement).value || null)}>
          <option value="">All tags</option>
          {roster.tags.value.map((tag) => (
            <option key={tag} value={tag}>
              {tag}
            </option>
          ))}
        </select>
      </div>
      {loading ? (
        <p class="muted empty" role="status" data-testid="roster-loading">
          Loading roster…
        </p>
      ) : (
        <>
          <p class="roster-count muted" data-testid="roster-count" role="status">
            {rosterCountText(roster.shownCount.value, roster.liveShownCount.value)}
          </p>
          {visible.length === 0 ? (
            <p class="muted empty" data-testid="roster-empty">
              {roster.creators.value.length
                ? 'No creator matches.'
                : state.refreshError.value
                  ? 'The roster could not be loaded from the server; use ↻ to try again.'
                  : 'No creators yet. Open a TikTok profile and add it, or import a LIVE export in the options.'}
            </p>
          ) : (
            <VirtualList items={visible} rowHeight={ROW_HEIGHT} keyOf={(c) => c.id} testId="roster-list" renderRow={(c) => <Row state={state} creator={c} />} />
          )}
        </>
      )}
    </section>
  );
}
