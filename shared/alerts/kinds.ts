/** The alert kinds a manager, a webhook or the panel can receive (the contract's event names). */
export const ALERT_KINDS = [
  'creator.live_started',
  'creator.live_ended',
  'gift.spike',
  'tier.reached',
  'creator.went_quiet',
  'tiktok.connection_expired',
  'creator.stream_suspended',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export function isAlertKind(value: string): value is AlertKind {
  return (ALERT_KINDS as readonly string[]).includes(value);
}

/** Kinds exempt from the per-(kind, creator) cooldown: every session start and end is news. */
export const COOLDOWN_EXEMPT: readonly AlertKind[] = ['creator.live_started', 'creator.live_ended'];

export const DEFAULT_COOLDOWN_MS = 10 * 60_000;
export const DEFAULT_SPIKE_FLOOR = 1_000;
export const DEFAULT_QUIET_DAYS = 3;

export interface AlertPreferenceValues {
  events: Record<AlertKind, boolean>;
  quietDays: number;
  spikeFloor: number;
}

/** Every kind on, 3 quiet days, a 1,000-diamond spike floor: what an agency starts with. */
export function builtInPreferences(): AlertPreferenceValues {
  return { events: Object.fromEntries(ALERT_KINDS.map((k) => [k, true])) as Record<AlertKind, boolean>, quietDays: DEFAULT_QUIET_DAYS, spikeFloor: DEFAULT_SPIKE_FLOOR };
}

/** A user's own choices over the agency's defaults (either may leave any value unset). */
export function effectivePreferences(
  agency: Partial<{ events: Partial<Record<AlertKind, boolean>>; quietDays: number | null; spikeFloor: number | null }> | null,
  user: Partial<{ events: Partial<Record<AlertKind, boolean>>; quietDays: number | null; spikeFloor: number | null }> | null,
): AlertPreferenceValues {
  const base = builtInPreferences();
  const events = { ...base.events };
  for (const source of [agency?.events, user?.events]) {
    for (const [kind, on] of Object.entries(source ?? {})) if (isAlertKind(kind) && typeof on === 'boolean') events[kind] = on;
  }
  return {
    events,
    quietDays: user?.quietDays ?? agency?.quietDays ?? base.quietDays,
    spikeFloor: user?.spikeFloor ?? agency?.spikeFloor ?? base.spikeFloor,
  };
}
