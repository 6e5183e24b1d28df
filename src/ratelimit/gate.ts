/**
 * One platform account's request budget, as a platform client sees it: take
 * a token before each request, and empty the bucket when the platform said
 * the account is throttled.
 */
export interface RequestGate {
  /**
   * Resolves when one request may be sent (at once while the bucket holds a
   * token). Waiters are served in the order they asked, across every endpoint
   * and replica that shares the bucket. Rejects only with the signal's reason
   * when `signal` aborts first (the token is given back); never for a store
   * that failed (see {@link createRedisBucket}).
   */
  take(signal?: AbortSignal): Promise<void>;
  /**
   * The platform answered "throttled" (EC2 `RequestLimitExceeded`): its own
   * bucket for the account is empty, so ours is emptied too and every
   * endpoint of the account slows down, not only the one that was told.
   */
  drain(): void;
}

/** Size and refill of a request token bucket. */
export interface TokenBucketSettings {
  /** Tokens a full bucket holds: the burst allowed after a quiet spell. */
  readonly capacity: number;
  /** Tokens added per second, up to `capacity`: the sustained request rate. */
  readonly refillPerSecond: number;
}

/** Throws a RangeError unless both numbers are finite and positive (capacity at least 1). */
export function checkBucketSettings(settings: TokenBucketSettings): void {
  // Finite only: an infinite capacity or refill would make the bucket no limit at all.
  if (!(settings.capacity >= 1) || !Number.isFinite(settings.capacity) || !(settings.refillPerSecond > 0) || !Number.isFinite(settings.refillPerSecond)) {
    throw new RangeError('a token bucket needs a finite capacity >= 1 and a finite refillPerSecond > 0');
  }
}
