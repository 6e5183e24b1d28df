import type { Clock, TimerHandle } from '../clock/index.js';

/**
 * A time limit that runs only while the platform is being waited on. Pages
 * are delivered while the listing goes on, so a poll's wall time includes
 * waits for the broker and the cache; a slow broker must not make a healthy
 * platform's listing time out.
 */
export interface ListingBudget {
  /** Stops the count (the poll waits on something else). */
  pause(): void;
  /** Counts on from where it stopped. */
  resume(): void;
  /** Stops for good. */
  cancel(): void;
}

/** Starts a budget of `limitMs` on `clock`; `onExpired` runs once when it is spent. */
export function startListingBudget(clock: Clock, limitMs: number, onExpired: () => void): ListingBudget {
  let remainingMs = limitMs;
  let runningSince: number | undefined;
  let timer: TimerHandle | undefined;
  let cancelled = false;
  const resume = (): void => {
    if (runningSince !== undefined || cancelled) return;
    runningSince = clock.now();
    timer = clock.schedule(remainingMs, onExpired);
  };
  const pause = (): void => {
    if (runningSince === undefined || timer === undefined) return;
    clock.cancel(timer);
    remainingMs = Math.max(0, remainingMs - (clock.now() - runningSince));
    runningSince = undefined;
    timer = undefined;
  };
  resume();
  return {
    pause,
    resume,
    cancel() {
      pause();
      cancelled = true;
    },
  };
}
