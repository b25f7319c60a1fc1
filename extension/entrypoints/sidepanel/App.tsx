import { SignInForm } from '../../components/SignInForm';
import { BoardView } from './BoardView';
import { browser } from '../../lib/browser';
import { Icon } from '../../components/Icon';
import { formatAsOf } from '../../lib/last-live';
import { CreatorCard } from './CreatorCard';
import type { PanelState } from './panel-state';
import { RosterView } from './RosterView';

const STREAM_LABEL = { open: 'live updates on', connecting: 'connecting…', retrying: 'reconnecting…', unauthorized: 'signed out', closed: 'offline' };
type View = 'roster' | 'card' | 'board';
const VIEWS: View[] = ['roster', 'card', 'board'];

/** The Roster / Creator tabs: a WAI-ARIA tablist (arrow keys, Home/End move and select; one tab stop). */
function Tabs({ state }: { state: PanelState }) {
  const current = state.view.value;
  const select = (view: View, focus: boolean) => {
    state.view.value = view;
    if (focus) document.getElementById(`tab-${view}`)?.focus();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const index = VIEWS.indexOf(current);
    const next =
      event.key === 'ArrowRight' ? VIEWS[(index + 1) % VIEWS.length]
      : event.key === 'ArrowLeft' ? VIEWS[(index - 1 + VIEWS.length) % VIEWS.length]
      : event.key === 'Home' ? VIEWS[0]
      : event.key === 'End' ? VIEWS[VIEWS.length - 1]
      : null;
    if (!next) return;
    event.preventDefault();
    select(next, true);
  };
  const tab = (view: View, label: string) => (
    <button
      id={`tab-${view}`}
      type="button"
      role="tab"
      aria-selected={current === view}
      aria-controls={`panel-${view}`}
      tabIndex={current === view ? 0 : -1}
      class={current === view ? 'active' : ''}
      onClick={() => select(view, false)}
    >
      {label}
    </button>
  );
  return (
    <nav class="tabs row" role="tablist" aria-label="Side panel views" onKeyDown={onKeyDown}>
      {tab('roster', 'Roster')}
      {tab('card', state.onScreen.value ? `On screen: @${state.onScreen.value.handle}` : 'Creator')}
      {tab('board', 'Board')}
    </nav>
  );
}

export function App({ state }: { state: PanelState }) {
  const auth = state.auth.value;
  const syncedAt = state.roster.syncedAt.value;
  return (
    <div class="panel">
      <header class="panel-header row">
        <strong class="grow">LiveRoster{auth?.agency && <span class="muted"> · {auth.agency.name}</span>}</strong>
        {auth?.signedIn && (
          <span class={`stream stream-${state.stream.value}`} data-testid="stream-status" title="Realtime connection" role="status">
            <Icon name="dot" /> {STREAM_LABEL[state.stream.value]}
          </span>
        )}
        {state.roster.stale.value && state.roster.loaded.value && (
          <span class="badge stale" data-testid="roster-stale" title="The server could not be reached; this is the roster saved on this computer">
            {syncedAt ? `cached · as of ${formatAsOf(syncedAt)}` : 'cached'}
          </span>
        )}
        {auth?.signedIn && (
          <button id="signout" type="button" onClick={() => void state.signOut()}>
            Sign out
          </button>
        )}
      </header>
      {auth && !auth.signedIn && <SignInForm onSignedIn={() => undefined /* the background broadcasts the new auth state */} onCreateAgency={() => void browser.runtime.openOptionsPage()} />}
      {state.refreshError.value && auth?.signedIn && <p class="error banner" role="alert" data-testid="refresh-error">{state.refreshError.value}</p>}
      {auth?.signedIn && <Tabs state={state} />}
      {(auth?.signedIn || !auth) && state.view.value === 'roster' && (
        <div id="panel-roster" class="tabpanel" role="tabpanel" aria-labelledby={auth?.signedIn ? 'tab-roster' : undefined} aria-label={auth?.signedIn ? undefined : 'Roster'}>
          <RosterView state={state} />
        </div>
      )}
      {auth?.signedIn && state.view.value === 'board' && (
        <div id="panel-board" class="tabpanel" role="tabpanel" aria-labelledby="tab-board">
          <BoardView state={state} />
        </div>
      )}
      {auth?.signedIn && state.view.value === 'card' && (
        <div id="panel-card" class="tabpanel" role="tabpanel" aria-labelledby="tab-card">
          <CreatorCard state={state} />
        </div>
      )}
    </div>
  );
}
