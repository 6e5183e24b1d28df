import { maxTimerDelayMs } from '../clock/index.js';

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

/**
 * A platform's retry-after hint as a usable delay: a non-finite (Infinity,
 * NaN) or negative hint is treated as absent, and a finite one is cut to
 * `capMs`, since a platform may ask for any wait and the operator's
 * `backoffMaxSeconds` is the longest the bridge will go without trying.
 */
export function usableRetryAfterMs(retryAfterMs: number | undefined, capMs: number): number | undefined {
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs) || retryAfterMs < 0) return undefined;
  return Math.min(retryAfterMs, capMs);
}

/** The longest wait between polls: `backoffMaxMs`, never below the interval, within what a timer can wait. */
export function backoffCapMs(intervalMs: number, backoffMaxMs: number): number {
  return Math.min(Math.max(backoffMaxMs, intervalMs), maxTimerDelayMs);
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
 *
 * Every wait is bounded: the hint is cut to the backoff cap (the larger of
 * `backoffMaxMs` and the interval; see {@link usableRetryAfterMs}), so a
 * platform asking for 99,999,999 s is polled again once per cap, and the
 * result is never more than {@link maxTimerDelayMs} after `finishedAt`. The
 * result is always a finite time.
 */
export function nextPollAt(input: NextPollInput): number {
  const failed = input.consecutiveFailures > 0;
  const capMs = backoffCapMs(input.intervalMs, input.backoffMaxMs);
  const baseDelay = failed ? backoffDelay(input.intervalMs, input.consecutiveFailures, capMs) : input.intervalMs;
  const earliest = failed ? input.finishedAt + baseDelay : Math.max(input.startedAt + input.intervalMs, input.finishedAt);
  const jitter = input.random * input.jitterRatio * baseDelay;
  let at = earliest + (Number.isFinite(jitter) && jitter > 0 ? jitter : 0);
  const retryAfterMs = usableRetryAfterMs(input.retryAfterMs, capMs);
  if (retryAfterMs !== undefined) at = Math.max(at, input.finishedAt + retryAfterMs);
  at = Math.max(at, input.startedAt + input.floorMs);
  return Math.ceil(Math.min(at, input.finishedAt + maxTimerDelayMs));
}
