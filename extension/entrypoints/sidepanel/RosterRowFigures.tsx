import type { Creator } from '../../lib/api-types';
import { formatCompact } from '../../lib/format';
import { formatLastLive } from '../../lib/last-live';
import { Diamonds } from '../../components/Icon';
import type { PanelState } from './panel-state';

/**
 * The right-hand figures of a roster row whose creator is not live now: all-time diamonds and when they
 * were last live. This is the slot for the month's figures (diamonds this month and the pacing bar, issue
 * 11): render them here, keeping the all-time line as the fallback for creators without month data.
 */
export function RosterRowFigures({ state, creator }: { state: PanelState; creator: Creator }) {
  const lastLive = state.roster.lastLive.value.get(creator.id);
  const sessions = creator.totals.sessions;
  return (
    <span class="row-figures" data-slot="month" data-testid={`roster-figures-${creator.id}`}>
      <Diamonds value={formatCompact(creator.totals.diamonds)} testId={`roster-total-${creator.id}`} />
      <span class="muted last-live" data-testid={`roster-last-live-${creator.id}`}>
        {lastLive ? `live ${formatLastLive(lastLive)}` : sessions ? `${sessions} ${sessions === 1 ? 'session' : 'sessions'}` : 'never live'}
      </span>
    </span>
  );
}
