// Sheet files (FORMAT.md, version 1): reading (read.ts), writing (write.ts) and the JSON
// diagnostics the reader relies on (json-diagnostics.ts), under the one name callers import.
export { type ReadOptions, type ReadResult, SHEET_LIMITS, type SheetLimits, readSheet } from './read';
export { writeSheet } from './write';
export { type DuplicateKey, type SyntaxProblem, findDuplicateKey, findJsonSyntaxError } from './json-diagnostics';
