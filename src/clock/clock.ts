/**
 * Time as the bridge sees it. Everything that waits or reads the time takes a
 * {@link Clock}, so tests can drive the scheduler with fake time instead of sleeps.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `callback` once after `delayMs` (NaN or negative: as soon as possible; Infinity: never); returns a handle for {@link Clock.cancel}. */
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

/**
 * The longest delay one Node timer takes: `setTimeout` turns anything above
 * 2^31 − 1 ms (24.8 days) into 1 ms, which would make a long wait a busy loop.
 */
export const maxTimerDelayMs = 2 ** 31 - 1;

/**
 * A requested delay as a clock understands it: NaN and negative delays mean
 * "as soon as possible" (0); Infinity means never. Shared by every clock so
 * fake and real time agree.
 */
export function normalizeDelayMs(delayMs: number): number {
  return Number.isNaN(delayMs) || delayMs < 0 ? 0 : delayMs;
}

/** The host timer functions the system clock runs on; injectable so tests can watch what it arms. */
export interface HostTimers {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(timer: unknown): void;
}

const nodeTimers: HostTimers = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

/**
 * The real clock: `Date.now` and Node timers. Any delay is safe: one longer
 * than {@link maxTimerDelayMs} is waited as a chain of timers of at most that
 * length, an infinite one never fires, and NaN or a negative delay fires at once.
 */
export function createSystemClock(host: HostTimers = nodeTimers): Clock {
  const timers = new Map<number, unknown>();
  let nextId = 1;
  const clock: Clock = {
    now: () => host.now(),
    schedule(delayMs, callback) {
      const id = nextId++;
      const dueAt = host.now() + normalizeDelayMs(delayMs);
      const arm = (): void => {
        const remaining = Math.max(0, dueAt - host.now());
        const chained = remaining > maxTimerDelayMs;
        const timer = host.setTimeout(() => {
          if (!timers.has(id)) return;
          if (chained) {
            arm();
            return;
          }
          timers.delete(id);
          callback();
        }, Math.min(remaining, maxTimerDelayMs));
        timers.set(id, timer);
      };
      arm();
      return { id };
    },
    cancel(handle) {
      const timer = timers.get(handle.id);
      if (timer !== undefined) host.clearTimeout(timer);
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
