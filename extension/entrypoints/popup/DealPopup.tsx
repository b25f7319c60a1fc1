import { useEffect, useState } from 'preact/hooks';
import { browser, sidePanel } from '../../lib/browser';
import { DEAL_STAGES, type Creator } from '../../lib/api-types';
import { openCache } from '../../lib/cache';
import { CreatorCombobox } from '../../components/CreatorCombobox';
import { sendToBackground, type AuthState } from '../../lib/messages';
import { resolveCreatorId } from '../../lib/resolve-creator';
import { buildDealInput, type DealFormErrors } from '../../state/deal-form';

type Outcome = { kind: 'created' | 'queued' | 'error'; text: string } | null;

/** The currency of the last deal logged, offered for the next one (storage.local: a preference, not a secret). */
const LAST_CURRENCY_KEY = 'lastDealCurrency';
const DEFAULT_CURRENCY = 'USD';

/** Quick deal logging: Enter submits; offline the background queues it with its idempotency key. */
export function DealPopup() {
  const [auth, setAuth] = useState<AuthState | null>(null);
  const [handle, setHandle] = useState('');
  const [roster, setRoster] = useState<Creator[]>([]);
  const [currency, setCurrency] = useState(DEFAULT_CURRENCY);
  const [errors, setErrors] = useState<DealFormErrors>({});
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [busy, setBusy] = useState(false);
  const [windowId, setWindowId] = useState<number | undefined>();
  // One key per deal being typed: a double submit or a retry reuses it, a new deal gets a new one.
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());

  useEffect(() => {
    void sendToBackground('auth.state').then(setAuth);
    // The creator in the TikTok tab on screen is the likely one.
    void sendToBackground('tab.onScreen').then((c) => c && setHandle((h) => h || `@${c.handle}`));
    void openCache().creators.toArray().then(setRoster, () => undefined);
    void browser.storage.local.get(LAST_CURRENCY_KEY).then((s) => {
      const saved = s[LAST_CURRENCY_KEY];
      if (typeof saved === 'string' && /^[A-Z]{3}$/.test(saved)) setCurrency(saved);
    });
    // Known before the click: sidePanel.open must run synchronously inside the click's user gesture.
    void browser.windows.getCurrent().then((w) => setWindowId(w.id));
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    setBusy(true);
    setOutcome(null);
    try {
      const creatorId = await resolveCreatorId(handle);
      const built = buildDealInput({
        creatorId,
        brand: String(data.get('brand') ?? ''),
        value: String(data.get('value') ?? ''),
        currency,
        stage: String(data.get('stage') ?? ''),
        dueDate: String(data.get('dueDate') ?? ''),
        note: String(data.get('note') ?? ''),
      });
      if (!built.input) {
        setErrors(built.errors);
        return;
      }
      setErrors({});
      // Awaited: the outcome below tells the user the deal is handled, and a popup closed right after must not lose
      // the currency it is to start with next time (a write still in flight when the page goes can be dropped).
      await browser.storage.local.set({ [LAST_CURRENCY_KEY]: built.input.value.currency }).catch(() => undefined);
      const result = await sendToBackground('deals.submit', { input: built.input, idempotencyKey });
      setOutcome(result.status === 'created' ? { kind: 'created', text: `Deal with ${result.deal.brand} saved.` } : { kind: 'queued', text: result.reason });
      form.reset();
      setHandle('');
      setCurrency(built.input.value.currency);
      setIdempotencyKey(crypto.randomUUID());
    } catch (e) {
      setOutcome({ kind: 'error', text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  }

  const openSidePanel = () => {
    if (windowId !== undefined) void sidePanel?.open({ windowId }).then(() => window.close());
  };

  return (
    <div class="popup">
      <header class="row">
        <strong class="grow">Log a deal</strong>
        <button id="open-side-panel" type="button" onClick={openSidePanel} disabled={windowId === undefined}>
          Open side panel
        </button>
      </header>
      {auth && !auth.signedIn ? (
        <p class="muted" data-testid="popup-signed-out">
          Sign in from the side panel or the options page first.
        </p>
      ) : (
        <form id="deal-form" onSubmit={submit} data-testid="deal-form">
          <div class="field">
            <label for="deal-creator">Creator</label>
            <CreatorCombobox id="deal-creator" label="Creator" value={handle} onChange={setHandle} roster={roster} />
            {errors.creatorId && <span class="error">{errors.creatorId}</span>}
          </div>
          <label>
            Brand
            <input id="deal-brand" name="brand" autofocus required />
            {errors.brand && <span class="error">{errors.brand}</span>}
          </label>
          <div class="row">
            <label class="grow">
              Value
              <input id="deal-value" name="value" inputMode="decimal" placeholder="1500" required />
            </label>
            <label class="currency">
              Currency
              <input id="deal-currency" name="currency" value={currency} onInput={(e) => setCurrency((e.currentTarget as HTMLInputElement).value.toUpperCase())} maxLength={3} required />
            </label>
          </div>
          {(errors.value || errors.currency) && <span class="error">{errors.value ?? errors.currency}</span>}
          <div class="row">
            <label class="grow">
              Stage
              <select id="deal-stage" name="stage" defaultValue="lead">
                {DEAL_STAGES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
            <label class="grow">
              Due
              <input id="deal-due" name="dueDate" type="date" />
            </label>
          </div>
          <label>
            Note
            <input id="deal-note" name="note" placeholder="Optional" />
          </label>
          <button id="deal-submit" type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save deal'}
          </button>
          {outcome && (
            <p class={outcome.kind === 'error' ? 'error' : outcome.kind === 'queued' ? 'queued' : 'ok'} role="status" data-testid="deal-outcome" data-outcome={outcome.kind}>
              {outcome.text}
            </p>
          )}
        </form>
      )}
    </div>
  );
}
