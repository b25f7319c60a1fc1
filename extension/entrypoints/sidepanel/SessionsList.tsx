import { useEffect, useState } from 'preact/hooks';
import { formatCompact, formatDuration } from '../../lib/format';
import { monthApi, type LiveSession } from '../../lib/month-client';
import './month.css';

/** The card's session history, newest first, ten at a time (listener and imported; reconciled ones marked). */
export function SessionsList({ creatorId }: { creatorId: string }) {
  const [items, setItems] = useState<LiveSession[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  async function load(from: string | null, reset: boolean) {
    setLoading(true);
    try {
      const page = await monthApi.sessions(creatorId, from);
      setItems((prev) => (reset ? page.items : [...prev, ...page.items]));
      setCursor(page.nextCursor);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoading(false);
    }
  }
  useEffect(() => void load(null, true), [creatorId]);

  return (
    <section data-testid="sessions-section">
      <h3>Sessions</h3>
      {error && <p class="error">{error}</p>}
      {!loading && items.length === 0 && !error && <p class="muted">No LIVE sessions yet.</p>}
      <ul class="sessions-list" data-testid="sessions-list">
        {items.map((s) => (
          <li key={s.id} data-testid="session-row">
            <span>
              {s.status === 'live' && <span class="live-dot" title="Live now" />}
              {new Date(s.startedAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}
            </span>
            <span>{formatDuration(s.durationSeconds)}</span>
            <span>
              <i class="icon-diamond" aria-hidden="true" />
              {formatCompact(s.diamonds)}
            </span>
            <span title="Peak viewers">{formatCompact(s.peakViewers)} peak</span>
            <span>
              <span class={`src ${s.source}`}>{s.source === 'listener' ? 'listener' : 'import'}</span>
              {s.reconciled && <span class="reconciled" title="Reconciled: the import and the listener recorded the same LIVE" data-testid="session-reconciled" />}
            </span>
          </li>
        ))}
      </ul>
      {cursor && (
        <button id="sessions-more" disabled={loading} onClick={() => void load(cursor, false)}>
          {loading ? 'Loading…' : 'More sessions'}
        </button>
      )}
    </section>
  );
}
