import { useEffect, useState } from 'preact/hooks';
import { browser } from '../../lib/browser';
import { SignInForm } from '../../components/SignInForm';
import { FINAL_IMPORT_STATUSES, type ImportRecord, type ServerConfig } from '../../lib/api-types';
import { sendToBackground, type AuthState } from '../../lib/messages';
import { resolveCreatorId } from '../../lib/resolve-creator';
import { uploadImport } from '../../lib/upload-import';
import { AgencySettings } from './AgencySettings';

function ApiUrlSection({ onSaved }: { onSaved: () => void }) {
  const [apiUrl, setApiUrl] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => void sendToBackground('settings.get').then((s) => setApiUrl(s.apiUrl)), []);

  function save(event: Event) {
    event.preventDefault();
    let origin: string;
    try {
      const url = new URL(apiUrl);
      origin = `${url.protocol}//${url.hostname}/*`;
    } catch {
      setMessage('Not a URL');
      return;
    }
    // permissions.request needs the click's user gesture: call it before any await.
    void browser.permissions
      .request({ origins: [origin] })
      .then(async (granted) => {
        if (!granted) return setMessage(`Access to ${origin} was not granted; the extension cannot call that server.`);
        const saved = await sendToBackground('settings.setApiUrl', { apiUrl });
        setApiUrl(saved.apiUrl);
        setMessage('Saved.');
        onSaved();
      })
      .catch((e: Error) => setMessage(e.message));
  }

  return (
    <section>
      <h2>API server</h2>
      <form class="row" onSubmit={save}>
        <input id="api-url" class="grow" value={apiUrl} onInput={(e) => setApiUrl((e.currentTarget as HTMLInputElement).value)} />
        <button id="api-url-save" type="submit">
          Save
        </button>
      </form>
      {message && <p class="muted" data-testid="api-url-message">{message}</p>}
    </section>
  );
}

function ImportSection() {
  const [progress, setProgress] = useState<number | null>(null);
  const [report, setReport] = useState<ImportRecord | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function upload(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const file = data.get('file');
    if (!(file instanceof File) || !file.size) return setError('Pick a CSV file');
    setError(null);
    setReport(null);
    setProgress(0);
    try {
      const [{ apiUrl }, token] = await Promise.all([sendToBackground('settings.get'), sendToBackground('auth.token')]);
      if (!token) throw new Error('Sign in first');
      const handle = String(data.get('creator') ?? '');
      const creatorId = handle ? await resolveCreatorId(handle) : undefined;
      if (handle && !creatorId) throw new Error(`@${handle.replace(/^@/, '')} is not in the roster`);
      let record = await uploadImport({ apiUrl, token, file, creatorId, addMissingCreators: data.get('addMissing') === 'on', onProgress: setProgress });
      setReport(record);
      // Large files may still be processing when the upload answers: follow until a final status.
      for (let i = 0; i < 120 && !FINAL_IMPORT_STATUSES.has(record.status); i++) {
        await new Promise((r) => setTimeout(r, 1000));
        const res = await fetch(`${apiUrl}/api/v1/imports/${encodeURIComponent(record.id)}`, { headers: { authorization: `Bearer ${token}` } });
        if (!res.ok) break;
        record = (await res.json()) as ImportRecord;
        setReport(record);
      }
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setProgress(null);
    }
  }

  return (
    <section>
      <h2>Import LIVE history (CSV)</h2>
      <form onSubmit={upload} class="row" style={{ flexWrap: 'wrap' }}>
        <input id="import-file" name="file" type="file" accept=".csv,text/csv" class="grow" />
        <input id="import-creator" name="creator" placeholder="@creator (if rows don't name one)" class="grow" />
        <label class="inline">
          <input id="import-add-missing" name="addMissing" type="checkbox" /> Add missing creators
        </label>
        <button id="import-submit" type="submit" disabled={progress !== null}>
          Upload
        </button>
      </form>
      {progress !== null && <progress id="import-progress" max={1} value={progress} />}
      {error && <p class="error" role="alert" data-testid="import-error">{error}</p>}
      {report && (
        <div data-testid="import-report" data-status={report.status}>
          <p>
            {report.status}: {report.rows} rows · {report.inserted} inserted · {report.duplicates} duplicates · {report.failed} failed
          </p>
          {report.message && <p class="error" data-testid="import-message">{report.message}</p>}
          {report.errors.length > 0 && (
            <table class="report">
              <thead>
                <tr>
                  <th>Line</th>
                  <th>Problem</th>
                </tr>
              </thead>
              <tbody>
                {report.errors.map((e) => (
                  <tr key={`${e.line}-${e.message}`}>
                    <td>{e.line}</td>
                    <td>{e.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}

/** Options: API URL, sign-in state, sandbox indicator, CSV import. */
export function OptionsPage() {
  const [auth, setAuth] = useState<AuthState | null>(null);
  const [config, setConfig] = useState<ServerConfig | null>(null);
  const [configError, setConfigError] = useState<string | null>(null);

  const reload = () => {
    void sendToBackground('auth.state').then(setAuth);
    sendToBackground('config.get').then(
      (c) => {
        setConfig(c);
        setConfigError(null);
      },
      (e: Error) => {
        setConfig(null);
        setConfigError(e.message);
      },
    );
  };
  useEffect(reload, []);

  return (
    <main class="options">
      <header class="row">
        <h1 class="grow">LiveRoster</h1>
        {config?.sandbox && (
          <span class="badge sandbox" data-testid="sandbox-badge" title="This server talks to the local sandbox TikTok, not the real one">
            SANDBOX
          </span>
        )}
        {config && <span class="muted">API {config.version}</span>}
      </header>
      {configError && <p class="error" data-testid="config-error">{configError}</p>}
      <ApiUrlSection onSaved={reload} />
      <section>
        <h2>Account</h2>
        {auth?.signedIn ? (
          <div class="row" data-testid="signed-in-as">
            <span class="grow">
              {auth.user?.name || auth.user?.email} ({auth.user?.role}) · {auth.agency?.name}
            </span>
            <button id="options-signout" onClick={() => void sendToBackground('auth.logout').then(setAuth)}>
              Sign out
            </button>
          </div>
        ) : (
          <SignInForm onSignedIn={setAuth} />
        )}
      </section>
      {auth?.signedIn && <ImportSection />}
      {auth?.signedIn && <AgencySettings isAdmin={auth.user?.role === 'admin'} />}
    </main>
  );
}
