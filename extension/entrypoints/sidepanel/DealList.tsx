import { useState } from 'preact/hooks';
import { DEAL_STAGES, type Deal, type DealStage } from '../../lib/api-types';
import type { QueuedDeal } from '../../lib/cache';
import { formatMoney } from '../../lib/format';
import { currencyDigits, parseMoneyAmount } from '../../state/deal-form';
import type { PanelState } from './panel-state';

/** Minor units → what the value field shows ("1500.5" for 150050 USD cents). */
function amountText(money: { amount: number; currency: string }): string {
  const digits = currencyDigits(money.currency) ?? 2;
  return digits ? (money.amount / 10 ** digits).toFixed(digits).replace(/\.?0+$/, '') : String(money.amount);
}

function DealEditor({ state, deal, onDone }: { state: PanelState; deal: Deal; onDone: () => void }) {
  const { card } = state;
  const [value, setValue] = useState(amountText(deal.value));
  const [due, setDue] = useState(deal.dueDate ? deal.dueDate.slice(0, 10) : '');
  const [problem, setProblem] = useState<string | null>(null);
  const idBase = `deal-${deal.id}`;
  return (
    <form
      class="deal-editor"
      data-testid="deal-editor"
      onSubmit={async (e) => {
        e.preventDefault();
        const amount = parseMoneyAmount(value, deal.value.currency);
        if (amount === null) return setProblem(`Enter an amount like 1500 or 1500.50 (${deal.value.currency})`);
        setProblem(null);
        if (await card.updateDeal(deal.id, { value: { amount, currency: deal.value.currency }, dueDate: due || null })) onDone();
      }}
    >
      <label for={`${idBase}-value`}>
        Value ({deal.value.currency})
        <input id={`${idBase}-value`} class="deal-value-input" inputMode="decimal" value={value} onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} required />
      </label>
      <label for={`${idBase}-due`}>
        Due date
        <input id={`${idBase}-due`} class="deal-due-input" type="date" value={due} onInput={(e) => setDue((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <div class="row">
        <button type="submit" class="deal-save" disabled={card.busy.value === `deal:${deal.id}`}>
          Save
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
      {problem && <p class="error" role="alert">{problem}</p>}
    </form>
  );
}

function DealRow({ state, deal }: { state: PanelState; deal: Deal }) {
  const { card } = state;
  const [editing, setEditing] = useState(false);
  const busy = card.busy.value === `deal:${deal.id}`;
  return (
    <li class="deal" data-testid="deal" data-deal-id={deal.id} data-stage={deal.stage}>
      <div class="row">
        <span class="grow ellipsis deal-brand">{deal.brand}</span>
        <b class="deal-value">{formatMoney(deal.value)}</b>
      </div>
      <div class="row deal-meta">
        <label class="visually-hidden" for={`deal-${deal.id}-stage`}>
          Stage of the deal with {deal.brand}
        </label>
        <select
          id={`deal-${deal.id}-stage`}
          class={`deal-stage stage-${deal.stage}`}
          value={deal.stage}
          disabled={busy}
          onChange={(e) => void card.updateDeal(deal.id, { stage: (e.currentTarget as HTMLSelectElement).value as DealStage })}
        >
          {DEAL_STAGES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <span class="grow muted deal-due">{deal.dueDate ? `due ${new Date(deal.dueDate).toLocaleDateString(undefined, { timeZone: 'UTC' })}` : ''}</span>
        {!editing && (
          <button type="button" class="deal-edit" aria-label={`Edit value and due date of the deal with ${deal.brand}`} onClick={() => setEditing(true)}>
            Edit
          </button>
        )}
      </div>
      {editing && <DealEditor state={state} deal={deal} onDone={() => setEditing(false)} />}
    </li>
  );
}

function PendingDeal({ state, queued }: { state: PanelState; queued: QueuedDeal }) {
  return (
    <li class={`deal pending${queued.rejected ? ' rejected' : ''}`} data-testid="pending-deal" data-idempotency-key={queued.idempotencyKey}>
      <div class="row">
        <span class="grow ellipsis deal-brand">{queued.input.brand}</span>
        <b class="deal-value">{formatMoney(queued.input.value)}</b>
      </div>
      <div class="row deal-meta">
        <span class="badge">{queued.input.stage ?? 'lead'}</span>
        <span class={queued.rejected ? 'error' : 'pending-note'}>
          {queued.rejected ? `Refused: ${queued.rejected.message}` : 'Pending: saved here, sent when the server is reachable'}
        </span>
        {queued.rejected && (
          <button type="button" class="deal-discard" onClick={() => void state.card.discardRefused(queued.idempotencyKey)}>
            Discard
          </button>
        )}
      </div>
    </li>
  );
}

/** The creator's deals: stage, value and due date editable; deals still in the outbox listed as pending. */
export function DealList({ state }: { state: PanelState }) {
  const { card } = state;
  const deals = card.deals.value;
  const pending = card.pendingDeals.value;
  return (
    <section aria-labelledby="deals-heading">
      <h3 id="deals-heading">Deals</h3>
      {deals.length === 0 && pending.length === 0 ? (
        <p class="muted">No deals yet — log one from the toolbar popup.</p>
      ) : (
        <ul class="deals" data-testid="deal-list">
          {pending.map((q) => (
            <PendingDeal key={q.idempotencyKey} state={state} queued={q} />
          ))}
          {deals.map((d) => (
            <DealRow key={d.id} state={state} deal={d} />
          ))}
        </ul>
      )}
    </section>
  );
}
