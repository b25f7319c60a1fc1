import { useEffect, useState } from 'preact/hooks';
import { SignInForm } from '../../components/SignInForm';
import { FINAL_IMPORT_STATUSES, type ImportRecord, type ServerConfig } from '../../lib/api-types';
import { sendToBackground, type AuthState } from '../../lib/messages';
import { resolveCreatorId } from '../../lib/resolve-creator';
import { uploadImport } from '../../lib/upload-import';
import { ApiUrlSection } from './ApiUrlSection';
import { SignUpForm } from './SignUpForm';
import { TeamSection } from './TeamSection';

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
        <input id="import-file" aria-label="LIVE export file" name="file" type="file" accept=".csv,text/csv" class="grow" />
        <input id="import-creator" aria-label="Creator of the rows (if the file does not name one)" name="creator" placeholder="@creator (if rows don't name one)" class="grow" />
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

/** Signed out: sign in to an agency, or create a new one. */
function AccountChoice({ onSignedIn }: { onSignedIn: (state: AuthState) => void }) {
  const [mode, setMode] = useState<'signin' | 'signup'>('signin');
  return (
    <>
      <div class="row" role="group" aria-label="Account">
        <button type="button" id="choose-signin" aria-pressed={mode === 'signin'} class={mode === 'signin' ? 'active' : ''} onClick={() => setMode('signin')}>
          Sign in
        </button>
        <button type="button" id="choose-signup" aria-pressed={mode === 'signup'} class={mode === 'signup' ? 'active' : ''} onClick={() => setMode('signup')}>
          New agency
        </button>
      </div>
      {mode === 'signin' ? <SignInForm onSignedIn={onSignedIn} /> : <SignUpForm onSignedUp={onSignedIn} />}
    </>
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
          <AccountChoice onSignedIn={setAuth} />
        )}
      </section>
      {auth?.signedIn && auth.user?.role === 'admin' && <TeamSection />}
      {auth?.signedIn && <ImportSection />}
    </main>
  );
}
