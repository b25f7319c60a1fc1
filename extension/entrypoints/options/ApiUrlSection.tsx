import { useEffect, useState } from 'preact/hooks';
import { browser } from '../../lib/browser';
import { apiOriginPattern, normaliseApiUrl } from '../../lib/api-url';
import { sendToBackground } from '../../lib/messages';

type Message = { kind: 'ok' | 'warning' | 'error'; text: string } | null;

/**
 * The API server: `127.0.0.1:3000` means `http://127.0.0.1:3000`, a trailing slash is the same server
 * (and keeps you signed in), and a server that does not answer is saved with a warning, not "Saved.".
 */
export function ApiUrlSection({ onSaved }: { onSaved: () => void }) {
  const [apiUrl, setApiUrl] = useState('');
  const [message, setMessage] = useState<Message>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => void sendToBackground('settings.get').then((s) => setApiUrl(s.apiUrl)), []);

  function save(event: Event) {
    event.preventDefault();
    let normalised: string;
    try {
      normalised = normaliseApiUrl(apiUrl);
    } catch (e) {
      setMessage({ kind: 'error', text: (e as Error).message });
      return;
    }
    const origin = apiOriginPattern(normalised);
    setBusy(true);
    setMessage(null);
    // permissions.request needs the click's user gesture: call it before any await.
    void browser.permissions
      .request({ origins: [origin] })
      .then(async (granted) => {
        if (!granted) return setMessage({ kind: 'error', text: `Access to ${origin} was not granted; the extension cannot call that server.` });
        const saved = await sendToBackground('settings.setApiUrl', { apiUrl: normalised });
        setApiUrl(saved.apiUrl);
        setMessage(saved.warning ? { kind: 'warning', text: saved.warning } : { kind: 'ok', text: 'Saved.' });
        onSaved();
      })
      .catch((e: Error) => setMessage({ kind: 'error', text: e.message }))
      .finally(() => setBusy(false));
  }

  return (
    <section aria-labelledby="api-heading">
      <h2 id="api-heading">API server</h2>
      <form class="row" onSubmit={save}>
        <label class="visually-hidden" for="api-url">
          API server address
        </label>
        <input id="api-url" class="grow" value={apiUrl} placeholder="https://api.example.com" onInput={(e) => setApiUrl((e.currentTarget as HTMLInputElement).value)} />
        <button id="api-url-save" type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Save'}
        </button>
      </form>
      {message && (
        <p class={message.kind === 'ok' ? 'ok' : message.kind === 'warning' ? 'warning' : 'error'} role={message.kind === 'ok' ? 'status' : 'alert'} data-testid="api-url-message" data-kind={message.kind}>
          {message.text}
        </p>
      )}
    </section>
  );
}
