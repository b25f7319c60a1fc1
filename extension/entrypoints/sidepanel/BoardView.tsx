import { useEffect, useMemo, useState } from 'preact/hooks';
import { formatCompact, formatMoney } from '../../lib/format';
import { sendToBackground } from '../../lib/messages';
import { monthApi, PACE_LABEL, paceClass, timeAgo, type Board } from '../../lib/month-client';
import { board as sharedBoard, boardOrder, loadBoard } from '../../state/board-model';
import { ProgressBar } from './MonthBlock';
import type { PanelState } from './panel-state';
import './month.css';

/** Opens a board row's card: from the roster already loaded, else fetched. */
async function openFromBoard(state: PanelState, creatorId: string): Promise<void> {
  const known = state.roster.creators.value.find((c) => c.id === creatorId);
  state.openCreator(known ?? (await sendToBackground('creator.get', { id: creatorId })));
}


/** The agency (or the manager's team) this month, with a CSV button. */
export function BoardView({ state }: { state: PanelState }) {
  const [month, setMonth] = useState<string>('');
  const [data, setData] = useState<Board | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let cancelled = false;
    setError(null);
    const load = month ? monthApi.board({ month }) : loadBoard(15_000).then(() => sharedBoard.value!);
    load.then(
      (b) => !cancelled && setData(b),
      (e: Error) => !cancelled && setError(e.message),
    );
    return () => void (cancelled = true);
  }, [month]);

  const rows = useMemo(() => (data ? boardOrder(data.items) : []), [data]);
  const total = data?.totals.agency;
  return (
    <section class="board" data-testid="board-view">
      <div class="board-tools">
        <input id="board-month" type="month" value={month || data?.month || ''} onChange={(e) => setMonth((e.currentTarget as HTMLInputElement).value)} />
        <span class="grow" />
        <button
          id="board-csv"
          disabled={busy || !data}
          onClick={async () => {
            setBusy(true);
            try {
              await monthApi.downloadCsv('/api/v1/board', { month: data?.month }, `board-${data?.month}.csv`);
            } catch (e) {
              setError((e as Error).message);
            } finally {
              setBusy(false);
            }
          }}
        >
          CSV
        </button>
      </div>
      {error && <p class="error" data-testid="board-error">{error}</p>}
      {!data && !error && <p class="muted">Loading the board…</p>}
      {total && (
        <div class="board-totals" data-testid="board-totals">
          <span>
            <b>{total.creators}</b> creators
          </span>
          <span>
            <span class="live-dot" />
            <b>{total.liveNow}</b> live now
          </span>
          <span>
            <i class="icon-diamond" />
            <b>{formatCompact(total.diamonds)}</b> (proj. {formatCompact(total.projectedDiamonds)})
          </span>
          <span>
            Agency earnings <b>{formatMoney(total.earnings.agency)}</b>
          </span>
        </div>
      )}
      {data && data.pending > 0 && (
        <p class="muted" data-testid="board-pending">
          Recounting the month of {data.pending} {data.pending === 1 ? 'creator' : 'creators'} whose sessions just ended: their figures are estimates until then.
        </p>
      )}
      {data && data.totals.managers.length > 1 && (
        <div class="board-totals muted" data-testid="board-managers">
          {data.totals.managers.map((m) => (
            <span key={m.managerId ?? 'none'}>
              {m.name || 'Manager'}: {formatCompact(m.diamonds)} ({m.creators})
            </span>
          ))}
        </div>
      )}
      {data && (
        <table class="board-table" data-testid="board-table">
          <thead>
            <tr>
              <th>Creator</th>
              <th class="num">Month</th>
              <th>Pace</th>
              <th class="num">Proj. tier</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((i) => {
              const tierTarget = i.month.diamonds + i.month.tier.toNext.diamonds;
              return (
                <tr key={i.creatorId} class={i.live.isLive ? 'live-now' : ''} data-testid="board-row" data-creator-id={i.creatorId} onClick={() => void openFromBoard(state, i.creatorId)}>
                  <td>
                    {i.live.isLive && <span class="live-dot" title={`Live now: ${formatCompact(i.live.diamonds)} diamonds`} />}
                    <span class="ellipsis">{i.displayName || i.handle}</span>
                    <div class="muted">{i.live.isLive ? `live · ${formatCompact(i.live.diamonds)} now` : `last LIVE ${timeAgo(i.lastLiveAt)}`}</div>
                  </td>
                  <td class="num">
                    <i class="icon-diamond" aria-hidden="true" />
                    {formatCompact(i.month.diamonds)}
                  </td>
                  <td title={PACE_LABEL[i.month.tier.pace]}>
                    <ProgressBar value={i.month.diamonds} projected={i.month.projection.diamonds} target={tierTarget || i.month.diamonds} pace={i.month.tier.pace} />
                  </td>
                  <td class="num">
                    <span class={`pace-pill ${paceClass(i.month.tier.pace)}`}>{i.month.quit ? 'quit' : (i.month.tier.projected ?? '–')}</span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
