/** Inputs of {@link nextPollAt}; all times in epoch ms, durations in ms. */
export interface NextPollInput {
  readonly intervalMs: number;
  /** The adapter floor: no two polls start closer than this. */
  readonly floorMs: number;
  readonly startedAt: number;
  readonly finishedAt: number;
  /** Failures in a row including this poll; 0 after a success. */
  readonly consecutiveFailures: number;
  readonly backoffMaxMs: number;
  /** Share of the base delay added at random (0..1). */
  readonly jitterRatio: number;
  /** The platform's own hint (Retry-After, overLimit), if it gave one. */
  readonly retryAfterMs?: number;
  /** A number in [0, 1). */
  readonly random: number;
}

/** The backoff after `consecutiveFailures` failures: interval × 2^failures, capped (never below the interval). */
export function backoffDelay(intervalMs: number, consecutiveFailures: number, backoffMaxMs: number): number {
  if (consecutiveFailures <= 0) return intervalMs;
  return Math.min(Math.max(backoffMaxMs, intervalMs), intervalMs * 2 ** Math.min(consecutiveFailures, 30));
}

/**
 * When the next poll of an endpoint starts. After a success: one interval after
 * the previous start (or at once when the poll outlasted it). After failures:
 * the exponential backoff after the end of the failed poll. Jitter only ever
 * lengthens the wait; the retry-after hint and the floor are lower bounds that
 * nothing shortens.
 */
export function nextPollAt(input: NextPollInput): number {
  const failed = input.consecutiveFailures > 0;
  const baseDelay = failed ? backoffDelay(input.intervalMs, input.consecutiveFailures, input.backoffMaxMs) : input.intervalMs;
  const earliest = failed ? input.finishedAt + baseDelay : Math.max(input.startedAt + input.intervalMs, input.finishedAt);
  const jitter = input.random * input.jitterRatio * baseDelay;
  let at = earliest + jitter;
  if (input.retryAfterMs !== undefined) at = Math.max(at, input.finishedAt + input.retryAfterMs);
  return Math.ceil(Math.max(at, input.startedAt + input.floorMs));
}
