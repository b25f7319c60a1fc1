import type { Creator } from '../../lib/api-types';
import { formatCompact } from '../../lib/format';
import { VirtualList } from '../../components/VirtualList';
import type { PanelState } from './panel-state';
import { RosterMonth } from './RosterMonth';

const ROW_HEIGHT = 48;

/** One roster row's live part: subscribes only to that creator's tally signal. */
function RowLive({ state, creatorId }: { state: PanelState; creatorId: string }) {
  const tally = state.roster.tallyOf(creatorId).value;
  if (!state.roster.liveIds.value.has(creatorId)) return null;
  return (
    <span class="row-live">
      <span class="badge live">LIVE</span>
      <span class="diamonds" data-testid={`roster-diamonds-${creatorId}`}>
        💎 {formatCompact(tally?.diamonds ?? 0)}
      </span>
    </span>
  );
}

function Row({ state, creator }: { state: PanelState; creator: Creator }) {
  return (
    <button class="roster-row" data-testid="roster-row" data-creator-id={creator.id} data-handle={creator.handle} onClick={() => state.openCreator(creator)}>
      <span class="avatar" aria-hidden="true">
        {creator.avatarUrl ? <img src={creator.avatarUrl} alt="" loading="lazy" /> : (creator.displayName || creator.handle).slice(0, 1).toUpperCase()}
      </span>
      <span class="grow">
        <span class="name ellipsis">{creator.displayName || creator.handle}</span>
        <span class="handle ellipsis muted">@{creator.handle}</span>
      </span>
      <RowLive state={state} creatorId={creator.id} />
      <RosterMonth creatorId={creator.id} />
    </button>
  );
}

/** Search, tag filter and the virtualised roster (live creators first). */
export function RosterView({ state }: { state: PanelState }) {
  const { roster } = state;
  const visible = roster.visible.value;
  return (
    <section class="roster">
      <div class="roster-tools row">
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
        <select id="roster-tag" value={roster.tag.value ?? ''} onChange={(e) => (roster.tag.value = (e.currentTarget as HTMLSelectElement).value || null)}>
          <option value="">All tags</option>
          {roster.tags.value.map((tag) => (
            <option key={tag} value={tag}>
              {tag}
            </option>
          ))}
        </select>
      </div>
      <p class="roster-count muted" data-testid="roster-count">
        {roster.shownCount} creators · {roster.liveCount} live
      </p>
      {visible.length === 0 ? (
        <p class="muted empty" data-testid="roster-empty">
          {roster.creators.value.length ? 'No creator matches.' : 'No creators yet.'}
        </p>
      ) : (
        <VirtualList items={visible} rowHeight={ROW_HEIGHT} keyOf={(c) => c.id} testId="roster-list" renderRow={(c) => <Row state={state} creator={c} />} />
      )}
    </section>
  );
}
