/** A small SVG line of follower counts over time (no chart library: it would dwarf the panel bundle). */
export function Sparkline({ points, width = 240, height = 40 }: { points: Array<{ at: string; count: number }>; width?: number; height?: number }) {
  if (points.length < 2) return <p class="muted" data-testid="sparkline-empty">Not enough history yet</p>;
  const sorted = [...points].sort((a, b) => a.at.localeCompare(b.at));
  const counts = sorted.map((p) => p.count);
  const min = Math.min(...counts);
  const span = Math.max(...counts) - min || 1;
  const step = width / (sorted.length - 1);
  const path = counts.map((c, i) => `${(i * step).toFixed(1)},${(height - 2 - ((c - min) / span) * (height - 4)).toFixed(1)}`).join(' ');
  const rising = counts[counts.length - 1] >= counts[0];
  return (
    <svg class={`sparkline ${rising ? 'up' : 'down'}`} viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" width="100%" height={height} data-testid="follower-sparkline" role="img" aria-label="Follower trend">
      <polyline points={path} fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round" vector-effect="non-scaling-stroke" />
    </svg>
  );
}
