/**
 * At most `limit` holders at once, shared by every caller: the scheduler's
 * polls in flight, the publisher's events awaiting their acks. Waiters get
 * their slot in call order; a release hands the slot straight to the next
 * waiter, so a caller arriving at that moment cannot take it first.
 */
export interface SlotLimiter {
  /**
   * Resolves once the caller holds a slot; it must call
   * {@link SlotLimiter.release} exactly once after. When `signal` aborts
   * before a slot was granted, the caller leaves the queue and the promise
   * rejects with the signal's reason: an endpoint removed while every slot
   * is held by polls stuck on their platforms must not wait for one of them.
   */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Gives a held slot back: to the longest waiter, else to the free ones. */
  release(): void;
  /** Runs `task` holding a slot, released however the task ends. With a slot free the task starts at once (synchronously). */
  run<Result>(task: () => Promise<Result>): Promise<Result>;
}

/** Creates a {@link SlotLimiter} of `limit` slots (at least one). */
export function createSlotLimiter(limit: number): SlotLimiter {
  let free = Math.max(1, Math.floor(limit));
  const waiters: Array<() => void> = [];
  const takeFree = (): boolean => {
    if (free === 0) return false;
    free--;
    return true;
  };
  const release = (): void => {
    const next = waiters.shift();
    if (next) next();
    else free++;
  };
  const wait = (signal: AbortSignal | undefined): Promise<void> => {
    if (!signal) return new Promise<void>((resolve) => waiters.push(resolve));
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const granted = (): void => {
        signal.removeEventListener('abort', leave);
        resolve();
      };
      // Leaving the queue rather than taking the slot and releasing it keeps call order for those still waiting.
      const leave = (): void => {
        const place = waiters.indexOf(granted);
        if (place >= 0) waiters.splice(place, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', leave, { once: true });
      waiters.push(granted);
    });
  };
  return {
    acquire: (signal) => (takeFree() ? Promise.resolve() : wait(signal)),
    release,
    async run(task) {
      if (!takeFree()) await wait(undefined);
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}
