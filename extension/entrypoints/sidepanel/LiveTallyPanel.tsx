import { useEffect, useState } from 'preact/hooks';
import type { LiveTally } from '../../lib/api-types';
import { formatCompact, formatDuration } from '../../lib/format';
import { Diamonds } from '../../components/Icon';

/** The live tally of the creator on the card; the duration ticks every second. */
export function LiveTallyPanel({ tally }: { tally: LiveTally }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const seconds = (now - Date.parse(tally.startedAt)) / 1000;
  return (
    <section class="live-tally" data-testid="live-tally" aria-label="Live now">
      <div class="row">
        <span class="badge live">LIVE</span>
        <span class="muted" data-testid="live-duration">{formatDuration(seconds)}</span>
      </div>
      <div class="tiles">
        <div class="tile diamonds-tile">
          <b>
            <Diamonds value={formatCompact(tally.diamonds)} testId="live-diamonds" />
          </b>
          <span>diamonds</span>
        </div>
        <div class="tile">
          <b data-testid="live-viewers">{formatCompact(tally.viewers)}</b>
          <span>viewers</span>
        </div>
        <div class="tile">
          <b data-testid="live-peak">{formatCompact(tally.peakViewers)}</b>
          <span>peak</span>
        </div>
        <div class="tile">
          <b>{formatCompact(tally.gifts)}</b>
          <span>gifts</span>
        </div>
      </div>
      {tally.topGifters.length > 0 && (
        <ol class="gifters" data-testid="top-gifters">
          {tally.topGifters.slice(0, 5).map((g) => (
            <li key={g.userId} class="row">
              <span class="grow ellipsis">{g.nickname || g.handle}</span>
              <Diamonds value={formatCompact(g.diamonds)} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
