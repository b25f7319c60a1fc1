import { useState } from 'preact/hooks';
import type { AuthState } from '../lib/messages';
import { sendToBackground } from '../lib/messages';

/** Email + password sign-in through the background (which keeps the token). */
export function SignInForm({ onSignedIn, onCreateAgency }: { onSignedIn: (state: AuthState) => void; onCreateAgency?: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await sendToBackground('auth.login', { email: String(data.get('email')), password: String(data.get('password')) }));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="signin" onSubmit={submit} data-testid="signin-form">
      <label>
        Email
        <input id="signin-email" name="email" type="email" autocomplete="username" required />
      </label>
      <label>
        Password
        <input id="signin-password" name="password" type="password" autocomplete="current-password" required />
      </label>
      <button id="signin-submit" type="submit" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
      {error && <p class="error" role="alert" data-testid="signin-error">{error}</p>}
      {onCreateAgency && (
        <p class="muted">
          New to LiveRoster?{' '}
          <button type="button" id="signin-create-agency" class="link" onClick={onCreateAgency}>
            Create an agency in the options
          </button>
        </p>
      )}
    </form>
  );
}
