/**
 * The extension's own icons, as inline SVG: emoji depend on the system's fonts (a machine without an
 * emoji font shows an empty box), these ship in the bundle and take the text colour and size.
 */
const PATHS = {
  // A cut gem: crown and pavilion, with the facet lines drawn in the background colour.
  diamond: 'M4.5 3h15L23 8.5 12 21 1 8.5Z M1 8.5h22 M8.5 3 7 8.5l5 12.5 5-12.5L15.5 3',
  check: 'M4 12.5 9.5 18 20 6',
  play: 'M7 4.5v15L19.5 12Z',
  heart: 'M12 20.5s-8.5-5-8.5-11A4.5 4.5 0 0 1 12 6.8a4.5 4.5 0 0 1 8.5 2.7c0 6-8.5 11-8.5 11Z',
  refresh: 'M20 12a8 8 0 1 1-2.4-5.7 M20 4v4.5h-4.5',
  dot: 'M12 7a5 5 0 1 1 0 10 5 5 0 0 1 0-10Z',
  copy: 'M9 9h11v11H9Z M5 15H4V4h11v1',
} as const;

export type IconName = keyof typeof PATHS;
const FILLED: ReadonlySet<IconName> = new Set(['play', 'heart', 'dot']);

/** An icon in the current text colour; `label` makes it announced (otherwise it is decoration). */
export function Icon({ name, label, class: className }: { name: IconName; label?: string; class?: string }) {
  const filled = FILLED.has(name);
  return (
    <svg
      class={`icon icon-${name}${className ? ` ${className}` : ''}`}
      viewBox="0 0 24 24"
      width="1em"
      height="1em"
      data-icon={name}
      role={label ? 'img' : undefined}
      aria-label={label}
      aria-hidden={label ? undefined : 'true'}
      focusable="false"
    >
      <path
        d={PATHS[name]}
        fill={filled ? 'currentColor' : name === 'diamond' ? 'currentColor' : 'none'}
        fill-opacity={name === 'diamond' ? 0.25 : undefined}
        stroke="currentColor"
        stroke-width={filled ? 0 : 2}
        stroke-linejoin="round"
        stroke-linecap="round"
      />
    </svg>
  );
}

/** A diamond amount: the icon, then the figure (the icon is named for screen readers). */
export function Diamonds({ value, testId }: { value: string; testId?: string }) {
  return (
    <span class="diamond-amount" data-testid={testId}>
      <Icon name="diamond" label="diamonds" class="diamond" />
      {value}
    </span>
  );
}
