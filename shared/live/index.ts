/** LIVE tallies: the gift-streak rule, the session reducer, viewer averages and the library adapter (month pacing: shared/month). */
export * from './events';
export * from './seen-message-ids';
export * from './gift-streaks';
export * from './viewer-stats';
export * from './session-tally';
export * from './to-live-event';
export * from './creator-totals';
