export { createDiffer } from './differ.js';
export type { Differ, DifferOptions, PollDiff, PollPlan, PollCounts, AbsenceCounts, AbsenceCheck, Change, Observation, ListedChanges } from './differ.js';
export { judgeVanishing } from './deletion-guard.js';
export { createIdClaims, ownersOf } from './id-claims.js';
export type { IdClaims, IdConflict } from './id-claims.js';
export type { DeletionGuardSettings, VanishingVerdict } from './deletion-guard.js';
export { recall } from './recall.js';
export type { RecalledState, Recollection } from './recall.js';
