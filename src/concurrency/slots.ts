/**
 * At most `limit` holders at once, shared by every caller: the scheduler's
 * polls in flight, the publisher's events awaiting their acks. Waiters get
 * their slot in call order; a release hands the slot straight to the next
 * waiter, so a caller arriving at that moment cannot take it first.
 */
export interface SlotLimiter {
  /** Resolves once the caller holds a slot; it must call {@link SlotLimiter.release} exactly once after. */
  acquire(): Promise<void>;
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
  return {
    acquire: () => (takeFree() ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    release,
    async run(task) {
      if (!takeFree()) await new Promise<void>((resolve) => waiters.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}
