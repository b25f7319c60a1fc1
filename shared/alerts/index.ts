export * from './kinds';
export * from './spike';
export * from './backoff';
export * from './event';
export * from './tier';
