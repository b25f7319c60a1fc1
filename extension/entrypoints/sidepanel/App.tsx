import { SignInForm } from '../../components/SignInForm';
import { BoardView } from './BoardView';
import { CreatorCard } from './CreatorCard';
import type { PanelState } from './panel-state';
import { RosterView } from './RosterView';

const STREAM_LABEL = { open: 'live updates on', connecting: 'connecting…', retrying: 'reconnecting…', unauthorized: 'signed out', closed: 'offline' };

export function App({ state }: { state: PanelState }) {
  const auth = state.auth.value;
  return (
    <div class="panel">
      <header class="panel-header row">
        <strong class="grow">LiveRoster{auth?.agency && <span class="muted"> · {auth.agency.name}</span>}</strong>
        {auth?.signedIn && (
          <span class={`stream stream-${state.stream.value}`} data-testid="stream-status" title="Realtime connection">
            ● {STREAM_LABEL[state.stream.value]}
          </span>
        )}
        {state.roster.stale.value && <span class="badge stale" data-testid="roster-stale">cached</span>}
        {auth?.signedIn && (
          <button id="signout" onClick={() => void state.signOut()}>
            Sign out
          </button>
        )}
      </header>
      {auth && !auth.signedIn && <SignInForm onSignedIn={() => undefined /* the background broadcasts the new auth state */} />}
      {state.refreshError.value && auth?.signedIn && <p class="error banner" data-testid="refresh-error">{state.refreshError.value}</p>}
      {auth?.signedIn && (
        <nav class="tabs row">
          <button id="tab-roster" class={state.view.value === 'roster' ? 'active' : ''} onClick={() => (state.view.value = 'roster')}>
            Roster
          </button>
          <button id="tab-card" class={state.view.value === 'card' ? 'active' : ''} onClick={() => (state.view.value = 'card')}>
            {state.onScreen.value ? `On screen: @${state.onScreen.value.handle}` : 'Creator'}
          </button>
          <button id="tab-board" class={state.view.value === 'board' ? 'active' : ''} onClick={() => (state.view.value = 'board')}>
            Board
          </button>
        </nav>
      )}
      {(auth?.signedIn || !auth) && state.view.value === 'roster' && <RosterView state={state} />}
      {auth?.signedIn && state.view.value === 'card' && <CreatorCard state={state} />}
      {auth?.signedIn && state.view.value === 'board' && <BoardView state={state} />}
    </div>
  );
}
