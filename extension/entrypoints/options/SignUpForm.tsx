import { useState } from 'preact/hooks';
import { sendToBackground, type AuthState } from '../../lib/messages';

/** Creates a new agency and its first admin (`POST /api/v1/auth/signup`), then signs in as that admin. */
export function SignUpForm({ onSignedUp }: { onSignedUp: (state: AuthState) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const name = String(data.get('name') ?? '').trim();
    setBusy(true);
    setError(null);
    try {
      onSignedUp(
        await sendToBackground('auth.signup', {
          agencyName: String(data.get('agencyName') ?? '').trim(),
          email: String(data.get('email') ?? '').trim(),
          password: String(data.get('password') ?? ''),
          ...(name ? { name } : {}),
        }),
      );
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="signin" onSubmit={submit} data-testid="signup-form">
      <label for="signup-agency">
        Agency name
        <input id="signup-agency" name="agencyName" required maxLength={120} autocomplete="organization" />
      </label>
      <label for="signup-name">
        Your name
        <input id="signup-name" name="name" maxLength={120} autocomplete="name" />
      </label>
      <label for="signup-email">
        Email
        <input id="signup-email" name="email" type="email" required autocomplete="username" />
      </label>
      <label for="signup-password">
        Password (10 characters or more)
        <input id="signup-password" name="password" type="password" required minLength={10} autocomplete="new-password" />
      </label>
      <button id="signup-submit" type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create agency'}
      </button>
      {error && <p class="error" role="alert" data-testid="signup-error">{error}</p>}
    </form>
  );
}
