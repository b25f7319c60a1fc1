/** The month rule: calendar days in the agency's zone, Backstage + later sessions, projection, tiers, earnings. */
export * from './zone';
export * from './calendar';
export * from './settings';
export * from './month';
