/** The HTTP contract's single source of types: TypeBox schemas (validation + OpenAPI) and their static types. */
export * from './common';
export * from './errors';
export * from './auth';
export * from './creators';
export * from './deals';
export * from './activities';
export * from './tiktok';
export * from './live';
export * from './imports';
export * from './audit';
export * from './month';
export * from './alerts';
