export { createDiffer } from './differ.js';
export type { Differ, DifferOptions, PollDiff, PollPlan, PollCounts, Change, Observation } from './differ.js';
