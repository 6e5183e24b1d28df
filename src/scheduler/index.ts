export { createScheduler } from './scheduler.js';
export type { Scheduler, SchedulerOptions, PollJob, PollSettlement, JobState } from './scheduler.js';
export { nextPollAt, backoffDelay, usableRetryAfterMs } from './delay.js';
export type { NextPollInput } from './delay.js';
