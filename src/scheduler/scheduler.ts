import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../clock/index.js';
import { createSlotLimiter } from '../concurrency/index.js';
import { BridgeError, ErrorCode, asBridgeError } from '../errors/index.js';
import { backoffCapMs, nextPollAt, usableRetryAfterMs, type NextPollInput } from './delay.js';

/** One endpoint's recurring poll, as the scheduler sees it. */
export interface PollJob {
  readonly name: string;
  readonly intervalMs: number;
  /** The adapter's minimum interval. */
  readonly floorMs: number;
  /**
   * When the endpoint's previous poll started, as remembered across restarts,
   * replacements and registration changes (invariant 1): the first poll of
   * the job waits until one floor after it.
   */
  readonly lastStartedAt?: number;
  /**
   * A pause of polling (a maintenance window with `pausePolling`): when a
   * poll due at `at` falls in one, the time it ends. The poll then runs once
   * at that time (plus the start-up jitter, so endpoints sharing a window do
   * not all start at once), not once per interval missed. Undefined: no pause.
   */
  pausedUntil?(at: number): number | undefined;
  /**
   * One poll. Throws on failure (a `retryAfterMs` in the BridgeError context
   * is honoured). `signal` aborts when the job is removed or the scheduler stops.
   */
  run(signal: AbortSignal): Promise<void>;
}

/** What happened in one poll, reported to `onSettled`. */
export interface PollSettlement {
  readonly name: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly error?: BridgeError;
  readonly consecutiveFailures: number;
  /** When the next poll is due; undefined when the job is not rescheduled. */
  readonly nextRunAt?: number;
}

/** A job's scheduling state, for health reporting and tests. */
export interface JobState {
  readonly running: boolean;
  readonly consecutiveFailures: number;
  readonly lastStartedAt?: number;
  readonly nextRunAt?: number;
}

export interface SchedulerOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Polls running at once across all jobs. */
  readonly maxConcurrentPolls: number;
  readonly jitterRatio: number;
  readonly backoffMaxMs: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  readonly random?: () => number;
  readonly onSettled?: (settlement: PollSettlement) => void;
}

/** Runs every endpoint's poll on its own timer; see {@link createScheduler}. */
export interface Scheduler {
  /** Adds a job; when started, its first poll comes after a jitter of at most `jitterRatio × interval`. */
  add(job: PollJob): void;
  /** Removes a job: no further polls; an in-flight one is aborted and awaited. */
  remove(name: string): Promise<void>;
  has(name: string): boolean;
  start(): void;
  /** Stops scheduling, aborts in-flight listings and waits for in-flight polls to finish. */
  stop(): Promise<void>;
  /**
   * Brings forward the next poll of a job backing off after failures, because
   * what failed it is back (its broker or cache): to when it would poll had
   * the last poll succeeded (one interval after that poll's start, or now,
   * plus a jitter of at most `jitterRatio × interval`), never sooner than its
   * floor or before a platform's retry-after hint has run out, never into a
   * pause, and never later than already planned. Answers the new time, or
   * undefined when the job was not moved.
   */
  expedite(name: string): number | undefined;
  /** Runs every job once (bounded by the concurrency limit, each no sooner than one floor after its previous start) without scheduling; the `once` command. */
  runAllOnce(signal?: AbortSignal): Promise<PollSettlement[]>;
  state(name: string): JobState | undefined;
}

interface JobEntry {
  readonly job: PollJob;
  timer?: TimerHandle;
  running?: Promise<void>;
  abort?: AbortController;
  consecutiveFailures: number;
  lastStartedAt?: number;
  nextRunAt?: number;
  /** Until when the last poll's platform hint (Retry-After) asks the job to wait; an expedited poll still honours it. */
  retryAfterEndsAt?: number;
  removed: boolean;
}

