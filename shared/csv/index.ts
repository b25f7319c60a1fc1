// CSV import normalisation for LiveRoster: pure, no I/O, shared by the server and the extension.
export { isEmptyCell, type CsvErrorCode, type Parsed } from './result';
export * from './encoding';
export * from './delimiter';
export * from './header-aliases';
export * from './detect-format';
export * from './numbers';
export * from './durations';
export * from './dates';
export * from './time-zone';
export * from './handle';
export type { RowResult, RowProblem, CsvNormaliserOptions, NormaliserContext } from './normaliser-context';
export * from './session-normaliser';
export * from './backstage-normaliser';
export * from './create-csv-normaliser';
export * from './row-pipeline';
export * from './sha256';
export * from './row-key';
export * from './csv-writer';
