import { useEffect, useState } from 'preact/hooks';
import { formatCompact, formatMoney } from '../../lib/format';
import { monthApi, PACE_LABEL, paceClass, type AgencySettingsBody, type CreatorMonth } from '../../lib/month-client';
import './month.css';

/** A progress bar: the figure so far and, lighter, where the projection lands, against a target. */
export function ProgressBar({ value, projected, target, pace, testId }: { value: number; projected?: number; target: number; pace: CreatorMonth['tier']['pace']; testId?: string }) {
  const pct = (n: number) => `${Math.min(100, target > 0 ? (n / target) * 100 : n > 0 ? 100 : 0).toFixed(1)}%`;
  return (
    <div class={`bar ${paceClass(pace)}`} data-testid={testId} role="progressbar" aria-valuemin={0} aria-valuemax={target} aria-valuenow={value}>
      {projected !== undefined && <span class="projected" style={{ width: pct(projected) }} />}
      <span class="fill" style={{ width: pct(value) }} />
    </div>
  );
}

const hours = (s: number) => Math.round((s / 3600) * 10) / 10;

/** The card's Month block: diamonds, hours and valid days against the next tier, projected tier, needed per day. */
export function MonthBlock({ creatorId }: { creatorId: string }) {
  const [month, setMonth] = useState<CreatorMonth | null>(null);
  const [settings, setSettings] = useState<AgencySettingsBody | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    setMonth(null);
    Promise.all([monthApi.month(creatorId), monthApi.settings()]).then(
      ([m, s]) => !cancelled && (setMonth(m), setSettings(s), setError(null)),
      (e: Error) => !cancelled && setError(e.message),
    );
    return () => void (cancelled = true);
  }, [creatorId]);

  if (error) return <p class="error" data-testid="month-error">Month: {error}</p>;
  if (!month || !settings) return <p class="muted">Loading the month…</p>;
  const tiers = settings.tiers;
  // Bars measure toward the next tier; once the top tier is reached, toward that tier.
  const target = tiers.find((t) => t.name === month.tier.next) ?? tiers[tiers.length - 1] ?? null;
  const { pace } = month.tier;
  const bars = [
    { key: 'diamonds', label: 'Diamonds', value: month.diamonds, projected: month.projection.diamonds, target: target?.diamonds ?? 0, show: (n: number) => formatCompact(n) },
    { key: 'hours', label: 'LIVE hours', value: hours(month.liveSeconds), projected: hours(month.projection.liveSeconds), target: target?.liveHours ?? 0, show: (n: number) => String(n) },
    { key: 'days', label: 'Valid days', value: month.validDays, projected: month.projection.validDays, target: target?.validDays ?? 0, show: (n: number) => String(n) },
  ];
  return (
    <section class="month-block" data-testid="month-block">
      <h3>
        <span class="grow">Month {month.month}</span>
        <span class={`pace-pill ${paceClass(pace)}`} data-testid="month-pace">
          {PACE_LABEL[pace]}
        </span>
      </h3>
      {month.quit && (
        <p class="quit-mark" data-testid="month-quit">
          Quit the network (Backstage): not projected.
        </p>
      )}
      {bars.map((b) => (
        <div class="month-bar" key={b.key}>
          <div class="label">
            <span>{b.label}</span>
            <span data-testid={`month-${b.key}`}>
              {b.show(b.value)}
              {b.target > 0 && <span class="muted"> / {b.show(b.target)}</span>}
              <span class="muted"> · proj. {b.show(b.projected)}</span>
            </span>
          </div>
          <ProgressBar value={b.value} projected={b.projected} target={b.target} pace={pace} testId={`month-bar-${b.key}`} />
        </div>
      ))}
      <div class="month-facts">
        <span>Current tier</span>
        <b data-testid="month-tier-current">{month.tier.current ?? 'none'}</b>
        <span>Projected tier</span>
        <b data-testid="month-tier-projected">{month.tier.projected ?? 'none'}</b>
        {month.tier.next && (
          <>
            <span>Needed per day for {month.tier.next}</span>
            <b data-testid="month-needed">
              {month.tier.neededPerDay ? `${formatCompact(month.tier.neededPerDay.diamonds)} diamonds, ${hours(month.tier.neededPerDay.liveSeconds)} h` : 'month over'}
            </b>
          </>
        )}
        <span>Earnings (creator / agency)</span>
        <b>
          {formatMoney(month.earnings.creator)} / {formatMoney(month.earnings.agency)}
        </b>
        {month.sources.backstage && (
          <>
            <span>Backstage through</span>
            <b>{month.sources.backstage.periodEnd}</b>
          </>
        )}
      </div>
    </section>
  );
}
