import { normalizeDelayMs, sleepOn, type Clock, type TimerHandle } from '../../src/clock/index.js';

interface PendingTimer {
  readonly id: number;
  readonly dueAt: number;
  readonly callback: () => void;
}

/** A {@link Clock} whose time moves only when a test says so. */
export interface FakeClock extends Clock {
  /**
   * Moves time forward by `ms`, running each timer that falls due in due order,
   * and letting promise callbacks settle after each one so async work chained on
   * a timer (a poll, its publish, the next schedule) runs at the right fake time.
   */
  advance(ms: number): Promise<void>;
  /** Advances to the next pending timer and runs it; returns false when none is pending. */
  runNext(): Promise<boolean>;
  /** Number of timers not yet run. */
  pendingCount(): number;
}

/** Lets queued promise callbacks and I/O callbacks run. */
async function settle(): Promise<void> {
  for (let round = 0; round < 10; round++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Creates a {@link FakeClock} starting at `startMs` (default: 2026-01-01T00:00:00Z). */
export function createFakeClock(startMs = Date.UTC(2026, 0, 1)): FakeClock {
  let currentTime = startMs;
  let nextId = 1;
  const pending: PendingTimer[] = [];

  const takeNextDue = (limit: number): PendingTimer | undefined => {
    let bestIndex = -1;
    pending.forEach((timer, index) => {
      const best = pending[bestIndex];
      if (timer.dueAt <= limit && (best === undefined || timer.dueAt < best.dueAt || (timer.dueAt === best.dueAt && timer.id < best.id))) bestIndex = index;
    });
    return bestIndex === -1 ? undefined : pending.splice(bestIndex, 1)[0];
  };

  const clock: FakeClock = {
    now: () => currentTime,
    schedule(delayMs, callback): TimerHandle {
      const timer = { id: nextId++, dueAt: currentTime + normalizeDelayMs(delayMs), callback };
      pending.push(timer);
      return { id: timer.id };
    },
    cancel(handle) {
      const index = pending.findIndex((timer) => timer.id === handle.id);
      if (index !== -1) pending.splice(index, 1);
    },
    sleep: (delayMs, signal) => sleepOn(clock, delayMs, signal),
    async advance(ms) {
      const target = currentTime + ms;
      await settle();
      for (let timer = takeNextDue(target); timer; timer = takeNextDue(target)) {
        currentTime = Math.max(currentTime, timer.dueAt);
        timer.callback();
        await settle();
      }
      currentTime = target;
      await settle();
    },
    async runNext() {
      // An infinite delay never falls due, so it is never the next timer either.
      const timer = takeNextDue(Number.MAX_VALUE);
      if (!timer) return false;
      currentTime = Math.max(currentTime, timer.dueAt);
      timer.callback();
      await settle();
      return true;
    },
    pendingCount: () => pending.length,
  };
  return clock;
}