/**
 * Creates the scheduler. Invariant 1 lives here: a job never runs twice at
 * once, never starts sooner than its floor after its previous start, backs
 * off exponentially (with jitter and a cap) while it fails, and waits at
 * least as long as the platform's retry-after hint.
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const jobs = new Map<string, JobEntry>();
  const phase = { started: false, stopping: false };
  const runner = createJobRunner(options, () => phase.stopping);
  return {
    add(job) {
      if (jobs.has(job.name)) throw new BridgeError(ErrorCode.AlreadyExists, `endpoint ${job.name} is already scheduled`, { endpoint: job.name });
      if (job.intervalMs < job.floorMs) throw new BridgeError(ErrorCode.ConfigInvalid, `endpoint ${job.name}: interval ${job.intervalMs} ms is below the floor of ${job.floorMs} ms`, { endpoint: job.name });
      const entry: JobEntry = { job, consecutiveFailures: 0, removed: false, ...(job.lastStartedAt !== undefined ? { lastStartedAt: job.lastStartedAt } : {}) };
      jobs.set(job.name, entry);
      if (phase.started && !phase.stopping) runner.start(entry);
    },
    async remove(name) {
      const entry = jobs.get(name);
      if (!entry) return;
      entry.removed = true;
      jobs.delete(name);
      await runner.halt(entry, 'endpoint removed');
    },
    has: (name) => jobs.has(name),
    start() {
      if (phase.started) return;
      phase.started = true;
      for (const entry of jobs.values()) runner.start(entry);
    },
    async stop() {
      phase.stopping = true;
      await Promise.all([...jobs.values()].map((entry) => runner.halt(entry, 'shutting down')));
    },
    expedite(name) {
      const entry = jobs.get(name);
      if (!entry || !phase.started || phase.stopping) return undefined;
      return runner.expedite(entry);
    },
    async runAllOnce(signal) {
      const settlements = await Promise.all(
        [...jobs.values()].map(async (entry) => {
          const onAbort = (): void => entry.abort?.abort(signal?.reason);
          signal?.addEventListener('abort', onAbort, { once: true });
          try {
            const running = runner.run(entry, false);
            // A signal that fired before (a shutdown while `once` took its leases) has no event left to send: the run, begun, is aborted now.
            if (signal?.aborted) onAbort();
            return await running;
          } finally {
            signal?.removeEventListener('abort', onAbort);
          }
        }),
      );
      return settlements.filter((settlement): settlement is PollSettlement => settlement !== undefined);
    },
    state(name) {
      const entry = jobs.get(name);
      if (!entry) return undefined;
      return {
        running: entry.running !== undefined,
        consecutiveFailures: entry.consecutiveFailures,
        ...(entry.lastStartedAt !== undefined ? { lastStartedAt: entry.lastStartedAt } : {}),
        ...(entry.nextRunAt !== undefined ? { nextRunAt: entry.nextRunAt } : {}),
      };
    },
  };
}

/** How one job's polls are timed and run: its timer, its pauses, its floor, its slot, its settlement. */
interface JobRunner {
  /** Arms the job's first poll: after a jitter of at most `jitterRatio × interval`, no sooner than its floor, after any pause. */
  start(entry: JobEntry): void;
  /** One poll; `reschedule` arms the next (a scheduled run) or not (`once`, which waits out the floor instead). */
  run(entry: JobEntry, reschedule: boolean): Promise<PollSettlement | undefined>;
  /** No further polls; an in-flight one is aborted and awaited. */
  halt(entry: JobEntry, reason: string): Promise<void>;
  /** See {@link Scheduler.expedite}. */
  expedite(entry: JobEntry): number | undefined;
}

function createJobRunner(options: SchedulerOptions, stopping: () => boolean): JobRunner {
  const { clock, logger } = options;
  const random = options.random ?? Math.random;
  const slots = createSlotLimiter(options.maxConcurrentPolls);

  const scheduleAt = (entry: JobEntry, at: number): void => {
    if (entry.removed || stopping()) return;
    entry.nextRunAt = at;
    entry.timer = clock.schedule(at - clock.now(), () => {
      entry.timer = undefined;
      // A pause may have begun since this poll was planned (a window added, or started between polls).
      const now = clock.now();
      const resumeAt = pauseEndAfter(entry, now);
      if (resumeAt !== now) scheduleAt(entry, resumeAt);
      else void run(entry, true);
    });
  };

  /** `at`, or when a pause covering it ends (plus jitter). */
  const pauseEndAfter = (entry: JobEntry, at: number): number => {
    const pauseEnd = entry.job.pausedUntil?.(at);
    if (pauseEnd === undefined || pauseEnd <= at) return at;
    return pauseEnd + Math.floor(random() * options.jitterRatio * entry.job.intervalMs);
  };

  const run = async (entry: JobEntry, reschedule: boolean): Promise<PollSettlement | undefined> => {
    if (entry.running || entry.removed) return undefined;
    const abort = new AbortController();
    entry.abort = abort;
    let settle!: () => void;
    entry.running = new Promise<void>((resolve) => (settle = resolve));
    try {
      // A one-off run (`once`) honours the floor too: it waits rather than poll early.
      if (!reschedule) await waitOutFloor(clock, logger, entry, abort.signal);
      // Removed or stopped while every slot is held (polls stuck on their platforms): leave the queue at once.
      const holdsSlot = await slots.acquire(abort.signal).then(
        () => true,
        () => false,
      );
      if (!holdsSlot) return undefined;
      if (entry.removed || abort.signal.aborted) {
        slots.release();
        return undefined;
      }
      const startedAt = clock.now();
      entry.lastStartedAt = startedAt;
      const error = await runHoldingSlot(entry, abort.signal, slots);
      const finishedAt = clock.now();
      entry.retryAfterEndsAt = retryAfterEndsAt(options, entry, error, finishedAt);
      const nextRunAt = reschedule && !entry.removed && !stopping() ? pauseEndAfter(entry, nextPollAt(delayInput(options, entry, { startedAt, finishedAt, error, random: random() }))) : undefined;
      const settlement: PollSettlement = { name: entry.job.name, startedAt, finishedAt, consecutiveFailures: entry.consecutiveFailures, ...(error ? { error } : {}), ...(nextRunAt !== undefined ? { nextRunAt } : {}) };
      try {
        options.onSettled?.(settlement);
      } catch (callbackError) {
        logger.error({ err: callbackError, endpoint: entry.job.name }, 'poll settlement callback failed');
      }
      if (nextRunAt !== undefined) scheduleAt(entry, nextRunAt);
      return settlement;
    } finally {
      entry.running = undefined;
      entry.abort = undefined;
      settle();
    }
  };

  return {
    start(entry) {
      scheduleAt(entry, pauseEndAfter(entry, Math.max(clock.now() + Math.floor(random() * options.jitterRatio * entry.job.intervalMs), floorEndsAt(entry))));
    },
    run,
    expedite(entry) {
      const planned = entry.nextRunAt;
      if (entry.running || entry.removed || entry.timer === undefined || planned === undefined || entry.consecutiveFailures === 0) return undefined;
      const at = pauseEndAfter(entry, Math.ceil(asIfSucceededAt(entry, clock.now()) + random() * options.jitterRatio * entry.job.intervalMs));
      if (at >= planned) return undefined;
      clock.cancel(entry.timer);
      scheduleAt(entry, at);
      return at;
    },
    async halt(entry, reason) {
      if (entry.timer) clock.cancel(entry.timer);
      entry.timer = undefined;
      entry.nextRunAt = undefined;
      entry.abort?.abort(new BridgeError(ErrorCode.PollAborted, `poll of ${entry.job.name} aborted: ${reason}`, { endpoint: entry.job.name }));
      await entry.running;
    },
  };
}

