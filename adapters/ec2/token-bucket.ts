import type { Clock } from '../../src/clock/index.js';

/** Size and refill of a request token bucket. */
export interface TokenBucketSettings {
  /** Tokens a full bucket holds: the burst allowed after a quiet spell. */
  readonly capacity: number;
  /** Tokens added per second, up to `capacity`: the sustained request rate. */
  readonly refillPerSecond: number;
}

/**
 * Half of EC2's published request bucket for non-mutating (Describe*) actions
 * (100 tokens, 20 per second, per account and region): the bridge shares the
 * account's bucket with the console, IaC tools and other automation, so it
 * keeps the other half for them. See README.md ("Throttling").
 */
export const defaultBucketSettings: TokenBucketSettings = Object.freeze({ capacity: 50, refillPerSecond: 10 });

/** A client-side request token bucket. */
export interface TokenBucket {
  /**
   * Takes one token, waiting on the clock until one is due. Waiters are
   * served in order. Rejects with the signal's reason (and returns the token)
   * when `signal` aborts first.
   */
  take(signal?: AbortSignal): Promise<void>;
  /** Empties the bucket: EC2 answered RequestLimitExceeded, so the account's own bucket is empty. */
  drain(): void;
  /** Tokens available now (negative while waiters hold reservations). */
  available(): number;
}

/**
 * Creates a token bucket on `clock`, starting full. A take reserves its token
 * at once (the count may go below zero) and waits until the refill has paid
 * for it, which keeps waiters in order without a queue.
 */
export function createTokenBucket(settings: TokenBucketSettings, clock: Clock): TokenBucket {
  // Finite only: an infinite capacity or refill would make the bucket no limit at all.
  if (!(settings.capacity >= 1) || !Number.isFinite(settings.capacity) || !(settings.refillPerSecond > 0) || !Number.isFinite(settings.refillPerSecond)) {
    throw new RangeError('a token bucket needs a finite capacity >= 1 and a finite refillPerSecond > 0');
  }
  let tokens = settings.capacity;
  let refilledAt = clock.now();
  const refill = (): void => {
    const now = clock.now();
    tokens = Math.min(settings.capacity, tokens + ((now - refilledAt) / 1000) * settings.refillPerSecond);
    refilledAt = now;
  };
  return {
    async take(signal) {
      if (signal?.aborted) throw signal.reason;
      refill();
      tokens -= 1;
      if (tokens >= 0) return;
      const waitMs = Math.ceil((-tokens / settings.refillPerSecond) * 1000);
      try {
        await clock.sleep(waitMs, signal);
      } catch (error) {
        tokens += 1;
        throw error;
      }
    },
    drain() {
      refill();
      tokens = Math.min(tokens, 0);
    },
    available() {
      refill();
      return tokens;
    },
  };
}

/** Token buckets by account, shared by every endpoint of that account. */
export interface AccountBuckets {
  /**
   * The bucket of `accountKey`, created on first use on `clock` (one bridge
   * has one clock, so the first caller's serves every later one).
   */
  forAccount(accountKey: string, clock: Clock): TokenBucket;
  /** Accounts with a bucket so far. */
  size(): number;
}

/** Creates an empty registry; one per adapter instance, never a module global. */
export function createAccountBuckets(settings: TokenBucketSettings = defaultBucketSettings): AccountBuckets {
  const buckets = new Map<string, TokenBucket>();
  return {
    forAccount(accountKey, clock) {
      let bucket = buckets.get(accountKey);
      if (!bucket) {
        bucket = createTokenBucket(settings, clock);
        buckets.set(accountKey, bucket);
      }
      return bucket;
    },
    size: () => buckets.size,
  };
}
