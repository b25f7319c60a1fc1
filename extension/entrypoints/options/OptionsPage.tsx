import { useEffect, useState } from 'preact/hooks';
import { SignInForm } from '../../components/SignInForm';
import { FINAL_IMPORT_STATUSES, type ImportRecord, type ServerConfig } from '../../lib/api-types';
import { sendToBackground, type AuthState } from '../../lib/messages';
import { resolveCreatorId } from '../../lib/resolve-creator';
import { BUNDLED_SOURCE_URL } from '../../lib/source-url';
import { IMPORT_ACCEPT, downloadErrorsCsv, getImport, reportSummary, saveBlob, timeZoneNames, uploadImport } from '@shared/upload/import-client.js';
import { AgencySettings } from './AgencySettings';
import { ApiUrlSection } from './ApiUrlSection';
import { SignUpForm } from './SignUpForm';
import { TeamSection } from './TeamSection';

/** The import part of the options page: the shared upload client (shared/upload/), as on the API's upload page. */
function ImportSection() {
  const [progress, setProgress] = useState<number | null>(null);
  const [report, setReport] = useState<ImportRecord | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function target() {
    const [{ apiUrl }, token] = await Promise.all([sendToBackground('settings.get'), sendToBackground('auth.token')]);
    if (!token) throw new Error('Sign in first');
    return { apiUrl, token };
  }

  async function upload(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const file = data.get('file');
    if (!(file instanceof File) || !file.size) return setError('Pick a CSV or .xlsx file');
    setError(null);
    setReport(null);
    setProgress(0);
    try {
      const api = await target();
      const handle = String(data.get('creator') ?? '');
      const creatorId = handle ? await resolveCreatorId(handle) : undefined;
      if (handle && !creatorId) throw new Error(`@${handle.replace(/^@/, '')} is not in the roster`);
      let record = await uploadImport({
        ...api,
        file,
        creatorId,
        addMissingCreators: data.get('addMissing') === 'on',
        timeZone: String(data.get('timeZone') ?? '').trim(),
        onProgress: setProgress,
      });
      setReport(record);
      // Large files may still be processing when the upload answers: follow until a final status.
      for (let i = 0; i < 120 && !FINAL_IMPORT_STATUSES.has(record.status); i++) {
        await new Promise((r) => setTimeout(r, 1000));
        record = await getImport(api, record.id);
        setReport(record);
      }
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setProgress(null);
    }
  }

  async function downloadErrors(id: string) {
    try {
      saveBlob(await downloadErrorsCsv(await target(), id), `import-${id}-errors.csv`);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <section>
      <h2>Import LIVE history (CSV or Excel)</h2>
      <form onSubmit={upload} class="row" style={{ flexWrap: 'wrap' }}>
        <label class="grow">
          File <input id="import-file" name="file" type="file" accept={IMPORT_ACCEPT} />
        </label>
        <label class="grow">
          Creator <input id="import-creator" name="creator" placeholder="@creator (if rows don't name one)" />
        </label>
        <label class="grow">
          Time zone{' '}
          <input id="import-time-zone" name="timeZone" list="import-time-zones" placeholder="The agency's time zone" autocomplete="off" />
          <datalist id="import-time-zones">
            {timeZoneNames().map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </label>
        <label class="inline">
          <input id="import-add-missing" name="addMissing" type="checkbox" /> Add missing creators
        </label>
        <button id="import-submit" type="submit" disabled={progress !== null}>
          Upload
        </button>
      </form>
      {progress !== null && <progress id="import-progress" aria-label="Upload progress" max={1} value={progress} />}
      {error && <p class="error" role="alert" data-testid="import-error">{error}</p>}
      {report && (
        <div data-testid="import-report" data-status={report.status}>
          <p>{report.status}</p>
          <ul data-testid="import-summary">
            {reportSummary(report).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          {report.message && <p class="error" data-testid="import-message">{report.message}</p>}
          {report.assumptions.length > 0 && (
            <ul data-testid="import-assumptions">
              {report.assumptions.map((a) => (
                <li key={a}>{a}</li>
              ))}
            </ul>
          )}
          {report.errors.length > 0 && (
            <>
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
              <button id="import-download-errors" type="button" onClick={() => void downloadErrors(report.id)}>
                Download the rows to fix (CSV)
              </button>
            </>
          )}
        </div>
      )}
    </section>
  );
}

/** Which sides of the server are the sandbox, from what /config says (live.mode, tiktok.mode); null: none, or not said. */
function sandboxSides(config: ServerConfig | null): string | null {
  const sides = [config?.tiktok?.mode === 'sandbox' && 'TikTok (profiles)', config?.live?.mode === 'sandbox' && 'TikTok LIVE'].filter(Boolean);
  return sides.length ? sides.join(' and ') : null;
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

/** Options: API URL, sign-in state, sandbox indicator, CSV import, source link. */
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
        {sandboxSides(config) && (
          <span class="badge sandbox" data-testid="sandbox-badge" title={`This server's ${sandboxSides(config)} is the local sandbox, not TikTok`}>
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
      {auth?.signedIn && <AgencySettings isAdmin={auth.user?.role === 'admin'} />}
      <footer class="muted" data-testid="source-footer">
        <a href={config?.sourceUrl ?? BUNDLED_SOURCE_URL} target="_blank" rel="noopener">
          Source code
        </a>{' '}
        · LiveRoster is free software (AGPL-3.0)
      </footer>
    </main>
  );
}
