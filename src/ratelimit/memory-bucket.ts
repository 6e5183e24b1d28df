import type { Clock } from '../clock/index.js';
import { checkBucketSettings, type RequestGate, type TokenBucketSettings } from './gate.js';

/** A request token bucket held in this process. */
export interface TokenBucket extends RequestGate {
  /** Tokens available now (negative while waiters hold reservations). */
  available(): number;
}

/**
 * Creates a token bucket in memory on `clock`, starting full. A take reserves
 * its token at once (the count may go below zero) and waits until the refill
 * has paid for it, which keeps waiters in order without a queue. It limits
 * one process only: the bridge uses it when the cache is in memory, and as
 * the stand-in while the Redis bucket cannot be reached.
 */
export function createTokenBucket(settings: TokenBucketSettings, clock: Clock): TokenBucket {
  checkBucketSettings(settings);
  let tokens = settings.capacity;
  let refilledAt = clock.now();
  const refill = (): void => {
    const now = clock.now();
    // A clock that stepped back refills nothing rather than draining the bucket.
    if (now > refilledAt) tokens = Math.min(settings.capacity, tokens + ((now - refilledAt) / 1000) * settings.refillPerSecond);
    refilledAt = Math.max(refilledAt, now);
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
