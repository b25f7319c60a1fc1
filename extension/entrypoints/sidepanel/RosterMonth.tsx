import { useEffect } from 'preact/hooks';
import { formatCompact } from '../../lib/format';
import { PACE_LABEL, timeAgo } from '../../lib/month-client';
import { boardRowOf, loadBoard } from '../../state/board-model';
import { ProgressBar } from './MonthBlock';
import './month.css';

/** A roster row's month: diamonds this month, a pacing bar toward the next tier, when they were last live. */
export function RosterMonth({ creatorId }: { creatorId: string }) {
  useEffect(() => void loadBoard(), []);
  const row = boardRowOf(creatorId);
  if (!row) return null;
  const m = row.month;
  return (
    <span class="roster-month" data-testid={`roster-month-${creatorId}`} title={`${PACE_LABEL[m.tier.pace]}${m.tier.next ? ` toward ${m.tier.next}` : ''}`}>
      <span>
        <i class="icon-diamond" aria-hidden="true" />
        {formatCompact(m.diamonds)}
      </span>
      <ProgressBar value={m.diamonds} projected={m.projection.diamonds} target={m.diamonds + m.tier.toNext.diamonds || m.diamonds} pace={m.tier.pace} testId={`roster-pace-${creatorId}`} />
      <span class="muted">{row.live.isLive ? 'live now' : timeAgo(row.lastLiveAt)}</span>
    </span>
  );
}
