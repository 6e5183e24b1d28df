/**
 * Time as the bridge sees it. Everything that waits or reads the time takes a
 * {@link Clock}, so tests can drive the scheduler with fake time instead of sleeps.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `callback` once after `delayMs`; returns a handle for {@link Clock.cancel}. */
  schedule(delayMs: number, callback: () => void): TimerHandle;
  /** Cancels a scheduled callback; a no-op when it already ran or was cancelled. */
  cancel(handle: TimerHandle): void;
  /** Resolves after `delayMs`, or rejects with the signal's reason when aborted first. */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void>;
}

/** Opaque timer handle. */
export interface TimerHandle {
  readonly id: number;
}

/** The real clock: `Date.now` and Node timers. Timers are unref'd so they never keep a finished process alive. */
export function createSystemClock(): Clock {
  const timers = new Map<number, NodeJS.Timeout>();
  let nextId = 1;
  const clock: Clock = {
    now: () => Date.now(),
    schedule(delayMs, callback) {
      const id = nextId++;
      const timer = setTimeout(() => {
        timers.delete(id);
        callback();
      }, Math.max(0, delayMs));
      timers.set(id, timer);
      return { id };
    },
    cancel(handle) {
      const timer = timers.get(handle.id);
      if (timer) clearTimeout(timer);
      timers.delete(handle.id);
    },
    sleep: (delayMs, signal) => sleepOn(clock, delayMs, signal),
  };
  return clock;
}

/** {@link Clock.sleep} in terms of `schedule`/`cancel`, shared by every clock. */
export function sleepOn(clock: Pick<Clock, 'schedule' | 'cancel'>, delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clock.cancel(handle);
      reject(signal?.reason);
    };
    const handle = clock.schedule(delayMs, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