/** When a failing job would poll had its last poll succeeded: one interval after that poll's start, never before its floor or its platform's hint ran out. */
function asIfSucceededAt(entry: JobEntry, now: number): number {
  return Math.max(now, (entry.lastStartedAt ?? -Infinity) + entry.job.intervalMs, floorEndsAt(entry), entry.retryAfterEndsAt ?? -Infinity);
}

/** Until when a failed poll's platform hint (Retry-After), cut to the backoff cap, asks the job to wait; undefined without one. */
function retryAfterEndsAt(options: SchedulerOptions, entry: JobEntry, error: BridgeError | undefined, finishedAt: number): number | undefined {
  const hintMs = usableRetryAfterMs(typeof error?.context.retryAfterMs === 'number' ? error.context.retryAfterMs : undefined, backoffCapMs(entry.job.intervalMs, options.backoffMaxMs));
  return hintMs === undefined ? undefined : finishedAt + hintMs;
}

/** The earliest a job may start again: one floor after its previous start. */
function floorEndsAt(entry: JobEntry): number {
  return entry.lastStartedAt === undefined ? -Infinity : entry.lastStartedAt + entry.job.floorMs;
}

async function waitOutFloor(clock: Clock, logger: Logger, entry: JobEntry, signal: AbortSignal): Promise<void> {
  const wait = floorEndsAt(entry) - clock.now();
  if (wait <= 0) return;
  logger.info({ endpoint: entry.job.name, waitMs: wait }, `waiting ${Math.ceil(wait / 1000)} s: the endpoint's previous poll started less than its minimum interval ago`);
  await clock.sleep(wait, signal).catch(() => undefined);
}

/** Runs the job once in the slot it was given (released after); counts its failures; answers its error. */
async function runHoldingSlot(entry: JobEntry, signal: AbortSignal, slots: { release(): void }): Promise<BridgeError | undefined> {
  try {
    await entry.job.run(signal);
    entry.consecutiveFailures = 0;
    return undefined;
  } catch (thrown) {
    entry.consecutiveFailures++;
    return asBridgeError(thrown, ErrorCode.Internal, { endpoint: entry.job.name });
  } finally {
    slots.release();
  }
}

/** What the next poll's time is computed from (see {@link nextPollAt}). */
function delayInput(options: SchedulerOptions, entry: JobEntry, poll: { startedAt: number; finishedAt: number; error: BridgeError | undefined; random: number }): NextPollInput {
  return {
    intervalMs: entry.job.intervalMs,
    floorMs: entry.job.floorMs,
    startedAt: poll.startedAt,
    finishedAt: poll.finishedAt,
    consecutiveFailures: entry.consecutiveFailures,
    backoffMaxMs: options.backoffMaxMs,
    jitterRatio: options.jitterRatio,
    random: poll.random,
    ...(typeof poll.error?.context.retryAfterMs === 'number' ? { retryAfterMs: poll.error.context.retryAfterMs } : {}),
  };
}
