import { useEffect, useState } from 'preact/hooks';
import { validateAgencySettings, type SettingsProblem } from '@shared/month/settings';
import { minorUnitDigits } from '@shared/metrics/money';
import { ApiError } from '../../lib/api-error';
import { monthApi, type AgencySettingsBody } from '../../lib/month-client';

type Tier = AgencySettingsBody['tiers'][number];
type Rate = AgencySettingsBody['earnings']['rates'][number];

const zones = (): string[] => {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
};
const num = (v: string): number => (v.trim() === '' ? NaN : Number(v));
const optional = (v: string): number | undefined => (v.trim() === '' ? undefined : Number(v));

/** Options (admins): the agency's month settings, checked here with the server's own rule before saving. */
export function AgencySettings({ isAdmin }: { isAdmin: boolean }) {
  const [s, setS] = useState<AgencySettingsBody | null>(null);
  const [problems, setProblems] = useState<SettingsProblem[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => void monthApi.settings().then(setS, (e: Error) => setMessage(e.message)), []);
  if (!s) return <section data-testid="agency-settings">{message ? <p class="error">{message}</p> : <p class="muted">Loading the agency settings…</p>}</section>;

  const digits = minorUnitDigits(s.earnings.currency);
  const problemOf = (field: string) => problems.filter((p) => p.field === field || p.field.startsWith(`${field}.`)).map((p) => p.message).join(' ');
  const update = (next: AgencySettingsBody) => {
    setS(next);
    setMessage(null);
  };
  const setTier = (i: number, patch: Partial<Tier>) => update({ ...s, tiers: s.tiers.map((t, k) => (k === i ? { ...t, ...patch } : t)) });
  const setRate = (i: number, patch: Partial<Rate>) => update({ ...s, earnings: { ...s.earnings, rates: s.earnings.rates.map((r, k) => (k === i ? { ...r, ...patch } : r)) } });
  const clean = (t: Tier): Tier => ({ name: t.name, diamonds: t.diamonds, ...(t.liveHours !== undefined && !Number.isNaN(t.liveHours) && { liveHours: t.liveHours }), ...(t.validDays !== undefined && !Number.isNaN(t.validDays) && { validDays: t.validDays }) });

  async function save(event: Event) {
    event.preventDefault();
    const body: AgencySettingsBody = { ...s!, tiers: s!.tiers.map(clean), earnings: { ...s!.earnings, rates: s!.earnings.rates.map((r) => ({ from: r.from, ...(r.to && { to: r.to }), per1000Diamonds: r.per1000Diamonds })) } };
    const found = validateAgencySettings(body);
    for (const [i, t] of body.tiers.entries()) if (!Number.isInteger(t.diamonds) || t.diamonds < 0) found.push({ field: `tiers.${i}.diamonds`, message: 'diamonds must be a whole number.' });
    setProblems(found);
    if (found.length) return setMessage('Fix the fields marked below.');
    setBusy(true);
    try {
      setS(await monthApi.saveSettings(body));
      setMessage('Saved.');
    } catch (e) {
      const details = e instanceof ApiError && Array.isArray(e.details) ? (e.details as SettingsProblem[]) : [];
      setProblems(details);
      setMessage((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section data-testid="agency-settings">
      <h2>Agency month</h2>
      {!isAdmin && <p class="muted">Only an admin can change these settings.</p>}
      <form onSubmit={save}>
        <fieldset disabled={!isAdmin || busy}>
          <label class="row">
            <span class="grow">Time zone (months and days are counted in it)</span>
            <input id="settings-timezone" list="tz-list" value={s.timeZone} onInput={(e) => update({ ...s, timeZone: (e.currentTarget as HTMLInputElement).value })} />
            <datalist id="tz-list">{zones().map((z) => <option key={z} value={z} />)}</datalist>
          </label>
          {problemOf('timeZone') && <p class="error" data-testid="error-timeZone">{problemOf('timeZone')}</p>}
          <label class="row">
            <span class="grow">A valid go-LIVE day needs (minutes of LIVE)</span>
            <input id="settings-valid-minutes" type="number" min={1} max={1440} value={Math.round(s.validDayMinSeconds / 60)} onInput={(e) => update({ ...s, validDayMinSeconds: num((e.currentTarget as HTMLInputElement).value) * 60 })} />
          </label>
          {problemOf('validDayMinSeconds') && <p class="error">{problemOf('validDayMinSeconds')}</p>}

          <h3>Tiers (lowest first)</h3>
          <table>
            <thead>
              <tr><th>Name</th><th>Diamonds</th><th>LIVE hours</th><th>Valid days</th><th /></tr>
            </thead>
            <tbody>
              {s.tiers.map((t, i) => (
                <tr key={i} data-testid="tier-row">
                  <td><input class="tier-name" value={t.name} onInput={(e) => setTier(i, { name: (e.currentTarget as HTMLInputElement).value })} /></td>
                  <td><input class="tier-diamonds" type="number" min={0} value={Number.isNaN(t.diamonds) ? '' : t.diamonds} onInput={(e) => setTier(i, { diamonds: num((e.currentTarget as HTMLInputElement).value) })} /></td>
                  <td><input type="number" min={0} step="0.5" value={t.liveHours ?? ''} onInput={(e) => setTier(i, { liveHours: optional((e.currentTarget as HTMLInputElement).value) })} /></td>
                  <td><input type="number" min={0} max={31} value={t.validDays ?? ''} onInput={(e) => setTier(i, { validDays: optional((e.currentTarget as HTMLInputElement).value) })} /></td>
                  <td><button type="button" aria-label={`Remove tier ${t.name}`} onClick={() => update({ ...s, tiers: s.tiers.filter((_, k) => k !== i) })}>Remove</button></td>
                </tr>
              ))}
            </tbody>
          </table>
          {problemOf('tiers') && <p class="error" data-testid="error-tiers">{problemOf('tiers')}</p>}
          <button id="add-tier" type="button" onClick={() => update({ ...s, tiers: [...s.tiers, { name: '', diamonds: 0 }] })}>Add tier</button>

          <h3>Earnings</h3>
          <label class="row">
            <span class="grow">Currency</span>
            <input id="settings-currency" value={s.earnings.currency} maxLength={3} onInput={(e) => update({ ...s, earnings: { ...s.earnings, currency: (e.currentTarget as HTMLInputElement).value.toUpperCase() } })} />
          </label>
          {problemOf('earnings.currency') && <p class="error">{problemOf('earnings.currency')}</p>}
          <label class="row">
            <span class="grow">Agency share (%)</span>
            <input id="settings-share" type="number" min={0} max={100} step="0.1" value={s.earnings.agencySharePercent} onInput={(e) => update({ ...s, earnings: { ...s.earnings, agencySharePercent: num((e.currentTarget as HTMLInputElement).value) } })} />
          </label>
          {problemOf('earnings.agencySharePercent') && <p class="error">{problemOf('earnings.agencySharePercent')}</p>}
          <table>
            <thead>
              <tr><th>From</th><th>To (optional)</th><th>{s.earnings.currency} per 1,000 diamonds</th><th /></tr>
            </thead>
            <tbody>
              {s.earnings.rates.map((r, i) => (
                <tr key={i} data-testid="rate-row">
                  <td><input type="date" value={r.from} onInput={(e) => setRate(i, { from: (e.currentTarget as HTMLInputElement).value })} /></td>
                  <td><input type="date" value={r.to ?? ''} onInput={(e) => setRate(i, { to: (e.currentTarget as HTMLInputElement).value || undefined })} /></td>
                  <td><input type="number" min={0} step={1 / 10 ** digits} value={r.per1000Diamonds / 10 ** digits} onInput={(e) => setRate(i, { per1000Diamonds: Math.round(num((e.currentTarget as HTMLInputElement).value) * 10 ** digits) })} /></td>
                  <td><button type="button" onClick={() => update({ ...s, earnings: { ...s.earnings, rates: s.earnings.rates.filter((_, k) => k !== i) } })}>Remove</button></td>
                </tr>
              ))}
            </tbody>
          </table>
          {problemOf('earnings.rates') && <p class="error" data-testid="error-rates">{problemOf('earnings.rates')}</p>}
          <button id="add-rate" type="button" onClick={() => update({ ...s, earnings: { ...s.earnings, rates: [...s.earnings.rates, { from: new Date().toISOString().slice(0, 10), per1000Diamonds: 0 }] } })}>Add rate</button>
          <div class="row">
            <span class="grow" data-testid="settings-message">{message}</span>
            <button id="save-agency-settings" class="primary" type="submit">{busy ? 'Saving…' : 'Save'}</button>
          </div>
        </fieldset>
      </form>
    </section>
  );
}
