/** LIVE tallies: the gift-streak rule, the session reducer, viewer averages, the library adapter and month pacing. */
export * from './events';
export * from './seen-message-ids';
export * from './gift-streaks';
export * from './viewer-stats';
export * from './session-tally';
export * from './to-live-event';
export * from './month-pacing';
export * from './creator-totals';
